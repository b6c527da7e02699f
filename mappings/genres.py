"""Genre profiles: how a kind of document is written, read from ``data/genres/*.toml``.

A profile says which parser reads the genre and everything that parser must not hard-code: how
lines make paragraphs, how chapters, sections and tasks are numbered (and whether across the
document or per chapter), where a task's units are (a bracketed clause or labelled lines), the
clause words, labels and signature forms; for reports, the headings that tell a part's role.
A document's ``.toml`` names its profile (``genre = "task-notice"``); a variant extends another
profile and overrides only what differs, so the next government's notice needs a profile file,
not code. Words are simplified characters: the text is read through OpenCC first.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from mappings.numerals import CN_DIGITS
from mappings.tables import SourceError

__all__ = ["Profile", "load_profile", "load_profiles", "marker_regex"]

PLACEHOLDERS = {"{cn}": f"([{CN_DIGITS}]+)", "{n}": r"(\d+)"}
PARAGRAPH_RULES = {"wrapped", "inline", "report", "lines"}
CLAUSE_FORMS = {"bracket", "labelled"}
NUMBERING_SCOPES = {"document", "chapter"}
PART_ROLES = ("review", "five-year-goals", "main-targets", "key-work", "government-conduct")


def marker_regex(templates: list[str]) -> re.Pattern[str]:
    """One anchored regex for numbering templates (``{cn}、``, ``（{cn}）``, ``{n}.``): group 1 is the
    number; an Arabic number is not followed by a digit (``1.5%`` opens no task)."""
    if not templates:
        return re.compile("(?!)")
    alternatives = []
    for t in templates:
        parts = re.split(r"(\{cn\}|\{n\})", t)
        body = "".join(PLACEHOLDERS.get(p, re.escape(p)) for p in parts)
        alternatives.append(body + (r"(?!\d)" if t.endswith((".", "、")) and "{n}" in t else ""))
    # one group per alternative; the parser reads whichever matched
    return re.compile("^(?:" + "|".join(alternatives) + ")")


@dataclass(frozen=True)
class Labels:
    lead: tuple[str, ...]
    co_responsible: tuple[str, ...]
    division: tuple[str, ...]
    leader: tuple[str, ...]

    def all(self) -> tuple[str, ...]:
        return self.lead + self.co_responsible + self.division + self.leader

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """A labelled field at the start of a text: ``牵头单位：``; group 1 is the label (built once:
        every paragraph and clause field asks)."""
        words = sorted(self.all(), key=len, reverse=True)
        return re.compile("^(" + "|".join(map(re.escape, words)) + ")：" if words else "(?!)")


@dataclass(frozen=True)
class Profile:
    """One genre profile; see ``data/genres/task-notice.toml`` for what each setting means."""

    name: str
    path: Path
    parser: str
    kind: str
    description: str
    paragraph_rule: str
    indent_starts: bool
    blank_line_ends: bool
    chapter: re.Pattern[str]
    section: re.Pattern[str]
    task: re.Pattern[str]
    chapter_templates: tuple[str, ...]
    section_templates: tuple[str, ...]
    task_templates: tuple[str, ...]
    chapters: bool
    sections_numbered: str
    tasks_numbered: str
    clause_form: str
    brackets: tuple[str, str]
    group_separators: tuple[str, ...]
    item_separators: tuple[str, ...]
    endings: tuple[str, ...]
    lead_words: tuple[str, ...]
    fillers: tuple[str, ...]
    deadlines: tuple[re.Pattern[str], ...]
    labels: Labels
    signature_suffixes: tuple[str, ...]
    signature_notes: tuple[re.Pattern[str], ...]
    salutation: str
    chrome_end: tuple[re.Pattern[str], ...]
    appendix_start: tuple[re.Pattern[str], ...]
    default_roles: tuple[str, ...]
    stated_target_chapters: tuple[re.Pattern[str], ...]
    target_asides: tuple[re.Pattern[str], ...]
    main_list: tuple[re.Pattern[str], ...]
    base_markers: tuple[str, ...]
    list_end: tuple[str, ...]
    respectively: tuple[str, ...]
    span_words: tuple[re.Pattern[str], ...]
    plan_years: int
    first_plan_year: int
    past_period: tuple[re.Pattern[str], ...]
    min_similarity: float
    coming_period: tuple[re.Pattern[str], ...]
    part_roles: tuple[tuple[str, re.Pattern[str]], ...]
    iri_series: str = ""  # the IRI word of an unnumbered document of the genre (mappings.series)

    def is_signature(self, para: str) -> bool:
        """A signature line: a short name ending with one of the profile's suffixes, no punctuation."""
        return (
            len(para) <= 40 and para.endswith(self.signature_suffixes) and not any(c in para for c in "，。；：、（）")
        )

    def is_note(self, para: str) -> bool:
        return any(p.match(para) for p in self.signature_notes)

    def is_chrome(self, para: str) -> bool:
        """A paragraph of the page around the text (相关报道：, 扫一扫…): it and what follows are not the document."""
        return any(rx.match(para) for rx in self.chrome_end)

    def is_appendix(self, para: str) -> bool:
        """The first line of an appendix (附件1): the report's body ends before it."""
        return any(rx.match(para) for rx in self.appendix_start)

    def part_role(self, heading: str, number: int = 0, taken: tuple[str, ...] = ()) -> str | None:
        """The role of a report part from its heading (the first rule that matches), else the
        profile's default role for its position if no earlier part has it, else None."""
        role = next((role for role, rx in self.part_roles if rx.search(heading)), None)
        if role is None and 0 < number <= len(self.default_roles) and self.default_roles[number - 1] not in taken:
            role = self.default_roles[number - 1]
        return role

    def looks_back(self, paragraph: str) -> bool:
        """A paragraph of the five-year goals that reviews the past period (“十四五”时期是极不平凡的
        五年…, 这五年…) and names no coming one: its figures are achieved, not goals."""
        return any(rx.search(paragraph) for rx in self.past_period) and not any(
            rx.search(paragraph) for rx in self.coming_period
        )

    def plan_period(self, year: int) -> tuple[int, int]:
        """The first and last year of the plan period that holds ``year`` (2026 → 2026, 2030)."""
        start = year - (year - self.first_plan_year) % self.plan_years
        return start, start + self.plan_years - 1

    def expected_clause(self) -> str:
        """What this profile expects after a task, for error messages."""
        if self.clause_form == "bracket":
            return f"a responsibility clause in brackets {self.brackets[0]}…{self.brackets[1]} closing the task"
        return "labelled lines after the task (" + "、".join(f"{w}：" for w in self.labels.all()) + ")"


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merged(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def _raw(directory: Path, name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    path = directory / f"{name}.toml"
    if name in seen:
        raise SourceError(f"{path}: profile '{name}' extends itself (through {' → '.join(seen)})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise SourceError(f"{path}: cannot read genre profile: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise SourceError(f"{path}: not valid TOML: {e}") from e
    parent = data.pop("extends", None)
    return _merged(_raw(directory, parent, (*seen, name)), data) if parent else data


def _compile_all(path: Path, key: str, patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p))
        except re.error as e:
            raise SourceError(f"{path}: {key}: bad regular expression {p!r}: {e}") from e
    return tuple(out)


def _pair(path: Path, value: list[str]) -> tuple[str, str]:
    if len(value) != 2 or not all(isinstance(v, str) and len(v) == 1 for v in value):
        raise SourceError(f"{path}: clause.brackets must be two characters, opening and closing: {value!r}")
    return value[0], value[1]


def _choice(path: Path, key: str, value: str, allowed: set[str]) -> str:
    if value not in allowed:
        raise SourceError(f"{path}: {key} = {value!r} (one of {', '.join(sorted(allowed))})")
    return value


def load_profile(directory: Path, name: str) -> Profile:
    """Profile ``name`` with what it extends merged in; a missing or bad setting names the file."""
    path = directory / f"{name}.toml"
    d = _raw(directory, name)
    try:
        para, num, clause = d.get("paragraphs", {}), d.get("numbering", {}), d.get("clause", {})
        labels, sig = d.get("labels", {}), d.get("signature", {})
        roles = d.get("parts", {}).get("roles", {})
        for role in roles:
            _choice(path, "parts.roles", role, set(PART_ROLES))
        chapter, section, task = (tuple(num.get(k, [])) for k in ("chapter", "section", "task"))
        return Profile(
            name=name,
            path=path,
            parser=d["parser"],
            kind=d["kind"],
            description=d.get("description", ""),
            paragraph_rule=_choice(path, "paragraphs.rule", para.get("rule", "wrapped"), PARAGRAPH_RULES),
            indent_starts=bool(para.get("indent_starts", False)),
            blank_line_ends=bool(para.get("blank_line_ends", False)),
            chapter=marker_regex(list(chapter)),
            section=marker_regex(list(section)),
            task=marker_regex(list(task)),
            chapter_templates=chapter,
            section_templates=section,
            task_templates=task,
            chapters=bool(num.get("chapters", True)),
            sections_numbered=_choice(
                path, "numbering.sections_numbered", num.get("sections_numbered", "document"), NUMBERING_SCOPES
            ),
            tasks_numbered=_choice(
                path, "numbering.tasks_numbered", num.get("tasks_numbered", "document"), NUMBERING_SCOPES
            ),
            clause_form=_choice(path, "clause.form", clause.get("form", "bracket"), CLAUSE_FORMS),
            brackets=_pair(path, clause.get("brackets", ["（", "）"])),
            group_separators=tuple(clause.get("group_separators", [])),
            item_separators=tuple(clause.get("item_separators", [])),
            endings=tuple(sorted(clause.get("endings", []), key=len, reverse=True)),
            lead_words=tuple(sorted(clause.get("lead_words", []), key=len, reverse=True)),
            fillers=tuple(sorted(clause.get("fillers", []), key=len, reverse=True)),
            deadlines=_compile_all(path, "clause.deadlines", clause.get("deadlines", [])),
            labels=Labels(*(tuple(labels.get(k, [])) for k in ("lead", "co_responsible", "division", "leader"))),
            signature_suffixes=tuple(sig.get("suffixes", [])),
            signature_notes=_compile_all(path, "signature.notes", sig.get("notes", [])),
            salutation=d.get("salutation", ""),
            chrome_end=_compile_all(path, "chrome.end", d.get("chrome", {}).get("end", [])),
            appendix_start=_compile_all(path, "appendix.start", d.get("appendix", {}).get("start", [])),
            default_roles=tuple(
                _choice(path, "parts.default_roles", r, set(PART_ROLES))
                for r in d.get("parts", {}).get("default_roles", [])
            ),
            stated_target_chapters=_compile_all(
                path, "targets.stated_chapters", d.get("targets", {}).get("stated_chapters", [])
            ),
            target_asides=_compile_all(path, "targets.asides", d.get("targets", {}).get("asides", [])),
            main_list=_compile_all(path, "targets.main_list", d.get("targets", {}).get("main_list", [])),
            base_markers=tuple(d.get("targets", {}).get("base_markers", [])),
            list_end=tuple(d.get("targets", {}).get("list_end", [])),
            respectively=tuple(d.get("targets", {}).get("respectively", [])),
            span_words=_compile_all(path, "periods.span_words", d.get("periods", {}).get("span_words", [])),
            plan_years=int(d.get("periods", {}).get("plan_years", 5)),
            first_plan_year=int(d.get("periods", {}).get("first_plan_year", 2021)),
            past_period=_compile_all(path, "periods.past", d.get("periods", {}).get("past", [])),
            min_similarity=float(d.get("alignment", {}).get("min_similarity", 0.3)),
            coming_period=_compile_all(path, "periods.coming", d.get("periods", {}).get("coming", [])),
            part_roles=tuple(
                (role, rx)
                for role, patterns in roles.items()
                for rx in _compile_all(path, f"parts.roles.{role}", patterns)
            ),
            iri_series=str(d.get("iri_series", "")),
        )
    except KeyError as e:
        raise SourceError(f"{path}: missing setting {e.args[0]!r}") from e


def load_profiles(directory: Path) -> dict[str, Profile]:
    """Every profile under ``directory`` (``{name}.toml``), by name."""
    if not directory.is_dir():
        raise SourceError(f"{directory}: no genre profiles (a data root needs genres/*.toml)")
    return {p.stem: load_profile(directory, p.stem) for p in sorted(directory.glob("*.toml"))}
