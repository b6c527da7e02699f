"""The published graph as the endpoint sees it: one release, its manifest, and a pyoxigraph store.

The app keeps one :class:`KnowledgeGraph` in ``app.extensions["henan_kg"]``. Interface for other
blueprints (pages, ontology and VoID serving):

``kg.release_dir`` (:class:`~pathlib.Path`)
    The release directory, symlinks resolved at start-up: a worker keeps serving the release it
    opened even when ``kg/build/current`` is swapped (restart or ``kill -HUP`` gunicorn to move on).
    Files such as ``ontology.ttl``, ``void.ttl`` and the dumps are read from here.
``kg.manifest`` (dict), ``kg.checksum`` (str), ``kg.triples`` (int), ``kg.base`` (str), ``kg.graphs`` (dict)
    The release's ``manifest.json`` and its main fields; ``graphs`` maps each named graph IRI to its size.
``kg.query(sparql, bindings=None)``
    For *trusted* queries written in this code base: runs in-process on the worker's store, with no
    time limit, size cap or SERVICE check, so never pass user text. The default graph is the union
    of the named graphs, as on ``/sparql``. ``bindings`` maps variable names to values that are
    substituted before evaluation (an IRI string becomes a NamedNode, any pyoxigraph term is used
    as is), which is the safe way to ask about one resource. Returns pyoxigraph's result object:
    ``QuerySolutions`` (iterate rows, ``row["var"]``), ``QueryBoolean`` (``bool(...)``) or
    ``QueryTriples`` (iterate triples). Raises ``SyntaxError`` for a bad query.

Stores: ``memory`` (default) loads ``henan-kg.nq`` into an in-memory store and materialises the
union of the named graphs as the store's default graph, so that FROM, ``default-graph-uri`` and the
union default graph all behave as SPARQL says (each triple once). It also keeps a second in-memory
store, ``default_store``, holding that default graph alone, because Oxigraph's in-memory store
matches default-graph patterns markedly slower when every triple is also stored in a named graph
(on the release of 2026-12-07 the gallery's heaviest queries take 35-40 % less CPU on the store of
the default graph alone: 19-five-year-growth-goals 44 → 28 ms). Queries that cannot see a named
graph (no GRAPH or FROM keyword, no dataset in the request) run there, in the engines
(:mod:`endpoint.executor`) and in :meth:`KnowledgeGraph.query` alike.
``disk`` opens the release's ``store/`` read-only and asks pyoxigraph for the union default graph
instead (there a triple stated in two named graphs is seen twice, and a query's FROM is detected
by :mod:`endpoint.screen` so that it still narrows the default graph).
"""

from __future__ import annotations

import tempfile
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from endpoint.screen import may_read_named_graphs
from release.layout import NQUADS, STORE_DIR, ReleaseError, read_manifest
from release.pins import pin

MEMORY = "memory"
DISK = "disk"

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


@dataclass
class KnowledgeGraph:
    """One opened release. Build it with :meth:`open`."""

    release_dir: Path
    manifest: dict[str, Any]
    store: ox.Store
    mode: str
    default_store: ox.Store | None = None  # memory mode: the default graph alone (see the module docstring)
    _extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, release_dir: str | Path, mode: str = MEMORY) -> KnowledgeGraph:
        """Open the release at ``release_dir`` (a symlink is resolved once, here)."""
        path = Path(release_dir).resolve()
        checked = read_manifest(path)
        manifest: dict[str, Any] = dict(checked)
        default_store = None
        if mode == MEMORY:
            store = load_in_memory(path / NQUADS, checked.get("quads"))
            default_store = default_graph_alone(store)
        elif mode == DISK:
            if not (path / STORE_DIR).is_dir():
                raise ReleaseError(f"{path}: no {STORE_DIR}/ directory for STORE_MODE=disk")
            store = ox.Store.read_only(str(path / STORE_DIR))
        else:
            raise ReleaseError(f"STORE_MODE must be {MEMORY!r} or {DISK!r}, not {mode!r}")
        kg = cls(path, manifest, store, mode, default_store)
        pinned = kg._extra["pin"] = pin(path)  # the build will not prune this release while we serve it
        if pinned is not None:  # unpinned when the graph goes, not by the file's finaliser (a ResourceWarning)
            weakref.finalize(kg, pinned.close)
        return kg

    @property
    def checksum(self) -> str:
        return str(self.manifest["checksum"])

    @property
    def triples(self) -> int:
        return int(self.manifest.get("triples", 0))

    @property
    def base(self) -> str:
        return str(self.manifest.get("base", ""))

    @property
    def graphs(self) -> dict[str, int]:
        return dict(self.manifest.get("graphs", {}))

    @property
    def union_flag(self) -> bool:
        """Whether queries must ask pyoxigraph for the union default graph (disk mode only)."""
        return self.mode == DISK

    def open_store(self) -> ox.Store:
        """The store for an engine process: the inherited in-memory one, or a fresh read-only handle."""
        if self.mode == MEMORY:
            return self.store
        return ox.Store.read_only(str(self.release_dir / STORE_DIR))

    def open_default_store(self) -> ox.Store | None:
        """The store of the default graph alone for an engine process (memory mode), else None."""
        return self.default_store

    def query(self, sparql: str, bindings: Mapping[str, object] | None = None) -> QueryResult:
        """Run a trusted query in-process (see the module docstring), on the store of the default
        graph alone when there is one and the query cannot see a named graph (as /sparql does)."""
        substitutions = None
        if bindings:
            substitutions = {ox.Variable(name): _term(value) for name, value in bindings.items()}
        if self.default_store is not None and not may_read_named_graphs(sparql):
            return self.default_store.query(sparql, substitutions=substitutions)
        return self.store.query(sparql, use_default_graph_as_union=self.union_flag, substitutions=substitutions)


def _term(value: object) -> Any:
    if isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple)):
        return value
    if isinstance(value, str):
        return ox.NamedNode(value)
    raise TypeError(f"cannot bind {value!r}: give an IRI string or a pyoxigraph term")


def load_in_memory(nquads: Path, expected_quads: int | None) -> ox.Store:
    """Load the N-Quads dump; a quad count differing from the manifest's means a torn release.

    (The manifest's checksum is the build's content checksum, computed before the dataset graph
    that records it is added, so it cannot be recomputed from the dump alone.)
    """
    store = ox.Store()
    try:
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    except (OSError, SyntaxError) as exc:
        raise ReleaseError(f"{nquads}: cannot be loaded: {exc}") from exc
    if expected_quads is not None and len(store) != expected_quads:
        raise ReleaseError(f"{nquads}: {len(store)} quads, but the manifest says {expected_quads}")
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return store


def default_graph_alone(store: ox.Store) -> ox.Store:
    """A new in-memory store holding ``store``'s default graph only (its blank nodes get new
    labels, which only this store's answers show). The graph goes through a temporary file, not
    a bytes object: the worker's heap would keep the peak (about 25 MB more per worker here)."""
    alone = ox.Store()
    with tempfile.TemporaryFile() as dump:
        store.dump(dump, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        dump.seek(0)
        alone.bulk_load(dump, format=ox.RdfFormat.N_TRIPLES)
    return alone
