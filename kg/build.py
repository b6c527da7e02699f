"""The build: sources → mappings → named graphs → dumps → Oxigraph store → shapes → publish.

Its stages (:data:`STAGES`) are functions of their own, which :func:`build` runs in order:
documents (:func:`map_stage`: each document mapped, written as a sorted N-Quads chunk and
validated in a job of its own, in a pool of ``jobs`` processes, :mod:`kg.pipeline`), write
(:func:`write_stage`: the dumps merged from the chunks, :mod:`kg.dumps`, gzip, VoID, the on-disk
store) and publish (:func:`publish`); ``build(stage=...)`` lets a caller time each one
(``bench/scale.py`` does). The output is the same for any number of jobs.

A release is a directory under ``kg/build/releases/``; ``kg/build/current`` is a symlink to the
published one. Everything is written aside first and the symlink is swapped with one atomic
``rename``, so a build that fails (bad source, unknown agency, shape violation, killed process)
leaves the last published release exactly as it was, and a reader resolving ``current`` sees
either the old or the new release, never a mix.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import RdfFormat, Store
from pyoxigraph import parse as ox_parse
from pyoxigraph import serialize as ox_serialize
from rdflib import Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.plugins.stores.memory import Memory
from rdflib.store import Store as RdfStore

from kg.dataset import dataset_graph, input_files, release_description
from kg.dumps import merged, splice, triple_of, write_content
from kg.pipeline import (
    Done,
    Shared,
    Validator,
    by_node,
    default_jobs,
    map_document,
    quad_lines,
    rdflib_graph,
    run_jobs,
    unknown_assigned,
)
from mappings.collect import ntriples_lines
from mappings.iris import DEFAULT_BASE, PREFIXES, Iris
from mappings.reference import Reference, load_reference, reference_graph
from mappings.series import DocumentNames
from mappings.source import SourceDocument, SourceError, load_document, metadata_files, redirects
from mappings.writer import write_alignment
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

if TYPE_CHECKING:
    from shapes.validate import Finding, ValidationResult

KEEP_RELEASES = 3


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
    """Every named graph of the knowledge graph except the dataset description, by graph IRI, in
    memory (for tests and tools that read the whole graph; the build maps in jobs, :func:`build`).

    All of them live in one rdflib store, so that :func:`union` is a view rather than a copy."""
    iris = iris or Iris(DEFAULT_BASE)
    ref = load_reference(data_root)
    store = Memory()
    graphs = in_one_store(shared_graphs(ref, iris), store)
    failures: list[str] = []
    docs: dict[str, SourceDocument] = {}
    for meta in metadata_files(sources_dir):
        try:
            doc = load_document(meta, ref.names)
            if doc.iri_path in docs:
                raise SourceError(f"{meta}: its IRI path {doc.iri_path} is also {docs[doc.iri_path].meta_path}'s")
            name = iris.graph(doc.iri_path)
            graphs[name] = map_document(doc, ref, iris, Graph(store=store, identifier=name), allow_unresolved)
            docs[doc.iri_path] = doc
        except SourceError as e:  # go on: one build reports every failing document
            failures.append(str(e))
    for doc in docs.values():
        try:
            align_document(doc, docs, graphs, ref, iris)
        except SourceError as e:
            failures.append(str(e))
    if failures:
        raise SourceError(failed(failures))
    return graphs


def failed(failures: list[str]) -> str:
    """The message of a build in which documents failed: every one of them, with file and line."""
    return f"{len(failures)} document(s) failed to map:\n" + "\n".join(f"- {f}" for f in failures)


def align_document(
    doc: SourceDocument, docs: dict[str, SourceDocument], graphs: dict[URIRef, Graph], ref: Reference, iris: Iris
) -> None:
    """A notice whose metadata names the report it assigns (``assigns``): its chapters, sections
    and tasks derived from that report's text, in the notice's graph; the report must be among the
    sources built. (A build's job does the same with the report mapped in the job, :mod:`kg.pipeline`.)"""
    assigned = doc.meta.get("assigns")
    if not assigned:
        return
    if assigned not in docs:
        raise SourceError(unknown_assigned(doc, assigned, docs))
    write_alignment(graphs[iris.graph(doc.iri_path)], iris, ref, doc, docs[assigned], graphs[iris.graph(assigned)])


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
    return ntriples_lines(g)


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
    documents: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds the jobs spent mapping and validating


@dataclass
class Mapped:
    """What the jobs produced: each graph's sorted N-Quads chunk, size and what its description reads."""

    chunks: list[Path]
    counts: dict[URIRef, int]
    described: dict[URIRef, Graph]
    documents: int
    moved: dict[str, str] = field(default_factory=dict)  # former IRI path prefix → new (redirects)


def write_release(
    mapped: Mapped,
    out: Path,
    iris: Iris,
    inputs: tuple[tuple[str, str], ...] = (),
    scratch: Path | None = None,
    moved: dict[str, str] | None = None,
) -> Release:
    """Write dumps, manifest and the on-disk store of the ``mapped`` chunks into the empty directory
    ``out``; ``inputs`` (name, sha256) are the files the build read, recorded in its PROV description;
    ``moved`` (old IRI path prefix → new) is the manifest's redirect table.

    One merge of the sorted chunks writes both dumps of the content (hashed and counted on the way,
    :func:`kg.dumps.write_content`); the dataset description, which records that checksum, is then
    spliced into them (:func:`kg.dumps.splice`). ``scratch`` holds the intermediate files."""
    scratch = scratch or out
    content_nq, content_nt = scratch / "content.nq", scratch / "content.nt"
    content = write_content(merged(mapped.chunks, scratch), content_nq, content_nt)
    dataset = dataset_graph(mapped.described, iris, content.checksum, content.triples, inputs)
    name = iris.graph("dataset")
    described = [(line + "\n").encode("utf-8") for line in quad_lines(dataset, name)]
    counts = {str(g): n for g, n in sorted({**mapped.counts, name: len(described)}.items())}
    quads = content.quads + splice(content_nq, described, out / NQUADS)
    triples = content.triples + splice(
        content_nt, sorted({triple_of(line) for line in described}), out / DUMP_FILES["ntriples"], distinct=True
    )
    content_nq.unlink()
    content_nt.unlink()
    with ThreadPoolExecutor(4) as pool:  # zlib and Oxigraph let go of the GIL: the four overlap
        futures: list[Future] = [
            pool.submit(_turtle_and_gzip, out),
            pool.submit(_gzip, out / NQUADS),
            pool.submit(_gzip, out / DUMP_FILES["ntriples"]),
            pool.submit(load_store, out / NQUADS, out / STORE_DIR),
        ]
        for future in futures:
            future.result()
    void = release_description(dataset, out, iris)
    (out / VOID_FILE).write_bytes(void.serialize(format="turtle", encoding="utf-8"))
    shutil.copyfile(ONTOLOGY_TTL, out / ONTOLOGY_FILE)
    _write_ontology_html(out / ONTOLOGY_HTML)
    release = Release(out, content.checksum, triples, quads, counts)
    write_manifest(
        out,
        checksum=content.checksum,
        triples=triples,
        quads=quads,
        graphs=counts,
        base=iris.base,
        dumps=all_dumps(),
        redirects=moved,
    )
    return release


def _turtle_and_gzip(out: Path) -> None:
    """The Turtle dump (pyoxigraph writes the sorted triples in order: deterministic, and far faster
    than rdflib's Turtle), then its gzip."""
    ox_serialize(
        ox_parse(path=out / DUMP_FILES["ntriples"], format=RdfFormat.N_TRIPLES),
        out / DUMP_FILES["turtle"],
        format=RdfFormat.TURTLE,
        prefixes=PREFIXES,
    )
    _gzip(out / DUMP_FILES["turtle"])


def load_store(nquads_path: Path, store_dir: Path) -> int:
    """Bulk-load an N-Quads file into a new on-disk Oxigraph store, closed again; the quad count."""
    store = Store(str(store_dir))
    store.bulk_load(path=str(nquads_path), format=RdfFormat.N_QUADS)
    store.flush()
    count = len(store)
    del store
    return count


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
    validate: Validator | None = None,
    stage: Callable[[str], AbstractContextManager[object]] | None = None,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Release:
    """Build, validate and publish; on any failure the published release is left untouched.

    Each document is mapped and validated in a job of its own (:mod:`kg.pipeline`), ``jobs`` at a
    time (default: one per core; 1 runs them in this process); the output does not depend on it.
    ``validate`` replaces the SHACL validator (:func:`store_validator`; tests skip or fake it).
    ``stage(name)``, if given, is entered around each stage of :data:`STAGES` (the benchmarks time
    them with it); ``progress`` receives a line per stage and per document.

    :raises SourceError: a source or gazetteer file is unusable (the message says where).
    :raises ValidationFailed: the graph violates the shapes.
    """
    iris = iris or Iris(DEFAULT_BASE)
    timed = stage or (lambda _name: nullcontext())
    say = Progress(progress)
    build_dir.mkdir(parents=True, exist_ok=True)
    with (build_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _clean_staging(build_dir)
        staging = build_dir / f".staging-{os.getpid()}"
        scratch = build_dir / f".staging-{os.getpid()}-chunks"
        staging.mkdir()
        scratch.mkdir()
        try:
            with timed("documents"):
                mapped, result, cpu = map_stage(
                    sources_dir, data_root, iris, scratch, allow_unresolved, validate, jobs, say
                )
            if not getattr(result, "conforms", True):
                raise ValidationFailed(result)
            with timed("write"):
                say.stage("write: dumps, gzip, store")
                release = write_stage(mapped, staging, iris, sources_dir, data_root, scratch)
            with timed("publish"):
                release.path = publish(staging, build_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        release.validation, release.documents, release.cpu = result, mapped.documents, cpu
        say.summary(release)
        return release


STAGES = ("documents", "write", "publish")  # in the order build() runs them


class Progress:
    """Lines about the build for a reader (``henan-kg build`` prints them to stderr); silent
    without a callback. With many documents, a line a second at most (and the last)."""

    def __init__(self, out: Callable[[str], None] | None) -> None:
        self.out, self.t0, self.last = out, time.monotonic(), 0.0

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def stage(self, text: str) -> None:
        if self.out:
            self.out(f"[{self.elapsed():6.1f} s] {text}")

    def document(self, done: int, total: int, what: str) -> None:
        now = time.monotonic()
        if self.out and (total <= 100 or done == total or now - self.last >= 1.0):
            self.last = now
            self.out(f"[{self.elapsed():6.1f} s]   {done}/{total} {what}")

    def summary(self, r: Release) -> None:
        if self.out:
            v = r.validation
            self.out(
                f"built {r.documents} documents: {len(r.graphs)} graphs, {r.triples} triples, "
                f"{getattr(v, 'violations', 0)} violations, {getattr(v, 'warnings', 0)} warnings "
                f"in {self.elapsed():.1f} s"
            )


def map_stage(
    sources_dir: Path,
    data_root: Path,
    iris: Iris,
    scratch: Path,
    allow_unresolved: bool = False,
    validate: Validator | None = None,
    jobs: int | None = None,
    say: Progress | None = None,
) -> tuple[Mapped, object, dict[str, float]]:
    """Every document mapped, written as a sorted chunk and validated, in jobs; the shared graphs
    written and validated once. The chunks, the merged validation result and the jobs' CPU seconds.

    :raises SourceError: naming every document that failed, in path order."""
    say = say or Progress(None)
    say.stage("map: shared graphs (ontology, reference)")
    ref = load_reference(data_root)
    graphs = shared_graphs(ref, iris)
    metas = metadata_files(sources_dir)
    documents, work, failures, moved = survey(metas, ref.names)
    lines = {name: quad_lines(g, name) for name, g in graphs.items()}
    chunks = []
    for k, (name, ls) in enumerate(sorted(lines.items())):
        chunks.append(scratch / f"shared-{k}.nq")
        chunks[-1].write_text("".join(line + "\n" for line in ls), encoding="utf-8")
    shared = Shared(
        ref,
        iris,
        graphs,
        documents,
        scratch,
        validator=validate if validate is not None else store_validator(),
        allow_unresolved=allow_unresolved,
        nquads="".join(line + "\n" for line in lines[iris.graph("ontology")]).encode("utf-8"),
        described=by_node(graphs[iris.graph("reference")], iris.graph("reference")),
        subjects=frozenset(s for g in graphs.values() for s in g.subjects()),
    )
    todo = sorted(((k, m) for k, m in enumerate(metas) if k not in failures), key=lambda t: -work[t[0]])
    n = jobs or default_jobs()
    say.stage(f"map and validate: {len(todo)} documents in {min(n, len(todo) + 1)} job(s)")
    results: list[Done] = []
    for d in run_jobs(shared, todo, n):
        results.append(d)
        if d.error:
            failures[d.index] = d.error
        if d.index >= 0:
            say.document(sum(1 for r in results if r.index >= 0), len(todo), d.slug or str(d.meta))
    if failures:
        raise SourceError(failed([failures[k] for k in sorted(failures)]))
    results.sort(key=lambda d: d.index)
    counts = {name: len(ls) for name, ls in lines.items()}
    described: dict[URIRef, Graph] = dict(graphs)
    for d in results[1:]:
        assert d.chunk is not None
        chunks.append(d.chunk)
        counts[URIRef(d.graph)] = d.triples
        described[URIRef(d.graph)] = Described(d.described, d.triples)
    cpu = {"map": sum(d.map_cpu for d in results), "validate": sum(d.validate_cpu for d in results)}
    return Mapped(chunks, counts, described, len(results) - 1, moved), merge_results(results), cpu


def survey(
    metas: list[Path], names: DocumentNames
) -> tuple[dict[str, Path], dict[int, int], dict[int, str], dict[str, str]]:
    """Each document's IRI path → metadata file (for the reports notices assign), about how much
    work its job is (its text, and the text of the report it maps too; the longest jobs start first
    so that none is left running alone at the end), the documents that cannot even be read (or
    that claim another's IRI), and the redirect table of former IRI paths (:func:`redirects`)."""
    documents: dict[str, Path] = {}
    sizes: dict[int, int] = {}
    assigns: dict[int, str] = {}
    by_path: dict[str, int] = {}
    failures: dict[int, str] = {}
    loaded: list[SourceDocument] = []
    for k, meta in enumerate(metas):
        try:
            doc = load_document(meta, names)
            if doc.iri_path in documents:
                raise SourceError(f"{meta}: its IRI path {doc.iri_path} is also {documents[doc.iri_path]}'s")
        except SourceError as e:
            failures[k] = str(e)
            continue
        loaded.append(doc)
        documents[doc.iri_path], sizes[k], by_path[doc.iri_path] = meta, len(doc.text), len(doc.text)
        assigns[k] = doc.meta.get("assigns") or ""
    work = {k: n + by_path.get(assigns[k], 0) for k, n in sizes.items()}
    return documents, work, failures, redirects(loaded)


class Described(Graph):
    """A document graph as the dataset description reads it: the few triples it looks at
    (:func:`kg.pipeline._described`) and the graph's size."""

    def __init__(self, triples: list, size: int) -> None:
        super().__init__()
        for t in triples:
            self.add(t)
        self.size = size

    def __len__(self) -> int:
        return self.size


def merge_results(results: list[Done]) -> ValidationResult:
    """One validation result from the jobs': their findings, each once (a finding about a node two
    documents describe is theirs both), counted by severity."""
    from shapes.validate import ValidationResult

    seen: dict[tuple, Finding] = {}
    for d in results:
        for f in d.findings:
            seen.setdefault((f.severity, f.shape, f.focus, f.path, f.value), f)
    findings = [seen[k] for k in sorted(seen, key=lambda k: tuple(str(x) for x in k))]
    result = ValidationResult.of(findings, ValidationResult.report_of(findings))
    result.violations += sum(d.violations for d in results)  # validators that list no findings
    result.warnings += sum(d.warnings for d in results)
    result.conforms = result.violations == 0 and all(d.conforms for d in results)
    return result


def write_stage(
    mapped: Mapped,
    out: Path,
    iris: Iris,
    sources_dir: Path = SOURCES_DIR,
    data_root: Path = DATA_ROOT,
    scratch: Path | None = None,
) -> Release:
    """The write stage: :func:`write_release` into ``out``, recording the input files of the build."""
    inputs = input_files({"sources": sources_dir, "gazetteer": data_root / "gazetteer", "genres": data_root / "genres"})
    return write_release(mapped, out, iris, inputs, scratch, mapped.moved)


def store_validator(reference: bool = False) -> Validator:
    """The build's SHACL validator, run on a pyoxigraph Store holding the data (the union of its
    named graphs): the shapes compiled to SPARQL (:mod:`shapes.compiled`); with ``reference``,
    pySHACL, the reference, on an rdflib copy of the store's data, helped by the store itself to find
    the nodes its SPARQL constraints must look at (:mod:`shapes.candidates`)."""
    if not reference:
        from shapes.compiled import validate_store

        return validate_store

    from shapes.validate import validate

    def run(store: Store, base: str) -> object:
        return validate(rdflib_graph(store), store=store, base=base)

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
