"""The hgv: ontology: parses, reasons, is labelled and aligned, matches its README contract.

Expected alignments and names are written from ontology/README.md and the foundation issue, and
the README tables are parsed so that a term added there without its Turtle fails here.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, QB, RDF, RDFS, SKOS

from conftest import Inconsistent, hermit, unsatisfiable
from mappings.iris import HGV, OA, ONTOLOGY_IRI, PREFIXES, SCHEMA
from ontology import ONTOLOGY_PATH
from ontology.docs import render_html

README = ONTOLOGY_PATH.with_name("README.md").read_text(encoding="utf-8")
VANN = "http://purl.org/vocab/vann/"
XSD = Namespace(PREFIXES["xsd"])  # an open namespace: rdflib's closed XSD warns under pytest
TERM_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
PROPERTY_KINDS = TERM_KINDS[1:]
README_INDIVIDUALS = {
    "LeadRole",
    "CoResponsibleRole",
    "AtLeast",
    "MoreThan",
    "About",
    "AtMost",
    "LessThan",
    "Exactly",
    "Level",
    "Increase",
    "Decrease",
    "GrowthRate",
    "DeclineRate",
    "RailLine",
    "Station",
    "Airport",
    "WaterWorks",
    "IndustrialPark",
    "Forum",
    "OtherProject",
}
# OWL 2 datatype map (OWL 2 Structural Specification, section 4) as used for ranges here.
OWL2_DATATYPES = {
    RDF.PlainLiteral,
    RDF.XMLLiteral,
    RDFS.Literal,
    XSD.string,
    XSD.integer,
    XSD.decimal,
    XSD.nonNegativeInteger,
    XSD.boolean,
    XSD.anyURI,
    XSD.dateTime,
    XSD.double,
    XSD.float,
    XSD.int,
    XSD.long,
}


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def graph() -> Graph:
    return Graph().parse(ONTOLOGY_PATH, format="turtle")


def _reason(graph: Graph, folder: Path) -> Graph:
    """HermiT over ``graph``: the graph and what HermiT infers (see :func:`conftest.hermit`)."""
    return hermit(graph, folder)


def _curie(token: str) -> URIRef:
    prefix, _, local = token.partition(":")
    return URIRef(PREFIXES[prefix] + local)


def _ticks(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def _table(heading: str) -> list[list[str]]:
    """The body rows (cells) of the first Markdown table after ``heading`` in the README."""
    section = README.split(heading, 1)[1]
    rows = []
    for line in section.splitlines():
        if rows and not line.startswith("|"):
            break
        if line.startswith("| `"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def _hgv_terms(graph: Graph, kinds: tuple[URIRef, ...]) -> set[URIRef]:
    return {s for k in kinds for s in graph.subjects(RDF.type, k) if str(s).startswith(str(HGV))}


def _individuals(graph: Graph) -> set[URIRef]:
    typed = {s for s in graph.subjects(RDF.type, None) if str(s).startswith(str(HGV))}
    return typed - _hgv_terms(graph, TERM_KINDS)


def _union(graph: Graph, node: object) -> set[URIRef]:
    """The members of an owl:unionOf class expression, or the single named class."""
    if isinstance(node, BNode):
        return set(Collection(graph, graph.value(node, OWL.unionOf)))
    return {node}


# ---------------------------------------------------------------- parsing and reasoning


def test_ontology_header(graph: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
    titles = {o.language for o in graph.objects(ONTOLOGY_IRI, DCTERMS.title)}
    descriptions = {o.language for o in graph.objects(ONTOLOGY_IRI, DCTERMS.description)}
    assert {"zh", "en"} <= titles and {"zh", "en"} <= descriptions
    assert graph.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert graph.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert str(graph.value(ONTOLOGY_IRI, URIRef(VANN + "preferredNamespacePrefix"))) == "hgv"
    assert str(graph.value(ONTOLOGY_IRI, URIRef(VANN + "preferredNamespaceUri"))) == str(HGV)


def test_hermit_finds_ontology_consistent_without_unsatisfiable_classes(graph: Graph, tmp_path: Path) -> None:
    closure = _reason(graph, tmp_path)  # raises conftest.Inconsistent if inconsistent
    assert unsatisfiable(closure) == set()
    assert HGV.DocumentPart in set(closure.transitive_objects(HGV.Task, RDFS.subClassOf))


def test_hermit_catches_an_agency_that_is_also_a_place(graph: Graph, tmp_path: Path) -> None:
    bad = Graph() + graph
    thing = URIRef("https://w3id.org/henan-gov/id/agency/zhengzhou")
    bad.add((thing, RDF.type, OWL.NamedIndividual))
    bad.add((thing, RDF.type, HGV.MunicipalGovernment))
    bad.add((thing, RDF.type, HGV.PrefectureLevelCity))
    with pytest.raises(Inconsistent):
        _reason(bad, tmp_path)


def test_hermit_reports_a_class_that_is_target_and_achieved_figure(graph: Graph, tmp_path: Path) -> None:
    bad = Graph() + graph
    bad.add((HGV.Impossible, RDF.type, OWL.Class))
    bad.add((HGV.Impossible, RDFS.subClassOf, HGV.Target))
    bad.add((HGV.Impossible, RDFS.subClassOf, HGV.AchievedFigure))
    assert unsatisfiable(_reason(bad, tmp_path)) == {str(HGV.Impossible)}


def test_a_provincial_government_governing_its_province_stays_provincial(graph: Graph, tmp_path: Path) -> None:
    """hgv:governs's domain names every kind of government that governs a place: the provincial
    government of each report governs its province, and HermiT must not make it a municipal one."""
    data = Graph() + graph
    gov, province = (
        URIRef("https://w3id.org/henan-gov/id/agency/henan/henan-government"),
        URIRef("https://w3id.org/henan-gov/id/region/410000"),
    )
    for node, cls in ((gov, HGV.ProvincialGovernment), (province, HGV.Province)):
        data.add((node, RDF.type, OWL.NamedIndividual))
        data.add((node, RDF.type, cls))
    data.add((gov, HGV.governs, province))
    inferred = {str(c) for c in _reason(data, tmp_path).objects(gov, RDF.type)}
    assert str(HGV.MunicipalGovernment) not in inferred and str(HGV.ProvincialGovernment) in inferred


def test_a_project_may_be_where_a_place_is(graph: Graph, tmp_path: Path) -> None:
    """The shapes expect a project to carry hgv:mentionsPlace; the ontology must allow it (a domain
    that excludes projects made one such triple inconsistent while SHACL accepted it)."""
    data = Graph() + graph
    project, place = (
        URIRef("https://w3id.org/henan-gov/id/project/x"),
        URIRef("https://w3id.org/henan-gov/id/region/410100"),
    )
    for node, cls in ((project, HGV.Project), (place, HGV.PrefectureLevelCity)):
        data.add((node, RDF.type, OWL.NamedIndividual))
        data.add((node, RDF.type, cls))
    data.add((project, HGV.mentionsPlace, place))
    _reason(data, tmp_path)  # raises conftest.Inconsistent if the domain excludes projects


# ---------------------------------------------------------------- OWL 2 DL typing


def test_no_illegal_punning(graph: Graph) -> None:
    classes = set(graph.subjects(RDF.type, OWL.Class))
    kinds = [set(graph.subjects(RDF.type, k)) for k in PROPERTY_KINDS]
    assert not classes & set().union(*kinds)
    assert not kinds[0] & kinds[1] and not kinds[0] & kinds[2] and not kinds[1] & kinds[2]
    classes_as_individuals = {
        s for s in graph.subjects(RDF.type, None) if s in classes and set(graph.objects(s, RDF.type)) - {OWL.Class}
    }
    assert classes_as_individuals == set()


def test_every_referenced_external_term_is_declared_with_the_matching_kind(graph: Graph) -> None:
    for sub, sup in graph.subject_objects(RDFS.subPropertyOf):
        if sup == RDFS.seeAlso:  # built-in annotation property
            continue
        sub_kind = {k for k in PROPERTY_KINDS if (sub, RDF.type, k) in graph}
        sup_kind = {k for k in PROPERTY_KINDS if (sup, RDF.type, k) in graph}
        assert sub_kind and sub_kind == sup_kind, (sub, sup)
    for sub, sup in graph.subject_objects(RDFS.subClassOf):
        assert (sup, RDF.type, OWL.Class) in graph, sup
    for prop in _hgv_terms(graph, (OWL.ObjectProperty,)):
        for node in graph.objects(prop, RDFS.range):
            assert all((c, RDF.type, OWL.Class) in graph for c in _union(graph, node)), prop


def test_only_contract_datatypes_are_outside_the_owl2_map(graph: Graph) -> None:
    datatype_props = _hgv_terms(graph, (OWL.DatatypeProperty, OWL.AnnotationProperty))
    outside = {
        r
        for p in datatype_props
        for r in graph.objects(p, RDFS.range)
        if r not in OWL2_DATATYPES and str(r).startswith(str(XSD))
    }
    assert outside == {XSD.gYear, XSD.date}


# ---------------------------------------------------------------- labels and definitions


def test_every_term_has_zh_and_en_label_and_definition(graph: Graph) -> None:
    terms = _hgv_terms(graph, TERM_KINDS) | _individuals(graph)
    assert {HGV[n] for n in re.findall(r"`hgv:(\w+)`", README)} <= terms  # every term the README names is checked
    for term in terms:
        labels = {o.language for o in graph.objects(term, RDFS.label)}
        definitions = {o.language for p in (SKOS.definition, RDFS.comment) for o in graph.objects(term, p)}
        assert {"zh", "en"} <= labels, term
        assert {"zh", "en"} <= definitions, term


def test_individuals_have_pref_labels_and_a_scheme_of_our_own(graph: Graph) -> None:
    for name in README_INDIVIDUALS:
        term = HGV[name]
        assert (term, RDF.type, OWL.NamedIndividual) in graph, name
        assert {o.language for o in graph.objects(term, SKOS.prefLabel)} >= {"zh", "en"}, name
        scheme = graph.value(term, SKOS.inScheme)
        assert scheme is not None and str(scheme).startswith(str(HGV)), name
        assert (scheme, RDF.type, SKOS.ConceptScheme) in graph, name


@pytest.mark.parametrize(
    ("individual", "cls"),
    [
        ("LeadRole", "ResponsibilityRole"),
        ("CoResponsibleRole", "ResponsibilityRole"),
        ("AtLeast", "Comparator"),
        ("Exactly", "Comparator"),
        ("Level", "QuantityKind"),
        ("DeclineRate", "QuantityKind"),
        ("RailLine", "ProjectType"),
        ("Forum", "ProjectType"),
    ],
)
def test_individuals_are_typed_with_their_class(graph: Graph, individual: str, cls: str) -> None:
    assert (HGV[individual], RDF.type, HGV[cls]) in graph


# ---------------------------------------------------------------- alignment


@pytest.mark.parametrize(
    ("sub", "predicate", "sup"),
    [
        # documents
        (HGV.PolicyDocument, RDFS.subClassOf, FOAF.Document),
        (HGV.PolicyDocument, RDFS.subClassOf, PROV.Entity),
        (HGV.PolicyDocument, RDFS.subClassOf, SCHEMA.CreativeWork),
        (HGV.TaskAssignmentNotice, RDFS.subClassOf, HGV.PolicyDocument),
        (HGV.documentNumber, RDFS.subPropertyOf, DCTERMS.identifier),
        (HGV.addressee, RDFS.subPropertyOf, DCTERMS.audience),
        # structure
        (HGV.DocumentPart, RDFS.subClassOf, PROV.Entity),
        (HGV.Task, RDFS.subClassOf, PROV.Plan),
        (HGV.inDocument, RDFS.subPropertyOf, DCTERMS.isPartOf),
        (HGV.orderNumber, RDFS.subPropertyOf, SCHEMA.position),
        (HGV.policyArea, RDFS.subPropertyOf, DCTERMS.subject),
        (HGV.PolicyArea, RDFS.subClassOf, SKOS.Concept),
        (HGV.CofogDivision, RDFS.subClassOf, SKOS.Concept),
        # agencies
        (HGV.Agency, RDFS.subClassOf, ORG.Organization),
        (HGV.Agency, RDFS.subClassOf, PROV.Agent),
        (HGV.CentralGovernmentBranch, RDFS.subClassOf, HGV.Agency),
        (HGV.hasCollectiveMember, RDFS.subPropertyOf, ORG.hasMember),
        (HGV.AgencyKind, RDFS.subClassOf, SKOS.Concept),
        # responsibility
        (HGV.leadUnit, RDFS.subPropertyOf, HGV.responsibleUnit),
        (HGV.coResponsibleUnit, RDFS.subPropertyOf, HGV.responsibleUnit),
        (HGV.ResponsibilityAssignment, RDFS.subClassOf, PROV.Association),
        (HGV.TaskImplementation, RDFS.subClassOf, PROV.Activity),
        (HGV.implementation, RDFS.range, HGV.TaskImplementation),
        (HGV.ResponsibilityRole, RDFS.subClassOf, ORG.Role),
        (HGV.ResponsibilityRole, RDFS.subClassOf, PROV.Role),
        # places
        (HGV.Place, RDFS.subClassOf, DCTERMS.Location),
        (HGV.Place, RDFS.subClassOf, SCHEMA.Place),
        (HGV.governs, RDFS.subPropertyOf, SCHEMA.areaServed),
        (HGV.governs, OWL.inverseOf, HGV.governedBy),
        (HGV.withinRegion, RDFS.subPropertyOf, SCHEMA.containedInPlace),
        (HGV.adminCode, RDFS.subPropertyOf, SKOS.notation),
        # quantitative statements
        (HGV.QuantitativeStatement, RDFS.subClassOf, QB.Observation),
        (HGV.Indicator, RDFS.subClassOf, SKOS.Concept),
        (HGV.Unit, RDFS.subClassOf, SKOS.Concept),
        (HGV.Comparator, RDFS.subClassOf, SKOS.Concept),
        (HGV.QuantityKind, RDFS.subClassOf, SKOS.Concept),
        (HGV.indicator, RDF.type, QB.DimensionProperty),
        (HGV.refPeriod, RDF.type, QB.DimensionProperty),
        (HGV.value, RDF.type, QB.MeasureProperty),
        (HGV.unit, RDF.type, QB.AttributeProperty),
        (HGV.comparator, RDF.type, QB.DimensionProperty),
        (HGV.quantityKind, RDF.type, QB.DimensionProperty),
        (HGV.periodStart, RDF.type, QB.DimensionProperty),
        (HGV.statementKind, RDF.type, QB.DimensionProperty),
        (HGV.FiveYearGoal, RDFS.subClassOf, HGV.Target),
        (HGV.UnlistedIndicator, RDFS.subClassOf, HGV.Indicator),
        (HGV.statedIn, RDFS.subPropertyOf, PROV.wasDerivedFrom),
        # projects and reporting
        (HGV.Project, RDFS.subClassOf, PROV.Entity),
        (HGV.Project, RDFS.subClassOf, SCHEMA.Thing),
        (HGV.ProjectType, RDFS.subClassOf, SKOS.Concept),
        (HGV.mentionsProject, RDFS.subPropertyOf, DCTERMS.references),
        (HGV.dueDate, RDFS.subPropertyOf, SCHEMA.endDate),
        # provenance and people
        (HGV.SourceSpan, RDFS.subClassOf, OA.TextPositionSelector),
        (HGV.SourceSpan, RDFS.subClassOf, OA.TextQuoteSelector),
        (HGV.startOffset, RDFS.subPropertyOf, OA.start),
        (HGV.endOffset, RDFS.subPropertyOf, OA.end),
        (HGV.exactText, RDFS.subPropertyOf, OA.exact),
        (HGV.Person, RDFS.subClassOf, FOAF.Person),
        (HGV.speaker, RDFS.subPropertyOf, DCTERMS.creator),
    ],
)
def test_alignment_axiom(graph: Graph, sub: URIRef, predicate: URIRef, sup: URIRef) -> None:
    assert (sub, predicate, sup) in graph


def test_data_structure_definition_lists_every_component(graph: Graph) -> None:
    dsd = HGV.QuantitativeStatementStructure
    assert (dsd, RDF.type, QB.DataStructureDefinition) in graph
    specs = list(graph.objects(dsd, QB.component))
    found = {
        (p, o) for s in specs for p, o in graph.predicate_objects(s) if p in (QB.dimension, QB.measure, QB.attribute)
    }
    # kind, comparator and quantity kind change what a value means, and two parts may state a
    # figure for one indicator, area and period: all dimensions, so no two observations share a key
    assert found == {
        (QB.dimension, HGV.indicator),
        (QB.dimension, HGV.refPeriod),
        (QB.dimension, HGV.refArea),
        (QB.dimension, HGV.periodStart),
        (QB.dimension, HGV.statementKind),
        (QB.dimension, HGV.comparator),
        (QB.dimension, HGV.quantityKind),
        (QB.dimension, HGV.statedIn),
        (QB.measure, HGV.value),
        (QB.attribute, HGV.unit),
    }
    assert sorted(int(graph.value(s, QB.order)) for s in specs) == list(range(1, 11))


# ---------------------------------------------------------------- the README contract


def test_every_hgv_name_in_the_readme_exists(graph: Graph) -> None:
    names = set(re.findall(r"`hgv:(\w+)`", README))
    assert {"leadUnit", "governedBy", "LeadRole", "OtherProject"} <= names  # parser sanity
    missing = {n for n in names if (HGV[n], RDF.type, None) not in graph}
    assert missing == set()


def test_readme_classes_and_properties_match_the_turtle_exactly(graph: Graph) -> None:
    classes = {HGV[n] for row in _table("## Classes (hgv:)") for n in _ticks(row[0])}
    properties = {_curie(n) for row in _table("## Properties") for n in _ticks(row[0])}
    properties |= {HGV[n] for n in re.findall(r"`hgv:([a-z]\w*)`", README)}  # hgv:governedBy
    assert {HGV.Agency, HGV.Country, HGV.MunicipalAgency} <= classes and HGV.jurisdiction in properties  # parser sanity
    assert classes == _hgv_terms(graph, (OWL.Class,))
    assert properties == _hgv_terms(graph, PROPERTY_KINDS)
    named = {HGV[n] for n in README_INDIVIDUALS}
    assert named <= _individuals(graph)


def test_readme_superclasses_hold(graph: Graph) -> None:
    unchecked = []  # rows of the table none of whose superclasses was checked: the parser missed them
    rows = _table("## Classes (hgv:)")
    assert HGV.Task in {HGV[n] for row in rows for n in _ticks(row[0])}  # parser sanity
    for row in rows:
        checked = 0
        subjects = [HGV[n] for n in _ticks(row[0])]
        for chunk in row[1].split(";"):
            names = _ticks(chunk)
            if " also " in chunk:  # "`Task` also `prov:Plan`"
                pairs = [(HGV[names[0]], n) for n in names[1:]]
            else:
                pairs = [(s, n) for s in subjects for n in names]
            for sub, name in pairs:
                sup = _curie(name) if ":" in name else HGV[name]
                assert (sub, RDFS.subClassOf, sup) in graph, (sub, sup)
                checked += 1
        if not checked:
            unchecked.append(row[0])
    assert unchecked == []


def test_readme_superproperties_and_cube_types_hold(graph: Graph) -> None:
    unchecked = []  # rows naming a superproperty or a Data Cube type of which nothing was checked
    rows = _table("## Properties")
    for row in rows:
        checked = 0
        props = [_curie(n) for n in _ticks(row[0])]
        supers = [_curie(n) for n in _ticks(row[2])]
        pairs = list(zip(props, supers)) if len(props) == len(supers) > 1 else [(p, s) for p in props for s in supers]
        for prop, sup in pairs:
            assert (prop, RDFS.subPropertyOf, sup) in graph, (prop, sup)
            checked += 1
        for kind in re.findall(r"(?<!`)\bqb:(\w+Property)\b", row[2]):
            assert all((p, RDF.type, QB[kind]) in graph for p in props), (props, kind)
            checked += 1
        if (_ticks(row[2]) or "qb:" in row[2]) and not checked:
            unchecked.append(row[0])
    assert unchecked == []
    named = [row[0] for row in rows if _ticks(row[2]) or "qb:" in row[2]]
    assert "`hgv:indicator`" in named and any("`" in row[2] for row in rows)  # parser sanity: both kinds of cell


def test_readme_domains_and_ranges_hold(graph: Graph) -> None:
    unchecked = []  # properties of which neither the domain nor the range was checked
    rows = _table("## Properties")
    assert "`hgv:indicator`" in {row[0] for row in rows}  # parser sanity
    for row in rows:
        checked = 0
        props = [_curie(n) for n in _ticks(row[0])]
        domain_text, _, range_text = row[1].partition("→")
        domain_names = [d.strip() for d in domain_text.split("/")]
        range_text = range_text.strip()
        for prop in props:
            if all(re.fullmatch(r"\w+", d) for d in domain_names):
                domains = [_union(graph, d) for d in graph.objects(prop, RDFS.domain)]
                assert domains == [{HGV[d] for d in domain_names}], prop
                checked += 1
            if range_text.startswith("xsd:"):
                expected: URIRef | None = _curie(range_text)
            elif range_text.startswith("literal"):
                expected = RDF.PlainLiteral
            elif re.fullmatch(r"\w+", range_text):
                expected = HGV[range_text]
            else:
                expected = None  # "IRI …": a web resource, no class to name
            if expected is not None:
                assert list(graph.objects(prop, RDFS.range)) == [expected], prop
                checked += 1
        if not checked:
            unchecked.append(row[0])
    assert unchecked == []


# ---------------------------------------------------------------- HTML documentation


class _Ids(HTMLParser):
    """Collects every id attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [v for k, v in attrs if k == "id" and v]


def test_html_has_one_anchor_per_term(graph: Graph) -> None:
    page = render_html(graph)
    parser = _Ids()
    parser.feed(page)
    assert len(parser.ids) == len(set(parser.ids))
    terms = _hgv_terms(graph, TERM_KINDS) | _individuals(graph)
    assert {str(t)[len(str(HGV)) :] for t in terms} <= set(parser.ids)
    assert page.startswith("<!DOCTYPE html>") and "<link" not in page and "src=" not in page


def test_html_entry_for_task_shows_labels_definition_and_hierarchy() -> None:
    page = render_html(ONTOLOGY_PATH)
    entry = page.split('id="Task"', 1)[1].split("</section>", 1)[0]
    assert "任务" in entry and "task" in entry
    assert "numbered item of work" in entry
    assert 'href="#DocumentPart"' in entry and 'href="http://www.w3.org/ns/prov#Plan"' in entry
    governs = page.split('id="governs"', 1)[1].split("</section>", 1)[0]
    assert 'href="#MunicipalGovernment"' in governs and " or " in governs
    assert 'href="#governedBy"' in governs


def test_html_escapes_labels(graph: Graph) -> None:
    hostile = Graph() + graph
    hostile.namespace_manager = graph.namespace_manager
    hostile.add((HGV.Task, RDFS.label, Literal("<script>alert('x')</script>", lang="en")))
    page = render_html(hostile)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
