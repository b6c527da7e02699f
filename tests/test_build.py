"""The build publishes a complete, deterministic release, or nothing at all."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pyoxigraph import Store
from rdflib import Graph

from conftest import copy_henan_sources, henan_sources
from endpoint.redirects import moved
from kg import build as b
from mappings.source import SourceError

DUMPS = [
    "henan-kg.nq",
    "henan-kg.nt",
    "henan-kg.ttl",
    "henan-kg.nq.gz",
    "henan-kg.nt.gz",
    "henan-kg.ttl.gz",
    "void.ttl",
    "manifest.json",
]
ROOT = Path(__file__).resolve().parent.parent


def snapshot(build_dir: Path) -> dict[str, bytes]:
    """The published release as bytes, to prove a failed build changed nothing."""
    rel = b.current_release(build_dir)
    assert rel is not None
    out = {"current": os.readlink(build_dir / "current").encode()}
    out.update({name: (rel / name).read_bytes() for name in DUMPS})
    return out


def ask(store: Store, query: str):
    return store.query(query, use_default_graph_as_union=True)


def test_release_layout(release: b.Release) -> None:
    manifest = json.loads((release.path / "manifest.json").read_text())
    assert manifest["checksum"] == release.checksum and len(release.checksum) == 64
    assert manifest["quads"] == len((release.path / "henan-kg.nq").read_text().splitlines())
    for name in DUMPS + ["ontology.ttl", "ontology.html"]:
        assert (release.path / name).stat().st_size > 0, name
    store = Store.read_only(str(release.path / "store"))
    assert len(store) == manifest["quads"]


def test_store_holds_documents_ontology_regions_agencies(release: b.Release) -> None:
    store = Store.read_only(str(release.path / "store"))
    prefix = "PREFIX hgv: <https://w3id.org/henan-gov/def#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    numbers = {s["n"].value for s in ask(store, prefix + "SELECT ?n WHERE { ?d hgv:documentNumber ?n }")}
    assert numbers == {"豫政〔2026〕4号"}
    assert ask(store, prefix + "ASK { ?d a hgv:GovernmentWorkReport ; hgv:speaker ?p }")
    assert ask(
        store,
        prefix + "ASK { GRAPH <https://w3id.org/henan-gov/id/graph/ontology> "
        "{ hgv:Task a <http://www.w3.org/2002/07/owl#Class> } }",
    )
    same_as = "<http://www.w3.org/2002/07/owl#sameAs>"
    zz = list(ask(store, prefix + f"SELECT ?w WHERE {{ ?r hgv:adminCode '410100' ; {same_as} ?w }}"))
    assert [s["w"].value for s in zz] == ["http://www.wikidata.org/entity/Q30340"]
    henan = "<https://w3id.org/henan-gov/id/region/410000>"
    cities = list(
        ask(
            store,
            prefix + "SELECT (COUNT(?g) AS ?n) WHERE { ?g a hgv:MunicipalGovernment ; "
            f"hgv:governs ?r ; hgv:jurisdiction {henan} }}",
        )
    )
    assert int(cities[0]["n"].value) == 17  # Henan's 17 prefecture-level cities (not Tongchuan, in Shaanxi)


def test_two_builds_are_byte_identical(release: b.Release, tmp_path: Path) -> None:
    again = b.build(tmp_path / "again")
    for name in DUMPS:
        assert (again.path / name).read_bytes() == (release.path / name).read_bytes(), name


def test_unknown_agency_fails_and_keeps_last_release(published: Path, tmp_path: Path) -> None:
    sources = copy_henan_sources(tmp_path / "sources")
    notice = sources / "henan-2026-key-tasks-notice.txt"
    text = notice.read_text(encoding="utf-8")
    bad = "75. 深化零基预算改革，完善绩效管理全链条机制。（省财政厅牵头负责）"
    assert bad in text
    notice.write_text(text.replace(bad, bad.replace("财政厅", "虚构厅")), encoding="utf-8")
    before = snapshot(published)
    with pytest.raises(SourceError) as err:
        b.build(published, sources_dir=sources)
    assert "虚构厅" in str(err.value) and "75" in str(err.value)
    assert snapshot(published) == before


def test_shape_violation_is_not_published(published: Path) -> None:
    class Failed:
        conforms = False
        violations = 1
        warnings = 0

        def summary(self) -> str:
            return "1 violation"

    before = snapshot(published)
    with pytest.raises(b.ValidationFailed):
        b.build(published, sources_dir=henan_sources(), validate=lambda _store, _base: Failed())
    assert snapshot(published) == before


KILLED_BUILD = """
import sys, time, pyoxigraph
from pathlib import Path
import kg.build as b
def stuck(self, *a, **k):
    Path(sys.argv[2]).write_text("loading")
    time.sleep(600)
pyoxigraph.Store.bulk_load = stuck
b.build(Path(sys.argv[1]), sources_dir=Path(sys.argv[3]))
"""


def test_killed_build_leaves_last_release_and_next_build_cleans_up(published: Path, tmp_path: Path) -> None:
    before = snapshot(published)
    flag = tmp_path / "loading"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_BUILD, str(published), str(flag), str(henan_sources())], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 300
        while not flag.exists():
            assert proc.poll() is None, "the build ended before it reached the store"
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert list(published.glob(".staging-*")), "the killed build was writing aside"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert snapshot(published) == before
    b.build(published, sources_dir=henan_sources())
    assert not list(published.glob(".staging-*"))
    assert snapshot(published)["henan-kg.nq"] == before["henan-kg.nq"]


SERVE_RELEASE = """
import sys, time
from endpoint.graph import KnowledgeGraph
kg = KnowledgeGraph.open(sys.argv[1], "disk")  # held while the process lives, like a worker
print("serving", flush=True)
time.sleep(600)
"""


def test_a_release_being_served_is_not_pruned(published: Path) -> None:
    served = b.current_release(published)
    with subprocess.Popen(
        [sys.executable, "-c", SERVE_RELEASE, str(served)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as proc:  # closes its stdout pipe, then waits
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "serving"
            for _ in range(b.KEEP_RELEASES + 1):
                b.build(published, sources_dir=henan_sources())
            assert (served / "henan-kg.nq").exists(), "pruned while a server used it"
        finally:
            proc.kill()
    b.build(published, sources_dir=henan_sources())
    assert not served.exists(), "pruned once no server used it"


def test_union_is_a_read_only_view_of_all_named_graphs(assembled: dict[b.URIRef, Graph]) -> None:
    graphs = assembled
    u = b.union(graphs)
    every = set().union(*(set(g) for g in graphs.values()))
    assert set(u) == every and len(u) == len(every)
    shared = [t for t in every if sum(t in g for g in graphs.values()) > 1]
    assert shared, "some triples (document nodes' types, say) are in more than one named graph"
    assert sum(1 for t in u if t == shared[0]) == 1  # a union answers a triple once
    with pytest.raises(TypeError, match="read-only"):
        u.add(shared[0])
    notice = next(g for name, g in graphs.items() if str(name).endswith("graph/doc/henan/yuzheng/2026/4"))
    assert len(notice) < len(u)  # each named graph still holds only its own triples


def test_union_refuses_other_stores_and_subsets(assembled: dict[b.URIRef, Graph]) -> None:
    with pytest.raises(ValueError, match="all the named graphs of one store"):
        b.union({b.URIRef("urn:a"): Graph(), b.URIRef("urn:b"): Graph()})
    graphs = assembled
    some = dict(list(graphs.items())[:2])
    with pytest.raises(ValueError, match="all the named graphs of one store"):
        b.union(some)  # a view of the whole store would hold more than these


def test_labels_follow_skos_and_agencies_are_organizations(release: b.Release) -> None:
    """SKOS S13 (an altLabel never equals the prefLabel of the same language), and every agency
    typed org:Organization in the data itself: the endpoint does no inference."""
    store = Store.read_only(str(release.path / "store"))
    prefix = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX org: <http://www.w3.org/ns/org#> "
        "PREFIX hgv: <https://w3id.org/henan-gov/def#> "
    )
    clash = prefix + "ASK { ?x skos:prefLabel ?l ; skos:altLabel ?l }"
    assert not store.query(clash, use_default_graph_as_union=True)
    agencies = prefix + (
        "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a/rdfs:subClassOf* hgv:Agency "
        "FILTER NOT EXISTS { ?a a org:Organization } }"
    )
    agencies = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " + agencies
    assert int(next(store.query(agencies, use_default_graph_as_union=True))["n"].value) == 0
    typed = agencies.replace("FILTER NOT EXISTS { ?a a org:Organization }", ". ?a a org:Organization")
    assert int(next(store.query(typed, use_default_graph_as_union=True))["n"].value) > 100
    # a short name that differs from the full name is a SKOS alternative label too
    dev = prefix + 'ASK { ?a hgv:shortName "省发展改革委"@zh ; skos:altLabel "省发展改革委"@zh }'
    assert store.query(dev, use_default_graph_as_union=True)


BUILT_IN = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2000/01/rdf-schema#comment",
    "http://www.w3.org/2002/07/owl#sameAs",
}


def test_every_term_the_data_uses_is_declared_in_the_ontology(release: b.Release) -> None:
    """OWL 2 DL needs every property and class typed: a reasoner skips assertions whose property
    is undeclared. Every predicate and class of the data graphs is declared in the ontology graph."""
    store = Store.read_only(str(release.path / "store"))
    onto = "<https://w3id.org/henan-gov/id/graph/ontology>"
    owl = "http://www.w3.org/2002/07/owl#"
    kinds = f"<{owl}ObjectProperty>, <{owl}DatatypeProperty>, <{owl}AnnotationProperty>"
    properties = f"""SELECT DISTINCT ?p WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != {onto})
        FILTER NOT EXISTS {{ GRAPH {onto} {{ ?p a ?k FILTER (?k IN ({kinds})) }} }} }}"""
    classes = f"""SELECT DISTINCT ?c WHERE {{ GRAPH ?g {{ ?s a ?c }} FILTER (?g != {onto})
        FILTER NOT EXISTS {{ GRAPH {onto} {{ ?c a <{owl}Class> }} }} }}"""
    assert {r["p"].value for r in store.query(properties)} - BUILT_IN == set()
    assert {r["c"].value for r in store.query(classes)} == set()


def test_every_data_iri_the_readmes_show_exists(release: b.Release) -> None:
    """An IRI a newcomer copies from README.md or ontology/README.md (written relative to the data
    base, as in `doc/henan/yuzheng/2026/4/task/17`) names a node of the published graph, or is an
    IRI of an earlier release that the release's redirect table moves to one."""
    texts = [(ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "ontology/README.md")]
    texts[0] = re.sub(r"## Adding a document.*?\n## ", "## ", texts[0], flags=re.S)  # slugs of documents to come
    heads = "doc|notice|report|agency|region|indicator|unit|project|cofog|scheme|dataset|graph|person|agency-kind"
    shown = {m for text in texts for m in re.findall(rf"`((?:{heads})/[^`{{}}\s]+)`", text)}
    store = Store.read_only(str(release.path / "store"))
    base = "https://w3id.org/henan-gov/id/"
    table = json.loads((release.path / "manifest.json").read_text(encoding="utf-8")).get("redirects", {})

    def exists(path: str) -> bool:
        return bool(
            store.query(
                f"ASK {{ {{ <{base}{path}> ?p ?o }} UNION {{ GRAPH <{base}{path}> {{ ?s ?p ?o }} }} }}",
                use_default_graph_as_union=True,
            )
        )

    missing = [iri for iri in sorted(shown) if not exists(moved(table, iri) or iri)]
    assert len(shown) > 15 and missing == []
    assert any(moved(table, iri) for iri in shown)  # the old IRIs the READMEs show, redirected


def test_the_default_build_has_the_recorded_checksum(release: b.Release) -> None:
    """The pinned stack (constraints.txt) and the sources give the graph recorded in
    ``tests/data/release-checksum.txt``: a dependency that changes the output, or a change nobody
    meant, shows here. A change to the graph that is meant updates the file in the same commit."""
    recorded = (ROOT / "tests" / "data" / "release-checksum.txt").read_text(encoding="utf-8").strip()
    assert release.checksum == recorded, (
        f"the default build's content checksum is {release.checksum}, not the recorded {recorded}: "
        "if the graph was meant to change, write the new checksum to tests/data/release-checksum.txt"
    )
