"""The task-assignment notice (重点工作责任单位的通知): structure, responsibilities, targets.

The genre: a title, the document number, the addressees (ending ``：``), a preamble with the
reporting deadlines, then chapters ``一、``, sections ``（一）`` numbered across the notice, and
numbered tasks, each ending with its responsibility clause in brackets; then the signature.
The parser reads that structure from the normalised text (:mod:`mappings.text`), never this
file's line layout, so another year's or province's notice needs only metadata and gazetteer rows.

Responsibility clauses follow the genre's abbreviation rules (see :func:`parse_unit_list`):
units before ``牵头`` lead, the others are co-responsible; ``、`` separates units and ``，``
groups of units; a group's leading ``省`` carries over to the group's provincial units
(``省发展改革委、司法厅`` → ``省司法厅``); a suffix written once after a list of place names
carries over to each (``郑州、洛阳市政府``, ``济源示范区、航空港区管委会``); the prefix is the issuer jurisdiction's
(``jurisdictions.csv``), and names resolve in its agency table first, then up its chain; ``等部门``/``等单位``,
``按职责分工负责`` and ``牵头负责`` are clause words, not units. Each unit resolves to one agency
of the gazetteer; the written form is kept (hgv:writtenAs) and a variant or typo is flagged
(hgv:variantOf). The distributive ``省`` does not make a variant: gazetteer short names write it
for some departments and not for others.

Quantitative targets come from :mod:`mappings.targets`; see its docstring for the rules.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, XSD

from mappings import literals
from mappings.cofog import add_policy_area
from mappings.document import add_span
from mappings.gazetteer import DEPARTMENT_CLASSES, Agency, Gazetteer, agency_iri, place_iri
from mappings.iris import HGV, PROV, Iris
from mappings.mentions import add_mentions
from mappings.pause import gc_paused
from mappings.reference import Reference
from mappings.skos import add_labels
from mappings.source import SourceDocument, SourceError
from mappings.statements import add_statement
from mappings.targets import TargetMatch, extract_targets
from mappings.text import (
    CHAPTER_RE,
    DATE_RE,
    DOC_NUMBER_RE,
    ITEM_RE,
    SECTION_RE,
    SIGNATURE_RE,
    Normalized,
    normalize,
)

# Clause words of the genre (simplified: normalised text reads traditional characters as simplified).
ENDINGS = ("按职责分工负责", "按职责分工落实", "分别负责", "牵头负责", "负责", "配合", "参与")
LEAD_WORDS = ("牵头",)
FILLERS = ("等部门", "等单位", "等有关部门", "等相关部门", "等有关单位", "等相关单位")
GROUP_SEP, ITEM_SEP = "，", "、"
# What each reporting deadline asks for, by a word of its clause (first match wins).
REPORT_KINDS = (
    ("季度", "quarterly progress report"),
    ("半年", "half-year progress report"),
    ("全年", "annual implementation report"),
    ("方案", "implementation plan"),
    ("进展", "progress report"),
    ("進展", "progress report"),
)
REPORT_DATE_RE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日前|底)")


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
class Task:
    number: int
    start: int
    end: int
    text_start: int
    text_end: int
    clause_start: int
    clause_end: int
    units: list[UnitItem] = field(default_factory=list)


@dataclass
class Section:
    number: int
    heading: str
    start: int
    end: int
    tasks: list[Task] = field(default_factory=list)


@dataclass
class Chapter:
    number: int
    heading: str
    start: int
    end: int
    sections: list[Section] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)  # a chapter without sections holds its tasks


@dataclass
class Notice:
    norm: Normalized
    addressees: list[UnitItem]
    preamble: tuple[int, int]
    chapters: list[Chapter]

    @property
    def sections(self) -> list[Section]:
        return [s for c in self.chapters for s in c.sections]

    @property
    def tasks(self) -> list[Task]:
        return [t for c in self.chapters for t in c.tasks + [t for s in c.sections for t in s.tasks]]


def cn_number(text: str) -> int:
    """A Chinese numeral below 1000 (``三十四`` → 34, ``十`` → 10)."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    digits.update({"〇": 0, "两": 2})
    total, current = 0, 0
    for c in text:
        if c in digits:
            current = digits[c]
        elif c in "十百":
            total += (current or 1) * (10 if c == "十" else 100)
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text}")
    return total + current


def parse_notice(doc: SourceDocument, norm: Normalized | None = None) -> Notice:
    """The notice's structure; a break in numbering or a task without a clause names file:line."""
    norm = norm or normalize(doc.text)
    chapters: list[Chapter] = []
    head: list[tuple[int, int]] = []
    last_task = 0
    for start, end in norm.paragraphs():
        para = norm.text[start:end]
        where = doc.where(norm.offsets[start])
        if m := CHAPTER_RE.match(para):
            _expect(cn_number(m.group(1)), len(chapters) + 1, "chapter", where)
            chapters.append(Chapter(len(chapters) + 1, para[m.end():].strip(), start, end))
        elif m := SECTION_RE.match(para):
            if not chapters:
                raise SourceError(f"{where}: section before the first chapter")
            number = cn_number(m.group(1))
            _expect(number, sum(len(c.sections) for c in chapters) + 1, "section", where)
            if chapters[-1].tasks:
                raise SourceError(f"{where}: section {number}: chapter {chapters[-1].number} mixes tasks and sections")
            chapters[-1].sections.append(Section(number, _heading(para[m.end():]), start, end))
        elif (m := ITEM_RE.match(para)) and chapters:
            _expect(int(m.group(1)), last_task + 1, "task", where)
            last_task = int(m.group(1))
            ch = chapters[-1]
            if ch.tasks and ch.sections:
                raise SourceError(f"{where}: task {last_task}: chapter {ch.number} mixes tasks and sections")
            container = ch.sections[-1].tasks if ch.sections else ch.tasks
            container.append(_task(norm, doc, last_task, start + m.end(), start, end))
        elif not chapters:
            head.append((start, end))
        elif not (SIGNATURE_RE.match(para) or DATE_RE.match(para) or para.startswith("（此件")):
            raise SourceError(f"{where}: paragraph is not a chapter, section, task or signature: {para[:30]}")
    if not chapters:
        raise SourceError(f"{doc.path}: no chapter (一、…) found; is this a task-assignment notice?")
    return Notice(norm, _addressees(norm, head), _preamble(norm, head), chapters)


def _expect(number: int, expected: int, what: str, where: str) -> None:
    if number != expected:
        raise SourceError(f"{where}: {what} {number} where {what} {expected} was expected")


def _heading(text: str) -> str:
    return text.strip().rstrip("。")


def _task(norm: Normalized, doc: SourceDocument, number: int, body: int, start: int, end: int) -> Task:
    """A task paragraph split into its text and its bracketed responsibility clause (the last one)."""
    text = norm.text
    if not text[start:end].rstrip("。 ").endswith("）"):
        raise SourceError(f"{doc.where(norm.offsets[start])}: task {number} has no responsibility clause in brackets")
    close = text.rindex("）", start, end)
    depth, k = 0, close
    while k >= body:
        depth += {"）": 1, "（": -1}.get(text[k], 0)
        if depth == 0:
            break
        k -= 1
    if depth:
        raise SourceError(f"{doc.where(norm.offsets[close])}: task {number}: unbalanced brackets in its clause")
    task = Task(number, start, end, body, k, k + 1, close)
    task.units = parse_unit_list(text, k + 1, close)
    if not task.units:
        raise SourceError(f"{doc.where(norm.offsets[k])}: task {number}: no unit in its clause")
    return task


def _addressees(norm: Normalized, head: list[tuple[int, int]]) -> list[UnitItem]:
    """The head paragraph ending ``：`` lists the addressees."""
    for start, end in head:
        if norm.text[start:end].endswith("："):
            return parse_unit_list(norm.text, start, end - 1)
    return []


def _preamble(norm: Normalized, head: list[tuple[int, int]]) -> tuple[int, int]:
    """The head paragraphs after the addressees (or after the document number)."""
    body = [(s, e) for s, e in head[1:] if not DOC_NUMBER_RE.match(norm.text[s:e])
            and not norm.text[s:e].endswith("：")]
    return (body[0][0], body[-1][1]) if body else (0, 0)


# --- unit lists -------------------------------------------------------------------------------

def _split(text: str, start: int, end: int, sep: str) -> list[tuple[int, int]]:
    parts, pos = [], start
    while True:
        k = text.find(sep, pos, end)
        if k == -1:
            parts.append((pos, end))
            return parts
        parts.append((pos, k))
        pos = k + 1


def _strip_suffix(text: str, start: int, end: int, words: tuple[str, ...]) -> tuple[int, str]:
    for w in sorted(words, key=len, reverse=True):
        if text.endswith(w, start, end):
            return end - len(w), w
    return end, ""


def parse_unit_list(text: str, start: int, end: int) -> list[UnitItem]:
    """The units of ``text[start:end]`` (a clause without brackets, or the addressee line)."""
    end, ending = _strip_suffix(text, start, end, ENDINGS)
    last_group_leads = ending.startswith(LEAD_WORDS)
    groups = [(s, e) for s, e in _split(text, start, end, GROUP_SEP) if e > s]
    units: list[UnitItem] = []
    for g, (gs, ge) in enumerate(groups):
        ge, lead_word = _strip_suffix(text, gs, ge, LEAD_WORDS)
        ge, _ = _strip_suffix(text, gs, ge, FILLERS)
        lead = bool(lead_word) or (last_group_leads and g == len(groups) - 1)
        items = [UnitItem(text[s:e], text[s:e], s, e, lead, g) for s, e in _split(text, gs, ge, ITEM_SEP) if e > s]
        units.extend(items)
    return units


def distribute(units: list[UnitItem], gaz: Gazetteer, jurisdiction: str) -> None:
    """Restore the abbreviations of each ``，``-group in place: the jurisdiction's unit prefix
    (``省``, ``市``) written once before a group, a suffix written once after place names."""
    prefix = gaz.jurisdiction(jurisdiction).unit_prefix
    groups: dict[int, list[UnitItem]] = {}
    for u in units:
        groups.setdefault(u.group, []).append(u)
    for group in groups.values():
        if prefix and group[0].bare.startswith(prefix):
            for u in group[1:]:
                if not u.bare.startswith(prefix) and gaz.place(u.bare) is None:
                    u.written, u.prefixed = prefix + u.bare, True
        suffix = _shared_suffix(group, gaz, jurisdiction)
        for u in group[:-1]:
            if suffix and gaz.place(u.bare) is not None:
                u.written = u.bare + suffix


def _shared_suffix(group: list[UnitItem], gaz: Gazetteer, jurisdiction: str) -> str:
    """The suffix written once after a list of place names (``市政府`` in ``郑州、洛阳市政府``):
    what follows a place name at the start of the group's last unit, choosing the split that
    turns most of the bare place names into known agencies (the shorter place name on a tie)."""
    places = [u.bare for u in group[:-1] if gaz.place(u.bare) is not None]
    if not places:
        return ""
    last = group[-1].bare
    best, best_score = "", -1
    for k in range(1, len(last)):
        if gaz.place(last[:k]) is None:
            continue
        suffix = last[k:]
        score = sum(gaz.agency(p + suffix, jurisdiction) is not None for p in places)
        if score > best_score:
            best, best_score = suffix, score
    return best


@dataclass(frozen=True)
class Resolved:
    agency: Agency | None
    written: str
    variant_of: str | None
    slug: str


def resolve_unit(u: UnitItem, gaz: Gazetteer, jurisdiction: str) -> Resolved:
    """One agency for a written unit, searched in ``jurisdiction`` and up its chain; the
    distributed prefix is kept in the written form when the restored name is known or the unit
    is a department of the jurisdiction, dropped otherwise (``郑商所``)."""
    agency, written = gaz.agency(u.written, jurisdiction), u.written
    if agency is None and u.prefixed:
        agency = gaz.agency(u.bare, jurisdiction)
        if agency is not None and not (agency.jurisdiction == jurisdiction and agency.cls in DEPARTMENT_CLASSES):
            written = u.bare
    if agency is None:
        return Resolved(None, written, None, unresolved_slug(written))
    prefix = gaz.jurisdiction(jurisdiction).unit_prefix
    variant = None if _same_name(written, agency.short_name, prefix) else agency.short_name
    return Resolved(agency, written, variant, agency.slug)


def _same_name(written: str, canonical: str, prefix: str) -> bool:
    """Equal but for the unit prefix, which short names write for some departments only."""
    def strip(s: str) -> str:
        return s[len(prefix):] if prefix and s.startswith(prefix) else s
    return strip(written) == strip(canonical)


def unresolved_slug(name: str) -> str:
    """A stable slug for a unit the gazetteer does not know (exploratory runs only)."""
    return "unresolved-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:12]


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
        clause_end = _clause_end(text, m.end(), end, matches[k + 1:])
        # a dated deadline (…日前) ends a sentence that says first what to submit
        clause_start = _clause_start(text, start, m.start()) if m.group(3) else m.start()
        description = text[clause_start:clause_end]
        kind = next((en for word, en in REPORT_KINDS if word in description), "report")
        out.append(Reporting(dt.date(y, month, day), clause_start, clause_end, description, kind))
    return out


def _clause_end(text: str, pos: int, end: int, later: list[re.Match]) -> int:
    """End of the clause a date governs: skip dates listed after it with ``、``, stop at ``，。；``."""
    for m in later:
        if text[pos:m.start()] == "、":
            pos = m.end()
        else:
            break
    stops = [k for k in (text.find(c, pos, end) for c in "，。；") if k != -1]
    return min(stops) if stops else end


def _clause_start(text: str, start: int, pos: int) -> int:
    """Start of the sentence holding a dated deadline (what is to be submitted is said before it)."""
    k = max(text.rfind(c, start, pos) for c in "。；")
    return k + 1 if k >= start else start


# --- RDF --------------------------------------------------------------------------------------

@gc_paused()
def map_notice(doc: SourceDocument, ref: Reference, iris: Iris, allow_unresolved: bool = False,
               graph: Graph | None = None) -> Graph:
    """The notice's chapters, sections, tasks, responsibilities, targets, addressees and deadlines
    (the document node itself comes from :func:`mappings.document.document_graph`), added to
    ``graph`` (the build's named graph for the document) or to a new graph."""
    norm = normalize(doc.text)
    notice = parse_notice(doc, norm)
    g = Graph() if graph is None else graph
    d = iris.doc(doc.slug)
    gaz = ref.gazetteer
    ctx = _Context(g, iris, ref, doc, norm, allow_unresolved)
    distribute(notice.addressees, gaz, doc.jurisdiction)
    for u in notice.addressees:
        r = resolve_unit(u, gaz, doc.jurisdiction)
        g.add((d, HGV.addressee, ctx.agency(r, u, "the addressees")))
    year = int(doc.meta["plan_year"])
    for k, rep in enumerate(reporting_requirements(norm, notice.preamble, year), 1):
        _add_reporting(ctx, d, k, rep)
    for ch in notice.chapters:
        c = iris(f"{doc.slug}/chapter/{ch.number}")
        _add_part(ctx, c, HGV.Chapter, ch.number, ch.heading, d, ch.start, ch.end)
        add_labels(g, c, f"{ch.number}. {ch.heading}")
        add_policy_area(g, iris, ref.cofog, doc.slug, ch.number, c, ch.heading)
        for sec in ch.sections:
            s = iris(f"{doc.slug}/section/{sec.number}")
            _add_part(ctx, s, HGV.Section, sec.number, sec.heading, c, sec.start, sec.end)
            add_labels(g, s, f"（{sec.number}）{sec.heading}")
            for task in sec.tasks:
                _add_task(ctx, task, s)
        for task in ch.tasks:
            _add_task(ctx, task, c)
    return g


@dataclass
class _Context:
    g: Graph
    iris: Iris
    ref: Reference
    doc: SourceDocument
    norm: Normalized
    allow_unresolved: bool

    @property
    def gaz(self) -> Gazetteer:
        return self.ref.gazetteer

    def span(self, start: int, end: int) -> URIRef:
        s, e = self.norm.source_span(start, end)
        return add_span(self.g, self.iris, self.doc, s, e)

    def agency(self, r: Resolved, u: UnitItem, where: str) -> URIRef:
        """The agency IRI of a resolved unit; an unknown unit fails unless exploring."""
        if r.agency is not None:
            return agency_iri(self.iris, r.agency)
        jur = self.doc.jurisdiction
        if not self.allow_unresolved:
            line = self.doc.where(self.norm.offsets[u.start])
            searched = " → ".join(j.key for j in self.gaz.chain(jur))
            raise SourceError(f"{line}: unknown unit '{r.written}' in {where} of {self.doc.slug} (searched the "
                              f"agencies of {searched}); add a row to {self.gaz.agency_file(jur)}, or the "
                              "file of the jurisdiction above it that the unit belongs to")
        a = self.iris.agency(jur, r.slug)
        self.g.add((a, RDF.type, HGV.Agency))
        add_labels(self.g, a, r.written)
        return a


def _add_part(ctx: _Context, node: URIRef, cls: URIRef, number: int, heading: str,
              container: URIRef, start: int, end: int) -> None:
    g = ctx.g
    g.add((node, RDF.type, cls))
    g.add((node, HGV.orderNumber, literals.integer(number)))
    g.add((node, HGV.heading, literals.text(heading, "zh")))
    g.add((node, DCTERMS.isPartOf, container))
    g.add((node, HGV.inDocument, ctx.iris.doc(ctx.doc.slug)))
    g.add((node, HGV.sourceSpan, ctx.span(start, end)))


def _add_task(ctx: _Context, task: Task, section: URIRef) -> None:
    g, text, iris = ctx.g, ctx.norm.text, ctx.iris
    t = iris(f"{ctx.doc.slug}/task/{task.number}")
    body = ctx.norm.in_source_script(task.text_start, task.text_end)
    heading = re.split(r"[，；。]", body, maxsplit=1)[0]
    _add_part(ctx, t, HGV.Task, task.number, heading, section, task.start, task.end)
    add_labels(g, t, f"任务{task.number}：{heading}", f"Task {task.number}")
    g.add((t, HGV.text, Literal(body, lang="zh")))
    g.add((t, HGV.responsibilityClause, literals.text(ctx.norm.in_source_script(task.clause_start, task.clause_end), "zh")))
    _add_units(ctx, task, t)
    add_mentions(ctx.g, iris, ctx.ref.mentions, ctx.doc, ctx.norm, t, task.text_start, task.text_end)
    for k, m in enumerate(extract_targets(text[task.text_start:task.text_end], ctx.ref.vocabulary), 1):
        _add_target(ctx, task, t, k, m)


def _add_units(ctx: _Context, task: Task, t: URIRef) -> None:
    g = ctx.g
    distribute(task.units, ctx.gaz, ctx.doc.jurisdiction)
    for k, u in enumerate(task.units, 1):
        r = resolve_unit(u, ctx.gaz, ctx.doc.jurisdiction)
        agent = ctx.agency(r, u, f"task {task.number}")
        role = HGV.LeadRole if u.lead else HGV.CoResponsibleRole
        g.add((t, HGV.leadUnit if u.lead else HGV.coResponsibleUnit, agent))
        g.add((t, HGV.responsibleUnit, agent))
        a = ctx.iris(f"{ctx.doc.slug}/task/{task.number}/unit/{k}")
        g.add((t, HGV.responsibility, a))
        g.add((a, RDF.type, HGV.ResponsibilityAssignment))
        g.add((a, PROV.agent, agent))
        g.add((a, PROV.hadRole, role))
        written = r.written.replace(u.bare, ctx.norm.in_source_script(u.start, u.end), 1)
        g.add((a, HGV.writtenAs, literals.text(written, "zh")))
        if r.variant_of:
            g.add((a, HGV.variantOf, literals.text(r.variant_of, "zh")))
        g.add((a, HGV.listPosition, literals.integer(k)))
        g.add((a, HGV.sourceSpan, ctx.span(u.start, u.end)))
        for place in r.agency.governs if r.agency else ():
            p = ctx.gaz.place(place)
            if p is not None:
                g.add((a, HGV.mentionsPlace, place_iri(ctx.iris, p)))
                g.add((t, HGV.mentionsPlace, place_iri(ctx.iris, p)))


def _add_target(ctx: _Context, task: Task, t: URIRef, k: int, m: TargetMatch) -> None:
    g, iris = ctx.g, ctx.iris
    node = iris(f"{ctx.doc.slug}/task/{task.number}/target/{k}")
    indicator = ctx.ref.indicators.resolve(m.indicator_phrase, m.verb + m.indicator_phrase, m.context)
    if indicator is None and not ctx.allow_unresolved:
        line = ctx.doc.where(ctx.norm.offsets[task.text_start + m.start])
        raise SourceError(f"{line}: task {task.number}: no indicator in indicators.csv matches "
                          f"'{m.indicator_phrase}' (target {m.number_text})")
    start, end = task.text_start + m.start, task.text_start + m.end
    period = m.period or int(ctx.doc.meta["plan_year"])
    add_statement(g, iris, node, "Target", t, m, indicator.slug if indicator else None, period,
                  ctx.span(start, end), ctx.norm.text[start:end])


def _add_reporting(ctx: _Context, d: URIRef, k: int, rep: Reporting) -> None:
    g = ctx.g
    r = ctx.iris(f"{ctx.doc.slug}/reporting/{k}")
    g.add((d, HGV.reportingRequirement, r))
    g.add((r, RDF.type, HGV.ReportingRequirement))
    g.add((r, HGV.dueDate, Literal(rep.due.isoformat(), datatype=XSD.date)))
    g.add((r, HGV.requiredReport, Literal(rep.description, lang="zh")))
    g.add((r, HGV.requiredReport, Literal(f"{rep.kind_en}, due {rep.due.isoformat()}", lang="en")))
    due = rep.due.isoformat()
    add_labels(g, r, f"报送要求{k}：{due}", f"Reporting requirement {k}: {rep.kind_en} due {due}")
    g.add((r, HGV.sourceSpan, ctx.span(rep.start, rep.end)))
