"""The example queries of the query page, run over HTTP against the real build.

Each ``examples/queries/NN-name.rq`` has ``NN-name.expected.json``, written from reading the
source documents (and, for English names and Wikidata items, the gazetteer tables); its
``source`` field says where each number comes from. Expected files say how to compare:

``match``  ``exact`` (same rows, any order), ``ordered`` (same rows, same order) or ``contains``
``compare``  the variables compared (default: the keys of the expected rows)
``rows``  rows of values: numbers compare as decimals, ``hgd:`` / ``hgv:`` expand to IRIs
``first``  the row the answer must start with
``text_contains`` / ``text_absent``  per variable, words that some row / no row contains

A query whose header says ``# requires: doc/henan/work-report/2024`` is an expected failure while that document
is not in the graph (its mapping has not landed), and is checked as soon as it is.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import requests

from conftest import Server, thread_server
from endpoint.gallery import GALLERY_DIR, Example, load_gallery, parse_example
from mappings.iris import DEFAULT_BASE, HGV

EXAMPLES = load_gallery()
NUMERIC = {"integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger", "positiveInteger"}


def expected_for(example: Example) -> dict[str, Any]:
    return json.loads((GALLERY_DIR / f"{example.name}.expected.json").read_text(encoding="utf-8"))


def _number(text: str) -> Decimal | str:
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def from_result(term: dict[str, str] | None) -> Any:
    """A SPARQL JSON term as a comparable value: IRI string, Decimal for numbers, else text."""
    if term is None:
        return None
    datatype = term.get("datatype", "")
    if datatype.startswith("http://www.w3.org/2001/XMLSchema#") and datatype.split("#")[1] in NUMERIC:
        return _number(term["value"])
    return term["value"]


def from_expected(value: Any) -> Any:
    """An expected value in the same form: numbers as Decimal, ``hgd:``/``hgv:`` as IRIs."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if value.startswith("hgd:"):
        return DEFAULT_BASE + value[4:]
    if value.startswith("hgv:"):
        return str(HGV) + value[4:]
    return value


def project(rows: list[dict[str, Any]], keys: list[str]) -> list[tuple[Any, ...]]:
    return [tuple(row.get(k) for k in keys) for row in rows]


@pytest.fixture(scope="module")
def kg_server(release: Any) -> Iterator[Server]:
    """The endpoint over the real build, on a real port."""
    with thread_server(RELEASE_DIR=str(release.path), THREADS=2, ACCESS_LOG=False, QUERY_TIMEOUT_S=30) as server:
        yield server


def run(server: Server, sparql: str) -> list[dict[str, Any]]:
    response = requests.post(server.sparql, data={"query": sparql, "format": "json"}, timeout=60)
    assert response.status_code == 200, response.text
    return [{k: from_result(v) for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def has_document(server: Server, slug: str) -> bool:
    """Whether the document's mapping has run: some part of it is in the graph, not only its metadata."""
    query = f"ASK {{ ?part <{HGV}inDocument> <{DEFAULT_BASE}{slug}> }}"
    response = requests.get(
        server.sparql, params={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=30
    )
    return bool(response.json()["boolean"])


def test_gallery_has_ten_documented_examples_with_answers() -> None:
    assert len(EXAMPLES) >= 10
    for example in EXAMPLES:
        assert example.description.endswith(".") and example.description.count(". ") == 0, example.name
        expected = expected_for(example)
        assert expected["match"] in ("exact", "ordered", "contains") and expected["source"], example.name


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_is_valid_sparql_with_project_prefixes(example: Example) -> None:
    assert "PREFIX hgv: <https://w3id.org/henan-gov/def#>" in example.sparql
    list(ox.Store().query(example.sparql))  # parses and runs on an empty store


def test_header_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "01-no-title.rq"
    bad.write_text("# description: something.\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(ValueError, match="01-no-title.rq.*title"):
        parse_example(bad)
    with pytest.raises(ValueError, match="NN-lowercase"):
        parse_example(tmp_path / "Query.rq")


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_answers_as_the_sources_say(kg_server: Server, example: Example) -> None:
    for slug in example.requires:
        if not has_document(kg_server, slug):
            pytest.xfail(f"needs <{DEFAULT_BASE}{slug}>, whose mapping is not in the graph yet")
    expected = expected_for(example)
    actual = run(kg_server, example.sparql)
    want_rows = [{k: from_expected(v) for k, v in row.items()} for row in expected["rows"]]
    keys = expected.get("compare") or sorted({k for row in want_rows for k in row})
    got, want = project(actual, keys), project(want_rows, keys)
    if expected["match"] == "ordered":
        assert got == want
    elif expected["match"] == "exact":
        assert Counter(got) == Counter(want)
    else:
        missing = [row for row in want if row not in got]
        assert not missing, f"missing rows {missing}"
    if "first" in expected:
        first = {k: from_expected(v) for k, v in expected["first"].items()}
        assert actual and all(actual[0].get(k) == v for k, v in first.items()), actual[:1]
    for var, words in expected.get("text_contains", {}).items():
        texts = [str(row.get(var) or "") for row in actual]
        assert not [w for w in words if not any(w in t for t in texts)], texts
    for var, words in expected.get("text_absent", {}).items():
        texts = [str(row.get(var) or "") for row in actual]
        assert not [w for w in words if any(w in t for t in texts)], texts
