"""The build's documents in jobs: each mapped and written apart, validated in batches, in a pool.

A job maps a batch of documents (each a ``.toml`` under the sources), each into triples collected
without rdflib's indexed store (:mod:`mappings.collect`), writes each as a sorted N-Quads chunk
(the dumps are a merge of the chunks, :mod:`kg.dumps`) and validates them together in an Oxigraph
store beside the shared graphs (ontology, reference), each document keeping the findings about its
own nodes: the shared graphs are validated once, in a job of their own. A batch (:func:`batches`)
pays a store's costs once for several documents; its size depends on the number of documents
only. A notice that assigns a report (``assigns`` in its metadata) maps that report too,
read-only, to derive its alignment and to validate against it.

Jobs run in a pool of forked processes (``jobs`` > 1), which inherit what every job shares
(:class:`Shared`) instead of receiving it, or one after another in this process (``jobs`` = 1):
the same function either way, so the output does not depend on the number of jobs.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import BlankNode, NamedNode, RdfFormat, Store
from pyoxigraph import Literal as OxLiteral
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.namespace import DCTERMS, XSD
from rdflib.plugins.serializers.nt import _nt_row
from rdflib.term import Literal, Node

from mappings.collect import collecting_graph, named_nodes, ntriples_lines, triples_of
from mappings.document import add_eli_structure, document_graph
from mappings.iris import HGV, Iris
from mappings.reference import Reference
from mappings.source import SourceDocument, SourceError, load_document
from mappings.writer import mapper_for, write_alignment

if TYPE_CHECKING:
    from shapes.validate import Finding

#: a SHACL validator: the data is the union of the store's named graphs; the base is the data namespace
Validator = Callable[[Store, str], object]


@dataclass
class Shared:
    """What every job reads, made once before the pool starts (forked workers inherit it)."""

    ref: Reference
    iris: Iris
    graphs: dict[URIRef, Graph]  # the ontology and reference graphs
    documents: dict[str, Path]  # IRI path → metadata file, for the documents a notice assigns
    chunks: Path
    validator: Validator | None = None
    allow_unresolved: bool = False
    nquads: bytes = b""  # the graphs every validation loads whole (the ontology: the class hierarchy)
    described: dict[Node, Lines] = field(default_factory=dict)
    """each node of the other shared graphs (reference): its lines, as :func:`by_node` gives them"""
    subjects: frozenset[Node] = frozenset()


@dataclass
class Done:
    """What a job reports back for one document (or the shared graphs): its graph's size and chunk,
    its findings, or the error."""

    index: int
    meta: Path
    slug: str = ""  # the document's IRI path
    graph: str = ""
    triples: int = 0
    chunk: Path | None = None
    described: list[tuple[Node, Node, Node]] = field(default_factory=list)
    error: str | None = None
    findings: list[Finding] = field(default_factory=list)
    conforms: bool = True
    violations: int = 0  # of a validator whose result lists no findings
    warnings: int = 0
    map_cpu: float = 0.0
    validate_cpu: float = 0.0


_SHARED: Shared | None = None


def quad_lines(g: Graph, name: URIRef) -> list[str]:
    """The graph's sorted N-Quads lines, named ``name``."""
    suffix = f" <{name}> ."
    return [line[: -len(" .")] + suffix for line in ntriples_lines(g)]


def map_document(
    doc: SourceDocument, ref: Reference, iris: Iris, graph: Graph, allow_unresolved: bool = False
) -> Graph:
    """One document's named graph, mapped into ``graph`` (which names it)."""
    g = mapper_for(doc, ref)(doc, ref, iris, allow_unresolved=allow_unresolved, graph=graph)
    g += document_graph(doc, ref, iris)
    add_eli_structure(g, iris.doc(doc.iri_path))
    return g


@dataclass
class Lines:
    """One node of a shared graph: its N-Quads lines, the nodes they name, and its type lines."""

    lines: list[str] = field(default_factory=list)
    named: list[Node] = field(default_factory=list)
    types: list[str] = field(default_factory=list)


def by_node(g: Graph, name: URIRef) -> dict[Node, Lines]:
    """Each subject of ``g`` with its :class:`Lines` (named ``name``), for :func:`reached`."""
    suffix = f" <{name}> ."
    out: dict[Node, Lines] = {}
    for t in g:
        node = out.setdefault(t[0], Lines())
        line = _nt_row(t)[: -len(" .\n")] + suffix
        node.lines.append(line)
        if t[1] == RDF.type:
            node.types.append(line)
        if not isinstance(t[2], Literal):
            node.named.append(t[2])
    return out


def rdflib_graph(store: Store) -> Graph:
    """The union of a store's graphs as one rdflib graph (for validators written for rdflib).

    Each distinct term converted once: twice as fast as writing N-Triples for rdflib to parse."""
    terms: dict[object, Node] = {}

    def term(t: object) -> Node:
        r = terms.get(t)
        if r is None:
            r = terms[t] = _rdflib_term(t)
        return r

    g = Graph()
    g.addN((term(q.subject), term(q.predicate), term(q.object), g) for q in store)
    return g


def _rdflib_term(t: object) -> Node:
    if isinstance(t, NamedNode):
        return URIRef(t.value)
    if isinstance(t, BlankNode):
        return BNode(t.value)
    assert isinstance(t, OxLiteral), f"not a term of a triple: {t!r}"
    if t.language:
        return Literal(t.value, lang=t.language)
    if t.datatype.value == str(XSD.string):
        return Literal(t.value)
    return Literal(t.value, datatype=URIRef(t.datatype.value))


def _cpu() -> float:
    return time.process_time()


@dataclass
class _Unit:
    """A document of a batch, mapped and written, waiting to be validated with the others."""

    done: Done
    graph: Graph
    dependency: Graph | None


def run_batch(tasks: list[tuple[int, Path]]) -> list[Done]:
    """Map and write each document of the batch, then validate them together (a job); a bad
    source is reported in its document's result, not raised."""
    sh = _SHARED
    assert sh is not None, "the jobs' shared graphs are not set up"
    dones: list[Done] = []
    units: list[_Unit] = []
    for task in tasks:
        done, unit = _map_one(task, sh)
        dones.append(done)
        if unit is not None:
            units.append(unit)
    if sh.validator is not None and units:
        c1 = _cpu()
        _check_batch(sh, units)
        cpu = (_cpu() - c1) / len(units)
        for u in units:
            u.done.validate_cpu = cpu
    return dones


def _map_one(task: tuple[int, Path], sh: Shared) -> tuple[Done, _Unit | None]:
    """Map and write one document; its :class:`_Unit` to validate (none if the source is bad)."""
    index, meta = task
    done = Done(index, meta)
    c0 = _cpu()
    try:
        doc = load_document(meta, sh.ref.names)
        done.slug, name = doc.iri_path, sh.iris.graph(doc.iri_path)
        g = map_document(doc, sh.ref, sh.iris, collecting_graph(name), sh.allow_unresolved)
        dependency = _assigned(doc, g, sh)
    except SourceError as e:
        done.error = str(e)
        return done, None
    lines = quad_lines(g, name)
    done.graph, done.triples = str(name), len(lines)
    done.chunk = sh.chunks / f"{index:07d}.nq"
    _write_lines(done.chunk, lines)
    done.described = _described(g)
    done.map_cpu = _cpu() - c0
    return done, _Unit(done, g, dependency)


def _check_batch(sh: Shared, units: list[_Unit]) -> None:
    """Validate the batch's documents in one store, beside the shared nodes they reach (and the
    reports they assign); each document keeps the findings about its own nodes.

    A finding about a node no document of the batch describes (a value it only names) is the first
    document's, unless a shared graph or an assigned report describes the node: those are
    validated in their own jobs."""
    mapped = [g for u in units for g in (u.graph, u.dependency) if g is not None]
    quads = [quad_lines(u.dependency, URIRef(str(u.dependency.identifier))) for u in units if u.dependency is not None]
    quads.append(reached(sh.described, mapped))
    owns = [u.graph.store.subjects() for u in units]  # type: ignore[attr-defined]
    beside = set(sh.subjects).union(*(u.dependency.store.subjects() for u in units if u.dependency is not None))  # type: ignore[attr-defined]
    result = _validate(sh, quads, [u.done.chunk for u in units if u.done.chunk is not None])
    findings = getattr(result, "findings", None)
    if findings is None:  # a validator that only counts (tests fake one): the batch's counts are the first's
        _counted(units[0].done, result)
        return
    for f in findings:
        owners = [u.done for u, own in zip(units, owns) if f.focus in own]
        if not owners and f.focus not in beside:
            owners = [units[0].done]
        for done in owners:
            done.findings.append(f)
    for u in units:
        _settle(u.done)


def reached(described: dict[Node, Lines], graphs: list[Graph]) -> list[str]:
    """The context a document's nodes are validated in: the lines of every shared node that
    ``graphs`` name (a value's description, for a shape on it), and the types of the nodes those
    name in turn (for a class constraint on their values). Not the whole of the shared graphs:
    they are validated once, not again for each document."""
    named: set[Node] = set().union(*(named_nodes(g) for g in graphs))
    out: list[str] = []
    further: set[Node] = set()
    for node in named & described.keys():
        out += described[node].lines
        further.update(described[node].named)
    for node in (further - named) & described.keys():
        out += described[node].types
    return out


def run_shared(_task: object = None) -> list[Done]:
    """Validate the shared graphs once, on their own (a job too)."""
    sh = _SHARED
    assert sh is not None
    done = Done(-1, Path("(shared graphs)"))
    if sh.validator is not None:
        c1 = _cpu()
        result = _validate(sh, [[line for n in sh.described.values() for line in n.lines]])
        findings = getattr(result, "findings", None)
        if findings is None:
            _counted(done, result)
        else:
            done.findings = list(findings)
            _settle(done)
        done.validate_cpu = _cpu() - c1
    return [done]


def _assigned(doc: SourceDocument, g: Graph, sh: Shared) -> Graph | None:
    """The report a notice assigns, mapped read-only; the notice's alignment with it, into ``g``."""
    assigned = doc.meta.get("assigns")  # the report's IRI path (ontology/README.md, Data IRIs)
    if not assigned:
        return None
    meta = sh.documents.get(assigned)
    if meta is None:
        raise SourceError(unknown_assigned(doc, assigned, sh.documents))
    report_doc = load_document(meta, sh.ref.names)
    report = map_document(
        report_doc, sh.ref, sh.iris, collecting_graph(sh.iris.graph(assigned)), allow_unresolved=sh.allow_unresolved
    )
    write_alignment(g, sh.iris, sh.ref, doc, report_doc, report)
    return report


def unknown_assigned(doc: SourceDocument, assigned: str, known: Iterable[str]) -> str:
    """The error of a notice that assigns a report the build does not have."""
    return (
        f'{doc.meta_path}: assigns = "{assigned}", which is not the IRI path of a document of this build '
        f"(known: {', '.join(sorted(known))})"
    )


def _described(g: Graph) -> list[tuple[Node, Node, Node]]:
    """The few triples the dataset description reads from a document graph: the documents' types
    and issue dates (:func:`kg.dataset.dataset_graph`); in one pass over the graph."""
    kinds, a, issued, date = (HGV.TaskAssignmentNotice, HGV.GovernmentWorkReport), RDF.type, DCTERMS.issued, XSD.date
    return [
        (s, p, o)
        for s, p, o in triples_of(g)
        if (p == a and o in kinds) or (p == issued and isinstance(o, Literal) and o.datatype == date)
    ]


def _validate(sh: Shared, quads: list[list[str]], chunks: Iterable[Path] = ()) -> object:
    """The validator's result on the ontology, ``quads`` and the N-Quads ``chunks``, in a new store.

    ``Store.load``, not ``bulk_load`` (a fifth less CPU for a store this size, in memory), and
    lenient: the build's own lines, whose IRIs the write stage checks when it loads the dumps (a
    third less CPU)."""
    assert sh.validator is not None
    store = Store()
    data = sh.nquads + "".join(line + "\n" for ls in quads for line in ls).encode("utf-8")
    store.load(input=data, format=RdfFormat.N_QUADS, lenient=True)
    for chunk in chunks:  # a document's lines as its job wrote them: read by Oxigraph, not joined again
        store.load(path=chunk, format=RdfFormat.N_QUADS, lenient=True)
    return sh.validator(store, sh.iris.base)


def _settle(done: Done) -> None:
    """A document conforms when none of its findings is a violation."""
    done.conforms = not any(f.severity == "Violation" for f in done.findings)


def _counted(done: Done, result: object) -> None:
    """The counts of a validator whose result lists no findings."""
    done.conforms = bool(getattr(result, "conforms", True))
    done.violations, done.warnings = int(getattr(result, "violations", 0)), int(getattr(result, "warnings", 0))


def _write_lines(path: Path, lines: Iterable[str]) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in lines)


def _init_worker(shared: Shared) -> None:
    """A pool worker: the shared state, and death with the build (a SIGKILLed build leaves no worker)."""
    global _SHARED
    _SHARED = shared
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: the pool's own shutdown still ends the workers
        pass


def run_jobs(shared: Shared, metas: list[tuple[int, Path]], jobs: int) -> Iterator[Done]:
    """Every document's result and the shared graphs', as their jobs finish; the documents in
    :func:`batches`, ``jobs`` processes (1: in this process, one after another)."""
    global _SHARED
    tasks: list[tuple[Callable, object]] = [(run_shared, None)] + [(run_batch, b) for b in batches(metas)]
    if jobs <= 1 or len(tasks) <= 1:
        previous, _SHARED = _SHARED, shared
        try:
            for fn, arg in tasks:
                yield from fn(arg)
        finally:
            _SHARED = previous
        return
    ctx = multiprocessing.get_context("fork")  # workers inherit ``shared``: no pickling of graphs
    with ctx.Pool(min(jobs, len(tasks)), initializer=_init_worker, initargs=(shared,)) as pool:
        for done in pool.imap_unordered(_dispatch, tasks):
            yield from done


#: documents validated in one store at most: the costs of a store (the ontology loaded, each
#: query parsed and planned, the shared nodes every document names and their findings) paid once
#: a batch; measured at 100×, loading and validating 8 documents together cost about 40 % less CPU
#: than a store each (60 % less for the short ones), and 4 or 16 no less than 8
BATCH = 8
#: batches at least, while the documents allow (jobs take whole batches; left to balance them)
MIN_BATCHES = 8


def batches(metas: list[tuple[int, Path]]) -> list[list[tuple[int, Path]]]:
    """The documents in batches of consecutive ones, of a size that depends on their number only
    (not on the jobs: the findings are the same whatever the number of jobs)."""
    size = max(1, min(BATCH, len(metas) // MIN_BATCHES))
    return [metas[k : k + size] for k in range(0, len(metas), size)]


def _dispatch(task: tuple[Callable, object]) -> list[Done]:
    fn, arg = task
    return fn(arg)


def default_jobs() -> int:
    """One job per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def peak_rss_mib() -> float:
    """This process's peak resident memory, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
