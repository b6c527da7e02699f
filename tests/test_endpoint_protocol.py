"""The SPARQL 1.1 Protocol over real HTTP: every query form and result format, real clients.

The server is gunicorn over ``tests/data/endpoint-mini.nq``; expected values are read from that
file: three tasks of notice 2026-4 (tasks 1 and 2 led by henan-drc, task 3 by henan-dof), 69 quads
in five named graphs, one of them (the notice's type) repeated in the dataset graph, so the union
default graph holds 68 distinct triples.

``HENAN_KG_TEST_SPARQL_URL=<a /sparql URL>`` runs the same tests against another engine loaded
with that file instead (``python -m bench.engines`` does, and records which pass): every test that
talks to ``endpoint_server`` goes to that URL, the others (our code, our releases) are skipped.
Tests of the project's own extras (prefixes declared for the client, ETags, the access log,
/health) are expected to fail there; ``bench/engines_protocol.py`` says which and why.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
import requests
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, URLENCODED, XML, SPARQLWrapper

ID = "https://w3id.org/henan-gov/id/"
HGV = "https://w3id.org/henan-gov/def#"
PREFIXES = f"PREFIX hgv: <{HGV}> PREFIX hgd: <{ID}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
LEAD_COUNT = (
    PREFIXES
    + """
SELECT ?agency (COUNT(?task) AS ?tasks) WHERE { ?task hgv:leadUnit ?agency }
GROUP BY ?agency ORDER BY DESC(?tasks) ?agency"""
)
EXPECTED_LEADS = [(ID + "agency/henan-drc", "2"), (ID + "agency/henan-dof", "1")]
SRX = "{http://www.w3.org/2005/sparql-results#}"
EXTERNAL_URL = os.environ.get("HENAN_KG_TEST_SPARQL_URL", "")
EXTERNAL_TIMEOUT_S = 20
UTF8 = "; charset=utf-8"


@dataclass(frozen=True)
class External:
    """Another engine's endpoint, standing in for conftest's ``Server`` (no process, no log of ours)."""

    sparql: str
    log: Path | None = None

    @property
    def url(self) -> str:
        return self.sparql.rsplit("/", 1)[0]


def media_of(content_type: str) -> str:
    """The media type of a Content-Type header. Ours always adds ``; charset=utf-8`` (a header
    without it is returned whole, so it differs); another engine's is compared by media type alone,
    in lower case, since the charset parameter is optional and case-insensitive (RFC 9110 8.3)."""
    if EXTERNAL_URL:
        return content_type.split(";")[0].strip().lower()
    return content_type.removesuffix(UTF8) if content_type.endswith(UTF8) else content_type


if EXTERNAL_URL:

    @pytest.fixture(scope="session")
    def endpoint_server() -> External:
        """The engine at ``HENAN_KG_TEST_SPARQL_URL``, in place of our gunicorn."""
        return External(EXTERNAL_URL)

    @pytest.fixture(autouse=True)
    def _only_tests_of_the_endpoint(request: pytest.FixtureRequest) -> Iterator[None]:
        """Skip what is not about the endpoint; end a test whose request gets no answer (some
        engines never answer some requests, and these tests' clients mostly have no timeout)."""
        if "endpoint_server" not in request.fixturenames:
            pytest.skip("tests our own code or releases, not the endpoint at HENAN_KG_TEST_SPARQL_URL")

        def give_up(signum: int, frame: object) -> None:
            raise TimeoutError(f"no answer from {EXTERNAL_URL} in {EXTERNAL_TIMEOUT_S} s")

        previous = signal.signal(signal.SIGALRM, give_up)
        signal.alarm(EXTERNAL_TIMEOUT_S)
        try:
            yield
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)


def wrapper(server, query: str, fmt: str, method: str = "GET", request_method: str = URLENCODED) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server.sparql)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    if method == POST:
        sparql.setMethod(POST)
        sparql.setRequestMethod(request_method)
    return sparql


# --- SELECT in every results format, every way of sending the query ---------------------------


@pytest.mark.parametrize("method,request_method", [("GET", URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)])
def test_select_json_by_get_form_and_direct_post(endpoint_server, method, request_method):
    result = wrapper(endpoint_server, LEAD_COUNT, JSON, method, request_method).query()
    assert media_of(result.response.headers["Content-Type"]) == "application/sparql-results+json"
    rows = result.convert()["results"]["bindings"]
    assert [(r["agency"]["value"], r["tasks"]["value"]) for r in rows] == EXPECTED_LEADS


def test_select_xml(endpoint_server):
    result = wrapper(endpoint_server, LEAD_COUNT, XML).query()
    assert media_of(result.response.headers["Content-Type"]) == "application/sparql-results+xml"
    doc = result.convert()  # a DOM document
    uris = [n.firstChild.data for n in doc.getElementsByTagName("uri")]
    assert uris == [iri for iri, _ in EXPECTED_LEADS]


@pytest.mark.parametrize("fmt,media,delimiter", [(CSV, "text/csv", ","), (TSV, "text/tab-separated-values", "\t")])
def test_select_csv_and_tsv(endpoint_server, fmt, media, delimiter):
    result = wrapper(endpoint_server, LEAD_COUNT, fmt).query()
    assert media_of(result.response.headers["Content-Type"]) == media
    rows = list(csv.reader(io.StringIO(result.convert().decode("utf-8")), delimiter=delimiter))
    if fmt == CSV:
        assert rows == [["agency", "tasks"], *[[iri, n] for iri, n in EXPECTED_LEADS]]
    else:  # TSV writes RDF terms: IRIs in brackets, typed numbers bare
        assert rows[0] == ["?agency", "?tasks"]
        assert rows[1:] == [[f"<{iri}>", n] for iri, n in EXPECTED_LEADS]


def test_select_chinese_literals_survive(endpoint_server):
    query = PREFIXES + "SELECT ?label WHERE { hgd:agency\\/henan-dof skos:prefLabel ?label }"
    rows = wrapper(endpoint_server, query, JSON).query().convert()["results"]["bindings"]
    assert rows == [{"label": {"type": "literal", "value": "河南省财政厅", "xml:lang": "zh"}}]


# --- ASK --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask_true_and_false(endpoint_server, fmt):
    yes = PREFIXES + "ASK { hgd:doc\\/henan\\/yuzheng\\/2026\\/4\\/task\\/3 hgv:leadUnit hgd:agency\\/henan-dof }"
    no = PREFIXES + "ASK { hgd:doc\\/henan\\/yuzheng\\/2026\\/4\\/task\\/3 hgv:leadUnit hgd:agency\\/henan-drc }"
    for query, expected in ((yes, True), (no, False)):
        converted = wrapper(endpoint_server, query, fmt).query().convert()
        if fmt == JSON:
            assert converted["boolean"] is expected
        else:
            assert converted.getElementsByTagName("boolean")[0].firstChild.data == str(expected).lower()


# --- CONSTRUCT and DESCRIBE in every graph format --------------------------------------------

CONSTRUCT = PREFIXES + "CONSTRUCT { ?a skos:prefLabel ?l } WHERE { ?a a hgv:ProvincialAgency ; skos:prefLabel ?l }"
EXPECTED_LABELS = {
    (ID + "agency/henan-drc", "河南省发展和改革委员会", "zh"),
    (ID + "agency/henan-drc", "Henan Provincial Development and Reform Commission", "en"),
    (ID + "agency/henan-dof", "河南省财政厅", "zh"),
}


def labels(graph: rdflib.Graph) -> set[tuple[str, str, str]]:
    return {(str(s), str(o), o.language) for s, _, o in graph}


@pytest.mark.parametrize(
    "fmt,media,parse_as",
    [
        (TURTLE, "text/turtle", "turtle"),
        (RDFXML, "application/rdf+xml", "xml"),
        (JSONLD, "application/ld+json", "json-ld"),
    ],
)
def test_construct_in_graph_formats(endpoint_server, fmt, media, parse_as):
    result = wrapper(endpoint_server, CONSTRUCT, fmt).query()
    assert media_of(result.response.headers["Content-Type"]) == media
    graph = rdflib.Graph().parse(data=result.response.read(), format=parse_as)
    assert labels(graph) == EXPECTED_LABELS


@pytest.mark.parametrize("query", [CONSTRUCT, PREFIXES + "DESCRIBE hgd:agency\\/henan-dof"])
def test_sparqlwrapper_default_xml_on_a_graph_is_rdf_xml(endpoint_server, query):
    """SPARQLWrapper's default return format (XML) sends ``format=xml``; for a graph that is RDF/XML,
    which it converts to an rdflib graph (it was 406)."""
    sparql = SPARQLWrapper(endpoint_server.sparql)
    sparql.setQuery(query)
    result = sparql.query()
    assert media_of(result.response.headers["Content-Type"]) == "application/rdf+xml"
    graph = result.convert()
    assert isinstance(graph, rdflib.Graph)
    expected = EXPECTED_LABELS if query == CONSTRUCT else {(ID + "agency/henan-dof", "河南省财政厅", "zh")}
    assert expected <= {(str(s), str(o), o.language) for s, p, o in graph if p == rdflib.SKOS.prefLabel}


@pytest.mark.parametrize("fmt", [N3, TURTLE])
def test_sparqlwrapper_n3_and_turtle_get_turtle(endpoint_server, fmt):
    """N3 (``format=n3``, was 400) is answered in Turtle, which is N3; SPARQLWrapper gives the bytes."""
    result = wrapper(endpoint_server, CONSTRUCT, fmt).query()
    assert media_of(result.response.headers["Content-Type"]) == "text/turtle"
    assert labels(rdflib.Graph().parse(data=result.convert(), format="turtle")) == EXPECTED_LABELS


@pytest.mark.parametrize(
    "accept,media", [("text/plain", "application/n-triples"), ("application/n-quads", "application/n-quads")]
)
def test_construct_as_plain_text_or_n_quads(endpoint_server, accept, media):
    response = requests.get(endpoint_server.sparql, params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert media_of(response.headers["Content-Type"]) == media
    dataset = rdflib.Dataset().parse(data=response.text, format="nquads")
    assert {(str(s), str(o), o.language) for s, _, o, _ in dataset.quads()} == EXPECTED_LABELS


def test_construct_ntriples_by_accept(endpoint_server):
    response = requests.get(
        endpoint_server.sparql, params={"query": CONSTRUCT}, headers={"Accept": "application/n-triples"}
    )
    assert media_of(response.headers["Content-Type"]) == "application/n-triples"
    assert labels(rdflib.Graph().parse(data=response.text, format="nt")) == EXPECTED_LABELS


def test_describe(endpoint_server):
    query = PREFIXES + "DESCRIBE hgd:region\\/410300"
    graph = rdflib.Graph().parse(data=wrapper(endpoint_server, query, TURTLE).query().response.read(), format="turtle")
    city = rdflib.URIRef(ID + "region/410300")
    assert set(graph.predicate_objects(city)) == {
        (rdflib.RDF.type, rdflib.URIRef(HGV + "PrefectureLevelCity")),
        (rdflib.SKOS.prefLabel, rdflib.Literal("洛阳市", lang="zh")),
        (rdflib.URIRef(HGV + "adminCode"), rdflib.Literal("410300")),
    }


# --- prefixes a query uses without declaring them ---------------------------------------------


def test_undeclared_known_prefixes_are_added_and_said(endpoint_server):
    """``hgv:`` (the project's) and ``skos:`` (standard, from endpoint/prefixes.csv) are declared for
    the client, in order of first use, and the response names them; a declared one is left alone."""
    bare = LEAD_COUNT.replace(PREFIXES, "")
    assert "PREFIX" not in bare
    result = wrapper(endpoint_server, bare, JSON).query()
    assert result.response.headers["X-Added-Prefixes"] == "hgv"
    rows = result.convert()["results"]["bindings"]
    assert [(r["agency"]["value"], r["tasks"]["value"]) for r in rows] == EXPECTED_LEADS
    mixed = (
        f"PREFIX hgv: <{HGV}>\nSELECT ?l WHERE {{ hgd:agency\\/henan-dof skos:prefLabel ?l ; a hgv:ProvincialAgency }}"
    )
    response = requests.get(endpoint_server.sparql, params={"query": mixed})
    assert response.status_code == 200 and response.headers["X-Added-Prefixes"] == "hgd, skos"
    assert [r["l"]["value"] for r in response.json()["results"]["bindings"]] == ["河南省财政厅"]
    declared = requests.get(endpoint_server.sparql, params={"query": LEAD_COUNT})
    assert declared.status_code == 200 and "X-Added-Prefixes" not in declared.headers


def test_standard_prefixes_table_is_data_and_the_projects_win():
    from endpoint import prefixes
    from mappings.iris import PREFIXES as PROJECT

    assert prefixes.standard()["dct"] == "http://purl.org/dc/terms/"
    table = prefixes.known(ID)
    assert table["hgd"] == ID and table["hgv"] == HGV
    assert all(table[p] == ns for p, ns in PROJECT.items())


# --- rdflib's SPARQLStore -----------------------------------------------------------------------


def test_rdflib_sparqlstore(endpoint_server):
    graph = rdflib.Graph(SPARQLStore(query_endpoint=endpoint_server.sparql))
    rows = graph.query(LEAD_COUNT)
    assert [(str(a), int(n)) for a, n in rows] == [(iri, int(n)) for iri, n in EXPECTED_LEADS]
    assert graph.query(PREFIXES + "ASK { ?t hgv:leadUnit hgd:agency\\/henan-dof }").askAnswer is True
    assert labels(graph.query(CONSTRUCT).graph) == EXPECTED_LABELS


# --- the dataset: union default graph, FROM, default-graph-uri, named-graph-uri -----------------


def select_values(server, query: str, **params) -> list[dict[str, str]]:
    response = requests.get(
        server.sparql, params={"query": query, **params}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def test_default_graph_is_the_union_with_each_triple_once(endpoint_server):
    assert select_values(endpoint_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == [{"n": "68"}]
    notices = PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?d a hgv:TaskAssignmentNotice }"
    assert select_values(endpoint_server, notices) == [{"n": "1"}]


def test_named_graphs_are_there_for_graph_patterns(endpoint_server):
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    assert select_values(endpoint_server, query) == [
        {"g": ID + "graph/dataset", "n": "3"},
        {"g": ID + "graph/doc/henan/work-report/2024", "n": "14"},
        {"g": ID + "graph/doc/henan/yuzheng/2026/4", "n": "29"},
        {"g": ID + "graph/ontology", "n": "3"},
        {"g": ID + "graph/reference", "n": "20"},
    ]


def test_default_graph_and_graph_patterns_join_in_one_query(endpoint_server):
    """A query that reads both the default graph and named graphs runs on the store holding both:
    each of the 68 triples of tests/data/endpoint-mini.nq joins the graphs stating it, and one of
    them (the notice's type, hgv:TaskAssignmentNotice) is stated in two graphs: 69 rows."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o GRAPH ?g { ?s ?p ?o } }"
    assert select_values(endpoint_server, query) == [{"n": "69"}]


@pytest.mark.parametrize(
    ("query", "may"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", False),
        ("SELECT * WHERE { graph ?g { ?s ?p ?o } }", True),
        ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", True),
        ("SELECT * FROM NAMED <http://example.org/g> WHERE { ?s ?p ?o }", True),
        ('SELECT * WHERE { ?s ?p "GRAPH from" } # GRAPH', False),
        ("SELECT ?graph WHERE { ?graph <http://example.org/from> <http://example.org/GRAPH> }", False),
        ("SELECT * WHERE { GR\\u0041PH ?g { ?s ?p ?o } }", True),
    ],
)
def test_queries_that_may_read_named_graphs_are_told_apart(query, may):
    """Only GRAPH and FROM keywords (any case, escapes expanded) keep a query off the store of
    the default graph alone; the words in strings, IRIs, variables or comments do not."""
    from endpoint.screen import may_read_named_graphs

    assert may_read_named_graphs(query) is may


def test_the_default_graph_alone_answers_as_the_full_store(mini_release):
    """The store of the default graph alone holds each distinct triple once and no named graph,
    and a job marked default_only gets the same rows from it as from the full store."""
    from endpoint.executor import Job, run_job
    from endpoint.graph import KnowledgeGraph

    kg = KnowledgeGraph.open(mini_release)
    assert kg.default_store is not None
    assert len(kg.default_store) == 68 and list(kg.default_store.named_graphs()) == []
    answers = []
    for default_only in (False, True):
        job = Job(LEAD_COUNT, None, None, False, "json", None, 100_000, default_only)
        outcome = run_job(kg.store, job, {}, kg.default_store)
        assert outcome.status == "ok", outcome.message
        answers.append(json.loads(outcome.body)["results"]["bindings"])
    assert answers[0] == answers[1]
    assert [(r["agency"]["value"], r["tasks"]["value"]) for r in answers[1]] == EXPECTED_LEADS
    # the pages' trusted queries are routed alike: a GRAPH pattern still finds the 69 quads
    count = "SELECT (COUNT(*) AS ?n) WHERE { %s }"
    assert [r["n"].value for r in kg.query(count % "?s ?p ?o")] == ["68"]
    assert [r["n"].value for r in kg.query(count % "GRAPH ?g { ?s ?p ?o }")] == ["69"]


def test_from_clause_in_the_query(endpoint_server):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{ID}graph/ontology> WHERE {{ ?s ?p ?o }}"
    assert select_values(endpoint_server, query) == [{"n": "3"}]


def test_default_graph_uri_parameter(endpoint_server):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert select_values(endpoint_server, count, **{"default-graph-uri": ID + "graph/reference"}) == [{"n": "20"}]
    both = [ID + "graph/reference", ID + "graph/ontology"]
    assert select_values(endpoint_server, count, **{"default-graph-uri": both}) == [{"n": "23"}]


def test_named_graph_uri_parameter_limits_graph_patterns(endpoint_server):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    only = select_values(endpoint_server, query, **{"named-graph-uri": ID + "graph/doc/henan/work-report/2024"})
    assert only == [{"g": ID + "graph/doc/henan/work-report/2024"}]
    # with only named graphs given, the default graph is empty (SPARQL 1.1 Protocol 2.1.4)
    named = {"named-graph-uri": ID + "graph/doc/henan/work-report/2024"}
    empty = select_values(endpoint_server, "SELECT * WHERE { ?s ?p ?o }", **named)
    assert empty == []


# --- content negotiation ----------------------------------------------------------------------

SIMPLE = "SELECT ?n WHERE { VALUES ?n { 1 } }"


@pytest.mark.parametrize(
    "accept,expected",
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml;q=0.5, text/csv", "text/csv"),
        ("text/tab-separated-values;q=0.9, */*;q=0.1", "text/tab-separated-values"),
        ("text/*", "text/csv"),
        ("application/json", "application/sparql-results+json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
        ("text/xml", "application/sparql-results+xml"),
        # q=0 refuses a format even where */* (or an alias's range) would take it
        ("application/sparql-results+json;q=0, */*", "text/csv"),
        ("*/*, application/json;q=0", "text/csv"),
        ("text/csv;q=0, text/*", "text/tab-separated-values"),
    ],
)
def test_accept_with_q_values(endpoint_server, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = requests.get(endpoint_server.sparql, params={"query": SIMPLE}, headers=headers)
    assert response.status_code == 200
    assert media_of(response.headers["Content-Type"]) == expected


@pytest.mark.parametrize(
    "fmt,expected",
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
    ],
)
def test_format_parameter_overrides_accept_for_results(endpoint_server, fmt, expected):
    response = requests.get(
        endpoint_server.sparql,
        params={"query": SIMPLE, "format": fmt},
        headers={"Accept": "application/sparql-results+json;q=1, text/csv;q=0.1"},
    )
    assert media_of(response.headers["Content-Type"]) == expected


@pytest.mark.parametrize(
    "fmt,expected",
    [
        ("turtle", "text/turtle"),
        ("ntriples", "application/n-triples"),
        ("rdfxml", "application/rdf+xml"),
        ("jsonld", "application/ld+json"),
    ],
)
def test_format_parameter_for_graphs(endpoint_server, fmt, expected):
    response = requests.post(endpoint_server.sparql, data={"query": CONSTRUCT, "format": fmt})
    assert response.status_code == 200
    assert media_of(response.headers["Content-Type"]) == expected


@pytest.mark.parametrize("accept", ["application/sparql-results+json;q=0", "text/xml;q=0, text/plain"])
def test_select_refused_by_q_zero_is_406(endpoint_server, accept):
    response = requests.get(endpoint_server.sparql, params={"query": SIMPLE}, headers={"Accept": accept})
    assert response.status_code == 406, response.text
    assert "application/sparql-results+json" in response.text  # what is offered


def test_graph_refused_by_q_zero(endpoint_server):
    response = requests.get(
        endpoint_server.sparql, params={"query": CONSTRUCT}, headers={"Accept": "text/turtle;q=0, */*"}
    )
    assert media_of(response.headers["Content-Type"]) == "application/n-triples"


def test_text_xml_results_parse(endpoint_server):
    response = requests.get(endpoint_server.sparql, params={"query": LEAD_COUNT}, headers={"Accept": "text/xml"})
    uris = [u.text for u in ET.fromstring(response.content).iter(SRX + "uri")]
    assert uris == [iri for iri, _ in EXPECTED_LEADS]


def test_graph_accept_prefers_by_q(endpoint_server):
    response = requests.get(
        endpoint_server.sparql,
        params={"query": CONSTRUCT},
        headers={"Accept": "text/turtle;q=0.2, application/ld+json;q=0.8"},
    )
    assert media_of(response.headers["Content-Type"]) == "application/ld+json"
    assert labels(rdflib.Graph().parse(data=response.text, format="json-ld")) == EXPECTED_LABELS


# --- service description, health, CORS, access log ----------------------------------------------

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


@pytest.mark.parametrize(
    "accept,parse_as",
    [
        ("text/turtle", "turtle"),
        ("application/rdf+xml", "xml"),
        (None, "turtle"),
    ],
)
def test_service_description(endpoint_server, mini_release, accept, parse_as):
    response = requests.get(endpoint_server.sparql, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.content, format=parse_as)
    service = rdflib.URIRef(endpoint_server.sparql)
    assert (service, rdflib.RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.resultFormat, rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV")) in graph
    names = set(graph.objects(None, SD.name))
    manifest = json.loads((mini_release / "manifest.json").read_text())
    assert {str(n) for n in names} == set(manifest["graphs"]) and len(names) == 5


def test_health(endpoint_server, mini_release):
    manifest = json.loads((mini_release / "manifest.json").read_text())
    body = requests.get(endpoint_server.url + "/health").json()
    assert body["status"] == "ok"
    assert body["checksum"] == manifest["checksum"]
    assert body["triples"] == 68


def test_cors_headers(endpoint_server):
    response = requests.get(endpoint_server.sparql, params={"query": SIMPLE}, headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(
        endpoint_server.sparql,
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


def test_cors_preflight_echoes_the_requested_headers_and_exposes_etag(endpoint_server):
    asked = "Content-Type, X-Requested-With, Authorization, X-Notebook-Session"
    preflight = requests.options(
        endpoint_server.sparql,
        headers={
            "Origin": "https://notebook.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": asked,
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Headers"] == asked
    response = requests.get(endpoint_server.sparql, params={"query": SIMPLE}, headers={"Origin": "https://x.example"})
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Content-Type", "Content-Disposition", "X-Added-Prefixes"} <= exposed


def test_access_log_has_query_time_and_size(endpoint_server):
    marker = "SELECT ?logged WHERE { VALUES ?logged { 42 } }"
    body = requests.get(endpoint_server.sparql, params={"query": marker}).content
    log = endpoint_server.log.read_text()
    lines = [line for line in log.splitlines() if '"GET /sparql" 200 ' + f"{len(body)}B" in line]
    assert lines, log[-2000:]
    assert " query=" in lines[-1] and "ms" in lines[-1] and "form=select" in lines[-1]


def test_xml_results_are_well_formed(endpoint_server):
    response = requests.get(endpoint_server.sparql, params={"query": LEAD_COUNT, "format": "xml"})
    root = ET.fromstring(response.content)
    assert [v.get("name") for v in root.iter(SRX + "variable")] == ["agency", "tasks"]


def test_disk_store_mode_answers_the_same(mini_release):
    """STORE_MODE=disk opens the release's store/ read-only; FROM still narrows the default graph."""
    from conftest import thread_server

    with thread_server(RELEASE_DIR=str(mini_release), STORE_MODE="disk", ACCESS_LOG=False) as server:
        rows = select_values(server, LEAD_COUNT)
        assert [(r["agency"], r["tasks"]) for r in rows] == EXPECTED_LEADS
        query = f"SELECT (COUNT(*) AS ?n) FROM <{ID}graph/ontology> WHERE {{ ?s ?p ?o }}"
        assert select_values(server, query) == [{"n": "3"}]
        assert requests.get(server.url + "/health").json()["store"] == "disk"


# --- HTTP caching and compression -------------------------------------------------------------

ALL_TRIPLES = "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"  # 68 rows: about 15 KB of SPARQL JSON


def raw_get(server, params: dict[str, str], **headers: str | None) -> tuple[requests.Response, bytes]:
    """GET /sparql and the body as it came over the wire (``None`` drops one of requests' headers)."""
    response = requests.get(server.sparql, params=params, headers=headers, stream=True, timeout=10)
    return response, response.raw.read(decode_content=False)


def test_get_answers_carry_an_etag_and_cache_control_and_revalidate_with_304(endpoint_server):
    first = requests.get(endpoint_server.sparql, params={"query": ALL_TRIPLES})
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"')
    assert first.headers["Cache-Control"] == "public, max-age=3600"
    assert {"Accept", "Accept-Encoding"} <= {v.strip() for v in first.headers["Vary"].split(",")}
    # the same on every worker (from the graph checksum, not the process), different per query and format
    assert {requests.get(endpoint_server.sparql, params={"query": ALL_TRIPLES}).headers["ETag"] for _ in range(6)} == {
        etag
    }
    as_csv = requests.get(endpoint_server.sparql, params={"query": ALL_TRIPLES}, headers={"Accept": "text/csv"})
    other = requests.get(endpoint_server.sparql, params={"query": ALL_TRIPLES + " LIMIT 3"})
    assert len({etag, as_csv.headers["ETag"], other.headers["ETag"]}) == 3
    again = requests.get(endpoint_server.sparql, params={"query": ALL_TRIPLES}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "public, max-age=3600"
    star = requests.get(endpoint_server.sparql, params={"query": "SELECT"}, headers={"If-None-Match": "*"})
    assert star.status_code == 400  # '*' does not turn a malformed query into a 304
    posted = requests.post(endpoint_server.sparql, data={"query": ALL_TRIPLES})
    assert posted.status_code == 200 and "ETag" not in posted.headers and "Cache-Control" not in posted.headers


def test_etag_changes_with_the_graph(endpoint_server, tmp_path):
    """A new release (another checksum) gives the same query another ETag, so caches refetch."""
    from conftest import MINI_NQ, make_release, thread_server

    changed = tmp_path / "changed.nq"
    changed.write_bytes(MINI_NQ.read_bytes() + f'<{ID}x> <{HGV}note> "new" <{ID}graph/reference> .\n'.encode())
    release = make_release(changed, tmp_path / "out")
    before = requests.get(endpoint_server.sparql, params={"query": SIMPLE}).headers["ETag"]
    with thread_server(RELEASE_DIR=str(release), THREADS=1, ACCESS_LOG=False) as server:
        after = requests.get(server.sparql, params={"query": SIMPLE})
        assert after.status_code == 200 and after.headers["ETag"] != before
        revalidated = requests.get(server.sparql, params={"query": SIMPLE}, headers={"If-None-Match": before})
        assert revalidated.status_code == 200 and revalidated.json()["results"]["bindings"]


def test_results_are_gzipped_when_asked_and_identity_otherwise(endpoint_server):
    plain, plain_body = raw_get(endpoint_server, {"query": ALL_TRIPLES}, **{"Accept-Encoding": None})
    assert "Content-Encoding" not in plain.headers and int(plain.headers["Content-Length"]) == len(plain_body)
    assert len(json.loads(plain_body)["results"]["bindings"]) == 68
    zipped, zipped_body = raw_get(endpoint_server, {"query": ALL_TRIPLES}, **{"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped_body) == plain_body and len(zipped_body) < len(plain_body) / 3
    assert zipped.headers["ETag"] == plain.headers["ETag"]  # weak: the same answer in either coding
    refused, refused_body = raw_get(endpoint_server, {"query": ALL_TRIPLES}, **{"Accept-Encoding": "gzip;q=0, *"})
    assert "Content-Encoding" not in refused.headers and refused_body == plain_body
    small, small_body = raw_get(endpoint_server, {"query": SIMPLE}, **{"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers and json.loads(small_body)["results"]  # under 1 KB: as is


def test_files_are_gzipped_as_a_stream_under_gunicorn(endpoint_server):
    """A file (here the editor's 1 MB script; dumps alike) is compressed as it is sent, with the
    access log on: nothing reads it whole first to count its bytes."""
    url = endpoint_server.url + "/assets/vendor/yasgui/yasgui.min.js"
    plain = requests.get(url, headers={"Accept-Encoding": None}, timeout=10)
    zipped = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
    body = zipped.raw.read(decode_content=False)
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in zipped.headers and len(plain.content) > 500_000
    assert gzip.decompress(body) == plain.content and len(body) < len(plain.content) / 2


# --- the real graph -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_server(release, tmp_path_factory):
    """gunicorn over the session's real build (the ``release`` fixture of the build tests)."""
    from conftest import ENDPOINT_TEST_SETTINGS, gunicorn_server

    log = tmp_path_factory.mktemp("real-logs") / "gunicorn.log"
    with gunicorn_server(release.path, log, **ENDPOINT_TEST_SETTINGS) as server:
        yield server


def test_real_graph_health_and_union_size_match_the_build(real_server, release):
    health = requests.get(real_server.url + "/health").json()
    assert health["checksum"] == release.checksum
    assert health["triples"] == release.triples
    # the union default graph holds each distinct triple once: exactly the build's triple count
    assert select_values(real_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == [{"n": str(release.triples)}]
    quads = select_values(real_server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert quads == [{"n": str(release.quads)}]


def test_real_graph_service_description_lists_the_build_graphs(real_server, release):
    graph = rdflib.Graph().parse(data=requests.get(real_server.sparql).content, format="turtle")
    assert {str(n) for n in graph.objects(None, SD.name)} == set(release.graphs)


# --- the benchmark against Oxigraph starts as documented ----------------------------------------

BENCH_COMMAND = "python -m bench.endpoint_vs_oxigraph"


def test_bench_script_runs_as_documented_and_as_a_file(tmp_path):
    """README and the script's docstring give the same command, and it starts both ways (``--help``)
    without PYTHONPATH: as a module from the project root, and as a file from anywhere."""
    import bench.endpoint_vs_oxigraph as script

    root = Path(__file__).resolve().parents[1]
    assert BENCH_COMMAND in (root / "README.md").read_text(encoding="utf-8")
    assert BENCH_COMMAND in script.__doc__
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    runs = [
        ([sys.executable, "-m", "bench.endpoint_vs_oxigraph", "--help"], root),
        ([sys.executable, str(root / "bench" / "endpoint_vs_oxigraph.py"), "--help"], tmp_path),
    ]
    for argv, cwd in runs:
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "--clients" in done.stdout
