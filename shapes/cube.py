"""The Data Cube integrity checks (``shapes/cube/ic-*.rq``) run on a store: each query selects what
breaks one constraint, so a well-formed cube gives no rows."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import QuerySolutions, Store

from release.files import CUBE_CHECKS

CHECKS = CUBE_CHECKS


def integrity_checks(directory: Path = CHECKS) -> dict[str, str]:
    """Each check's name (``ic-12-no-duplicates``) and query, in order."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(directory.glob("ic-*.rq"))}


def cube_violations(store: Store, limit: int = 5) -> dict[str, list[str]]:
    """The checks that fail on ``store`` (its default graph the union of its named graphs), with
    up to ``limit`` offending rows each, written as the query's variables; {} for a sound cube."""
    out: dict[str, list[str]] = {}
    for name, query in integrity_checks().items():
        rows = store.query(query, use_default_graph_as_union=True)
        assert isinstance(rows, QuerySolutions), name
        found = [" ".join(str(term) for term in row if term is not None) for _, row in zip(range(limit), rows)]
        if found:
            out[name] = found
    return out
