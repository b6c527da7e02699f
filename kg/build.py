"""The build: sources → mappings → named graphs → dumps → Oxigraph store → shapes → publish.

Its stages (:data:`STAGES`) are functions of their own, which :func:`build` runs in order:
map (:func:`assemble`), write (:func:`write_stage`), validate (:func:`validate_stage`) and publish
(:func:`publish`); ``build(stage=...)`` lets a caller time each one (``bench/scale.py`` does).
Validation comes after the store is written because it uses it: Oxigraph finds the nodes the
SPARQL constraints must look at (:mod:`shapes.candidates`), pyshacl checks them and the rest.

A release is a directory under ``kg/build/releases/``; ``kg/build/current`` is a symlink to the
published one. Everything is written aside first and the symlink is swapped with one atomic
``rename``, so a build that fails (bad source, unknown agency, shape violation, killed process)
leaves the last published release exactly as it was, and a reader resolving ``current`` sees
either the old or the new release, never a mix.
"""

from __future__ import annotations

import fcntl
import gc
import gzip
import hashlib
import heapq
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import RdfFormat, Store
from pyoxigraph import parse as ox_parse
from pyoxigraph import serialize as ox_serialize
from rdflib import Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.plugins.stores.memory import Memory
from rdflib.store import Store as RdfStore

from kg.dataset import dataset_graph, input_files, release_description
from mappings.document import add_eli_structure, document_graph
from mappings.iris import DEFAULT_BASE, PREFIXES, Iris
from mappings.reference import Reference, load_reference, reference_graph
from mappings.source import SourceDocument, SourceError, load_document, metadata_files
from mappings.writer import mapper_for, write_alignment
from release.files import BUILD_DIR, DATA_ROOT, ONTOLOGY_TTL, SOURCES_DIR
from release.layout import (
    DUMP_FILES,
    NQUADS,
    ONTOLOGY_FILE,
    ONTOLOGY_HTML,
    STORE_DIR,
    VOID_FILE,
    all_dumps,
    write_manifest,
)
from release.pins import in_use

KEEP_RELEASES = 3
STAGES = ("map", "write", "validate", "publish")  # in the order build() runs them


class ValidationFailed(Exception):
    """The assembled graph violates the shapes; it was not published."""

    def __init__(self, result) -> None:
        super().__init__(f"the graph violates the shapes ({result.violations} violations); nothing was published")
        self.result = result


def ontology_graph() -> Graph:
    """The ontology, its blank nodes (OWL lists, unions) relabelled canonically for stable dumps."""
    return to_canonical_graph(Graph().parse(ONTOLOGY_TTL, format="turtle"))


def assemble(
    sources_dir: Path = SOURCES_DIR,
    data_root: Path = DATA_ROOT,
    iris: Iris | None = None,
    allow_unresolved: bool = False,
) -> dict[URIRef, Graph]:
    """Every named graph of the knowledge graph except the dataset description, by graph IRI.

    All of them live in one rdflib store, so that :func:`union` is a view rather than a copy."""
    iris = iris or Iris(DEFAULT_BASE)
    ref = load_reference(data_root)
    store = Memory()
    graphs = in_one_store(shared_graphs(ref, iris), store)
    failures: list[str] = []
    docs: dict[str, SourceDocument] = {}
    for meta in metadata_files(sources_dir):
        try:
            doc = load_document(meta)
            graphs[iris.graph(doc.slug)] = map_document(doc, ref, iris, store, allow_unresolved)
            docs[doc.slug] = doc
        except SourceError as e:  # go on: one build reports every failing document
            failures.append(str(e))
    for doc in docs.values():
        try:
            align_document(doc, docs, graphs, ref, iris)
        except SourceError as e:
            failures.append(str(e))
    if failures:
        raise SourceError(f"{len(failures)} document(s) failed to map:\n" + "\n".join(f"- {f}" for f in failures))
    return graphs


def align_document(
    doc: SourceDocument, docs: dict[str, SourceDocument], graphs: dict[URIRef, Graph], ref: Reference, iris: Iris
) -> None:
    """A notice whose metadata names the report it assigns (``assigns``): its chapters, sections
    and tasks derived from that report's text, in the notice's graph; the report must be among the
    sources built."""
    slug = doc.meta.get("assigns")
    if not slug:
        return
    if slug not in docs:
        raise SourceError(
            f'{doc.meta_path}: assigns = "{slug}", which is not a document of this build '
            f"(known: {', '.join(sorted(docs))})"
        )
    write_alignment(graphs[iris.graph(doc.slug)], iris, ref, doc, docs[slug], graphs[iris.graph(slug)])


def shared_graphs(ref: Reference, iris: Iris) -> dict[URIRef, Graph]:
    """The ontology and reference graphs, which every document uses, by graph IRI."""
    return {iris.graph("ontology"): ontology_graph(), iris.graph("reference"): reference_graph(ref, iris)}


def in_one_store(graphs: dict[URIRef, Graph], store: RdfStore) -> dict[URIRef, Graph]:
    """Copies of ``graphs`` as named graphs of ``store`` (see :func:`union`)."""
    out: dict[URIRef, Graph] = {}
    for name, g in graphs.items():
        out[name] = Graph(store=store, identifier=name)
        out[name] += g
    return out


def map_document(
    doc: SourceDocument, ref: Reference, iris: Iris, store: RdfStore, allow_unresolved: bool = False
) -> Graph:
    """One document's named graph, as a named graph of ``store``."""
    g = mapper_for(doc, ref)(
        doc, ref, iris, allow_unresolved=allow_unresolved, graph=Graph(store=store, identifier=iris.graph(doc.slug))
    )
    g += document_graph(doc, ref, iris)
    add_eli_structure(g, iris.doc(doc.slug))
    return g


class _AllGraphs(RdfStore):
    """A read-only view of every named graph of an rdflib store at once: their union."""

    context_aware = graph_aware = True  # pyshacl wraps data graphs in a Dataset, which asks

    def __init__(self, inner: RdfStore) -> None:
        super().__init__()
        self.inner = inner

    def triples(self, triple_pattern, context=None):  # type: ignore[override]
        return self.inner.triples(triple_pattern, None)

    def __len__(self, context=None) -> int:  # type: ignore[override]
        return self.inner.__len__(None)

    def bind(self, prefix, namespace, override=True) -> None:  # type: ignore[override]
        self.inner.bind(prefix, namespace, override)

    def namespace(self, prefix):  # type: ignore[override]
        return self.inner.namespace(prefix)

    def prefix(self, namespace):  # type: ignore[override]
        return self.inner.prefix(namespace)

    def namespaces(self):  # type: ignore[override]
        return self.inner.namespaces()

    def add(self, triple, context, quoted=False) -> None:  # type: ignore[override]
        raise TypeError("the union of the named graphs is read-only; change one named graph instead")

    def addN(self, quads) -> None:  # type: ignore[override]  # noqa: N802 (rdflib's name)
        raise TypeError("the union of the named graphs is read-only; change one named graph instead")

    def remove(self, triple, context=None) -> None:  # type: ignore[override]
        raise TypeError("the union of the named graphs is read-only; change one named graph instead")


def union(graphs: dict[URIRef, Graph]) -> Graph:
    """All named graphs as one read-only rdflib graph (for validation), without copying them.

    Copying two million triples into a graph of their own cost as much as mapping them; the
    graphs of :func:`assemble` share a store, and this graph reads all of its named graphs.
    """
    stores = {id(g.store) for g in graphs.values()}
    store = next(iter(graphs.values())).store
    if len(stores) != 1 or {c.identifier for c in store.contexts()} != set(graphs):
        raise ValueError("union() needs all the named graphs of one store, as assemble() makes them")
    u = Graph(store=_AllGraphs(store))
    for prefix, ns in PREFIXES.items():
        u.bind(prefix, ns)
    return u


def sorted_triples(g: Graph) -> list[str]:
    """The graph's N-Triples lines, sorted: the deterministic form every dump is built from."""
    text = g.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return sorted(line for line in text.splitlines() if line.strip())


def nquads(lines_by_graph: dict[URIRef, list[str]]) -> list[str]:
    """Sorted N-Quads lines from each named graph's N-Triples lines."""
    return sorted(line[: -len(" .")] + f" <{name}> ." for name, lines in lines_by_graph.items() for line in lines)


def checksum(lines: list[str]) -> str:
    """SHA-256 of sorted N-Quads lines: equal graphs give equal checksums."""
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8") + b"\n")
    return h.hexdigest()


@dataclass
class Release:
    """What one build produced; ``path`` is the published directory."""

    path: Path
    checksum: str
    triples: int
    quads: int
    graphs: dict[str, int] = field(default_factory=dict)
    validation: object | None = None


def write_release(
    graphs: dict[URIRef, Graph], out: Path, iris: Iris, inputs: tuple[tuple[str, str], ...] = ()
) -> Release:
    """Write dumps, manifest and the on-disk store of ``graphs`` into the empty directory ``out``;
    ``inputs`` (name, sha256) are the files the build read, recorded in its PROV description."""
    lines = {name: sorted_triples(g) for name, g in graphs.items()}  # each graph serialised once
    content = nquads(lines)
    content_sum = checksum(content)
    distinct = set().union(*lines.values())
    dataset = dataset_graph(graphs, iris, content_sum, len(distinct), inputs)
    graphs = {**graphs, iris.graph("dataset"): dataset}
    lines[iris.graph("dataset")] = described = sorted_triples(dataset)
    counts = {str(name): len(ls) for name, ls in sorted(lines.items())}
    # both sorted: merged, not sorted again
    quads = list(heapq.merge(content, nquads({iris.graph("dataset"): described})))
    triples = sorted(distinct.union(described))
    _write_text(out / NQUADS, quads)
    _write_text(out / DUMP_FILES["ntriples"], triples)
    # pyoxigraph writes the sorted triples in order: deterministic, and far faster than rdflib's Turtle
    nt = (out / DUMP_FILES["ntriples"]).read_bytes()
    ox_serialize(
        ox_parse(nt, format=RdfFormat.N_TRIPLES), out / DUMP_FILES["turtle"], format=RdfFormat.TURTLE, prefixes=PREFIXES
    )
    for name in DUMP_FILES.values():
        _gzip(out / name)
    void = release_description(dataset, out, iris)
    (out / VOID_FILE).write_bytes(void.serialize(format="turtle", encoding="utf-8"))
    shutil.copyfile(ONTOLOGY_TTL, out / ONTOLOGY_FILE)
    _write_ontology_html(out / ONTOLOGY_HTML)
    load_store(out / NQUADS, out / STORE_DIR)
    release = Release(out, content_sum, len(triples), len(quads), counts)
    write_manifest(
        out,
        checksum=content_sum,
        triples=len(triples),
        quads=len(quads),
        graphs=counts,
        base=iris.base,
        dumps=all_dumps(),
    )
    return release


def load_store(nquads_path: Path, store_dir: Path) -> int:
    """Bulk-load an N-Quads file into a new on-disk Oxigraph store, closed again; the quad count."""
    store = Store(str(store_dir))
    store.bulk_load(path=str(nquads_path), format=RdfFormat.N_QUADS)
    store.flush()
    count = len(store)
    del store
    return count


def _write_text(path: Path, lines: list[str]) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("\n".join(lines))
        f.write("\n" if lines else "")


def _gzip(path: Path) -> None:
    """``path.gz`` with no timestamp or name in the header, so that it is byte-identical too.

    Level 6 (zlib's default) rather than gzip's 9: about 3× faster, the file about 5% larger."""
    with path.open("rb") as src, open(str(path) + ".gz", "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
            shutil.copyfileobj(src, gz)


def _write_ontology_html(path: Path) -> None:
    from ontology.docs import render_html

    path.write_text(render_html(ONTOLOGY_TTL), encoding="utf-8")


def publish(staging: Path, build_dir: Path) -> Path:
    """Move a finished release into place and swap ``current`` to it atomically."""
    releases = build_dir / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    n = 1
    while (final := releases / f"{stamp}-{n:03d}").exists():
        n += 1
    staging.rename(final)
    link_tmp = build_dir / f".current-{os.getpid()}"
    link_tmp.unlink(missing_ok=True)
    link_tmp.symlink_to(Path("releases") / final.name)
    os.replace(link_tmp, build_dir / "current")
    _prune(releases, keep=final)
    return final


def _prune(releases: Path, keep: Path) -> None:
    """Delete all but the newest few releases (never the one just published, nor one being served)."""
    old = sorted((p for p in releases.iterdir() if p.is_dir() and p != keep), key=lambda p: p.name)
    for p in old[: max(0, len(old) - (KEEP_RELEASES - 1))]:
        if not in_use(p):  # a running server still serves its dumps and pages
            shutil.rmtree(p, ignore_errors=True)


def build(
    build_dir: Path = BUILD_DIR,
    sources_dir: Path = SOURCES_DIR,
    data_root: Path = DATA_ROOT,
    iris: Iris | None = None,
    allow_unresolved: bool = False,
    validate: Callable[[Graph], object] | None = None,
    stage: Callable[[str], AbstractContextManager[object]] | None = None,
) -> Release:
    """Build, validate and publish; on any failure the published release is left untouched.

    ``validate`` replaces the SHACL validation (tests use it to skip or fake it). ``stage(name)``,
    if given, is entered around each stage of :data:`STAGES` (the benchmarks time them with it).

    :raises SourceError: a source or gazetteer file is unusable (the message says where).
    :raises ValidationFailed: the graph violates the shapes.
    """
    iris = iris or Iris(DEFAULT_BASE)
    timed = stage or (lambda _name: nullcontext())
    build_dir.mkdir(parents=True, exist_ok=True)
    with (build_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _clean_staging(build_dir)
        with timed("map"):
            graphs = assemble(sources_dir, data_root, iris, allow_unresolved)
        staging = build_dir / f".staging-{os.getpid()}"
        staging.mkdir()
        try:
            with gc_frozen():
                with timed("write"):
                    release = write_stage(graphs, staging, iris, sources_dir, data_root)
                with timed("validate"):
                    result = validate_stage(graphs, staging, iris, validate)
            if not getattr(result, "conforms", True):
                raise ValidationFailed(result)
            with timed("publish"):
                release.path = publish(staging, build_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        release.validation = result
        return release


def write_stage(
    graphs: dict[URIRef, Graph], out: Path, iris: Iris, sources_dir: Path = SOURCES_DIR, data_root: Path = DATA_ROOT
) -> Release:
    """The write stage: :func:`write_release` into ``out``, recording the input files of the build."""
    inputs = input_files({"sources": sources_dir, "gazetteer": data_root / "gazetteer", "genres": data_root / "genres"})
    return write_release(graphs, out, iris, inputs)


def validate_stage(
    graphs: dict[URIRef, Graph], release_dir: Path, iris: Iris, validate: Callable[[Graph], object] | None = None
) -> object:
    """The validate stage: the SHACL validation of the :func:`union` of ``graphs``, helped by the
    N-Quads dump already written to ``release_dir`` (or ``validate`` instead); the result."""
    return (validate or store_validator(release_dir / NQUADS, iris.base))(union(graphs))


@contextmanager
def gc_frozen() -> Iterator[None]:
    """Keep the cyclic collector off everything alive now (the mapped graphs) for the block.

    The graphs live until the release is written and validated, and every full collection on the
    way would walk their objects again to free none: at 100× that was a sixth of validation."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def store_validator(nquads_path: Path, base: str = DEFAULT_BASE, reference: bool = False) -> Callable[[Graph], object]:
    """The SHACL validation on an in-memory store of the release's N-Quads dump: the shapes compiled
    to SPARQL (:mod:`shapes.compiled`), or with ``reference`` pySHACL, which the store helps find
    the candidates of its SPARQL shapes. In memory rather than the release's on-disk store: loading
    costs less than the queries lose on disk (about 5× slower there)."""

    def run(data: Graph) -> object:
        store = Store()
        store.bulk_load(path=str(nquads_path), format=RdfFormat.N_QUADS)
        if reference:
            from shapes.validate import validate

            return validate(data, store=store, base=base)
        from shapes.compiled import validate_store

        return validate_store(store, base)

    return run


def _clean_staging(build_dir: Path) -> None:
    """Remove what killed builds left behind (we hold the lock, so none is running)."""
    for p in build_dir.glob(".staging-*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in build_dir.glob(".current-*"):
        p.unlink(missing_ok=True)


def current_release(build_dir: Path = BUILD_DIR) -> Path | None:
    """The published release directory, resolved once (so later swaps do not affect the caller)."""
    link = build_dir / "current"
    return link.resolve() if link.exists() else None
