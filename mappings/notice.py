"""The task-assignment notice (重点工作责任单位的通知, 分工方案, 分工的意见): text → plain dataclasses.

The genre: a title, the document number, the addressees (ending ``：``), a preamble with the
reporting deadlines, then chapters, sections and numbered tasks, each task with the units
responsible for it; then the signature. Everything a government writes differently lives in its
genre profile (``data/genres/*.toml``, :mod:`mappings.genres`): the numbering markers and whether
numbering restarts per chapter, whether there are chapters at all, where the units are (the last
bracketed clause of the task, or labelled lines after it, or labelled fields inside the
bracket), the clause words, the labels, the signature forms and how lines make paragraphs. The
parser reads the normalised text (:mod:`mappings.text`), never a file's line layout.

Clause rules (see :func:`parse_clause`): ``，``/``；`` separate groups of units and ``、``/``及``
the units of a group; a group whose closing word starts with ``牵头`` (or a unit followed by
``牵头``) leads, the others are co-responsible; a closing word (按职责分工负责, 分别负责, 配合 …) and a
filler (等部门, 等) are not units; a group that is a deadline (年内持续推进) is kept as the task's
deadline. Labelled fields: ``牵头单位：`` units lead, ``责任单位：`` units are co-responsible,
``部门分工：`` holds a clause with its own words, ``牵头领导：`` names a person.

A partial document (``partial = true`` in its metadata: an excerpt) may stop inside its last
task: that task is reported as cut (:attr:`Notice.cut`), not invented.
RDF comes from :mod:`mappings.writer`; resolving the units from :mod:`mappings.units`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from mappings.genres import Profile
from mappings.source import SourceDocument, SourceError
from mappings.text import (
    DATE_RE,
    DOC_NUMBER_RE,
    Layout,
    MarkerBreaks,
    Markers,
    Normalized,
    marker_value,
    normalize,
    split_at,
)

# What each reporting deadline asks for, by a word of its clause (first match wins).
REPORT_KINDS = (
    ("季度", "quarterly progress report"),
    ("半年", "half-year progress report"),
    ("全年", "annual implementation report"),
    ("方案", "implementation plan"),
    ("进展", "progress report"),
)
# 3月10日前, 3月底, and a date listed before one of those (3月25日、6月25日、9月25日前)
REPORT_DATE_RE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日(?:前|(?=、(?:\d{4}年)?\d{1,2}月\d{1,2}日))|底)")


# --- structure --------------------------------------------------------------------------------


@dataclass
class UnitItem:
    """One unit of a clause as written: ``bare`` is the source's text, ``written`` with a
    distributed prefix or suffix restored; ``start``/``end`` are normalised offsets of the bare text."""

    bare: str
    written: str
    start: int
    end: int
    lead: bool
    group: int
    prefixed: bool = False


@dataclass
class Clause:
    """What a task says of who does it: the units, the leading officials named (牵头领导) and a
    deadline written among the units (年内持续推进); ``start``/``end`` span the clause text."""

    start: int
    end: int
    units: list[UnitItem] = field(default_factory=list)
    leaders: list[tuple[int, int]] = field(default_factory=list)
    deadline: tuple[int, int] | None = None


@dataclass
class Task:
    number: int  # as printed
    ordinal: int  # position in the document: the IRI where numbering restarts per chapter
    start: int
    end: int
    text_start: int
    text_end: int
    clause: Clause
    targets_stated: bool = False  # in a chapter of targets: a quantity needs no commitment verb

    @property
    def units(self) -> list[UnitItem]:
        return self.clause.units


@dataclass
class Section:
    number: int
    ordinal: int
    heading: str  # simplified (what the policy-area table matches); heading_span gives the written form
    start: int
    end: int
    heading_span: tuple[int, int]
    tasks: list[Task] = field(default_factory=list)


@dataclass
class Chapter:
    number: int
    heading: str
    start: int
    end: int
    heading_span: tuple[int, int]
    sections: list[Section] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)  # a chapter without sections holds its tasks


@dataclass
class Notice:
    norm: Normalized
    profile: Profile
    addressees: list[UnitItem]
    preamble: tuple[int, int]
    chapters: list[Chapter]
    tasks_outside: list[Task] = field(default_factory=list)  # a notice without chapters
    cut: int | None = None  # the number of a last task the (partial) text stops inside

    @property
    def sections(self) -> list[Section]:
        return [s for c in self.chapters for s in c.sections]

    @property
    def tasks(self) -> list[Task]:
        return self.tasks_outside + [
            t for c in self.chapters for t in c.tasks + [t for s in c.sections for t in s.tasks]
        ]


def notice_text(doc: SourceDocument, profile: Profile) -> Normalized:
    """The document's text normalised by its profile's paragraph rules."""
    markers = Markers(
        chapter=profile.chapter,
        section=profile.section,
        item=profile.task,
        label=profile.labels.regex,
        is_signature=profile.is_signature,
        is_note=profile.is_note,
        closing=profile.brackets[1],
    )
    layout = Layout(
        inline=profile.paragraph_rule == "inline",
        indent_starts=profile.indent_starts,
        blank_line_ends=profile.blank_line_ends,
    )
    return normalize(doc.text, MarkerBreaks(markers), layout, doc.body_start)


class _Reader:
    """Reads the paragraphs in order, keeping the numbering counters of the profile's scopes."""

    def __init__(self, doc: SourceDocument, profile: Profile, norm: Normalized) -> None:
        self.doc, self.p, self.norm = doc, profile, norm
        self.chapters: list[Chapter] = []
        self.outside: list[Task] = []
        self.head: list[tuple[int, int]] = []
        self.tasks = 0  # the last task and section numbers, in the profile's numbering scope
        self.sections = 0
        self.ordinals = {"task": 0, "section": 0}  # positions in the document
        # a labelled task, its lines so far and the list that holds it
        self.open: tuple[Task, list[tuple[int, int]], list[Task]] | None = None
        self.cut: int | None = None

    def where(self, pos: int) -> str:
        return self.doc.where(self.norm.offsets[pos])

    def expect(self, number: int, expected: int, what: str, pos: int) -> None:
        if number != expected:
            scope = {"section": self.p.sections_numbered, "task": self.p.tasks_numbered}.get(what)
            per = f" (profile {self.p.name} numbers {what}s across the {scope})" if scope else ""
            raise SourceError(f"{self.where(pos)}: {what} {number} where {what} {expected} was expected{per}")

    @property
    def started(self) -> bool:
        return bool(self.chapters or self.outside)

    def read(self, start: int, end: int, last: bool) -> None:
        p, para = self.p, self.norm.text[start:end]
        if p.chapters and (m := p.chapter.match(para)):
            self.close_task(last=False)
            self.expect(marker_value(m), len(self.chapters) + 1, "chapter", start)
            span = _heading(self.norm, start + m.end(), end)
            self.chapters.append(Chapter(len(self.chapters) + 1, self.norm.text[slice(*span)], start, end, span))
            if p.sections_numbered == "chapter":
                self.sections = 0
            if p.tasks_numbered == "chapter":
                self.tasks = 0
        elif (m := p.section.match(para)) and (self.chapters or not p.chapters):
            self.close_task(last=False)
            if not self.chapters:
                raise SourceError(f"{self.where(start)}: section before the first chapter")
            ch = self.chapters[-1]
            self.expect(marker_value(m), self.sections + 1, "section", start)
            self.sections += 1
            if ch.tasks:
                raise SourceError(
                    f"{self.where(start)}: section {self.sections}: chapter {ch.number} mixes tasks and sections"
                )
            ordinal = self.ordinal("section")
            span = _heading(self.norm, start + m.end(), end)
            ch.sections.append(Section(self.sections, ordinal, self.norm.text[slice(*span)], start, end, span))
        elif (m := p.task.match(para)) and (self.chapters or not p.chapters):
            self.close_task(last=False)
            self.task(marker_value(m), start + m.end(), start, end, last)
        elif self.open is not None and p.labels.regex.match(para):
            self.open[1].append((start, end))
            self.open[0].end = end
        elif not self.started:
            self.head.append((start, end))
        elif self.signature(para):
            self.close_task(last=False)
        else:
            raise SourceError(
                f"{self.where(start)}: paragraph is not a chapter, section, task or signature "
                f"(profile {p.name}): {para[:30]}"
            )

    def signature(self, para: str) -> bool:
        return bool(self.p.is_signature(para) or DATE_RE.match(para) or self.p.is_note(para))

    def ordinal(self, what: str) -> int:
        """The next task's or section's position in the document (its IRI)."""
        self.ordinals[what] += 1
        return self.ordinals[what]

    def task(self, number: int, body: int, start: int, end: int, last: bool) -> None:
        self.expect(number, self.tasks + 1, "task", start)
        self.tasks = number
        ordinal = self.ordinal("task")
        if self.chapters:
            ch = self.chapters[-1]
            container = ch.sections[-1].tasks if ch.sections else ch.tasks
        else:
            container = self.outside
        text = self.norm.text
        heading = self.chapters[-1].heading if self.chapters else ""
        stated = any(rx.search(heading) for rx in self.p.stated_target_chapters) if heading else False
        if self.p.clause_form == "labelled":
            task = Task(number, ordinal, start, end, body, end, Clause(end, end), stated)
            container.append(task)
            self.open = (task, [], container)
            return
        clause = _bracket(text, body, start, end, self.p.brackets)
        if clause is None:
            if last and self.doc.partial:
                self.cut = number
                return
            raise SourceError(self.no_clause(number, start, end))
        k, close = clause
        task = Task(number, ordinal, start, end, body, k, parse_clause(text, k + 1, close, self.p, self.where), stated)
        if not task.units and not (last and self.doc.partial):
            raise SourceError(f"{self.where(k)}: task {number}: no unit in its clause")
        container.append(task)

    def close_task(self, last: bool) -> None:
        """A labelled task ends where the next paragraph that is not one of its lines starts."""
        if self.open is None:
            return
        task, lines, container = self.open
        self.open = None
        if lines:
            task.clause = _labelled_lines(self.norm.text, lines, self.p, self.where)
        if not task.units:
            if last and self.doc.partial:
                self.cut = task.number
                container.remove(task)
                return
            raise SourceError(self.no_clause(task.number, task.start, task.end))

    def no_clause(self, number: int, start: int, end: int) -> str:
        """Why a task has no units, and which profile would read the document if this one cannot."""
        text = self.norm.text
        found = [w for w in self.p.labels.all() if f"{w}：" in text[end : end + 200]]
        hint = ""
        if found and self.p.clause_form == "bracket":
            lines = "、".join(f"{w}：" for w in found)
            hint = f'; labelled lines {lines} follow it: try a profile with clause.form = "labelled"'
        elif self.p.clause_form == "labelled" and text[start:end].rstrip("。 ").endswith(self.p.brackets[1]):
            hint = '; it ends with a bracketed clause: try a profile with clause.form = "bracket"'
        partial = (
            "" if self.doc.partial else " (if the text is an excerpt that stops here, set partial = true in its .toml)"
        )
        return (
            f"{self.where(start)}: task {number} has no responsibility clause; profile {self.p.name} expects "
            f"{self.p.expected_clause()}{hint}{partial}"
        )


def parse_notice(doc: SourceDocument, profile: Profile, norm: Normalized | None = None) -> Notice:
    """The notice's structure; a break in numbering or a task without units names file:line."""
    norm = norm or notice_text(doc, profile)
    reader = _Reader(doc, profile, norm)
    spans = norm.paragraphs()
    for k, (start, end) in enumerate(spans):
        if end > start:
            reader.read(start, end, last=k == len(spans) - 1)
    reader.close_task(last=True)
    if not reader.started:
        what = "chapter" if profile.chapters else "task"
        templates = profile.chapter_templates if profile.chapters else profile.task_templates
        raise SourceError(
            f"{doc.path}: no {what} ({' or '.join(templates)}) found with profile {profile.name}; "
            "is this a task-assignment notice, and is its genre right?"
        )
    head = reader.head
    return Notice(
        norm,
        profile,
        _addressees(norm, head, profile),
        _preamble(norm, head),
        reader.chapters,
        reader.outside,
        reader.cut,
    )


def _heading(norm: Normalized, start: int, end: int) -> tuple[int, int]:
    """The span of a heading: its paragraph after the marker, without spaces or a closing ``。``."""
    text = norm.text
    while start < end and text[start] == " ":
        start += 1
    while end > start and text[end - 1] in " 。":
        end -= 1
    return start, end


def _bracket(text: str, body: int, start: int, end: int, brackets: tuple[str, str]) -> tuple[int, int] | None:
    """``(open, close)`` of the task paragraph's last bracketed clause, or None."""
    opening, closing = brackets
    if not text[start:end].rstrip("。 ").endswith(closing):
        return None
    close = text.rindex(closing, start, end)
    depth, k = 0, close
    while k >= body:
        depth += {closing: 1, opening: -1}.get(text[k], 0)
        if depth == 0:
            return k, close
        k -= 1
    return None


def _addressees(norm: Normalized, head: list[tuple[int, int]], profile: Profile) -> list[UnitItem]:
    """The head paragraph ending ``：`` lists the addressees."""
    for start, end in head:
        if norm.text[start:end].endswith("："):
            return _units(norm.text, start, end - 1, profile, lead=False, first_group=0)[0]
    return []


def _preamble(norm: Normalized, head: list[tuple[int, int]]) -> tuple[int, int]:
    """The head paragraphs after the addressees (or after the document number)."""
    body = [
        (s, e) for s, e in head[1:] if not DOC_NUMBER_RE.match(norm.text[s:e]) and not norm.text[s:e].endswith("：")
    ]
    return (body[0][0], body[-1][1]) if body else (0, 0)


# --- clauses ----------------------------------------------------------------------------------


def _strip_suffix(text: str, start: int, end: int, words: tuple[str, ...]) -> tuple[int, str]:
    for w in words:  # longest first (the profile sorts them)
        if w and text.endswith(w, start, end):
            return end - len(w), w
    return end, ""


def _units(
    text: str, start: int, end: int, p: Profile, lead: bool | None, first_group: int
) -> tuple[list[UnitItem], tuple[int, int] | None]:
    """The units of ``text[start:end]``, by groups: ``lead`` True or False gives every unit that
    role (a labelled field); None reads the role from the clause words. Also the deadline group."""
    units: list[UnitItem] = []
    deadline = None
    for g, (gs, ge) in enumerate(split_at(text, start, end, p.group_separators), first_group):
        if any(rx.match(text[gs:ge]) for rx in p.deadlines):
            deadline = (gs, ge)
            continue
        ge, ending = _strip_suffix(text, gs, ge, p.endings)
        ge, lead_word = _strip_suffix(text, gs, ge, p.lead_words)
        ge, _ = _strip_suffix(text, gs, ge, p.fillers)
        role = lead if lead is not None else bool(lead_word) or ending.startswith(p.lead_words)
        units += [UnitItem(text[s:e], text[s:e], s, e, role, g) for s, e in split_at(text, gs, ge, p.item_separators)]
    return units, deadline


def parse_clause(text: str, start: int, end: int, p: Profile, where: Callable[[int], str]) -> Clause:
    """The clause ``text[start:end]`` (inside the brackets): plain clause words, or labelled fields
    (``牵头单位：X；责任单位：Y、Z``) separated by ``；``."""
    label = p.labels.regex
    fields = split_at(text, start, end, ("；",))
    if not any(label.match(text[a:b]) for a, b in fields):
        units, deadline = _units(text, start, end, p, None, 0)
        return Clause(start, end, units, [], deadline)
    clause = Clause(start, end)
    for a, b in fields:
        _field(text, a, b, p, clause, where)
    return clause


def _labelled_lines(text: str, lines: list[tuple[int, int]], p: Profile, where: Callable[[int], str]) -> Clause:
    clause = Clause(lines[0][0], lines[-1][1])
    for a, b in lines:
        _field(text, a, b, p, clause, where)
    return clause


def _field(text: str, a: int, b: int, p: Profile, clause: Clause, where: Callable[[int], str]) -> None:
    """One labelled field into ``clause``; text without a known label is an error naming it."""
    m = p.labels.regex.match(text[a:b])
    if m is None:
        raise SourceError(
            f"{where(a)}: '{text[a:b][:20]}' is not a labelled field of profile {p.name} ({'、'.join(p.labels.all())})"
        )
    label, vs = m.group(1), a + m.end()
    groups = 1 + max((u.group for u in clause.units), default=-1)
    if label in p.labels.leader:
        clause.leaders += [(s, e) for s, e in split_at(text, vs, b, ("、", "，"))]
        return
    role = True if label in p.labels.lead else False if label in p.labels.co_responsible else None
    units, deadline = _units(text, vs, b, p, role, groups)
    clause.units += units
    clause.deadline = clause.deadline or deadline


# --- reporting requirements -------------------------------------------------------------------


@dataclass(frozen=True)
class Reporting:
    due: dt.date
    start: int
    end: int
    description: str
    kind_en: str


def reporting_requirements(norm: Normalized, preamble: tuple[int, int], year: int) -> list[Reporting]:
    """Each deadline of the preamble (``于2026年3月10日前``, ``3月底``) with the clause it governs.

    Dates listed with ``、`` share the clause after the last of them; ``X月底`` is the month's last day."""
    text = norm.text
    start, end = preamble
    out: list[Reporting] = []
    matches = list(REPORT_DATE_RE.finditer(text, start, end))
    for k, m in enumerate(matches):
        y = int(m.group(1) or year)
        month = int(m.group(2))
        day = int(m.group(3)) if m.group(3) else calendar.monthrange(y, month)[1]
        clause_end = _clause_end(text, m.end(), end, matches[k + 1 :])
        # a dated deadline (…日前) ends a sentence that says first what to submit
        clause_start = _clause_start(text, start, m.start()) if m.group(3) else m.start()
        description = text[clause_start:clause_end]
        kind = next((en for word, en in REPORT_KINDS if word in description), "report")
        out.append(Reporting(dt.date(y, month, day), clause_start, clause_end, description, kind))
    return out


def _clause_end(text: str, pos: int, end: int, later: list[re.Match]) -> int:
    """End of the clause a date governs: skip dates listed after it with ``、``, stop at ``，。；``."""
    for m in later:
        if text[pos : m.start()] == "、":
            pos = m.end()
        else:
            break
    stops = [k for k in (text.find(c, pos, end) for c in "，。；") if k != -1]
    return min(stops) if stops else end


def _clause_start(text: str, start: int, pos: int) -> int:
    """Start of the sentence holding a dated deadline (what is to be submitted is said before it)."""
    k = max(text.rfind(c, start, pos) for c in "。；")
    return k + 1 if k >= start else start
