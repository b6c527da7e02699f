"""Synthetic corpora in the genre of the two real documents, for scale benchmarks and fault tests.

A corpus of size ``k`` holds ``k`` task-assignment notices and ``k`` report-like documents, each
about as long as its real model (``--layout many``, the default), or one notice of ``148·k`` tasks
beside ``k`` reports (``--layout long``: shows costs that grow with the length of one document).

Notices are assembled from the real notice's parts: its preamble (document number changed), its
chapter and section headings (cycled, numbered on with Chinese numerals), its task bodies
(shuffled), and responsibility clauses that are either a real clause or one composed from the
agency gazetteer with the genre's abbreviation patterns (``省发展改革委、司法厅``,
``郑州、洛阳市政府``, ``济源示范区、航空港区管委会``, ``各省辖市政府``, ``牵头`` / ``等部门``).
Page breaks (``\\n\\n`` inside a task, even inside a unit name) and half-width punctuation are
inserted at about the real rates. Reports are the real report with every decimal figure varied,
so each document has its own literals. Everything is seeded: a corpus is byte-identical per seed.

    python -m bench.synth OUT_DIR --size 10 [--layout long] [--tasks 148] [--seed 1]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from dataclasses import dataclass
from pathlib import Path

from kg.build import DATA_ROOT
from mappings.numerals import cn_numeral
from mappings.text import CHAPTER_RE, DATE_RE, DOC_NUMBER_RE, ITEM_RE, SECTION_RE, SIGNATURE_RE, normalize

SOURCES = DATA_ROOT / "sources"
GAZETTEER = DATA_ROOT / "gazetteer"
NOTICE = SOURCES / "henan-2026-key-tasks-notice.txt"
REPORT = SOURCES / "henan-2024-government-work-report.txt"
REAL_TASKS = 148

CLAUSE_CLASSES = {"ProvincialAgency", "CentralGovernmentBranch", "StateOwnedEnterprise", "MassOrganisation"}
_CLAUSE_RE = re.compile(r"[（(]([^（(）)]*(?:负责|负责。))[）)]\s*$")


@dataclass(frozen=True)
class NoticeParts:
    """The reusable parts of the real notice, as raw source text (page breaks joined)."""

    preamble: str
    signature: str
    chapters: list[str]
    sections: list[str]
    layout: list[tuple[int, int, int]]
    bodies: list[str]
    clauses: list[str]


def _raw(norm, start: int, end: int) -> str:
    """Source text of a normalised paragraph with the page-break line breaks removed."""
    return re.sub(r"\s*\n\s*", "", norm.source_text(start, end))


def notice_parts(path: Path = NOTICE) -> NoticeParts:
    """Split the real notice into preamble, headings, task bodies and clauses."""
    norm = normalize(path.read_text(encoding="utf-8"))
    chapters: list[str] = []
    sections: list[str] = []
    layout: list[tuple[int, int, int]] = []
    bodies: list[str] = []
    clauses: list[str] = []
    source = norm.source
    first_chapter = last_task_end = 0
    for start, end in norm.paragraphs():
        line = norm.text[start:end]
        raw = _raw(norm, start, end).strip()
        if CHAPTER_RE.match(line):
            if not chapters:
                first_chapter = norm.source_span(start, end)[0]
            chapters.append(CHAPTER_RE.sub("", line, count=1))
        elif SECTION_RE.match(line):
            sections.append(SECTION_RE.sub("", line, count=1))
            layout.append((len(chapters) - 1, len(sections) - 1, 0))
        elif ITEM_RE.match(line) and layout:
            c, s, n = layout[-1]
            layout[-1] = (c, s, n + 1)
            text = re.sub(r"^\d+\s*[.、]\s*", "", raw)
            m = _CLAUSE_RE.search(text)
            if not m:
                raise ValueError(f"{path}: task {len(bodies) + 1} has no responsibility clause")
            bodies.append(text[: m.start()].rstrip())
            clauses.append(m.group(1))
            last_task_end = norm.source_span(start, end)[1]
    preamble, signature = source[:first_chapter].strip("\n"), source[last_task_end:].strip("\n")
    return NoticeParts(preamble, signature, chapters, sections, layout, bodies, clauses)


@dataclass(frozen=True)
class Units:
    """Written forms of units for composed clauses, read from the gazetteer."""

    leaders: list[str]
    others: list[str]
    cities: list[str]
    typos: list[str]


def gazetteer_units(directory: Path = GAZETTEER, jurisdiction: str = "henan") -> Units:
    """Agencies of ``jurisdiction`` that can stand in a clause, as its notices write them."""
    leaders: list[str] = []
    others: list[str] = []
    typos: list[str] = []
    cities: list[str] = []
    with (directory / "agencies" / f"{jurisdiction}.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            kind = row["kind"]
            if row["class"] == "MunicipalGovernment" and row["short_name_zh"].endswith("市政府"):
                cities.append(row["short_name_zh"].removesuffix("市政府"))
            if row["class"] not in CLAUSE_CLASSES:
                continue
            if any(w in kind for w in ("not a task unit", "preamble only", "collective", "outside")):
                continue
            short = row["short_name_zh"]
            aliases = [a.strip() for a in row["aliases"].split(";")]
            others.append(short)
            if short.startswith("省"):
                leaders.append(short)
            elif "省" + short in aliases:
                leaders.append("省" + short)
            typos += [t.strip() for t in row["typos"].split(";") if t.strip()]
    return Units(leaders, others, cities, typos)


def composed_clause(rng: random.Random, units: Units) -> str:
    """A responsibility clause in one of the genre's patterns, from gazetteer names."""

    def provincial(k: int) -> list[str]:
        first = rng.choice(units.leaders)
        rest = [u for u in rng.sample(units.others, k) if u != first.removeprefix("省") and u != first]
        if units.typos and rng.random() < 0.05:
            rest.append(rng.choice(units.typos))
        return [first, *rest]

    groups = ["、".join(provincial(rng.randint(0, 5)))]
    r = rng.random()
    if r < 0.25:
        groups.append("各省辖市政府")
    elif r < 0.5:
        groups.append("、".join(rng.sample(units.cities, rng.randint(1, 6))) + "市政府")
    if rng.random() < 0.3:
        groups.append(rng.choice(["济源示范区、航空港区管委会", "航空港区管委会", "济源示范区管委会"]))
    form = rng.random()
    if form < 0.2:
        return rng.choice(units.leaders) + "牵头负责"
    if form < 0.55:
        lead = rng.choice(units.leaders)
        return f"{lead}牵头，{'，'.join(groups)}按职责分工负责"
    if form < 0.7 and len(groups) == 1:
        return f"{groups[0]}等{rng.choice(['部门', '单位'])}按职责分工负责"
    return f"{'，'.join(groups)}按职责分工负责"


def _breaks_structure(rest: str) -> bool:
    """Would a line starting with ``rest`` be read as a new paragraph by the notice line rule?"""
    line = rest.lstrip()
    return bool(
        CHAPTER_RE.match(line)
        or SECTION_RE.match(line)
        or ITEM_RE.match(line)
        or DOC_NUMBER_RE.match(line)
        or SIGNATURE_RE.match(line)
        or DATE_RE.match(line)
        or line.startswith(("(", "（"))
        or not line
    )


def page_break(rng: random.Random, text: str) -> str:
    """``text`` split by a page break (a blank line) at a random point that keeps the paragraph whole."""
    for _ in range(20):
        k = rng.randint(8, len(text) - 2)
        if not text[k - 1].isspace() and not _breaks_structure(text[k:]):
            return text[:k] + "\n\n" + text[k:]
    return text


def half_width(text: str) -> str:
    return text.replace("（", "(").replace("）", ")").replace("，", ",")


def synth_notice(parts: NoticeParts, units: Units, rng: random.Random, number: int, tasks: int) -> str:
    """One notice of ``tasks`` tasks, numbered ``豫政〔2026〕{number}号``."""
    preamble = parts.preamble.replace("豫政〔2026〕4号", f"豫政〔2026〕{number}号")
    out = [preamble]
    bodies = parts.bodies[:]
    rng.shuffle(bodies)
    t = chapter_no = section_no = cycle = 0
    current: tuple[int, int] | None = None
    narrow = False
    while t < tasks:
        for c, s, n in parts.layout:
            if t >= tasks:
                break
            if current != (cycle, c):
                current = (cycle, c)
                chapter_no += 1
                out.append(f"{cn_numeral(chapter_no)}、{parts.chapters[c]}")
                narrow = rng.random() < 0.15
            section_no += 1
            heading = f"（{cn_numeral(section_no)}）{parts.sections[s]}"
            out.append(half_width(heading) if narrow else heading)
            for _ in range(min(n, tasks - t)):
                t += 1
                body = bodies[(t - 1) % len(bodies)]
                clause = (
                    parts.clauses[rng.randrange(len(parts.clauses))]
                    if rng.random() < 0.5
                    else composed_clause(rng, units)
                )
                task = f"{t}. {body}（{clause}）"
                if narrow:
                    task = f"{t}. {body}" + half_width(f"（{clause}）")
                if rng.random() < 0.07:
                    task = page_break(rng, task)
                elif rng.random() < 0.01:
                    task = task.replace("（", "\n（", 1) if task.count("（") == 1 else task
                out.append(task)
        cycle += 1
    out.append(parts.signature)
    return "\n\n".join(out) + "\n"


_DECIMAL_RE = re.compile(r"(?<![\d.])(\d+)\.(\d)(?!\d)")


def synth_report(text: str, rng: random.Random) -> str:
    """The real report with every one-decimal figure varied in its last digit (years untouched)."""
    return _DECIMAL_RE.sub(lambda m: f"{m.group(1)}.{rng.randint(1, 9)}", text)


NOTICE_META = """# Synthetic notice {i} (bench/synth.py, seed {seed}); not a real document.
file = "{file}"
kind = "TaskAssignmentNotice"
genre = "task-notice"
title_zh = "河南省人民政府关于明确政府工作报告提出的2026年重点工作责任单位的通知"
title_en = "Notice on the units responsible for the key work of 2026 (synthetic {i})"
number = "豫政〔2026〕{number}号"
jurisdiction = "henan"
issuer = "省政府"
date = 2026-02-28
plan_year = 2026
language = "zh"
"""

REPORT_META = """# Synthetic report {i} (bench/synth.py, seed {seed}); not a real document.
file = "{file}"
kind = "GovernmentWorkReport"
genre = "work-report"
number = "豫政〔2024〕{number}号"  # a number of its own: Henan's one 2024 report is doc/henan/work-report/2024
title_zh = "政府工作报告"
title_en = "Government Work Report (synthetic {i})"
jurisdiction = "henan"
issuer = "省政府"
date = 2024-01-28
plan_year = 2024
review_year = 2023
language = "zh"
meeting_zh = "河南省第十四届人民代表大会第二次会议"
meeting_en = "Second Session of the 14th Henan Provincial People's Congress"
speaker_zh = "王凯"
speaker_en = "Wang Kai"
speaker_office_zh = "河南省人民政府省长"
speaker_office_en = "Governor of Henan Province"
"""


def write_corpus(
    out: Path, size: int, layout: str = "many", tasks: int = REAL_TASKS, seed: int = 1, reports: bool = True
) -> list[Path]:
    """Write a corpus of ``size``× the real documents into ``out``; return the metadata files."""
    out.mkdir(parents=True, exist_ok=True)
    parts = notice_parts()
    units = gazetteer_units()
    report_text = REPORT.read_text(encoding="utf-8")
    metas: list[Path] = []
    notices = [(i, tasks) for i in range(1, size + 1)] if layout == "many" else [(1, tasks * size)]
    for i, n in notices:
        rng = random.Random(f"{seed}-notice-{i}")
        name = f"synth-notice-{i:05d}"
        (out / f"{name}.txt").write_text(synth_notice(parts, units, rng, 10000 + i, n), encoding="utf-8")
        meta = out / f"{name}.toml"
        meta.write_text(NOTICE_META.format(i=i, seed=seed, file=f"{name}.txt", number=10000 + i), encoding="utf-8")
        metas.append(meta)
    for i in range(1, size + 1 if reports else 1):
        rng = random.Random(f"{seed}-report-{i}")
        name = f"synth-report-{i:05d}"
        (out / f"{name}.txt").write_text(synth_report(report_text, rng), encoding="utf-8")
        meta = out / f"{name}.toml"
        meta.write_text(REPORT_META.format(i=i, seed=seed, file=f"{name}.txt", number=20000 + i), encoding="utf-8")
        metas.append(meta)
    return metas


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("--size", type=int, default=1, help="multiple of the two real documents")
    p.add_argument("--layout", choices=["many", "long"], default="many")
    p.add_argument("--tasks", type=int, default=REAL_TASKS, help="tasks per notice (many) or per size unit (long)")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    metas = write_corpus(a.out, a.size, a.layout, a.tasks, a.seed)
    print(f"{len(metas)} documents in {a.out}")


if __name__ == "__main__":
    main()
