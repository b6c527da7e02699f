"""Run one SPARQL query on a published on-disk store, opened read-only."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store

RESULT_FORMATS = {
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
}
GRAPH_FORMATS = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES}


class QueryError(ValueError):
    """The query does not parse or cannot be answered in the asked format."""


def run_query(store_path: Path, sparql: str, fmt: str = "tsv") -> bytes:
    """Evaluate ``sparql`` over the union of the named graphs and serialise the result."""
    try:
        store = Store.read_only(str(store_path))
    except OSError as e:
        raise QueryError(f"cannot open the store at {store_path}: {e}") from e
    try:
        result = store.query(sparql, use_default_graph_as_union=True)
    except SyntaxError as e:
        raise QueryError(f"query does not parse: {e}") from e
    if isinstance(result, (QuerySolutions, QueryBoolean)):
        if fmt not in RESULT_FORMATS:
            raise QueryError(f"a SELECT or ASK result cannot be written as {fmt}; use csv, tsv, json or xml")
        out = result.serialize(format=RESULT_FORMATS[fmt])
    else:
        if fmt not in GRAPH_FORMATS:
            raise QueryError(f"a CONSTRUCT or DESCRIBE result cannot be written as {fmt}; use turtle or ntriples")
        out = result.serialize(format=GRAPH_FORMATS[fmt])
    assert out is not None  # serialize() without an output returns the bytes
    return out
