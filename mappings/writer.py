"""The one RDF writer of the genres: parsed documents (plain dataclasses) → triples.

The genre modules (:mod:`mappings.notice`, :mod:`mappings.report`) read text into dataclasses
and know nothing of RDF; this module turns them into the graph the ontology describes, so
that every genre's parts, spans, labels, agencies and statements are written the same way.
:data:`PARSERS` is the table from a profile's ``parser`` to the function that maps a document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, XSD

from mappings import literals
from mappings.alignment import Alignment, align
from mappings.areas import figure_area
from mappings.cofog import add_policy_area
from mappings.document import add_span
from mappings.gazetteer import agency_iri, area_iri, place_iri
from mappings.genres import Profile
from mappings.indicators import in_series_unit
from mappings.iris import ELI, HGV, ORG, PROV, Iris
from mappings.mentions import add_mentions
from mappings.notice import Notice, Reporting, Task, UnitItem, notice_text, parse_notice, reporting_requirements
from mappings.numerals import cn_numeral
from mappings.pause import gc_paused
from mappings.reference import Reference
from mappings.report import (
    Commitment,
    Report,
    Statement,
    commitments,
    normalize_report,
    parse_report,
    part_label_en,
    statements,
)
from mappings.skos import add_labels
from mappings.source import SourceDocument, SourceError
from mappings.statements import add_statement, add_unlisted_indicator, unlisted_indicator
from mappings.targets import TargetMatch, extract_quantities, extract_targets
from mappings.terms import sorted_terms
from mappings.text import Normalized
from mappings.units import Resolved, distribute, resolve_unit


@dataclass
class Writer:
    """Writes one document's parts into ``g``; spans cite the file as stored."""

    g: Graph
    iris: Iris
    ref: Reference
    doc: SourceDocument
    norm: Normalized
    allow_unresolved: bool = False

    @property
    def d(self) -> URIRef:
        return self.iris.doc(self.doc.iri_path)

    @property
    def area(self) -> URIRef:
        """The region of the document's jurisdiction: the area its figures are for."""
        return self.iris.region(self.ref.gazetteer.jurisdiction(self.doc.jurisdiction).region)

    def node(self, path: str) -> URIRef:
        return self.iris(f"{self.doc.iri_path}/{path}")

    def span(self, start: int, end: int) -> URIRef:
        s, e = self.norm.source_span(start, end)
        return add_span(self.g, self.iris, self.doc, s, e)

    def text(self, start: int, end: int) -> str:
        """Normalised text as the document writes it (its own script)."""
        return self.norm.in_source_script(start, end)

    def part(
        self, node: URIRef, cls: URIRef, number: int, heading: str, container: URIRef, start: int, end: int
    ) -> None:
        g = self.g
        g.add((node, RDF.type, cls))
        g.add((node, HGV.orderNumber, literals.integer(number)))
        if heading:
            g.add((node, HGV.heading, literals.text(heading, "zh")))
        g.add((node, DCTERMS.isPartOf, container))
        g.add((node, HGV.inDocument, self.d))
        g.add((node, HGV.sourceSpan, self.span(start, end)))

    def indicator(self, slug: str | None, wording: str) -> str:
        """``slug``, or an unlisted indicator for ``wording`` written into the graph: every
        observation of the cube has an indicator, one the table does not know is flagged."""
        if slug is not None:
            return slug
        slug = unlisted_indicator(wording)
        add_unlisted_indicator(self.g, self.iris, slug, wording)
        return slug

    def agency(self, r: Resolved, u: UnitItem, where: str) -> URIRef:
        """The agency IRI of a resolved unit; an unknown unit fails unless exploring, naming the
        document, line, jurisdictions searched and the table that takes the row."""
        if r.agency is not None:
            return agency_iri(self.iris, r.agency)
        gaz, jur = self.ref.gazetteer, self.doc.jurisdiction
        if not self.allow_unresolved:
            line = self.doc.where(self.norm.offsets[u.start])
            searched = " → ".join(j.key for j in gaz.chain(jur))
            raise SourceError(
                f"{line}: unknown unit '{r.written}' in {where} of {self.doc.iri_path} (searched the "
                f"agencies of {searched}); add a row to {gaz.agency_file(jur)}, or to the "
                "file of the jurisdiction above it that the unit belongs to"
            )
        a = self.iris.agency(jur, r.slug)
        self.g.add((a, RDF.type, HGV.Agency))
        self.g.add((a, RDF.type, ORG.Organization))
        add_labels(self.g, a, r.written)
        return a


# --- notices ----------------------------------------------------------------------------------


def write_notice(w: Writer, notice: Notice) -> None:
    """Chapters, sections, tasks, responsibilities, targets, addressees and deadlines."""
    g, iris, doc, gaz = w.g, w.iris, w.doc, w.ref.gazetteer
    distribute(notice.addressees, gaz, doc.jurisdiction)
    for u in notice.addressees:
        g.add((w.d, HGV.addressee, w.agency(resolve_unit(u, gaz, doc.jurisdiction), u, "the addressees")))
    if notice.profile.tasks_numbered == "chapter":
        g.add((w.d, HGV.tasksNumberedPerChapter, Literal(True)))
    year = int(doc.meta["plan_year"])
    for k, rep in enumerate(reporting_requirements(w.norm, notice.preamble, year), 1):
        _reporting(w, k, rep)
    for ch in notice.chapters:
        c = w.node(f"chapter/{ch.number}")
        heading = w.text(*ch.heading_span)
        w.part(c, HGV.Chapter, ch.number, heading, w.d, ch.start, ch.end)
        add_labels(g, c, f"{ch.number}. {heading}")
        add_policy_area(g, iris, w.ref.cofog, doc.iri_path, ch.number, c, ch.heading)
        for sec in ch.sections:
            s = w.node(f"section/{sec.ordinal}")
            sec_heading = w.text(*sec.heading_span)
            w.part(s, HGV.Section, sec.number, sec_heading, c, sec.start, sec.end)
            add_labels(g, s, f"（{sec.number}）{sec_heading}")
            for task in sec.tasks:
                _task(w, task, s)
        for task in ch.tasks:
            _task(w, task, c)
    for task in notice.tasks_outside:
        _task(w, task, w.d)


def _task(w: Writer, task: Task, container: URIRef) -> None:
    g, text = w.g, w.norm.text
    t = w.node(f"task/{task.ordinal}")
    body = w.text(task.text_start, task.text_end)
    heading = re.split(r"[，；。]", body, maxsplit=1)[0]
    w.part(t, HGV.Task, task.number, heading, container, task.start, task.end)
    add_labels(g, t, f"任务{task.number}：{heading}", f"Task {task.number}")
    g.add((t, HGV.text, Literal(body, lang="zh")))
    g.add((t, HGV.responsibilityClause, literals.text(w.text(task.clause.start, task.clause.end), "zh")))
    for a, b in task.clause.leaders:
        g.add((t, HGV.leadingOfficial, literals.text(w.text(a, b), "zh")))
    if task.clause.deadline:
        g.add((t, HGV.deadlineText, literals.text(w.text(*task.clause.deadline), "zh")))
    _units(w, task, t)
    add_mentions(g, w.iris, w.ref.mentions, w.doc, w.norm, t, task.text_start, task.text_end)
    for k, m in enumerate(task_targets(text[task.text_start : task.text_end], task, w.ref), 1):
        _task_target(w, task, t, k, m)


def task_targets(body: str, task: Task, ref: Reference) -> list[TargetMatch]:
    """A task's targets: quantities with a commitment verb, or in a chapter of targets
    (主要预期目标) every quantity not excluded for another reason (``粮食产量32万吨以上``)."""
    if not task.targets_stated:
        return extract_targets(body, ref.vocabulary)
    return [m for m in extract_quantities(body, ref.vocabulary) if m.is_target or m.excluded == "no-commitment"]


def _implementation(w: Writer, task: Task, t: URIRef) -> URIRef:
    """The activity of carrying out the task: in PROV, responsibility is association with an
    activity that follows the task as its plan, not attribution (authorship) of the task."""
    g, activity = w.g, w.node(f"task/{task.ordinal}/implementation")
    g.add((t, HGV.implementation, activity))
    g.add((activity, RDF.type, HGV.TaskImplementation))
    g.add((activity, RDF.type, PROV.Activity))
    add_labels(g, activity, f"任务{task.number}的落实", f"carrying out task {task.number}")
    return activity


def _units(w: Writer, task: Task, t: URIRef) -> None:
    g, gaz, jur = w.g, w.ref.gazetteer, w.doc.jurisdiction
    distribute(task.units, gaz, jur)
    if not task.units:
        return
    activity = _implementation(w, task, t)
    for k, u in enumerate(task.units, 1):
        r = resolve_unit(u, gaz, jur)
        agent = w.agency(r, u, f"task {task.number}")
        role = HGV.LeadRole if u.lead else HGV.CoResponsibleRole
        g.add((t, HGV.leadUnit if u.lead else HGV.coResponsibleUnit, agent))
        g.add((t, HGV.responsibleUnit, agent))
        a = w.node(f"task/{task.ordinal}/unit/{k}")
        g.add((t, HGV.responsibility, a))
        g.add((a, RDF.type, HGV.ResponsibilityAssignment))
        g.add((a, RDF.type, PROV.Association))  # stated: a PROV client without inference finds it
        g.add((a, PROV.agent, agent))
        g.add((a, PROV.hadRole, role))
        g.add((a, PROV.hadPlan, t))
        g.add((activity, PROV.qualifiedAssociation, a))
        g.add((activity, PROV.wasAssociatedWith, agent))
        written = r.written.replace(u.bare, w.text(u.start, u.end), 1)
        g.add((a, HGV.writtenAs, literals.text(written, "zh")))
        if r.variant_of:
            g.add((a, HGV.variantOf, literals.text(r.variant_of, "zh")))
        g.add((a, HGV.listPosition, literals.integer(k)))
        g.add((a, HGV.sourceSpan, w.span(u.start, u.end)))
        for place in r.agency.governs if r.agency else ():
            p = gaz.place(place)
            if p is not None:
                g.add((a, HGV.mentionsPlace, place_iri(w.iris, p)))
                g.add((t, HGV.mentionsPlace, place_iri(w.iris, p)))


def _task_target(w: Writer, task: Task, t: URIRef, k: int, m: TargetMatch) -> None:
    node = w.node(f"task/{task.ordinal}/target/{k}")
    indicator = w.ref.indicators.resolve(m.indicator_phrase, m.verb + m.indicator_phrase, m.context, unit=m.unit)
    if indicator is None and not w.allow_unresolved:
        line = w.doc.where(w.norm.offsets[task.text_start + m.start])
        raise SourceError(
            f"{line}: task {task.number}: no indicator in indicators.csv matches "
            f"'{m.indicator_phrase}' (target {m.number_text})"
        )
    start, end = task.text_start + m.start, task.text_start + m.end
    period = m.period or int(w.doc.meta["plan_year"])
    area = figure_area(w.ref, w.doc.jurisdiction, w.norm.text, task.text_start + m.number_start, indicator)
    m = in_series_unit(m, indicator, w.ref.vocabulary)
    add_statement(
        w.g,
        w.iris,
        node,
        "Target",
        t,
        m,
        w.indicator(indicator.slug if indicator else None, m.indicator_phrase or m.number_text),
        period,
        w.span(start, end),
        w.norm.text[start:end],
        area_iri(w.iris, area) if area else w.area,
    )


def _reporting(w: Writer, k: int, rep: Reporting) -> None:
    g = w.g
    r = w.node(f"reporting/{k}")
    g.add((w.d, HGV.reportingRequirement, r))
    g.add((r, RDF.type, HGV.ReportingRequirement))
    g.add((r, HGV.dueDate, Literal(rep.due.isoformat(), datatype=XSD.date)))
    g.add((r, HGV.requiredReport, Literal(rep.description, lang="zh")))
    g.add((r, HGV.requiredReport, Literal(f"{rep.kind_en}, due {rep.due.isoformat()}", lang="en")))
    due = rep.due.isoformat()
    add_labels(g, r, f"报送要求{k}：{due}", f"Reporting requirement {k}: {rep.kind_en} due {due}")
    g.add((r, HGV.sourceSpan, w.span(rep.start, rep.end)))


# --- reports ----------------------------------------------------------------------------------


def write_report(w: Writer, report: Report, found: list[Statement], stated: Sequence[Commitment] = ()) -> None:
    """Parts, sections (with policy areas), paragraphs (with lead sentences, places and project
    mentions), achieved figures and targets."""
    g, iris, doc = w.g, w.iris, w.doc
    containers: dict[int, URIRef] = {q.number: w.d for q in report.opening}
    plan = int(doc.meta["plan_year"])
    review = int(doc.meta.get("review_year", plan - 1))
    for part in report.parts:
        p = w.node(f"part/{part.number}")
        w.part(p, HGV.Part, part.number, part.heading, w.d, part.start, part.end)
        add_labels(g, p, f"{cn_numeral(part.number)}、{part.heading}", part_label_en(part, review, plan))
        containers.update({q.number: p for q in part.paragraphs})
        for sec in part.sections:
            s = w.node(f"part/{part.number}/section/{sec.number}")
            w.part(s, HGV.Section, sec.number, sec.heading, p, sec.start, sec.end)
            add_labels(g, s, f"（{cn_numeral(sec.number)}）{sec.heading}")
            containers.update({q.number: s for q in sec.paragraphs})
            if part.role == "key-work" and not sec.inline:  # a key-work section's theme
                add_policy_area(g, iris, w.ref.cofog, doc.iri_path, sec.number, s, sec.heading)
    paragraph_iris = {}
    for para in report.paragraphs:
        node = w.node(f"paragraph/{para.number}")
        paragraph_iris[para.number] = node
        w.part(node, HGV.Paragraph, para.number, para.lead, containers[para.number], para.start, para.end)
        g.add((node, HGV.text, Literal(w.text(para.start, para.end), lang="zh")))
        add_labels(g, node, f"第{para.number}段" + (f"：{para.lead}" if para.lead else ""), f"Paragraph {para.number}")
        add_mentions(g, iris, w.ref.mentions, doc, w.norm, node, para.start, para.end)
    named: dict[URIRef, Statement] = {}
    for st in found:
        node = _statement(w, st, paragraph_iris[st.paragraph.number])
        if node in named:  # two statements of one quantity would share a node: a parser error
            raise SourceError(f"{w.doc.path}: two statements read from one quantity, both named {node}")
        named[node] = st
    for k, c in enumerate(stated, 1):
        _commitment(w, c, paragraph_iris[c.paragraph.number], k)


def _commitment(w: Writer, c: Commitment, paragraph: URIRef, k: int) -> None:
    """A main target with no number (``{doc}/commitment/{k}``): not a Data Cube observation,
    since it has no measure; the indicator where the table knows the wording."""
    g = w.g
    node = w.node(f"commitment/{k}")
    start, end = c.paragraph.start + c.start, c.paragraph.start + c.end
    g.add((paragraph, HGV.hasQualitativeTarget, node))
    g.add((node, RDF.type, HGV.QualitativeTarget))
    g.add((node, HGV.text, literals.text(w.text(start, end), "zh")))
    if c.indicator:
        g.add((node, HGV.indicator, w.iris.indicator(c.indicator)))
    g.add((node, HGV.refPeriod, Literal(str(c.period), datatype=XSD.gYear)))
    g.add((node, HGV.refArea, w.area))
    g.add((node, HGV.mainTarget, Literal(True)))  # qualitative targets come from the main list only
    g.add((node, HGV.statedIn, paragraph))
    g.add((node, HGV.sourceSpan, w.span(start, end)))
    add_labels(g, node, w.text(start, end))


NODE_NAMES = {"AchievedFigure": "figure", "Target": "target", "FiveYearGoal": "target"}


def _statement(w: Writer, st: Statement, paragraph: URIRef) -> URIRef:
    """An achieved figure (``{doc}/figure/{offset}``), a target or a five-year goal
    (``{doc}/target/{offset}``): the same model as the notice's task targets. Named by the offset
    in the source file where its number is written (the statement's span may start earlier, at a
    verb it shares with others), not by a count, so that a figure the mapping gains or loses (an
    indicator row added, a quantity read differently) leaves the IRIs of the others alone."""
    m = st.match
    start, end = st.paragraph.start + m.start, st.paragraph.start + m.end
    number = st.paragraph.start + m.number_start
    node = w.node(f"{NODE_NAMES[st.cls]}/{w.norm.source_span(number, number + 1)[0]}")
    add_statement(
        w.g,
        w.iris,
        node,
        st.cls,
        paragraph,
        m,
        w.indicator(st.indicator, st.wording),
        st.period,
        w.span(start, end),
        w.norm.text[start:end],
        area_iri(w.iris, st.area) if st.area else w.area,
        st.start,
    )
    if st.main:
        w.g.add((node, HGV.mainTarget, Literal(True)))
    return node


# --- the genre table --------------------------------------------------------------------------

Mapper = Callable[..., Graph]


def profile_of(doc: SourceDocument, ref: Reference) -> Profile:
    """The genre profile a document's metadata names; an unknown name lists the known ones."""
    name = doc.meta.get("genre")
    if name not in ref.genres:
        raise SourceError(
            f"{doc.meta_path}: genre {name!r} is not a profile in {ref.root / 'genres'} "
            f"(known: {', '.join(sorted(ref.genres))})"
        )
    profile = ref.genres[name]
    if profile.kind != doc.kind:
        raise SourceError(f"{doc.meta_path}: genre '{name}' is for {profile.kind} documents, not {doc.kind}")
    return profile


@gc_paused()
def map_notice(
    doc: SourceDocument, ref: Reference, iris: Iris, allow_unresolved: bool = False, graph: Graph | None = None
) -> Graph:
    """A task notice's triples (the document node itself comes from
    :func:`mappings.document.document_graph`), added to ``graph`` or a new graph."""
    profile = profile_of(doc, ref)
    norm = notice_text(doc, profile)
    notice = _parse_or_suggest(doc, ref, profile, lambda p: parse_notice(doc, p, norm if p is profile else None))
    w = Writer(Graph() if graph is None else graph, iris, ref, doc, notice.norm, allow_unresolved)
    write_notice(w, notice)
    return w.g


@gc_paused()
def map_report(
    doc: SourceDocument, ref: Reference, iris: Iris, allow_unresolved: bool = False, graph: Graph | None = None
) -> Graph:
    """A work report's triples; a quantity no indicator matches is left out either way
    (listed by :func:`mappings.report.unresolved`)."""
    profile = profile_of(doc, ref)
    norm = normalize_report(doc.text, doc.body_start, profile.paragraph_rule)
    report = parse_report(doc, profile, norm)
    w = Writer(Graph() if graph is None else graph, iris, ref, doc, norm, allow_unresolved)
    write_report(w, report, statements(doc, report, ref), commitments(doc, report, ref))
    return w.g


def _parse_or_suggest(doc: SourceDocument, ref: Reference, profile: Profile, parse: Callable[[Profile], Notice]):
    """``parse(profile)``; when it fails, the error also names another profile of the same parser
    that reads the document, if one does."""
    try:
        return parse(profile)
    except SourceError as e:
        for other in sorted(ref.genres.values(), key=lambda p: p.name):
            if other is profile or other.parser != profile.parser:
                continue
            try:
                parse(other)
            except SourceError:
                continue
            raise SourceError(
                f"{e}\n  the document parses with profile '{other.name}' ({other.description}): "
                f'set genre = "{other.name}" in {doc.meta_path}'
            ) from e
        raise


PARSERS: dict[str, Mapper] = {"notice": map_notice, "report": map_report}
"""A profile's ``parser`` → the function that maps a document of that genre."""


def mapper_for(doc: SourceDocument, ref: Reference) -> Mapper:
    return PARSERS[profile_of(doc, ref).parser]


# --- a notice aligned with the report it assigns ---------------------------------------------------


def write_alignment(
    g: Graph, iris: Iris, ref: Reference, notice_doc: SourceDocument, report_doc: SourceDocument, report_graph: Graph
) -> Alignment:
    """Into the notice's graph ``g``: each chapter, section and task derived from the report text
    it restates (:mod:`mappings.alignment`), a task's derivation qualified with the report span and
    the similarity, ``hgv:notInReport`` where no report text matched, and each task target linked
    to the report target of the same indicator and period stated in that paragraph."""
    notice_profile = profile_of(notice_doc, ref)
    notice = parse_notice(notice_doc, notice_profile, notice_text(notice_doc, notice_profile))
    report_profile = profile_of(report_doc, ref)
    report = parse_report(
        report_doc,
        report_profile,
        normalize_report(report_doc.text, report_doc.body_start, report_profile.paragraph_rule),
    )
    found = align(notice, report)
    w = Writer(g, iris, ref, report_doc, report.norm)  # spans in the report's coordinates
    n, r = iris.doc(notice_doc.iri_path), iris.doc(report_doc.iri_path)
    g.add((n, HGV.assignsReport, r))
    g.add((n, PROV.wasDerivedFrom, r))  # assignsReport's super-properties, stated for clients without inference
    g.add((n, ELI.implements, r))
    section_iris = {s.number: w.node(f"part/{p.number}/section/{s.number}") for p in report.parts for s in p.sections}
    for number, m in sorted(found.chapters.items()):
        if m.section is not None:
            g.add(
                (iris(f"{notice_doc.iri_path}/chapter/{number}"), PROV.wasDerivedFrom, section_iris[m.section.number])
            )
    for ordinal, m in sorted(found.sections.items()):
        if m.paragraph is not None:
            g.add(
                (
                    iris(f"{notice_doc.iri_path}/section/{ordinal}"),
                    PROV.wasDerivedFrom,
                    w.node(f"paragraph/{m.paragraph.number}"),
                )
            )
    for ordinal in found.unmatched:
        g.add((iris(f"{notice_doc.iri_path}/task/{ordinal}"), HGV.notInReport, Literal(True)))
    for ordinal, m in sorted(found.tasks.items()):
        assert m.paragraph is not None and m.sentence is not None  # a task's match is to a sentence
        task, para = iris(f"{notice_doc.iri_path}/task/{ordinal}"), w.node(f"paragraph/{m.paragraph.number}")
        d = iris(f"{notice_doc.iri_path}/task/{ordinal}/derivation")
        g.add((task, PROV.wasDerivedFrom, para))
        g.add((task, PROV.qualifiedDerivation, d))
        g.add((d, RDF.type, PROV.Derivation))
        g.add((d, PROV.entity, para))
        g.add((d, HGV.sourceSpan, w.span(m.sentence.start, m.sentence.end)))
        g.add((d, HGV.similarity, Literal(round(Decimal(m.score), 3), datatype=XSD.decimal)))
        _restated_targets(g, report_graph, task, para)
    return found


def _restated_targets(g: Graph, report_graph: Graph, task: URIRef, paragraph: URIRef) -> None:
    """Each target of ``task`` that the report paragraph also states: the same indicator and
    period, else the same value and unit (the two texts name the indicator differently)."""
    stated = sorted_terms(report_graph.objects(paragraph, HGV.hasTarget))
    by_indicator = {(report_graph.value(t, HGV.indicator), report_graph.value(t, HGV.refPeriod)): t for t in stated}
    by_value = {(report_graph.value(t, HGV.value), report_graph.value(t, HGV.unit)): t for t in stated}
    for t in sorted_terms(g.objects(task, HGV.hasTarget)):
        twin = by_indicator.get((g.value(t, HGV.indicator), g.value(t, HGV.refPeriod))) or by_value.get(
            (g.value(t, HGV.value), g.value(t, HGV.unit))
        )
        if twin is not None:
            g.add((t, HGV.restates, twin))
