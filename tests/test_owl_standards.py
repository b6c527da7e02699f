"""The graph as clients that know only the standards read it.

Reasoning runs over the ontology, a sample of the published data and the W3C vocabularies
themselves (PROV-O, ORG, SKOS, Data Cube, DCAT, ELI: copies in ``tests/vocab/``, see its README), so a
wrong inferred type is caught the way a standard client would produce it. The OWL 2 DL profile
is checked with the OWL API's own checker. The SPARQL tests at the end use standard vocabulary
only (no ``hgv:``) and no inference, as a PROV, ORG, Data Cube or DCAT client would.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import owlready2
import pyoxigraph as ox
import pytest
from pyoxigraph import Store
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from conftest import hermit, java
from kg import build as b
from ontology import ONTOLOGY_PATH

VOCAB = Path(__file__).resolve().parent / "vocab"
PROFILE_CHECK = Path(__file__).resolve().parent / "owl"
HERMIT_JAR = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
ID = "https://w3id.org/henan-gov/id/"
GRAPHS_IN_FULL = ("ontology", "reference", "dataset")
# five tasks of the notice, the first five targets of the 2026 Henan report and of a province's report
SEEDS = re.compile(
    r"/(doc/henan/yuzheng/2026/4|doc/henan/work-report/2026|doc/guangdong/work-report/2026)(/task/[1-5](/|$)|$)"
)
# report targets are named by the file offset of their number (ontology/README.md): the lowest five
STATEMENTS = re.compile(r"/(doc/henan/work-report/2026|doc/guangdong/work-report/2026)/(target|figure)/([0-9]+)$")
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
FOAF = "http://xmlns.com/foaf/0.1/"
HGV = "https://w3id.org/henan-gov/def#"


def vocabularies() -> Graph:
    """The W3C vocabularies, as a standard client would load them. Two things are left out: their
    owl:imports (nothing is downloaded) and the classes of properties they declare below
    rdf:Property (Data Cube's qb:ComponentProperty …), RDFS metamodelling outside OWL 2 DL that
    owlready2 cannot load."""
    g = Graph()
    for path in sorted(VOCAB.glob("*.ttl")):
        g.parse(path, format="turtle")
    g.remove((None, OWL.imports, None))
    g.remove((None, RDFS.subClassOf, RDF.Property))
    return g


def sample(nquads: Path) -> Graph:
    """The ontology, reference and dataset graphs in full, the seed nodes of three documents, and
    whatever those nodes point to (spans, assignments, activities): every pattern of the data, small
    enough for HermiT with five vocabularies loaded."""
    quads = list(ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS))
    full = {ox.NamedNode(ID + "graph/" + name) for name in GRAPHS_IN_FULL}
    seeds = {q.subject for q in quads if isinstance(q.subject, ox.NamedNode) and SEEDS.search(q.subject.value)}
    seeds |= first_statements(quads, 5)
    reached = {q.object for q in quads if q.subject in seeds and isinstance(q.object, ox.NamedNode)}
    shared = ID + "scheme/"  # concept schemes that document graphs describe (policy areas)
    chosen = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in quads
        if q.graph_name in full
        or q.subject in seeds
        or q.subject in reached
        or (isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(shared))
    ]
    return Graph().parse(data=ox.serialize(chosen, format=ox.RdfFormat.N_TRIPLES), format="nt")


def first_statements(quads: list[ox.Quad], n: int) -> set[ox.NamedNode]:
    """The ``n`` report targets (and ``n`` figures) of each sampled report that come first in its text."""
    found: dict[tuple[str, str], set[tuple[int, ox.NamedNode]]] = {}
    for q in quads:
        m = STATEMENTS.search(q.subject.value) if isinstance(q.subject, ox.NamedNode) else None
        if m:
            found.setdefault((m[1], m[2]), set()).add((int(m[3]), q.subject))
    return {node for nodes in found.values() for _, node in sorted(nodes, key=lambda x: x[0])[:n]}


@pytest.fixture(scope="module")
def data(release: b.Release) -> Graph:
    return sample(release.path / "henan-kg.nq")


@pytest.fixture(scope="module")
def reasoned(data: Graph, tmp_path_factory: pytest.TempPathFactory) -> tuple[Graph, Graph]:
    """(asserted, asserted + inferred) over the data sample and the W3C vocabularies."""
    asserted = data + vocabularies()
    return asserted, hermit(asserted, tmp_path_factory.mktemp("reason"))


def _inferred(reasoned: tuple[Graph, Graph], cls: str) -> set[str]:
    """Named individuals of the data that HermiT puts in ``cls`` though the data does not say so."""
    asserted, closure = reasoned
    members = {str(s) for s in closure.subjects(RDF.type, URIRef(cls)) if isinstance(s, URIRef)}
    return {s for s in members if s.startswith(ID) and (URIRef(s), RDF.type, URIRef(cls)) not in asserted}


def _typed(graph: Graph, cls: str) -> set[str]:
    """Named members of ``cls``: stated, or (in a reasoned graph) stated of a sub-class. owlready2
    reports only an individual's most specific types, so the super-classes are walked here."""
    subclasses, todo = {URIRef(cls)}, [URIRef(cls)]
    while todo:
        for sub in graph.subjects(RDFS.subClassOf, todo.pop()):
            if isinstance(sub, URIRef) and sub not in subclasses:
                subclasses.add(sub)
                todo.append(sub)
    return {str(s) for c in subclasses for s in graph.subjects(RDF.type, c) if isinstance(s, URIRef)}


# ---------------------------------------------------------------- reasoning with the W3C vocabularies


def test_the_sample_holds_every_pattern_the_checks_are_about(data: Graph) -> None:
    for cls in (
        HGV + "ResponsibilityAssignment",
        HGV + "TaskImplementation",
        HGV + "Province",
        "http://rdfs.org/ns/void#Dataset",
        "http://purl.org/linked-data/cube#Observation",
        "http://www.w3.org/ns/dcat#Distribution",
        HGV + "ProvincialGovernment",
    ):
        assert _typed(data, cls), cls
    assert list(data.subject_objects(OWL.sameAs))


def test_ontology_data_and_w3c_vocabularies_are_consistent(reasoned: tuple[Graph, Graph]) -> None:
    asserted, closure = reasoned  # the fixture raises if HermiT finds the whole inconsistent
    assert len(closure) > len(asserted)


def test_responsibility_is_association_with_an_activity_not_authorship(reasoned: tuple[Graph, Graph]) -> None:
    """PROV-O's hadRole/agent must not turn assignments into attributions (authorship) or entities."""
    assignments = _typed(reasoned[0], HGV + "ResponsibilityAssignment")
    assert assignments and assignments <= _typed(reasoned[1], PROV + "Association")
    assert not assignments & _typed(reasoned[1], PROV + "Attribution")
    assert not assignments & _typed(reasoned[1], PROV + "Entity")
    authors = list(reasoned[1].subject_objects(URIRef(PROV + "wasAttributedTo")))
    assert not [a for a in authors if "/task/" in str(a[0])]


def test_no_place_or_wikidata_item_is_made_a_skos_concept(reasoned: tuple[Graph, Graph]) -> None:
    concepts = _typed(reasoned[1], SKOS + "Concept")
    places = _typed(reasoned[1], HGV + "Place")
    assert places and not places & concepts
    assert not {c for c in concepts if c.startswith("http://www.wikidata.org/entity/")}


def test_graph_descriptions_are_not_made_documents(reasoned: tuple[Graph, Graph]) -> None:
    graphs = {s for s in _typed(reasoned[0], "http://rdfs.org/ns/void#Dataset") if "/graph/" in s}
    assert graphs and not graphs & _typed(reasoned[1], FOAF + "Document")


def test_a_provincial_government_is_not_made_a_municipal_one(reasoned: tuple[Graph, Graph]) -> None:
    provincial = _typed(reasoned[0], HGV + "ProvincialGovernment")
    assert provincial and not provincial & _typed(reasoned[1], HGV + "MunicipalGovernment")


def test_no_individual_gets_a_type_of_an_unrelated_standard(reasoned: tuple[Graph, Graph]) -> None:
    """What reasoning adds to the data's own nodes: only the super-classes the ontology claims."""
    expected = {
        PROV + "Entity",
        PROV + "Agent",
        PROV + "Plan",
        PROV + "Role",
        PROV + "Influence",
        PROV + "AgentInfluence",
        PROV + "Association",
        PROV + "Activity",
        SKOS + "Concept",
        FOAF + "Organization",
        FOAF + "Agent",
        FOAF + "Document",
        FOAF + "Person",
        "http://www.w3.org/ns/org#Organization",
        "http://www.w3.org/ns/org#Role",
        "http://www.w3.org/ns/org#FormalOrganization",
        "http://purl.org/dc/terms/Location",
        "http://purl.org/dc/terms/MediaType",
        "http://purl.org/NET/scovo#Dataset",
        "http://www.w3.org/ns/dcat#Resource",
        "http://www.w3.org/ns/dcat#Dataset",
    }
    asserted, closure = reasoned
    added = {
        str(c)
        for s, c in closure.subject_objects(RDF.type)
        if isinstance(s, URIRef) and s.startswith(ID) and (s, RDF.type, c) not in asserted
    }
    standard = {c for c in added if not c.startswith(HGV) and not c.startswith(str(OWL)) and "schema.org" not in c}
    assert standard - expected == set()


def test_reasoning_catches_the_old_attribution_reading(tmp_path: Path) -> None:
    """The checks are not vacuous: with the ontology's old axiom back (assignments are PROV
    attributions), HermiT makes a stated assignment an attribution though no triple says so."""
    ontology = Graph().parse(ONTOLOGY_PATH, format="turtle")
    ontology.add((URIRef(HGV + "ResponsibilityAssignment"), RDFS.subClassOf, URIRef(PROV + "Attribution")))
    a = URIRef(ID + "doc/henan/yuzheng/2026/4/task/1/unit/1")
    ontology.add((a, RDF.type, OWL.NamedIndividual))
    ontology.add((a, RDF.type, URIRef(HGV + "ResponsibilityAssignment")))
    closure = hermit(ontology + vocabularies(), tmp_path)
    assert (a, RDF.type, URIRef(PROV + "Attribution")) not in ontology
    assert str(a) in _typed(closure, PROV + "Attribution")


# ---------------------------------------------------------------- OWL 2 DL


def _profile_violations(path: Path) -> list[str]:
    result = subprocess.run(
        [java(), "-cp", f"{HERMIT_JAR}:{PROFILE_CHECK}", "ProfileCheck", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("violations\t") and int(lines[-2].split("\t")[1]) > 100_000, result.stdout[-500:]
    return lines[:-2]


def test_ontology_and_data_are_in_the_owl2_dl_profile(release: b.Release) -> None:
    assert _profile_violations(release.path / "henan-kg.nt") == []


def test_the_profile_check_sees_a_property_punned_as_two_kinds(release: b.Release, tmp_path: Path) -> None:
    broken = tmp_path / "punned.nt"
    lead = f"<{HGV}leadUnit> <{RDF.type}> <{OWL.DatatypeProperty}> .\n"
    broken.write_bytes((release.path / "henan-kg.nt").read_bytes() + lead.encode())
    assert any(v.startswith("IllegalPunning") for v in _profile_violations(broken))


# ---------------------------------------------------------------- standard vocabulary only, no inference


@pytest.fixture(scope="module")
def store(release: b.Release) -> Store:
    return Store.read_only(str(release.path / "store"))


def _rows(store: Store, query: str) -> list[dict[str, str]]:
    prefixes = """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX qb: <http://purl.org/linked-data/cube#>
        PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX void: <http://rdfs.org/ns/void#> PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX spdx: <http://spdx.org/rdf/terms#> """
    assert "hgv:" not in query and HGV not in query
    solutions = store.query(prefixes + query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    return [{n: t.value for n, t in zip(names, row) if t is not None} for row in solutions]  # type: ignore


def test_org_client_finds_the_agencies_with_names_and_identifiers(store: Store) -> None:
    rows = _rows(
        store,
        """SELECT ?name ?id WHERE { ?a a org:Organization ; skos:prefLabel ?name ;
        dct:identifier ?id FILTER (lang(?name) = "zh") }""",
    )
    names = {r["name"] for r in rows}
    assert {"河南省发展和改革委员会", "河南省人民政府"} <= names  # named in the notice's clauses and preamble
    assert "henan/development-reform-commission" in {r["id"] for r in rows}


def test_org_client_sees_one_organ_with_two_nameplates_not_a_sub_organisation(store: Store) -> None:
    """省政府外办 is also the Party's foreign-affairs office (reference table: 一个机构两块牌子)."""
    rows = _rows(
        store,
        """SELECT ?parent ?other WHERE { ?a skos:prefLabel "河南省人民政府外事办公室"@zh ;
        org:subOrganizationOf ?parent ; org:linkedTo ?other }""",
    )
    assert {r["parent"] for r in rows} == {ID + "agency/henan/henan-government"}
    assert {r["other"] for r in rows} == {ID + "agency/henan/cpc-henan-foreign-affairs-office"}


def test_prov_client_finds_who_carries_out_task_117_in_which_role(store: Store) -> None:
    """Task 117's clause (source text): （省卫生健康委牵头，省发展改革委、财政厅、疾控局按职责分工负责）."""
    task = f"<{ID}doc/henan/yuzheng/2026/4/task/117>"
    rows = _rows(
        store,
        f"""SELECT ?agent ?role WHERE {{ ?act a prov:Activity ;
        prov:qualifiedAssociation [ a prov:Association ; prov:agent ?agent ; prov:hadRole ?role ;
                                    prov:hadPlan {task} ] ;
        prov:wasAssociatedWith ?agent }}""",
    )
    agency = ID + "agency/henan/"
    roles = {(r["agent"].removeprefix(agency), r["role"].rsplit("#", 1)[1]) for r in rows}
    assert roles == {
        ("health-commission", "LeadRole"),
        ("development-reform-commission", "CoResponsibleRole"),
        ("finance", "CoResponsibleRole"),
        ("disease-prevention-control", "CoResponsibleRole"),
    }


def test_prov_client_finds_an_activity_for_each_of_the_148_tasks(store: Store) -> None:
    rows = _rows(
        store,
        f"""SELECT (COUNT(DISTINCT ?plan) AS ?n) WHERE {{ ?act a prov:Activity ;
        prov:qualifiedAssociation/prov:hadPlan ?plan
        FILTER STRSTARTS(STR(?plan), "{ID}doc/henan/yuzheng/2026/4/task/") }}""",
    )
    assert rows == [{"n": "148"}]


def test_data_cube_client_finds_observations_of_a_data_set_with_a_structure(store: Store) -> None:
    rows = _rows(
        store,
        """SELECT (COUNT(?o) AS ?n) (COUNT(DISTINCT ?ds) AS ?sets) WHERE {
        ?o a qb:Observation ; qb:dataSet ?ds . ?ds a qb:DataSet ; qb:structure ?dsd .
        ?dsd a qb:DataStructureDefinition }""",
    )
    assert rows[0]["sets"] == "1" and int(rows[0]["n"]) > 1000


def test_dcat_client_finds_each_dump_with_its_type_and_compression(store: Store) -> None:
    rows = _rows(
        store,
        """SELECT ?url ?media ?compress WHERE { ?ds a dcat:Dataset ; dcat:distribution ?d .
        ?d dcat:downloadURL ?url ; dcat:accessURL ?url ; dcat:mediaType ?media ; dct:license ?l ; dct:issued ?when .
        OPTIONAL { ?d dcat:compressFormat ?compress } }""",
    )
    iana = "https://www.iana.org/assignments/media-types/"
    found = {r["url"].rsplit("/", 1)[1]: (r["media"].removeprefix(iana), r.get("compress")) for r in rows}
    assert found["henan-kg.nq"] == ("application/n-quads", None)
    assert found["henan-kg.nq.gz"] == ("application/n-quads", iana + "application/gzip")
    assert found["henan-kg.ttl.gz"] == ("text/turtle", iana + "application/gzip")
    assert len(found) == 6


def test_dcat_client_finds_the_sparql_service(store: Store) -> None:
    rows = _rows(
        store,
        """SELECT ?endpoint WHERE { ?ds dcat:distribution/dcat:accessService ?s .
        ?s a dcat:DataService ; dcat:endpointURL ?endpoint ; dcat:servesDataset ?ds }""",
    )
    assert [r["endpoint"] for r in rows] == ["https://w3id.org/henan-gov/sparql"]


def test_prov_client_finds_the_build_and_the_files_it_read(store: Store) -> None:
    source = (b.SOURCES_DIR / "henan-2026-key-tasks-notice.txt").read_bytes()
    rows = _rows(
        store,
        """SELECT ?name ?sha ?version WHERE { ?ds a void:Dataset ; prov:wasGeneratedBy ?build .
        ?build a prov:Activity ;
               prov:wasAssociatedWith [ a prov:SoftwareAgent ; <https://schema.org/softwareVersion> ?version ] ;
        prov:used ?input . ?input dct:title ?name ; spdx:checksum/spdx:checksumValue ?sha }""",
    )
    by_name = {r["name"]: r["sha"] for r in rows}
    assert by_name["sources/henan-2026-key-tasks-notice.txt"] == hashlib.sha256(source).hexdigest()
    assert any(n.startswith("gazetteer/agencies/") for n in by_name)


def test_the_readme_shows_query_23_with_its_real_output(release: b.Release) -> None:
    from kg.query import run_query

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    shown = readme.split("```text\nunit,name,role,roleName\n", 1)[1].split("```", 1)[0].strip().splitlines()
    query = root / "examples" / "queries" / "23-responsibility-in-standard-vocabularies.rq"
    sparql = query.read_text(encoding="utf-8")
    assert "hgv:" not in "".join(line for line in sparql.splitlines(True) if not line.startswith("PREFIX"))
    got = run_query(release.path / "store", sparql, "csv").decode("utf-8").strip().splitlines()
    assert [line.strip() for line in got[1:]] == shown
