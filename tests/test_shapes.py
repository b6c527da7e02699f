"""The SHACL shapes: the real graph conforms, and each shape fires alone on the break it guards against.

Every break test validates a small neighbourhood of the node it breaks (its description, what it
points to, the ontology) twice — unbroken and broken — and asserts that the break adds exactly the
expected (shape, focus node) result. Rules over a whole document run on the full graph.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, XSD

from conftest import SOURCES_DIR
from mappings.iris import ELI, HGV, ORG, PROV, Iris
from mappings.skos import add_labels
from shapes.validate import RdfFileError, load_shapes, read_rdf, validate, validate_file

HSH = Namespace("https://w3id.org/henan-gov/shapes#")
QB = Namespace("http://purl.org/linked-data/cube#")
SH = Namespace("http://www.w3.org/ns/shacl#")
IRIS = Iris()
OFFICE = IRIS.agency("henan", "general-office")  # an agency where another kind of node belongs
NOTICE = IRIS("doc/henan/yuzheng/2026/4")
REPORT = IRIS("doc/henan/work-report/2024")
# the report's first main target, 经济增长 5.5%: named by the file offset of its number
_REPORT_TEXT = (SOURCES_DIR / "henan-2024-government-work-report.txt").read_text(encoding="utf-8")
GDP_TARGET = _REPORT_TEXT.index("主要预期目标是：经济增长 5.5%") + len("主要预期目标是：经济增长 ")


# --------------------------------------------------------------------------------------------
# The graph under test
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def kg(request: pytest.FixtureRequest) -> Graph:
    """The graph to test: ``HENAN_KG_TEST_GRAPH`` (an RDF file, e.g. a build's dump) if set, else
    the assembled build (all named graphs merged: conftest's session ``real_graph``, mapped once
    for the session and read-only). A build that fails fails these tests too."""
    chosen = os.environ.get("HENAN_KG_TEST_GRAPH")
    if chosen:
        return read_rdf(chosen)
    return request.getfixturevalue("real_graph")


@pytest.fixture(scope="session")
def full_result(kg):
    return validate(kg)


# --------------------------------------------------------------------------------------------
# Helpers: neighbourhoods, breaks, renaming
# --------------------------------------------------------------------------------------------


def _is_data(node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(IRIS.base)


def neighbourhood(g: Graph, roots: Iterable[URIRef], depth: int = 2) -> Graph:
    """The roots' descriptions, those of data nodes they reach within ``depth`` steps (with the
    document nodes' full text), the types of the nodes at the edge, and everything outside the
    data namespace (the ontology)."""
    sub = Graph()
    seen: set[URIRef] = set()
    frontier = set(roots)
    for _ in range(depth + 1):
        nxt: set[URIRef] = set()
        for s in frontier - seen:
            seen.add(s)
            for p, o in g.predicate_objects(s):
                sub.add((s, p, o))
                if _is_data(o):
                    nxt.add(o)
        frontier = nxt
    for s in frontier - seen:
        for o in g.objects(s, RDF.type):
            sub.add((s, RDF.type, o))
    sub += _outside_data(g)
    return sub


_OUTSIDE: dict[int, Graph] = {}


def _outside_data(g: Graph) -> Graph:
    """The triples about nodes outside the data namespace (the ontology), once per graph."""
    if id(g) not in _OUTSIDE:
        _OUTSIDE[id(g)] = Graph()
        for t in g:
            if not _is_data(t[0]):
                _OUTSIDE[id(g)].add(t)
    return _OUTSIDE[id(g)]


def rename(g: Graph, old: URIRef, new: URIRef) -> None:
    """Replace a node everywhere in ``g`` (as subject and as object)."""
    for s, p, o in list(g.triples((old, None, None))):
        g.remove((s, p, o))
        g.add((new, p, o))
    for s, p, o in list(g.triples((None, None, old))):
        g.remove((s, p, o))
        g.add((s, p, new))


def drop_lang(g: Graph, s: URIRef, p: URIRef, lang: str) -> None:
    """Remove the node's ``p`` values in language ``lang``."""
    for t in list(g.objects(s, p)):
        if isinstance(t, Literal) and t.language == lang:
            g.remove((s, p, t))


def untag(g: Graph, s: URIRef, p: URIRef, lang: str) -> None:
    """Replace the node's ``p`` values in ``lang`` by the same text without a language tag."""
    for t in list(g.objects(s, p)):
        if isinstance(t, Literal) and t.language == lang:
            g.remove((s, p, t))
            g.add((s, p, Literal(str(t))))


def set_value(g: Graph, s: URIRef, p: URIRef, value) -> None:
    g.remove((s, p, None))
    g.add((s, p, value))


_BASELINES: dict[tuple, tuple[Graph, set]] = {}


def added_results(
    g: Graph, roots: Iterable[URIRef], break_it: Callable[[Graph], None], depth: int = 2
) -> set[tuple[str, URIRef]]:
    """The (shape, focus) results that ``break_it`` adds to the roots' neighbourhood."""
    key = (id(g), tuple(sorted(roots)), depth)
    if key not in _BASELINES:
        base = neighbourhood(g, roots, depth)
        _BASELINES[key] = (base, validate(base).fired())
    base, before = _BASELINES[key]
    sub = Graph()
    sub += base
    break_it(sub)
    after = validate(sub).fired()
    return {(_local(shape), focus) for shape, focus in after - before}


def _local(shape) -> str:
    return str(shape).replace(str(HSH), "") if isinstance(shape, URIRef) else repr(shape)


def one(g: Graph, query: str) -> URIRef:
    """The first solution's single variable (SPARQL with hgv:, prov: bound); none is a broken build."""
    rows = list(g.query(query, initNs={"hgv": HGV, "prov": PROV, "skos": SKOS, "org": ORG, "dcterms": DCTERMS}))
    assert rows, f"the graph has no node for: {query.strip()[:80]}"
    return sorted(rows)[0][0]


def a_task_with_lead_and_others(g: Graph) -> URIRef:
    return one(g, """SELECT ?t WHERE { ?t hgv:leadUnit ?l ; hgv:coResponsibleUnit ?c . }""")


def an_agency_of(g: Graph, cls: str) -> URIRef:
    return one(g, f"SELECT ?a WHERE {{ ?a a hgv:{cls} ; hgv:governs ?r . }}")


# --------------------------------------------------------------------------------------------
# The unbroken graph
# --------------------------------------------------------------------------------------------


def test_real_graph_conforms(full_result):
    assert full_result.conforms, full_result.summary()
    assert full_result.violations == 0


def test_shapes_load_and_every_shape_is_named():
    shapes = load_shapes()
    anonymous_props = [o for o in shapes.objects(None, SH.property) if not isinstance(o, URIRef)]
    assert anonymous_props == []
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape)):
        messages = [m for m in shapes.objects(shape, SH.message)]
        for c in shapes.objects(shape, SH.sparql):
            messages += list(shapes.objects(c, SH.message))
        constraints = [
            p
            for p in shapes.predicates(shape)
            if p not in (RDF.type, RDFS.label, SH.targetClass, SH.property, SH.severity)
        ]
        if constraints:
            assert {m.language for m in messages} == {"zh", "en"}, f"{shape} needs one zh and one en message"


def test_subclass_instances_are_targeted_and_pass_sh_class(kg):
    """A hgv:ProvincialAgency is an hgv:Agency for sh:class and sh:targetClass, without inference."""
    dev = IRIS.agency("henan", "development-reform-commission")
    assert (dev, RDF.type, HGV.Agency) not in kg
    fired = added_results(kg, [dev], lambda g: g.remove((dev, RDFS.label, None)))
    assert ("Agency-label-zh", dev) in fired


def test_ontology_is_mixed_in_when_the_data_lacks_it(kg):
    """A graph without the ontology (one document's dump) validates the same way."""
    dev = IRIS.agency("henan", "development-reform-commission")
    sub = Graph()
    for t in kg.triples((dev, None, None)):
        sub.add(t)
        sub += kg.triples((t[2], RDF.type, None))
    assert (HGV.ProvincialAgency, RDFS.subClassOf, HGV.Agency) not in sub
    size = len(sub)
    result = validate(sub)
    assert {f.focus for f in result.findings} & {dev} == set(), result.summary()  # sh:class held
    assert len(sub) == size  # the caller's graph is untouched


def test_dataset_named_graphs_are_validated_together(kg):
    """A Dataset (one named graph per document, as the build keeps them) is validated as a whole."""
    ds = Dataset()
    ds.graph(IRIS.graph("reference")).__iadd__(neighbourhood(kg, [DEV], 1))
    ds.graph(IRIS.graph("doc/henan/yuzheng/2026/4")).add((DEV, ORG.subOrganizationOf, DEV))
    assert (HSH.AgencyNotOwnParentShape, DEV) in validate(ds).fired("Warning")


def test_other_data_base_rewrites_patterns(kg):
    """With HENAN_KG_BASE elsewhere, data under that base passes and the default base does not."""
    other = "https://example.org/kg/"
    dev = IRIS.agency("henan", "development-reform-commission")
    henan = IRIS.region("410000")
    sub = Graph()
    for node, moved in ((dev, "agency/henan/development-reform-commission"), (henan, "region/410000")):
        for s, p, o in kg.triples((node, None, None)):
            if not _is_data(o):
                sub.add((URIRef(other + moved), p, o))
    moved_dev = URIRef(other + "agency/henan/development-reform-commission")
    sub.add((moved_dev, HGV.jurisdiction, URIRef(other + "region/410000")))
    assert validate(sub, base=other).violations == 0
    assert validate(sub).fired() == {
        (HSH.AgencyShape, URIRef(other + "agency/henan/development-reform-commission")),
        (HSH.PlaceShape, URIRef(other + "region/410000")),
    }


def test_summary_groups_by_shape_with_labels_and_both_languages(kg):
    dev = IRIS.agency("henan", "development-reform-commission")
    sub = neighbourhood(kg, [dev], 1)
    sub.remove((dev, HGV.shortName, None))
    sub.add((dev, HGV.shortName, Literal("省发展改革委")))
    text = validate(sub).summary()
    assert "hsh:Agency-shortName" in text
    assert "hgd:agency/henan/development-reform-commission «河南省发展和改革委员会»" in text
    assert "机构简称须标为中文" in text and "must be tagged zh" in text
    assert '"省发展改革委"' in text


# --------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------


def test_document_iri_pattern(kg):
    bad = IRIS("notice_2026_4")
    assert added_results(kg, [NOTICE], lambda g: rename(g, NOTICE, bad), depth=1) == {("DocumentShape", bad)}


@pytest.mark.parametrize(
    ("shape", "break_it"),
    [
        (
            "Document-title-zh",
            lambda g, d: g.remove(
                (
                    d,
                    DCTERMS.title,
                    Literal(
                        g.value(d, HGV.documentNumber)
                        and "河南省人民政府关于明确政府工作报告提出的2026年重点工作责任单位的通知",
                        lang="zh",
                    ),
                )
            ),
        ),
        (
            "Document-title-en",
            lambda g, d: [
                g.remove((d, DCTERMS.title, t)) for t in list(g.objects(d, DCTERMS.title)) if t.language == "en"
            ],
        ),
        (
            "Document-label-zh",
            lambda g, d: [g.remove((d, RDFS.label, t)) for t in list(g.objects(d, RDFS.label)) if t.language == "zh"],
        ),
        ("Document-issued", lambda g, d: set_value(g, d, DCTERMS.issued, Literal("2026-02-28"))),
        ("Document-planYear", lambda g, d: set_value(g, d, HGV.planYear, Literal(2026))),
        ("Document-reviewYear", lambda g, d: set_value(g, d, HGV.reviewYear, Literal("2025-12-31", datatype=XSD.date))),
        ("Document-publisher", lambda g, d: set_value(g, d, DCTERMS.publisher, IRIS.region("410000"))),
        ("Document-fullText", lambda g, d: g.remove((d, HGV.fullText, None))),
        ("Document-sourceFile", lambda g, d: g.remove((d, HGV.sourceFile, None))),
        ("Document-identifier", lambda g, d: g.remove((d, DCTERMS.identifier, None))),
        ("Document-language", lambda g, d: g.remove((d, DCTERMS.language, None))),
        ("Document-addressee", lambda g, d: g.add((d, HGV.addressee, IRIS.region("410000")))),
        ("Notice-documentNumber", lambda g, d: set_value(g, d, HGV.documentNumber, Literal("豫政2026年4号"))),
        (
            "Notice-reportingRequirement",
            lambda g, d: g.add((d, HGV.reportingRequirement, IRIS.agency("henan", "general-office"))),
        ),
    ],
)
def test_notice_property_shapes(kg, shape, break_it):
    assert added_results(kg, [NOTICE], lambda g: break_it(g, NOTICE), depth=1) == {(shape, NOTICE)}


def test_report_speaker_must_be_a_person(kg):
    fired = added_results(
        kg, [REPORT], lambda g: set_value(g, REPORT, HGV.speaker, IRIS.agency("henan", "henan-government")), depth=1
    )
    assert fired == {("Report-speaker", REPORT)}


def test_report_meeting_needs_a_language(kg):
    def strip(g: Graph) -> None:
        zh = next(m for m in g.objects(REPORT, HGV.meeting) if m.language == "zh")
        g.remove((REPORT, HGV.meeting, zh))
        g.add((REPORT, HGV.meeting, Literal(str(zh))))

    assert added_results(kg, [REPORT], strip, depth=1) == {("Report-meeting", REPORT)}


def test_person_shapes(kg):
    person = kg.value(REPORT, HGV.speaker)
    bad = IRIS("person/Wang_Kai")
    assert added_results(kg, [person], lambda g: rename(g, person, bad), depth=1) == {("PersonShape", bad)}
    zh = added_results(kg, [person], lambda g: drop_lang(g, person, RDFS.label, "zh"), depth=1)
    assert zh == {("Person-label-zh", person)}
    office = added_results(kg, [person], lambda g: untag(g, person, HGV.office, "zh"), depth=1)
    assert office == {("Person-office", person)}


# --------------------------------------------------------------------------------------------
# Document parts
# --------------------------------------------------------------------------------------------

TASK1 = NOTICE + "/task/1"
CHAPTER1 = NOTICE + "/chapter/1"


@pytest.mark.parametrize(
    ("shape", "break_it"),
    [
        ("Part-inDocument", lambda g, t: g.remove((t, HGV.inDocument, None))),
        ("Part-isPartOf", lambda g, t: g.remove((t, DCTERMS.isPartOf, None))),
        ("Part-orderNumber", lambda g, t: set_value(g, t, HGV.orderNumber, Literal("1"))),
        ("Part-text", lambda g, t: set_value(g, t, HGV.text, Literal(str(g.value(t, HGV.text))))),
        ("Part-sourceSpan", lambda g, t: g.remove((t, HGV.sourceSpan, None))),
        ("Part-policyArea", lambda g, t: g.add((t, HGV.policyArea, OFFICE))),
        ("Part-hasTarget", lambda g, t: g.add((t, HGV.hasTarget, OFFICE))),
        ("Part-hasAchievedFigure", lambda g, t: g.add((t, HGV.hasAchievedFigure, OFFICE))),
        ("Part-mentionsProject", lambda g, t: g.add((t, HGV.mentionsProject, OFFICE))),
        ("Part-projectMention", lambda g, t: g.add((t, HGV.projectMention, OFFICE))),
        ("Part-mentionsPlace", lambda g, t: g.add((t, HGV.mentionsPlace, OFFICE))),
        ("Task-text", lambda g, t: g.remove((t, HGV.text, None))),
        ("Task-responsibilityClause", lambda g, t: g.remove((t, HGV.responsibilityClause, None))),
        ("Task-responsibility", lambda g, t: g.add((t, HGV.responsibility, OFFICE))),
    ],
)
def test_task_property_shapes(kg, shape, break_it):
    assert added_results(kg, [TASK1], lambda g: break_it(g, TASK1)) == {(shape, TASK1)}


def test_part_and_container_in_one_document(kg):
    """Task 1 of the notice filed under the report: both are documents, but not the same one."""

    def move(g: Graph) -> None:
        set_value(g, TASK1, DCTERMS.isPartOf, REPORT)
        own = [(p, o) for p, o in kg.predicate_objects(REPORT) if p not in (ELI.has_part, ELI.is_about)]
        g += [(REPORT, p, o) for p, o in own]  # the report's node, not its parts (eli:has_part)
        g += neighbourhood(kg, [o for _, o in own if isinstance(o, URIRef)], 0)

    assert added_results(kg, [TASK1], move) == {("PartContainerShape", TASK1)}


def test_part_heading_must_be_chinese(kg):
    heading = kg.value(CHAPTER1, HGV.heading)
    fired = added_results(kg, [CHAPTER1], lambda g: set_value(g, CHAPTER1, HGV.heading, Literal(str(heading))))
    assert fired == {("Part-heading", CHAPTER1)}


def test_chapter_needs_a_heading(kg):
    assert added_results(kg, [CHAPTER1], lambda g: g.remove((CHAPTER1, HGV.heading, None))) == {
        ("Chapter-heading", CHAPTER1)
    }


@pytest.mark.parametrize(
    ("node", "bad", "shape"),
    [
        (CHAPTER1, NOTICE + "/chapter/one", "ChapterShape"),
        (NOTICE + "/section/1", NOTICE + "/section/0", "SectionShape"),
        (REPORT + "/part/1", REPORT + "/part/1a", "PartShape"),
        (TASK1, NOTICE + "/task/01", "TaskShape"),
        (TASK1 + "/unit/1", TASK1 + "/lead/1", "ResponsibilityAssignmentShape"),
        (NOTICE + "/reporting/1", NOTICE + "/report/1", "ReportingRequirementShape"),
        (IRIS.agency("henan", "general-office"), IRIS("agency/General_Office"), "AgencyShape"),
        (IRIS.region("hangkonggang"), IRIS("region/Hangkonggang"), "PlaceShape"),
        (REPORT + f"/target/{GDP_TARGET}", REPORT + f"/goal/{GDP_TARGET}", "StatementShape"),
        (IRIS.unit("percent"), IRIS("units/percent"), "UnitShape"),
        (IRIS.indicator("key-project-investment"), IRIS("indicator/Key_Projects"), "IndicatorShape"),
        (IRIS.project("jinan-zhengzhou-hsr"), IRIS("project/Jinan Zhengzhou".replace(" ", "_")), "ProjectShape"),
    ],
)
def test_iri_patterns(kg, node, bad, shape):
    assert (node, RDF.type, None) in kg, f"{node} is not in the graph: the build lost it"
    assert added_results(kg, [node], lambda g: rename(g, node, bad), depth=1) == {(shape, bad)}


def test_paragraph_shapes(kg):
    para = one(kg, "SELECT ?p WHERE { ?p a hgv:Paragraph ; hgv:text ?t }")
    bad = URIRef(str(para).replace("/paragraph/", "/para/"))
    assert added_results(kg, [para], lambda g: rename(g, para, bad), depth=1) == {("ParagraphShape", bad)}
    assert added_results(kg, [para], lambda g: g.remove((para, HGV.text, None))) == {("Paragraph-text", para)}


def test_span_iri_pattern_and_agreement(kg):
    span = kg.value(TASK1, HGV.sourceSpan)
    start, end = int(kg.value(span, HGV.startOffset)), int(kg.value(span, HGV.endOffset))
    bad = IRIS(f"doc/henan/yuzheng/2026/4/span/{start}:{end}")
    fired = added_results(kg, [span], lambda g: rename(g, span, bad), depth=1)
    assert fired == {("SourceSpanShape", bad), ("SpanIriShape", bad)}  # the IRI rule restates the offsets
    moved = IRIS(f"doc/henan/yuzheng/2026/4/span/{start}-{end + 1}")
    assert added_results(kg, [span], lambda g: rename(g, span, moved), depth=1) == {("SpanIriShape", moved)}


# --------------------------------------------------------------------------------------------
# Tasks and responsibility
# --------------------------------------------------------------------------------------------


def test_every_task_has_a_responsible_unit(kg):
    def strip(g: Graph) -> None:
        for p in (HGV.responsibleUnit, HGV.leadUnit, HGV.coResponsibleUnit):
            g.remove((TASK1, p, None))
        for a in list(g.objects(TASK1, HGV.responsibility)):
            g.remove((a, None, None))
        g.remove((TASK1, HGV.responsibility, None))

    assert added_results(kg, [TASK1], strip) == {("Task-responsibleUnit", TASK1)}


def test_lead_unit_is_a_responsible_unit(kg):
    task = a_task_with_lead_and_others(kg)
    lead = kg.value(task, HGV.leadUnit)
    fired = added_results(kg, [task], lambda g: g.remove((task, HGV.responsibleUnit, lead)))
    assert fired == {("LeadUnitIsResponsibleShape", task)}


def test_assignments_match_units(kg):
    task = a_task_with_lead_and_others(kg)
    lead = kg.value(task, HGV.leadUnit)
    assignment = one(kg, f"SELECT ?a WHERE {{ <{task}> hgv:responsibility ?a . ?a prov:agent <{lead}> }}")
    fired = added_results(kg, [task], lambda g: set_value(g, assignment, PROV.hadRole, HGV.CoResponsibleRole))
    assert fired == {("AssignmentsMatchUnitsShape", task)}


@pytest.mark.parametrize(
    ("shape", "break_it"),
    [
        ("Assignment-role", lambda g, a: set_value(g, a, PROV.hadRole, HGV.Exactly)),
        ("Assignment-writtenAs", lambda g, a: set_value(g, a, HGV.writtenAs, Literal("省发展改革委"))),
        (
            "Assignment-variantOf",
            lambda g, a: [g.add((a, HGV.variantOf, Literal(x, lang="zh"))) for x in ("发改委", "发展改革委")],
        ),
        ("Assignment-listPosition", lambda g, a: set_value(g, a, HGV.listPosition, Literal(0))),
        ("Assignment-sourceSpan", lambda g, a: g.remove((a, HGV.sourceSpan, None))),
        ("Assignment-mentionsPlace", lambda g, a: g.add((a, HGV.mentionsPlace, OFFICE))),
    ],
)
def test_assignment_property_shapes(kg, shape, break_it):
    a = TASK1 + "/unit/1"
    also = set()
    if shape == "Assignment-role":  # the neighbourhood reaches the task (prov:hadPlan): its lead has no lead role now
        also = {("AssignmentsMatchUnitsShape", TASK1)}
    assert added_results(kg, [a], lambda g: break_it(g, a), depth=1) == {(shape, a)} | also


def test_the_implementation_shapes(kg):
    """The PROV reading: one activity per task, each assignment qualifying it with the task as its plan."""
    a, activity = TASK1 + "/unit/1", TASK1 + "/implementation"
    assert (URIRef(TASK1), HGV.implementation, URIRef(activity)) in kg
    fired = added_results(kg, [TASK1], lambda g: g.remove((URIRef(activity), PROV.qualifiedAssociation, URIRef(a))))
    assert fired == {("ImplementationMatchesAssignmentsShape", URIRef(TASK1))}
    fired = added_results(kg, [TASK1], lambda g: g.remove((URIRef(TASK1), HGV.implementation, None)))
    assert ("Task-implementation", URIRef(TASK1)) in fired
    fired = added_results(kg, [a], lambda g: g.remove((URIRef(a), PROV.hadPlan, None)), depth=1)
    assert ("Assignment-hadPlan", URIRef(a)) in fired


def test_assignment_has_one_agent(kg):
    """Two agents on one assignment (both co-responsible units of the task): only the count fires."""
    task = one(kg, "SELECT ?t WHERE { ?t hgv:coResponsibleUnit ?x , ?y . FILTER (?x != ?y) }")
    a = one(kg, f"SELECT ?a WHERE {{ <{task}> hgv:responsibility ?a . ?a prov:hadRole hgv:CoResponsibleRole }}")
    other = one(
        kg, f"SELECT ?x WHERE {{ <{task}> hgv:coResponsibleUnit ?x . FILTER NOT EXISTS {{ <{a}> prov:agent ?x }} }}"
    )
    assert added_results(kg, [task], lambda g: g.add((a, PROV.agent, other))) == {("Assignment-agent", a)}


def test_reporting_requirement_shapes(kg):
    req = NOTICE + "/reporting/1"
    assert (req, RDF.type, HGV.ReportingRequirement) in kg, "the notice lost its reporting requirements"
    cases = {
        "Reporting-dueDate": lambda g: set_value(g, req, HGV.dueDate, Literal("2026-03-10")),
        "Reporting-requiredReport": lambda g: [
            g.remove((req, HGV.requiredReport, t))
            for t in list(g.objects(req, HGV.requiredReport))
            if t.language == "zh"
        ],
        "Reporting-sourceSpan": lambda g: g.remove((req, HGV.sourceSpan, None)),
    }
    for shape, break_it in cases.items():
        assert added_results(kg, [req], break_it, depth=1) == {(shape, req)}, shape


def _tasks_of_notice(g: Graph) -> list[tuple[int, URIRef]]:
    return sorted(
        (int(n), t)
        for t, n in g.query(
            "SELECT ?t ?n WHERE { ?t a hgv:Task ; hgv:inDocument ?d ; hgv:orderNumber ?n }",
            initNs={"hgv": HGV},
            initBindings={"d": NOTICE},
        )
    )


def _numbering(g: Graph) -> Graph:
    """What the numbering rule reads: every task's class, document and number, and the notice."""
    sub = Graph()
    sub += g.triples((NOTICE, None, None))
    for _, t in _tasks_of_notice(g):
        for p in (RDF.type, HGV.inDocument, HGV.orderNumber):
            sub += g.triples((t, p, None))
    sub += _outside_data(g)
    return sub


@pytest.fixture(scope="session")
def numbering(kg) -> tuple[Graph, set]:
    """The numbering projection of the graph and its own (unbroken) results, computed once."""
    sub = _numbering(kg)
    return sub, {(f.shape, f.focus, f.value) for f in validate(sub).findings}


def _renumbered(g: Graph, numbering: tuple[Graph, set], change: Callable[[int], int]) -> list:
    """The findings that renumbering the notice's last task (n → change(n)) adds."""
    base, before = numbering
    sub = Graph()
    sub += base
    n, last = _tasks_of_notice(g)[-1]
    set_value(sub, last, HGV.orderNumber, Literal(change(n), datatype=XSD.integer))
    return [f for f in validate(sub).findings if (f.shape, f.focus, f.value) not in before]


def test_task_numbers_repeat(kg, numbering):
    n = _tasks_of_notice(kg)[-1][0]
    findings = _renumbered(kg, numbering, lambda n: n - 1)
    assert [(_local(f.shape), f.focus, f.severity) for f in findings] == [("TaskNumberingShape", NOTICE, "Violation")]
    assert findings[0].messages == {
        "en": f"two tasks of the notice are both numbered {n - 1}",
        "zh": f"通知中有两项任务都编为第 {n - 1} 项",
    }


def test_task_numbers_gap(kg, numbering):
    n = _tasks_of_notice(kg)[-1][0]
    findings = _renumbered(kg, numbering, lambda n: n + 1)
    assert [(_local(f.shape), f.focus, f.severity) for f in findings] == [("TaskNumberingShape", NOTICE, "Violation")]
    assert findings[0].messages == {
        "en": f"the notice's task numbers have a gap: task {n} is missing",
        "zh": f"通知的任务编号不连续：缺第 {n} 项",
    }


def test_task_numbers_are_counted_per_notice(kg, numbering):
    """Two notices with the same task numbers are fine; a repeat in the second is the second's."""
    base, _ = numbering
    other = IRIS("doc/henan/yuzheng/2027/1")
    sub = Graph()
    sub += base
    for s, p, o in base:
        if str(s).startswith(str(NOTICE)):
            move = lambda t: URIRef(str(other) + str(t)[len(str(NOTICE)) :]) if str(t).startswith(str(NOTICE)) else t  # noqa: E731
            sub.add((move(s), p, move(o)))
    before = {(f.shape, f.focus) for f in validate(sub).findings if f.severity == "Violation"}
    assert (HSH.TaskNumberingShape, other) not in before and (HSH.TaskNumberingShape, NOTICE) not in before
    set_value(sub, URIRef(str(other) + "/task/2"), HGV.orderNumber, Literal(1, datatype=XSD.integer))
    after = {(f.shape, f.focus) for f in validate(sub).findings if f.severity == "Violation"}
    assert after - before == {(HSH.TaskNumberingShape, other)}


def test_notice_tasks_run_from_one(kg):
    numbers = [n for n, _ in _tasks_of_notice(kg)]
    assert numbers == list(range(1, len(numbers) + 1))


# --------------------------------------------------------------------------------------------
# Agencies and places
# --------------------------------------------------------------------------------------------

DEV = IRIS.agency("henan", "development-reform-commission")


@pytest.mark.parametrize(
    ("shape", "break_it"),
    [
        (
            "Agency-label-zh",
            lambda g, a: [g.remove((a, RDFS.label, t)) for t in list(g.objects(a, RDFS.label)) if t.language == "zh"],
        ),
        ("Agency-prefLabel-zh", lambda g, a: g.add((a, SKOS.prefLabel, Literal("发改委", lang="zh")))),
        (
            "Agency-label-en",
            lambda g, a: [g.remove((a, RDFS.label, t)) for t in list(g.objects(a, RDFS.label)) if t.language == "en"],
        ),
        ("Agency-shortName", lambda g, a: set_value(g, a, HGV.shortName, Literal("省发展改革委"))),
        ("Agency-classification", lambda g, a: set_value(g, a, ORG.classification, IRIS.region("410000"))),
        ("Agency-subOrganizationOf", lambda g, a: set_value(g, a, ORG.subOrganizationOf, IRIS.region("410000"))),
        ("Agency-managedBy", lambda g, a: g.add((a, HGV.managedBy, IRIS.region("410000")))),
        (
            "Agency-sameAs",
            lambda g, a: g.add((a, OWL.sameAs, URIRef("https://www.wikidata.org/wiki/Q10883370"))),
        ),
        ("AgencyNotOwnParentShape", lambda g, a: set_value(g, a, ORG.subOrganizationOf, a)),
    ],
)
def test_agency_shapes(kg, shape, break_it):
    assert added_results(kg, [DEV], lambda g: break_it(g, DEV), depth=1) == {(shape, DEV)}


def test_agency_without_english_name_is_only_a_warning(kg):
    sub = neighbourhood(kg, [DEV], 1)
    before = validate(sub)
    for t in list(sub.objects(DEV, RDFS.label)):
        if t.language == "en":
            sub.remove((DEV, RDFS.label, t))
    result = validate(sub)
    assert (HSH["Agency-label-en"], DEV) in result.fired("Warning")
    assert result.violations == before.violations


def test_collective_members_are_agencies(kg):
    coll = IRIS.agency("henan", "all-city-governments")
    fired = added_results(kg, [coll], lambda g: g.add((coll, HGV.hasCollectiveMember, IRIS.region("410100"))), depth=1)
    assert fired == {("Collective-member", coll)}


def test_municipal_government_governs_one_coded_region(kg):
    gov = IRIS.agency("henan", "zhengzhou-municipal-government")
    assert added_results(kg, [gov], lambda g: g.remove((gov, HGV.governs, None))) == {("MunicipalGovernmentShape", gov)}
    two = lambda g: g.add((gov, HGV.governs, IRIS.region("410184")))  # noqa: E731
    assert added_results(kg, [gov], two) == {("MunicipalGovernmentShape", gov)}
    zone = lambda g: set_value(g, gov, HGV.governs, IRIS.region("hangkonggang"))  # noqa: E731
    assert added_results(kg, [gov], zone) == {("MunicipalGovernmentShape", gov)}


def test_zone_committee_governs_a_place(kg):
    zone = IRIS.agency("henan", "airport-zone-committee")
    assert added_results(kg, [zone], lambda g: g.remove((zone, HGV.governs, None))) == {("Zone-governs", zone)}


def test_agency_kind_shapes(kg):
    kind = kg.value(DEV, ORG.classification)
    zh = added_results(kg, [kind], lambda g: drop_lang(g, kind, SKOS.prefLabel, "zh"), depth=1)
    assert zh == {("AgencyKind-prefLabel-zh", kind)}
    en = added_results(kg, [kind], lambda g: drop_lang(g, kind, SKOS.prefLabel, "en"), depth=1)
    assert en == {("AgencyKind-prefLabel-en", kind)}
    bad = IRIS("agency-kind/Constituent_Department")
    assert added_results(kg, [kind], lambda g: rename(g, kind, bad), depth=1) == {("AgencyKindShape", bad)}


ZHENGZHOU = IRIS.region("410100")
LANKAO = IRIS.region("410225")


@pytest.mark.parametrize(
    ("shape", "break_it"),
    [
        (
            "Place-label-zh",
            lambda g, p: [g.remove((p, RDFS.label, t)) for t in list(g.objects(p, RDFS.label)) if t.language == "zh"],
        ),
        ("Place-prefLabel-zh", lambda g, p: g.add((p, SKOS.prefLabel, Literal("兰考", lang="zh")))),
        (
            "Place-label-en",
            lambda g, p: [g.remove((p, RDFS.label, t)) for t in list(g.objects(p, RDFS.label)) if t.language == "en"],
        ),
        ("Place-shortName", lambda g, p: set_value(g, p, HGV.shortName, Literal("兰考"))),
        ("Place-withinRegion", lambda g, p: g.add((p, HGV.withinRegion, IRIS.region("410000")))),
        (
            "Place-sameAs",
            lambda g, p: set_value(g, p, OWL.sameAs, URIRef("https://www.wikidata.org/wiki/Q1198537")),
        ),
        (
            "Place-geonamesSeat",
            lambda g, p: set_value(g, p, HGV.geonamesSeat, URIRef("https://www.geonames.org/1804553")),
        ),
        ("Place-governedBy", lambda g, p: g.add((p, HGV.governedBy, IRIS.region("410200")))),
        ("Region-adminCode", lambda g, p: set_value(g, p, HGV.adminCode, Literal(410225))),
        ("Region-wikidata", lambda g, p: g.remove((p, OWL.sameAs, None))),
    ],
)
def test_place_shapes(kg, shape, break_it):
    fired = added_results(kg, [LANKAO], lambda g: break_it(g, LANKAO), depth=1)
    owner = "RegionParentCodeShape" if shape == "RegionCode-parent" else shape
    assert fired == {(owner, LANKAO)}


GREATER_BAY_AREA = IRIS("zone/greater-bay-area")


@pytest.mark.parametrize(
    ("shape", "break_it"),
    [
        ("Zone-jurisdiction", lambda g, z: g.remove((z, HGV.zoneJurisdiction, None))),
        ("Place-zoneJurisdiction", lambda g, z: g.add((z, HGV.zoneJurisdiction, IRIS("unit/jin")))),
    ],
)
def test_zone_shapes(kg, shape, break_it):
    fired = added_results(kg, [GREATER_BAY_AREA], lambda g: break_it(g, GREATER_BAY_AREA), depth=1)
    assert fired == {(shape, GREATER_BAY_AREA)}


def test_a_zone_of_the_zone_table_has_a_zone_iri(kg):
    moved = IRIS("region/greater-bay-area")
    fired = added_results(kg, [GREATER_BAY_AREA], lambda g: rename(g, GREATER_BAY_AREA, moved), depth=1)
    assert fired == {("ZoneIriShape", moved)}


def test_region_code_extends_its_parents(kg):
    luoyang = IRIS.region("410300")

    def move(g: Graph) -> None:
        set_value(g, LANKAO, HGV.withinRegion, luoyang)
        g += ((s, p, o) for s, p, o in kg.triples((luoyang, None, None)) if p != HGV.governedBy)

    assert added_results(kg, [LANKAO], move, depth=1) == {("RegionParentCodeShape", LANKAO)}


def test_region_iri_agrees_with_code(kg):
    moved = IRIS.region("410226")
    assert added_results(kg, [LANKAO], lambda g: rename(g, LANKAO, moved), depth=1) == {("RegionCodeShape", moved)}


def test_region_without_wikidata_is_only_a_warning(kg):
    sub = neighbourhood(kg, [LANKAO], 1)
    before = validate(sub)
    sub.remove((LANKAO, OWL.sameAs, None))
    result = validate(sub)
    assert (HSH["Region-wikidata"], LANKAO) in result.fired("Warning")
    assert result.violations == before.violations


# --------------------------------------------------------------------------------------------
# Targets, figures, indicators, units, code lists
# --------------------------------------------------------------------------------------------


def _target(g: Graph) -> URIRef:
    """A task target of the notice (a single value, no range), the same one whatever sorts first."""
    return one(
        g,
        "SELECT ?t WHERE { ?t a hgv:Target ; hgv:unit ?u ; hgv:comparator ?c ; hgv:indicator ?i "
        f'FILTER STRSTARTS(STR(?t), "{NOTICE}/") }}',
    )


@pytest.mark.parametrize(
    ("shape", "break_it"),
    [
        ("Statement-value", lambda g, t: set_value(g, t, HGV.value, Literal(str(g.value(t, HGV.value))))),
        ("Statement-unit", lambda g, t: set_value(g, t, HGV.unit, g.value(t, HGV.indicator))),
        ("Statement-unitText", lambda g, t: set_value(g, t, HGV.unitText, Literal("万亿元"))),
        ("Statement-comparator", lambda g, t: set_value(g, t, HGV.comparator, HGV.Level)),
        ("Statement-quantityKind", lambda g, t: set_value(g, t, HGV.quantityKind, HGV.AtLeast)),
        ("Statement-indicator", lambda g, t: set_value(g, t, HGV.indicator, g.value(t, HGV.unit))),
        ("Statement-refPeriod", lambda g, t: set_value(g, t, HGV.refPeriod, Literal(2024))),
        ("Statement-statedIn", lambda g, t: g.remove((t, HGV.statedIn, None))),
        ("Statement-sourceSpan", lambda g, t: g.remove((t, HGV.sourceSpan, None))),
        ("Target-unit", lambda g, t: g.remove((t, HGV.unit, None))),
        ("Statement-comparator", lambda g, t: g.remove((t, HGV.comparator, None))),
        ("Statement-quantityKind", lambda g, t: g.remove((t, HGV.quantityKind, None))),
        ("Statement-indicator", lambda g, t: g.remove((t, HGV.indicator, None))),
        ("Statement-periodStart", lambda g, t: g.remove((t, HGV.periodStart, None))),
        ("Statement-statementKind", lambda g, t: g.remove((t, HGV.statementKind, None))),
        ("Statement-observation", lambda g, t: g.remove((t, RDF.type, QB.Observation))),
        ("StatementKindShape", lambda g, t: set_value(g, t, HGV.statementKind, HGV.KindAchieved)),
        ("TargetPositiveShape", lambda g, t: set_value(g, t, HGV.value, Literal(Decimal("-1")))),
        ("Statement-dataSet", lambda g, t: set_value(g, t, QB.dataSet, IRIS("dataset/achieved"))),
        ("Statement-writtenUnit", lambda g, t: g.add((t, HGV.writtenUnit, g.value(t, HGV.indicator)))),
        ("Statement-writtenValue", lambda g, t: g.add((t, HGV.writtenValue, Literal("1300亿斤")))),
    ],
)
def test_target_shapes(kg, shape, break_it):
    t = _target(kg)
    assert added_results(kg, [t], lambda g: break_it(g, t), depth=1) == {(shape, t)}


def test_zero_target_is_not_positive(kg):
    t = _target(kg)
    fired = added_results(kg, [t], lambda g: set_value(g, t, HGV.value, Literal(Decimal("0"))), depth=1)
    assert fired == {("TargetPositiveShape", t)}


def test_achieved_figure_shapes(kg):
    fig = one(kg, "SELECT ?f WHERE { ?f a hgv:AchievedFigure ; hgv:unit ?u }")
    assert added_results(kg, [fig], lambda g: g.remove((fig, HGV.unit, None)), depth=1) == {("Figure-unit", fig)}
    fired = added_results(kg, [fig], lambda g: g.remove((fig, QB.dataSet, None)), depth=1)
    assert fired == {("Statement-dataSet", fig)}


@pytest.mark.parametrize(
    ("query", "shape", "break_it"),
    [
        (
            "SELECT ?i WHERE { ?i a hgv:Indicator }",
            "Indicator-prefLabel-zh",
            lambda g, n: g.add((n, SKOS.prefLabel, Literal("另一个名称", lang="zh"))),
        ),
        (
            "SELECT ?i WHERE { ?i a hgv:Indicator }",
            "Indicator-prefLabel-en",
            lambda g, n: [
                g.remove((n, SKOS.prefLabel, t)) for t in list(g.objects(n, SKOS.prefLabel)) if t.language == "en"
            ],
        ),
        (
            "SELECT ?i WHERE { ?i a hgv:Indicator }",
            "Indicator-inScheme",
            lambda g, n: set_value(g, n, SKOS.inScheme, IRIS.scheme("units")),
        ),
        (
            "SELECT ?u WHERE { ?u a hgv:Unit }",
            "Unit-prefLabel-zh",
            lambda g, n: [
                g.remove((n, SKOS.prefLabel, t)) for t in list(g.objects(n, SKOS.prefLabel)) if t.language == "zh"
            ],
        ),
        (
            "SELECT ?u WHERE { ?u a hgv:Unit }",
            "Unit-inScheme",
            lambda g, n: set_value(g, n, SKOS.inScheme, IRIS.scheme("indicators")),
        ),
        (
            "SELECT ?p WHERE { ?p a hgv:PolicyArea }",
            "PolicyArea-prefLabel-zh",
            lambda g, n: g.add((n, SKOS.prefLabel, Literal("另一个领域", lang="zh"))),
        ),
        (
            "SELECT ?p WHERE { ?p a hgv:PolicyArea }",
            "PolicyArea-cofog",
            lambda g, n: g.add((n, SKOS.broadMatch, IRIS.region("410000"))),
        ),
        (
            "SELECT ?c WHERE { ?c a hgv:CofogDivision }",
            "Cofog-notation",
            lambda g, n: set_value(g, n, SKOS.notation, Literal("4")),
        ),
        (
            "SELECT ?c WHERE { ?c a hgv:CofogDivision }",
            "Cofog-prefLabel-en",
            lambda g, n: [
                g.remove((n, SKOS.prefLabel, t)) for t in list(g.objects(n, SKOS.prefLabel)) if t.language == "en"
            ],
        ),
        (
            "SELECT ?p WHERE { ?p a hgv:Project }",
            "Project-label-zh",
            lambda g, n: [g.remove((n, RDFS.label, t)) for t in list(g.objects(n, RDFS.label)) if t.language == "zh"],
        ),
        (
            "SELECT ?p WHERE { ?p a hgv:Project }",
            "Project-projectType",
            lambda g, n: set_value(g, n, HGV.projectType, HGV.Level),
        ),
        (
            "SELECT ?p WHERE { ?p a hgv:Project }",
            "Project-mentionsPlace",
            lambda g, n: g.add((n, HGV.mentionsPlace, IRIS.agency("henan", "general-office"))),
        ),
        (
            "SELECT ?m WHERE { ?m a hgv:ProjectMention }",
            "Mention-project",
            lambda g, n: g.remove((n, HGV.project, None)),
        ),
        (
            "SELECT ?m WHERE { ?m a hgv:ProjectMention }",
            "Mention-statedIn",
            lambda g, n: set_value(g, n, HGV.statedIn, NOTICE),
        ),
        (
            "SELECT ?m WHERE { ?m a hgv:ProjectMention ; hgv:statedAction ?a }",
            "Mention-statedAction",
            lambda g, n: set_value(g, n, HGV.statedAction, Literal("建设")),
        ),
        (
            "SELECT ?m WHERE { ?m a hgv:ProjectMention }",
            "Mention-sourceSpan",
            lambda g, n: g.remove((n, HGV.sourceSpan, None)),
        ),
        (
            "SELECT ?k WHERE { ?k a hgv:ProjectType }",
            "VocabularyConcept-prefLabel",
            lambda g, n: g.remove((n, SKOS.prefLabel, None)),
        ),
        (
            "SELECT ?s WHERE { ?s a skos:ConceptScheme }",
            "Scheme-prefLabel-zh",
            lambda g, n: [
                g.remove((n, SKOS.prefLabel, t)) for t in list(g.objects(n, SKOS.prefLabel)) if t.language == "zh"
            ],
        ),
    ],
)
def test_concept_shapes(kg, query, shape, break_it):
    node = one(kg, query)
    assert added_results(kg, [node], lambda g: break_it(g, node), depth=1) == {(shape, node)}


@pytest.mark.parametrize(
    ("query", "bad", "shape"),
    [
        ("SELECT ?p WHERE { ?p a hgv:PolicyArea }", lambda n: URIRef(str(n) + "x"), "PolicyAreaShape"),
        ("SELECT ?c WHERE { ?c a hgv:CofogDivision }", lambda n: IRIS("cofog/4"), "CofogDivisionShape"),
        ("SELECT ?s WHERE { ?s a skos:ConceptScheme }", lambda n: IRIS("schemes/x"), "ConceptSchemeShape"),
        (
            "SELECT ?m WHERE { ?m a hgv:ProjectMention }",
            lambda n: URIRef(str(n).replace("/project/", "/projects/")),
            "ProjectMentionShape",
        ),
    ],
)
def test_concept_iri_patterns(kg, query, bad, shape):
    node = one(kg, query)
    new = bad(node)
    assert added_results(kg, [node], lambda g: rename(g, node, new), depth=1) == {(shape, new)}


def test_code_list_values_come_from_the_ontology(kg):
    """A comparator minted in the data namespace instead of the ontology's individuals."""
    t = _target(kg)
    fake = IRIS("comparator/at-least")

    def mint(g: Graph) -> None:
        g.add((fake, RDF.type, HGV.Comparator))
        add_labels(g, fake, "以上", "at least")
        set_value(g, t, HGV.comparator, fake)

    assert added_results(kg, [t], mint, depth=1) == {("VocabularyConceptShape", fake)}


# --------------------------------------------------------------------------------------------
# Source spans
# --------------------------------------------------------------------------------------------


def _span(g: Graph) -> URIRef:
    return g.value(TASK1 + "/unit/1", HGV.sourceSpan)


@pytest.mark.parametrize(
    ("shape", "break_it"),
    [
        ("Span-inDocument", lambda g, s: g.remove((s, HGV.inDocument, None))),
        ("Span-startOffset", lambda g, s: set_value(g, s, HGV.startOffset, Literal(str(g.value(s, HGV.startOffset))))),
        ("Span-endOffset", lambda g, s: g.remove((s, HGV.endOffset, None))),
        (
            "Span-exactText",
            lambda g, s: set_value(g, s, HGV.exactText, Literal(str(g.value(s, HGV.exactText)), lang="zh")),
        ),
        (
            "SpanTextShape",
            lambda g, s: set_value(g, s, HGV.exactText, Literal(str(g.value(s, HGV.exactText))[::-1] + "！")),
        ),
    ],
)
def test_span_shapes(kg, shape, break_it):
    s = _span(kg)
    assert added_results(kg, [s], lambda g: break_it(g, s), depth=1) == {(shape, s)}


def test_span_text_messages_keep_their_languages(kg):
    """The filled-in message quotes Chinese text in both languages; each keeps its own tag."""
    s = _span(kg)
    sub = neighbourhood(kg, [s], 1)
    set_value(sub, s, HGV.exactText, Literal("错字"))
    [finding] = [f for f in validate(sub).findings if f.shape == HSH.SpanTextShape]
    quoted = str(kg.value(s, HGV.exactText))
    assert (
        finding.messages["en"].startswith("the span's quoted text is not the text at its offsets")
        and quoted in finding.messages["en"]
    )
    assert finding.messages["zh"] == f"片段所引文字与原文该位置的文字不符（或位置超出全文）：原文为“{quoted}”"


def test_span_offsets_must_be_in_order(kg):
    """An empty span (start = end) is a mapping error even when its (empty) text matches."""
    s = _span(kg)
    start = int(kg.value(s, HGV.startOffset))
    empty = IRIS(f"doc/henan/yuzheng/2026/4/span/{start}-{start}")

    def collapse(g: Graph) -> None:
        rename(g, s, empty)
        set_value(g, empty, HGV.endOffset, Literal(start, datatype=XSD.integer))
        set_value(g, empty, HGV.exactText, Literal(""))

    assert added_results(kg, [s], collapse, depth=1) == {("Span-startOffset", empty)}


def test_span_start_after_end(kg):
    """Offsets swapped (start after end): the start breaks its order, and the text at those offsets
    is empty (SUBSTR with a negative length gives ""), so the quoted text no longer matches."""
    s = _span(kg)
    start, end = int(kg.value(s, HGV.startOffset)), int(kg.value(s, HGV.endOffset))
    swapped = IRIS(f"doc/henan/yuzheng/2026/4/span/{end}-{start}")

    def swap(g: Graph) -> None:
        rename(g, s, swapped)
        set_value(g, swapped, HGV.startOffset, Literal(end, datatype=XSD.integer))
        set_value(g, swapped, HGV.endOffset, Literal(start, datatype=XSD.integer))

    assert added_results(kg, [s], swap, depth=1) == {("Span-startOffset", swapped), ("SpanTextShape", swapped)}


def test_span_offset_off_by_one(kg):
    """A mapper that slips by one character: IRI and offsets agree, the quoted text does not."""
    s = _span(kg)
    start, end = int(kg.value(s, HGV.startOffset)), int(kg.value(s, HGV.endOffset))
    slipped = IRIS(f"doc/henan/yuzheng/2026/4/span/{start + 1}-{end + 1}")

    def slip(g: Graph) -> None:
        rename(g, s, slipped)
        set_value(g, slipped, HGV.startOffset, Literal(start + 1, datatype=XSD.integer))
        set_value(g, slipped, HGV.endOffset, Literal(end + 1, datatype=XSD.integer))

    assert added_results(kg, [s], slip, depth=1) == {("SpanTextShape", slipped)}


def test_span_text_uses_code_points_not_utf16(kg):
    """Offsets count code points: a span after a non-BMP character still matches (SUBSTR is 1-based)."""
    doc = IRIS("doc/henan/yuzheng/2099/1")
    text = "前言𠀀（省发展改革委牵头负责）"
    start = text.index("省")
    g = Graph()
    g += neighbourhood(kg, [NOTICE], 0)
    g.remove((NOTICE, None, None))
    for p, o in kg.predicate_objects(NOTICE):
        if p != HGV.reportingRequirement:
            g.add((doc, p, o))
    set_value(g, doc, HGV.fullText, Literal(text))
    span = IRIS(f"doc/henan/yuzheng/2099/1/span/{start}-{start + 6}")
    for p, o in (
        (RDF.type, HGV.SourceSpan),
        (HGV.inDocument, doc),
        (HGV.startOffset, Literal(start, datatype=XSD.integer)),
        (HGV.endOffset, Literal(start + 6, datatype=XSD.integer)),
        (HGV.exactText, Literal("省发展改革委")),
    ):
        g.add((span, p, o))
    before = validate(g).fired()
    assert {f for f in before if f[1] == span} == set()
    set_value(g, span, HGV.exactText, Literal("发展改革委牵"))
    assert validate(g).fired() - before == {(HSH.SpanTextShape, span)}


def test_span_past_the_end_of_the_text(kg):
    s = _span(kg)
    full = str(kg.value(NOTICE, HGV.fullText))
    n = len(full)
    past = IRIS(f"doc/henan/yuzheng/2026/4/span/{n - 2}-{n + 3}")

    def run_off(g: Graph) -> None:
        rename(g, s, past)
        set_value(g, past, HGV.startOffset, Literal(n - 2, datatype=XSD.integer))
        set_value(g, past, HGV.endOffset, Literal(n + 3, datatype=XSD.integer))
        set_value(g, past, HGV.exactText, Literal(full[n - 2 :]))

    assert added_results(kg, [s], run_off, depth=1) == {("SpanTextShape", past)}


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def test_validate_file_formats(kg, tmp_path: Path):
    dev = neighbourhood(kg, [DEV], 1)
    dev.add((DEV, ORG.subOrganizationOf, DEV))
    expected = validate(dev).fired()
    assert (HSH.AgencyNotOwnParentShape, DEV) in expected
    for name, fmt in (("g.ttl", "turtle"), ("g.nt", "nt")):
        (tmp_path / name).write_bytes(dev.serialize(format=fmt, encoding="utf-8"))
        assert validate_file(tmp_path / name).fired() == expected
    quads = "".join(f"{s.n3()} {p.n3()} {o.n3()} <{IRIS.graph('reference')}> .\n" for s, p, o in dev)
    (tmp_path / "g.nq.gz").write_bytes(gzip.compress(quads.encode("utf-8")))
    assert len(read_rdf(tmp_path / "g.nq.gz")) == len(dev)
    assert validate_file(tmp_path / "g.nq.gz").fired() == expected


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("bad.ttl", "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b .\n", "3"),
        (
            "bad.nt",
            "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"
            "<http://example.org/a> <http://example.org/b> .\n",
            "2",
        ),
        ("bad.nq", '<http://example.org/a> <http://example.org/b> "x" <http://example.org/g> .\nnot a quad\n', "2"),
    ],
)
def test_bad_file_names_file_and_line(tmp_path: Path, name, content, line):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RdfFileError) as e:
        validate_file(path)
    assert str(e.value).startswith(f"{path}:{line}:"), str(e.value)


def test_unknown_extension_and_missing_file(tmp_path: Path):
    with pytest.raises(RdfFileError, match="unknown RDF file extension"):
        validate_file(tmp_path / "graph.csv")
    with pytest.raises(RdfFileError, match="cannot read"):
        validate_file(tmp_path / "missing.ttl")


def test_report_is_written_as_turtle(kg, tmp_path: Path):
    sub = neighbourhood(kg, [DEV], 1)
    sub.add((DEV, ORG.subOrganizationOf, DEV))
    result = validate(sub)
    out = tmp_path / "report.ttl"
    result.save_report(out)
    back = Graph().parse(out, format="turtle")
    assert (None, SH.focusNode, DEV) in back
    assert {m.language for m in back.objects(None, SH.resultMessage)} == {"zh", "en"}
