"""The pages for people and Linked Data clients, on a small hand-written release.

The release is written here (not built) so that every expected value is visible in this file: a
notice with one task whose label holds markup, its source span, one agency, one region, the
ontology, VoID and the dumps. Most tests use Flask's client; the negotiation tests also run the
app on a real port and talk to it with requests and rdflib.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import tomllib
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from werkzeug.test import TestResponse

from conftest import DATA_ROOT, gunicorn_server, thread_server
from endpoint.app import create_app
from endpoint.gallery import load_gallery
from release.layout import all_dumps, write_manifest

BASE = "https://w3id.org/henan-gov/id/"
HGV = "https://w3id.org/henan-gov/def#"
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
FULL_TEXT = "河南省人民政府\n\n17. 实施 1000 个以上省重点项目，年度完成投资 1 万亿元。（省发展改革委牵头负责）\n"
SPAN = (FULL_TEXT.index("实施"), FULL_TEXT.index("（"))  # 实施 … 1 万亿元。
NOTICE = """
@prefix hgv: <https://w3id.org/henan-gov/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{b}doc/henan/yuzheng/2026/4> a hgv:TaskAssignmentNotice ; rdfs:label "重点工作通知"@zh ;
    hgv:fullText {full} .
<{b}doc/henan/yuzheng/2026/4/task/17> a hgv:Task ; hgv:orderNumber 17 ;
    rdfs:label "任务 17 <script>alert('x')</script>"@zh ;
    hgv:inDocument <{b}doc/henan/yuzheng/2026/4> ; dcterms:isPartOf <{b}doc/henan/yuzheng/2026/4> ;
    hgv:leadUnit <{b}agency/henan/development-reform-commission> ;
    hgv:sourceSpan <{b}doc/henan/yuzheng/2026/4/span/{s}-{e}> ;
    rdfs:seeAlso <javascript:alert(1)> .
<{b}doc/henan/yuzheng/2026/4/span/{s}-{e}> a hgv:SourceSpan ; hgv:inDocument <{b}doc/henan/yuzheng/2026/4> ;
    hgv:startOffset {s} ; hgv:endOffset {e} ; hgv:exactText "{exact}" .
<{b}doc/henan/yuzheng/2026/4/span/0-7> a hgv:SourceSpan ; hgv:inDocument <{b}doc/henan/yuzheng/2026/4> ;
    hgv:startOffset 0 ; hgv:endOffset 7 ; hgv:exactText "河南省人民政府" .
<{b}doc/henan/yuzheng/2026/4> hgv:sourceSpan <{b}doc/henan/yuzheng/2026/4/span/0-7> .
"""
REFERENCE = """
@prefix hgv: <https://w3id.org/henan-gov/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{b}agency/henan/development-reform-commission> a hgv:ProvincialAgency ;
    rdfs:label "河南省发展和改革委员会"@zh, "Development and Reform Commission of Henan Province"@en ;
    hgv:shortName "省发展改革委"@zh .
<{b}region/410100> a hgv:PrefectureLevelCity ; rdfs:label "郑州市"@zh ;
    <http://www.w3.org/2002/07/owl#sameAs> <http://www.wikidata.org/entity/Q30340> .
"""
ONTOLOGY = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/henan-gov/def> a owl:Ontology ; rdfs:label "Henan government documents ontology"@en .
<https://w3id.org/henan-gov/def#Task> a owl:Class ; rdfs:label "task"@en .
"""
VOID = """
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{b}dataset> a void:Dataset, dcat:Dataset ; rdfs:label "Henan KG (test release)"@en ;
    void:dataDump <https://w3id.org/henan-gov/dumps/henan-kg.nt> ;
    void:sparqlEndpoint <https://w3id.org/henan-gov/sparql> .
"""
ONTOLOGY_HTML = (
    "<!doctype html><html><head><title>Ontology docs</title><style>body{max-width:60rem}</style>"
    "</head><body><h1 id='Task'>Task (test docs)</h1></body></html>"
)
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # Chromium's


def _quads(turtle: str, graph: str) -> list[ox.Quad]:
    return [
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
        for t in ox.parse(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    ]


def write_release(directory: Path, base: str = BASE) -> Path:
    """A complete release directory (dumps, manifest, ontology, VoID) for ``base``."""
    directory.mkdir(parents=True)
    exact = FULL_TEXT[SPAN[0] : SPAN[1]]
    notice = NOTICE.format(b=base, full=json.dumps(FULL_TEXT, ensure_ascii=False), s=SPAN[0], e=SPAN[1], exact=exact)
    quads = _quads(notice, base + "graph/doc/henan/yuzheng/2026/4") + _quads(
        REFERENCE.format(b=base), base + "graph/reference"
    )
    nq = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    (directory / "henan-kg.nq").write_bytes(nq)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    (directory / "henan-kg.nt").write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    (directory / "henan-kg.ttl").write_bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE))
    for name in ("henan-kg.nq", "henan-kg.nt", "henan-kg.ttl"):
        (directory / (name + ".gz")).write_bytes(gzip.compress((directory / name).read_bytes(), mtime=0))
    (directory / "ontology.ttl").write_text(ONTOLOGY, encoding="utf-8")
    (directory / "ontology.html").write_text(ONTOLOGY_HTML, encoding="utf-8")
    (directory / "void.ttl").write_text(VOID.format(b=base), encoding="utf-8")
    (directory / "secret.txt").write_text("not a dump", encoding="utf-8")
    write_manifest(
        directory,
        checksum=hashlib.sha256(nq).hexdigest(),
        base=base,
        quads=len(quads),
        triples=len(triples),
        graphs={base + "graph/doc/henan/yuzheng/2026/4": 0},
        dumps=all_dumps(),
    )
    return directory


def make_app(release_dir: Path) -> Flask:
    return create_app({"RELEASE_DIR": str(release_dir), "THREADS": 1, "ACCESS_LOG": False})


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_release(tmp_path_factory.mktemp("pages") / "release")


@pytest.fixture(scope="module")
def app(release_dir: Path) -> Iterator[Flask]:
    application = make_app(release_dir)
    yield application
    application.extensions["henan_kg.executor"].close()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    app.test_client_class = BufferedClient
    return app.test_client()


class BufferedClient(FlaskClient):
    """Reads each response whole and closes it, as a server does: a ``send_file`` body is an open file."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="module")
def server(release_dir: Path) -> Iterator[str]:
    """The endpoint over the same release on a real port, for real HTTP clients."""
    with thread_server(RELEASE_DIR=str(release_dir), THREADS=1, ACCESS_LOG=False) as running:
        yield running.url


def page_config(page: str) -> dict:
    """The JSON configuration the query page hands to its script."""
    return json.loads(re.search(r'id="kg-config">(.*?)</script>', page, re.S).group(1))


def _graph(body: bytes, fmt: str) -> Graph:
    return Graph().parse(data=body, format=fmt)


# The query page ---------------------------------------------------------------------------


def test_query_page_has_editor_gallery_and_downloads(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    examples = load_gallery()
    assert len(examples) >= 10
    for example in examples:
        assert example.title.replace("'", "&#39;") in page
        assert f'data-example="{example.name}"' in page
    config = page_config(page)
    assert config["endpoint"] == "/sparql"
    assert config["prefixes"]["hgv"] == HGV and config["prefixes"]["hgd"] == BASE
    assert [e["name"] for e in config["examples"]] == [e.name for e in examples]
    for fmt in ("json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld"):
        assert f'data-format="{fmt}" href="/sparql?query=' in page


def test_query_page_loads_nothing_from_elsewhere(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert any(a.endswith("yasgui.min.js") for a in assets) and any(a.endswith("yasgui.min.css") for a in assets)
    for asset in (a for a in assets if not a.startswith("data:")):
        assert asset.startswith("/"), asset
        assert client.get(asset).status_code == 200, asset
    vendor = Path(__file__).resolve().parents[1] / "endpoint" / "static" / "vendor" / "yasgui"
    assert "MIT" in (vendor / "LICENSE").read_text(encoding="utf-8")


def test_query_page_share_links_and_download_names(client: FlaskClient) -> None:
    query = "SELECT ?s WHERE { ?s a <https://w3id.org/henan-gov/def#Task> } # 任务 & more"
    page = client.get("/", query_string={"query": query}).get_data(as_text=True)
    assert page_config(page)["query"] == query  # ?query= opens with that text in the editor
    for link, run in (("share-link", False), ("share-run-link", True)):
        href = re.search(rf'id="{link}" href="([^"]+)"', page).group(1).replace("&amp;", "&")
        args = parse_qs(urlsplit(href).query)
        assert urlsplit(href).path == "/" and args["query"] == [query]
        assert args.get("run") == (["1"] if run else None)
    first = load_gallery()[0]
    assert f'download="{first.name}.csv"' in page  # gallery CSV links are named after the example


def test_prefix_completion_list_is_local(client: FlaskClient) -> None:
    prefixes = client.get("/prefixes.json").get_json()
    assert prefixes["hgv"] == HGV and prefixes["hgd"] == BASE and prefixes["skos"].endswith("/skos/core#")
    # the standard prefixes the endpoint declares for a query that leaves them out are offered too
    assert prefixes["dct"] == "http://purl.org/dc/terms/" and prefixes["eli"] == "http://data.europa.eu/eli/ontology#"


def test_example_file_and_unknown_example(client: FlaskClient) -> None:
    first = load_gallery()[0]
    response = client.get(f"/examples/{first.name}.rq")
    assert response.status_code == 200 and response.get_data(as_text=True) == first.sparql
    assert client.get("/examples/99-none.rq").status_code == 404


# Linked Data ------------------------------------------------------------------------------


def test_resource_page_shows_labels_links_incoming_and_source_text(client: FlaskClient) -> None:
    task = client.get("/id/doc/henan/yuzheng/2026/4/task/17", headers={"Accept": "text/html"})
    assert task.status_code == 200 and task.mimetype == "text/html"
    html = task.get_data(as_text=True)
    assert 'href="/id/agency/henan/development-reform-commission"' in html
    assert "河南省发展和改革委员会 · Development and Reform Commission of Henan Province" in html
    assert 'href="/def#leadUnit"' in html
    assert "17. </span><mark>实施 1000 个以上省重点项目，年度完成投资 1 万亿元。</mark>" in html
    assert '<span class="ctx">（省发展改革委牵头负责）' in html  # the text after the span
    assert html.count("<mark>") == 1  # only the task's own span, not the document's
    span = client.get("/id/doc/henan/yuzheng/2026/4/span/0-7").get_data(as_text=True)
    assert "<mark>河南省人民政府</mark>" in span and span.count("<mark>") == 1
    agency = client.get("/id/agency/henan/development-reform-commission").get_data(as_text=True)
    incoming = agency.split("Incoming links")[1]
    assert 'href="/id/doc/henan/yuzheng/2026/4/task/17"' in incoming


def test_literals_are_escaped_and_only_http_links_are_links(client: FlaskClient) -> None:
    html = client.get("/id/doc/henan/yuzheng/2026/4/task/17").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


@pytest.mark.parametrize(
    "accept, fmt, media",
    [
        ("text/turtle", "turtle", "text/turtle"),
        ("application/n-triples", "nt", "application/n-triples"),
        ("application/ld+json", "json-ld", "application/ld+json"),
        ("text/turtle;q=0.5, application/ld+json", "json-ld", "application/ld+json"),
        ("text/html;q=0.1, application/n-triples;q=0.9", "nt", "application/n-triples"),
        ("application/rdf+xml", "xml", "application/rdf+xml"),
        ("application/json", "json-ld", "application/ld+json"),  # a JSON client gets JSON-LD
        ("text/plain", "nt", "application/n-triples"),
        ("text/html;q=0, */*", "turtle", "text/turtle"),  # q=0 refuses HTML although */* covers it
    ],
)
def test_resource_description_by_negotiation(client: FlaskClient, accept: str, fmt: str, media: str) -> None:
    response = client.get("/id/doc/henan/yuzheng/2026/4/task/17", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media and "Accept" in response.headers["Vary"]
    g = _graph(response.data, fmt)
    task = URIRef(BASE + "doc/henan/yuzheng/2026/4/task/17")
    agency = URIRef(BASE + "agency/henan/development-reform-commission")
    assert (task, URIRef(HGV + "leadUnit"), agency) in g
    assert (agency, RDFS_LABEL, Literal("河南省发展和改革委员会", lang="zh")) in g  # label of a linked node
    assert not list(g.triples((agency, URIRef(HGV + "shortName"), None)))  # not the neighbour's other facts


def test_turtle_writes_data_iris_without_escaped_slashes(client: FlaskClient) -> None:
    body = client.get("/id/region/410100", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    assert "\\/" not in body and f"<{BASE}region/410100>" in body
    city = (URIRef(BASE + "region/410100"), RDF.type, URIRef(HGV + "PrefectureLevelCity"))
    assert city in _graph(body.encode(), "turtle")


def test_json_ld_is_compacted_with_a_context_and_keeps_every_triple(client: FlaskClient) -> None:
    body = client.get("/id/region/410100", headers={"Accept": "application/ld+json"}).get_data()
    doc = json.loads(body)
    assert doc["@context"]["hgv"] == HGV and doc["@context"]["hgd"] == BASE
    node = next(n for n in doc["@graph"] if n["@id"] == "hgd:region/410100")
    types = node.get("@type", []) + [v["@id"] for v in node.get("rdf:type", [])]  # either spelling is JSON-LD
    assert "hgv:PrefectureLevelCity" in types
    ntriples = client.get("/id/region/410100", headers={"Accept": "application/n-triples"}).get_data()
    assert isomorphic(_graph(body, "json-ld"), _graph(ntriples, "nt"))


def test_format_parameter_overrides_accept(client: FlaskClient) -> None:
    response = client.get("/id/region/410100?format=ttl", headers={"Accept": "text/html"})
    assert response.mimetype == "text/turtle"
    g = _graph(response.data, "turtle")
    assert (
        URIRef(BASE + "region/410100"),
        URIRef("http://www.w3.org/2002/07/owl#sameAs"),
        URIRef("http://www.wikidata.org/entity/Q30340"),
    ) in g


def test_resource_without_accept_is_html_and_unacceptable_is_406(client: FlaskClient) -> None:
    assert client.get("/id/region/410100").mimetype == "text/html"
    assert client.get("/id/region/410100", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/id/region/410100?format=pdf").status_code == 406


@pytest.mark.parametrize(
    "path",
    [
        "/id/doc/henan/yuzheng/2026/4/task/999",
        "/id/agency",
        "/id/",
        "/id/agency/",
        "/id/notice//2026-4",
        "/id/doc/henan/yuzheng/2026/4/../2026-4",
        "/id/notice/%2e%2e/manifest.json",
        "/id/..%2fmanifest.json",
        "/id/doc/henan/yuzheng/2026/4%3E%20%3Fp%20%3Fo",
        "/id/notice\\2026-4",
        "/id/a%00b",
        "/id/%E6%B2%B3%E5%8D%97",
    ],
)
def test_unknown_or_unclean_paths_are_404(client: FlaskClient, path: str) -> None:
    assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 404


def test_conditional_get(client: FlaskClient) -> None:
    first = client.get("/id/region/410100", headers={"Accept": "text/turtle"})
    again = client.get("/id/region/410100", headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_json_client_gets_json_ld_over_http(server: str) -> None:
    response = requests.get(f"{server}/id/region/410100", headers={"Accept": "application/json"}, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/ld+json")
    g = Graph().parse(data=response.text, format="json-ld")
    assert (
        URIRef(BASE + "region/410100"),
        URIRef("http://www.w3.org/2002/07/owl#sameAs"),
        URIRef("http://www.wikidata.org/entity/Q30340"),
    ) in g


def test_real_clients_dereference(server: str) -> None:
    iri_path = f"{server}/id/doc/henan/yuzheng/2026/4/task/17"
    html = requests.get(iri_path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, timeout=10)
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    assert not html.history  # answered directly, no 303
    g = Graph().parse(iri_path)  # rdflib asks for RDF itself
    assert (URIRef(BASE + "doc/henan/yuzheng/2026/4/task/17"), URIRef(HGV + "orderNumber"), None) in g
    assert requests.get(f"{server}/id/no/such/thing", timeout=10).status_code == 404


# Ontology, VoID, dumps ----------------------------------------------------------------------


def site_page(text: str) -> bool:
    """The page carries the site header (base.html) and a link back to the query page."""
    return '<header class="site">' in text and re.search(r'<main>.*<a href="/">', text, re.S) is not None


def test_ontology_by_negotiation(client: FlaskClient) -> None:
    html = client.get("/def", headers={"Accept": "text/html"})
    text = html.get_data(as_text=True)
    assert html.mimetype == "text/html" and "<h1 id='Task'>Task (test docs)</h1>" in text
    assert site_page(text) and "max-width:60rem" not in text  # in the site's layout, not the file's own style
    ttl = client.get("/def", headers={"Accept": "text/turtle"})
    assert ttl.mimetype == "text/turtle" and ttl.get_data(as_text=True) == ONTOLOGY
    for accept, fmt in (("application/n-triples", "nt"), ("application/rdf+xml", "xml")):
        g = _graph(client.get("/def", headers={"Accept": accept}).data, fmt)
        assert (URIRef(HGV + "Task"), RDFS_LABEL, Literal("task", lang="en")) in g


def test_void_by_negotiation_lists_dumps(client: FlaskClient) -> None:
    ttl = client.get("/.well-known/void")
    assert ttl.mimetype == "text/turtle"
    dataset = URIRef(BASE + "dataset")
    assert (dataset, URIRef("http://rdfs.org/ns/void#dataDump"), None) in _graph(ttl.data, "turtle")
    for accept, fmt in (("application/n-triples", "nt"), ("application/ld+json", "json-ld")):
        other = _graph(client.get("/.well-known/void", headers={"Accept": accept}).data, fmt)
        assert len(other) == len(_graph(ttl.data, "turtle"))
    html = client.get("/.well-known/void", headers={"Accept": "text/html"}).get_data(as_text=True)
    for name in ("henan-kg.nq", "henan-kg.nt.gz", "henan-kg.ttl"):
        assert f'href="/dumps/{name}"' in html
    assert "Henan KG (test release)" in html
    assert 'href="/dumps/henan-kg.nt" title="https://w3id.org/henan-gov/dumps/henan-kg.nt"' in html  # void:dataDump


def test_dumps_listed_in_manifest_only(app: Flask, client: FlaskClient) -> None:
    release = Path(app.extensions["henan_kg"].release_dir)
    nq = client.get("/dumps/henan-kg.nq")
    assert nq.status_code == 200 and nq.data == (release / "henan-kg.nq").read_bytes()
    assert nq.mimetype == "application/n-quads"
    gz = client.get("/dumps/henan-kg.ttl.gz")
    assert gz.mimetype == "application/gzip" and gzip.decompress(gz.data) == (release / "henan-kg.ttl").read_bytes()
    for name in ("manifest.json", "secret.txt", "ontology.ttl", "..%2Fmanifest.json", "%2e%2e", "henan-kg.nq%00"):
        assert client.get(f"/dumps/{name}").status_code == 404, name
    assert client.get("/dumps/../manifest.json").status_code == 404


def _wire(url: str, **headers: str | None) -> tuple[requests.Response, bytes]:
    """GET and the body as sent (``None`` drops one of requests' default headers)."""
    response = requests.get(url, headers=headers, stream=True, timeout=10)
    return response, response.raw.read(decode_content=False)


def test_pages_are_gzipped_when_asked(server: str) -> None:
    plain, plain_body = _wire(server + "/", **{"Accept-Encoding": None})
    assert "Content-Encoding" not in plain.headers and b'id="kg-config"' in plain_body
    zipped, zipped_body = _wire(server + "/", **{"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped_body) == plain_body


def test_dumps_are_gzipped_as_a_stream_unless_already_gzip(server: str, release_dir: Path) -> None:
    nq = (release_dir / "henan-kg.nq").read_bytes()
    assert len(nq) > 1024
    zipped, body = _wire(server + "/dumps/henan-kg.nq", **{"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == nq
    assert "Content-Length" not in zipped.headers  # compressed as it is sent, never held whole
    plain, plain_body = _wire(server + "/dumps/henan-kg.nq", **{"Accept-Encoding": None})
    assert "Content-Encoding" not in plain.headers and plain_body == nq
    gz, gz_body = _wire(server + "/dumps/henan-kg.nq.gz", **{"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in gz.headers and gz_body == (release_dir / "henan-kg.nq.gz").read_bytes()
    part, part_body = _wire(server + "/dumps/henan-kg.nq", **{"Accept-Encoding": "gzip", "Range": "bytes=0-9"})
    assert part.status_code == 206 and part_body == nq[:10]  # a byte range addresses the identity bytes


def test_conditional_get_over_http_with_gzip(server: str) -> None:
    url = server + "/id/doc/henan/yuzheng/2026/4/task/17"
    first = requests.get(url, headers={"Accept": "text/turtle", "Accept-Encoding": "gzip"}, timeout=10)
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"')
    for encoding in ("gzip", "identity"):
        again = requests.get(
            url,
            headers={"Accept": "text/turtle", "Accept-Encoding": encoding, "If-None-Match": first.headers["ETag"]},
            timeout=10,
        )
        assert again.status_code == 304 and again.content == b""


def test_other_base_is_served_under_id(tmp_path: Path) -> None:
    other = "http://example.org/kg/id/"
    application = make_app(write_release(tmp_path / "release", base=other))
    try:
        client = application.test_client()
        ttl = client.get("/id/region/410100", headers={"Accept": "text/turtle"})
        assert ttl.status_code == 200
        assert (URIRef(other + "region/410100"), RDFS_LABEL, Literal("郑州市", lang="zh")) in _graph(ttl.data, "turtle")
        assert client.get("/prefixes.json").get_json()["hgd"] == other
        page = client.get("/").get_data(as_text=True)
        config = page_config(page)
        # every data IRI of the examples (the hgd: declaration, or an IRI written in full) moves to the base
        texts = [e["sparql"] for e in config["examples"]]
        assert all("<http://example.org/kg/id/" in s and "<https://w3id.org/henan-gov/id/" not in s for s in texts)
        assert any("PREFIX hgd: <http://example.org/kg/id/>" in s for s in texts)
        assert any("<http://example.org/kg/id/doc/henan/yuzheng/2026/4/task/117>" in s for s in texts)  # gallery 23
        assert not any("w3id.org/henan-gov/id/" in e["sparql"] for e in config["examples"])
    finally:
        application.extensions["henan_kg.executor"].close()


# The real build --------------------------------------------------------------------------


def _sample_of_every_kind(iris: set[str], base: str) -> list[str]:
    """The first and last IRI of each path shape (numbers as N, the last segment as *)."""
    kinds: dict[str, list[str]] = {}
    for iri in sorted(iris):
        path = iri[len(base) :]
        kinds.setdefault(re.sub(r"[^/]+$", "*", re.sub(r"\d+", "N", path)), []).append(iri)
    return sorted({iri for members in kinds.values() for iri in (members[0], members[-1])})


def test_every_kind_of_data_iri_dereferences_in_the_real_build(release: Any) -> None:
    application = make_app(release.path)
    try:
        client = application.test_client()
        store = application.extensions["henan_kg"].store
        iris = {
            term.value
            for quad in store.quads_for_pattern(None, None, None, None)
            for term in (quad.subject, quad.object, quad.graph_name)
            if isinstance(term, ox.NamedNode) and term.value.startswith(BASE)
        }
        subjects = {q.subject.value for q in store.quads_for_pattern(None, None, None, None)}
        sample = _sample_of_every_kind(iris, BASE)
        assert len(sample) > 40
        for iri in sample:
            path = "/id/" + iri[len(BASE) :]
            html = client.get(path, headers={"Accept": "text/html"})
            assert html.status_code == 200 and iri in html.get_data(as_text=True), iri
            ttl = client.get(path, headers={"Accept": "text/turtle"})
            assert ttl.status_code == 200, iri
            if iri in subjects:
                assert list(_graph(ttl.data, "turtle").triples((URIRef(iri), None, None))), iri
    finally:
        application.extensions["henan_kg.executor"].close()


NOTICE_TEXT = DATA_ROOT / "sources" / "henan-2026-key-tasks-notice.txt"
ONTOLOGY_TTL = Path(__file__).resolve().parents[1] / "ontology" / "henan-gov.ttl"


def _clauses(text: str) -> dict[int, str]:
    """Each numbered task of the notice and its responsibility bracket (full- or half-width), read
    from the source text: a task starts a line with ``N.`` and may run over several lines."""
    found: dict[int, str] = {}
    for task in re.split(r"^(?=\d+\.)", text, flags=re.M):
        number = re.match(r"(\d+)\.", task)
        clause = re.search(r"[（(]([^（()）]*负责)[）)]", re.sub(r"\s+", "", task))
        if number and clause:
            found[int(number.group(1))] = clause.group(1)
    return found


def _rows(html: str, section: str) -> list[list[str]]:
    """The text of each cell of each body row of the table in the page's ``section``."""
    table = html.split(f"<h2>{section}</h2>")[1].split("</table>")[0]
    return [
        [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    ]


@pytest.fixture(scope="module")
def henan_server(published: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """gunicorn over a real build of the Henan documents."""
    log = tmp_path_factory.mktemp("logs") / "gunicorn.log"
    with gunicorn_server(published / "current", log, workers=1) as server:
        yield server.url


def test_task_page_reads_its_responsibilities_in_clause_order(henan_server: str) -> None:
    clause = "省卫生健康委牵头，省发展改革委、财政厅、疾控局按职责分工负责"  # task 117 of the notice
    assert _clauses(NOTICE_TEXT.read_text(encoding="utf-8"))[117] == clause
    url = f"{henan_server}/id/doc/henan/yuzheng/2026/4/task/117"
    html = requests.get(url, headers={"Accept": "text/html"}, timeout=30).text
    rows = _rows(html, "Responsibilities")
    assert [r[0] for r in rows] == ["task 117"] * 4
    assert [r[1].split(" #")[0] for r in rows] == ["lead", "co-responsible", "co-responsible", "co-responsible"]
    written = [r[3] for r in rows]  # as written in the clause (a unit inherits the 省 of the first)
    for unit, expected in zip(written, ("省卫生健康委", "省发展改革委", "财政厅", "疾控局"), strict=True):
        assert unit.endswith(expected), (unit, expected)
    # the hgv:responsibility values read as sentences in clause order, not as node IRIs
    sentences = re.findall(r">(task 117 — [^<]+)</a>", html.split("<h2>Properties</h2>")[1])
    assert [s.split(":")[0] for s in sentences[:4]] == ["task 117 — lead"] + ["task 117 — co-responsible"] * 3
    assert sentences[0].split(": ")[1] == rows[0][2] and sentences[1].split(": ")[1] == rows[1][2]
    assert not re.search(r">hgd:doc/henan/yuzheng/2026/4/task/117/unit/\d+<", html)


def test_properties_show_the_ontology_labels(henan_server: str) -> None:
    ontology = Graph().parse(ONTOLOGY_TTL)
    lead = {lit.language: str(lit) for lit in ontology.objects(URIRef(HGV + "leadUnit"), RDFS_LABEL)}
    url = f"{henan_server}/id/doc/henan/yuzheng/2026/4/task/117"
    html = requests.get(url, headers={"Accept": "text/html"}, timeout=30).text
    row = re.search(r'<th scope="row"><a href="/def#leadUnit"[^>]*>([^<]+)</a> <small class="curie">([^<]+)<', html)
    assert row is not None and row.group(1) == f"{lead['zh']} · {lead['en']}" and row.group(2) == "hgv:leadUnit"
    # a property the graph gives no label keeps its prefixed name
    prov = "http://www.w3.org/ns/prov#wasDerivedFrom"
    assert re.search(rf'<th scope="row"><a href="{prov}"[^>]*>prov:wasDerivedFrom</a>', html)


def test_agency_page_lists_its_tasks_by_number(henan_server: str) -> None:
    clauses = _clauses(NOTICE_TEXT.read_text(encoding="utf-8"))
    leads = sorted(n for n, c in clauses.items() if c.startswith("省卫生健康委牵头"))
    named = sorted(n for n, c in clauses.items() if "卫生健康委" in c)
    assert leads == [116, 117, 118, 119, 120] and 15 in named  # lexically, 116 would come before 15
    url = f"{henan_server}/id/agency/henan/health-commission"
    rows = _rows(requests.get(url, headers={"Accept": "text/html"}, timeout=30).text, "Responsibilities")
    numbers = [int(r[0].removeprefix("task ")) for r in rows]
    assert numbers == named
    assert [n for n, r in zip(numbers, rows, strict=True) if r[1].startswith("lead")] == leads


@pytest.mark.parametrize("path", ["/id/doc/henan/yuzheng/2026/4/task/999", "/no/such/page", "/examples/99-none.rq"])
def test_404_for_a_browser_is_a_site_page(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": BROWSER_ACCEPT})
    text = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert site_page(text) and "<h1>404 Not found</h1>" in text


def test_404_for_other_clients_stays_plain_text(client: FlaskClient) -> None:
    for accept in (None, "*/*", "text/plain, text/html;q=0.5"):
        response = client.get("/id/doc/henan/yuzheng/2026/4/task/999", headers={"Accept": accept} if accept else {})
        assert response.status_code == 404 and response.mimetype == "text/plain"
        assert response.get_data(as_text=True).startswith("404 Not Found: No resource <")


NOTICE_META = DATA_ROOT / "sources" / "henan-2026-key-tasks-notice.toml"


def _row(html_text: str, section_iri: str, curie: str) -> tuple[str, str] | None:
    """The property cell and the value text of the row ``curie`` in the section about ``section_iri``."""
    section = html_text.split(f'<code class="iri">{section_iri}</code>')[1].split("</section>")[0]
    for head, cell in re.findall(r'<th scope="row">(.*?)</th>\s*<td>(.*?)</td>', section, re.S):
        if re.search(rf">{re.escape(curie)}<", head):
            return head, unescape(re.sub(r"<[^>]+>", "", cell)).strip()
    return None


def test_void_page_names_linked_resources_by_their_labels(henan_server: str) -> None:
    """The VoID page shows a linked resource by the labels the graph gives it, as a resource page
    does (zh · en), and a property the graph gives no label by its prefixed name alone."""
    meta = tomllib.loads(NOTICE_META.read_text(encoding="utf-8"))
    page = requests.get(f"{henan_server}/.well-known/void", headers={"Accept": "text/html"}, timeout=30).text
    row = _row(page, BASE + "graph/doc/henan/yuzheng/2026/4", "dcterms:source")
    assert row is not None
    head, value = row
    assert value == f"{meta['title_zh']} · {meta['title_en']}"
    assert 'class="curie"' not in head  # dcterms:source: no label in the graph, so no name beside one


ANNOTATED_ONTOLOGY = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix hgv: <https://w3id.org/henan-gov/def#> .
<https://w3id.org/henan-gov/def> a owl:Ontology ; rdfs:label "Henan government documents ontology"@en .
hgv:sourceNote a owl:AnnotationProperty ; rdfs:label "来源说明"@zh, "source note"@en .
hgv:Task a owl:Class ; rdfs:label "任务"@zh, "task"@en ; hgv:sourceNote "from the notice" .
hgv:leadUnit a owl:ObjectProperty ; rdfs:domain hgv:Task .
"""


def test_ontology_page_without_its_html_shows_property_labels(tmp_path: Path) -> None:
    """Without ontology.html, /def lists the ontology's triples; a property the file labels reads
    as on a resource page (zh · en, prefixed name beside), and a value by its label."""
    release = write_release(tmp_path / "release")
    (release / "ontology.html").unlink()
    (release / "ontology.ttl").write_text(ANNOTATED_ONTOLOGY, encoding="utf-8")
    with gunicorn_server(release, tmp_path / "gunicorn.log", workers=1, THREADS=1) as server:
        page = requests.get(f"{server.url}/def", headers={"Accept": "text/html"}, timeout=30).text
    annotated = _row(page, HGV + "Task", "来源说明 · source note")
    assert annotated is not None and annotated[1] == "from the notice"
    assert '<small class="curie">hgv:sourceNote</small>' in annotated[0]
    domain = _row(page, HGV + "leadUnit", "rdfs:domain")
    assert domain is not None and domain[1] == "任务 · task"
