"""The Data Cube integrity checks (``shapes/cube/``) pass on the published graph, and each one
fails on a copy broken the way it guards against."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store

from kg import build as b
from shapes.cube import cube_violations, integrity_checks

QB = "http://purl.org/linked-data/cube#"
HGV = "https://w3id.org/henan-gov/def#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def test_the_published_cube_is_well_formed(release: b.Release) -> None:
    store = Store.read_only(str(release.path / "store"))
    assert cube_violations(store) == {}
    observations = store.query(
        f"SELECT (COUNT(?o) AS ?n) WHERE {{ ?o a <{QB}Observation> ; <{QB}dataSet> ?d }}",
        use_default_graph_as_union=True,
    )
    assert int(next(observations)["n"].value) > 100  # the checks ran on real observations


@pytest.fixture(scope="module")
def nquads(release: b.Release) -> bytes:
    return (release.path / "henan-kg.nq").read_bytes()


def copy_of(nquads: bytes) -> Store:
    store = Store()
    store.bulk_load(nquads, format=RdfFormat.N_QUADS)
    return store


def one(store: Store, query: str) -> NamedNode:
    return next(
        store.query("PREFIX qb: <" + QB + "> PREFIX hgv: <" + HGV + "> " + query, use_default_graph_as_union=True)
    )[0]


def first_observation(store: Store) -> NamedNode:
    return one(store, "SELECT ?o WHERE { ?o a qb:Observation ; hgv:unit ?u } ORDER BY ?o LIMIT 1")


def duplicate(store: Store) -> None:
    """A second observation with the first one's triples: every dimension the same."""
    obs = first_observation(store)
    twin = NamedNode(obs.value + "-twin")
    for q in list(store.quads_for_pattern(obs, None, None, None)):
        store.add(Quad(twin, q.predicate, q.object, q.graph_name))


def drop(predicate: str) -> Callable[[Store], None]:
    def breaker(store: Store) -> None:
        obs = first_observation(store)
        for q in list(store.quads_for_pattern(obs, NamedNode(predicate), None, None)):
            store.remove(q)

    return breaker


def second_dataset(store: Store) -> None:
    obs = first_observation(store)
    g = next(store.quads_for_pattern(obs, None, None, None)).graph_name
    store.add(Quad(obs, NamedNode(QB + "dataSet"), NamedNode("https://example.org/other-cube"), g))


def outside_code_list(store: Store) -> None:
    obs = first_observation(store)
    for q in list(store.quads_for_pattern(obs, NamedNode(HGV + "comparator"), None, None)):
        store.remove(q)
        store.add(Quad(obs, q.predicate, NamedNode(HGV + "NoSuchComparator"), q.graph_name))


def rangeless_dimension(store: Store) -> None:
    for q in list(
        store.quads_for_pattern(
            NamedNode(HGV + "periodStart"), NamedNode("http://www.w3.org/2000/01/rdf-schema#range"), None, None
        )
    ):
        store.remove(q)


def structure_without_measure(store: Store) -> None:
    for q in list(store.quads_for_pattern(NamedNode(HGV + "ValueComponent"), NamedNode(QB + "measure"), None, None)):
        store.remove(q)


def unknown_dimension(store: Store) -> None:
    dsd = NamedNode(HGV + "QuantitativeStatementStructure")
    g = next(store.quads_for_pattern(dsd, None, None, None)).graph_name
    spec = NamedNode(HGV + "ExtraComponent")
    store.add(Quad(dsd, NamedNode(QB + "component"), spec, g))
    store.add(Quad(spec, NamedNode(QB + "dimension"), NamedNode(HGV + "unitText"), g))


def optional_dimension(store: Store) -> None:
    g = next(store.quads_for_pattern(NamedNode(HGV + "IndicatorComponent"), None, None, None)).graph_name
    store.add(Quad(NamedNode(HGV + "IndicatorComponent"), NamedNode(QB + "componentRequired"), Literal(False), g))


def dataset_without_structure(store: Store) -> None:
    for q in list(store.quads_for_pattern(None, NamedNode(QB + "structure"), None, None)):
        store.remove(q)


def no_code_list(store: Store) -> None:
    for q in list(store.quads_for_pattern(NamedNode(HGV + "comparator"), NamedNode(QB + "codeList"), None, None)):
        store.remove(q)


def stray_slice_key(store: Store) -> None:
    g = next(store.quads_for_pattern(NamedNode(HGV + "IndicatorComponent"), None, None, None)).graph_name
    store.add(Quad(NamedNode(HGV + "StraySliceKey"), RDF_TYPE, NamedNode(QB + "SliceKey"), g))


BREAKS = [
    ("ic-01-unique-dataset", second_dataset),
    ("ic-02-unique-dsd", dataset_without_structure),
    ("ic-03-dsd-has-measure", structure_without_measure),
    ("ic-04-dimension-range", rangeless_dimension),
    ("ic-05-concept-code-list", no_code_list),
    ("ic-06-optional-attributes-only", optional_dimension),
    ("ic-07-slice-keys", stray_slice_key),
    ("ic-11-all-dimensions", drop(HGV + "periodStart")),
    ("ic-12-no-duplicates", duplicate),
    ("ic-12-structure-is-known", unknown_dimension),
    ("ic-13-required-attributes", drop(HGV + "unit")),
    ("ic-14-all-measures", drop(HGV + "value")),
    ("ic-19-codes-from-code-list", outside_code_list),
]


@pytest.mark.parametrize(("check", "break_it"), BREAKS)
def test_each_check_catches_what_it_guards_against(nquads: bytes, check: str, break_it) -> None:
    store = copy_of(nquads)
    break_it(store)
    assert check in cube_violations(store)


def test_every_check_has_a_breaking_case() -> None:
    assert set(integrity_checks()) == {name for name, _ in BREAKS}
