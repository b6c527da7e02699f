"""Our endpoint against Oxigraph's own server, on the same graph, the same query mix, the same load.

In one run: load the release's ``henan-kg.nq`` into an Oxigraph store (``oxigraph load``), then for
each server in turn (``oxigraph serve-read-only --union-default-graph --timeout-s``, the reference; the same with the
default graph materialised instead of the union flag; ours under gunicorn with and without the
result cache) start it alone, and send the mix from ``--clients`` client processes, each one
keep-alive connection going round the mix, for ``--seconds``; servers are interleaved over
``--rounds`` rounds because the machine may be shared. Before that it checks that every query of
the mix gives the same answer set on both and times each query alone. Prints throughput, median
and 95th-percentile latency of each, the ratios, and the machine.

    .venv/bin/python -m bench.endpoint_vs_oxigraph --release kg/build/current --clients 8 --seconds 20

(``python bench/endpoint_vs_oxigraph.py …`` works too: run as a file, it puts the project root on
``sys.path`` itself so that ``bench`` imports.)
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

if not __package__:  # run as a file: its folder, not the project root, is on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.machine import describe  # noqa: E402
from release.layout import NQUADS, read_manifest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_mix(folder: Path) -> list[tuple[str, str]]:
    """The research queries: every ``*.rq`` of the gallery folder, by file name."""
    mix = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.rq"))]
    if not mix:
        raise SystemExit(f"no *.rq queries in {folder}")
    return mix


def find_release(arg: str | None) -> Path:
    if arg:
        return Path(arg).resolve()
    current = ROOT / "kg" / "build" / "current"
    if current.exists():
        return current.resolve()
    from kg import build

    out = Path(tempfile.mkdtemp(prefix="bench-release-"))
    return build.build(out).path


# --- servers ------------------------------------------------------------------------------


@dataclass
class Running:
    name: str
    url: str  # the query endpoint
    process: subprocess.Popen[bytes]


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server for {url} exited with {process.returncode}")
        try:
            status, _ = get(url, "ASK {}")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout_s} s")


def start_ours(release: Path, workers: int, threads: int, cache: bool, timeout_s: float, log: Path) -> Running:
    port = free_port()
    env = dict(
        os.environ,
        HENAN_KG_RELEASE_DIR=str(release),
        HENAN_KG_THREADS=str(threads),
        HENAN_KG_QUERY_TIMEOUT_S=str(timeout_s),
        HENAN_KG_RESULT_CACHE_BYTES=str(64 << 20 if cache else 0),
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kg.cli", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Running("endpoint" + (" (cache)" if cache else " (no cache)"), f"http://127.0.0.1:{port}/sparql", process)
    wait_ready(running.url, process)
    return running


def start_oxigraph(store: Path, timeout_s: float, log: Path, union: bool = True) -> Running:
    port = free_port()
    command = [
        str(VENV_BIN / "oxigraph"),
        "serve-read-only",
        "--location",
        str(store),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout-s",
        str(int(timeout_s)),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command + (["--union-default-graph"] if union else []),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    name = "oxigraph" if union else "oxigraph (materialised dg)"
    running = Running(name, f"http://127.0.0.1:{port}/query", process)
    wait_ready(running.url, process)
    return running


def stop(running: Running) -> None:
    try:
        os.killpg(running.process.pid, signal.SIGTERM)
        running.process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(running.process.pid, signal.SIGKILL)
        running.process.wait()


# --- client -------------------------------------------------------------------------------


def get(url: str, query: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    host, _, rest = url.removeprefix("http://").partition("/")
    own = conn is None
    conn = conn or http.client.HTTPConnection(host, timeout=30)
    try:
        conn.request("GET", "/" + rest + "?" + urlencode({"query": query}), headers={"Accept": ACCEPT})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def client(url: str, mix: list[tuple[str, str]], start_at: int, seconds: float, out: mp.Queue) -> None:
    """One client: one keep-alive connection, round the mix from ``start_at`` until time is up."""
    host = url.removeprefix("http://").partition("/")[0]
    conn = http.client.HTTPConnection(host, timeout=30)
    latencies: list[float] = []
    errors = 0
    i = start_at
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        query = mix[i % len(mix)][1]
        i += 1
        started = time.perf_counter()
        try:
            status, _ = get(url, query, conn)
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection(host, timeout=30)
        latencies.append(time.perf_counter() - started)
        errors += status != 200
    conn.close()
    out.put((latencies, errors))


@dataclass
class Figures:
    name: str
    latencies: list[float]
    errors: int
    seconds: float
    rounds: list[float]  # throughput of each round

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[int(p / 100 * (len(ordered) - 1))] * 1000

    def add(self, other: Figures) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.seconds += other.seconds
        self.rounds += other.rounds


def load(running: Running, mix: list[tuple[str, str]], clients: int, seconds: float, warmup: float) -> Figures:
    for phase, length in (("warmup", warmup), ("measure", seconds)):
        queue: mp.Queue = mp.Queue()
        procs = [mp.Process(target=client, args=(running.url, mix, k * 3, length, queue)) for k in range(clients)]
        started = time.monotonic()
        for proc in procs:
            proc.start()
        results = [queue.get() for _ in procs]
        for proc in procs:
            proc.join()
        elapsed = time.monotonic() - started
    latencies = [x for lat, _ in results for x in lat]
    errors = sum(e for _, e in results)
    return Figures(running.name, latencies, errors, elapsed, [len(latencies) / elapsed])


# --- same answers -------------------------------------------------------------------------


def answer_set(body: bytes) -> object:
    """A comparable form of a JSON result (bag of rows) or of Turtle (sorted lines)."""
    try:
        data = json.loads(body)
    except ValueError:
        import rdflib

        graph = rdflib.Graph().parse(data=body, format="turtle")
        return sorted(graph.serialize(format="nt").splitlines())
    if "boolean" in data:
        return data["boolean"]
    return sorted(json.dumps(row, sort_keys=True) for row in data["results"]["bindings"])


def per_query(servers: list[Running], mix: list[tuple[str, str]], runs: int = 5) -> None:
    """One client, one query at a time, a new connection each: the median time of each query on each server."""
    print(f"\nper query, one client, median of {runs} sequential runs (ms):")
    print(f"{'query':40} " + " ".join(f"{s.name:>26}" for s in servers))
    for name, query in mix:
        cells = []
        for server in servers:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                get(server.url, query)
                times.append((time.perf_counter() - started) * 1000)
            cells.append(f"{statistics.median(times):26.2f}")
        print(f"{name[:40]:40} " + " ".join(cells))


def compare(a: Running, b: Running, mix: list[tuple[str, str]]) -> list[str]:
    """Names of queries whose answers differ (a note, not a failure: see the printout)."""
    differ = []
    for name, query in mix:
        (sa, ba), (sb, bb) = get(a.url, query), get(b.url, query)
        if sa != 200 or sb != 200 or answer_set(ba) != answer_set(bb):
            differ.append(f"{name} ({a.name}: {sa}, {b.name}: {sb})")
    return differ


def machine() -> str:
    """The shared machine line, plus the version of the ``oxigraph`` server compared against."""
    oxi = subprocess.run([str(VENV_BIN / "oxigraph"), "--version"], capture_output=True, text=True).stdout.strip()
    return f"{describe()}, {oxi}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", help="Release directory (default: kg/build/current, else a fresh build).")
    parser.add_argument("--queries", default=str(ROOT / "examples" / "queries"), help="Folder of *.rq queries.")
    parser.add_argument("--clients", type=int, default=8, help="Client processes, each one keep-alive connection.")
    parser.add_argument("--seconds", type=float, default=15, help="Measured seconds per server.")
    parser.add_argument("--warmup", type=float, default=3, help="Unmeasured seconds before each measurement.")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="gunicorn workers of ours.")
    parser.add_argument("--threads", type=int, default=4, help="Threads (and engines) per worker of ours.")
    parser.add_argument("--timeout", type=float, default=5, help="Query time limit for both servers (s).")
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved rounds over all servers.")
    args = parser.parse_args()

    release = find_release(args.release)
    mix = read_mix(Path(args.queries))
    manifest = read_manifest(release)
    work = Path(tempfile.mkdtemp(prefix="bench-oxigraph-"))
    try:
        for store in ("store", "store-dg"):
            subprocess.run(
                [str(VENV_BIN / "oxigraph"), "load", "--location", str(work / store), "--file", str(release / NQUADS)],
                check=True,
                capture_output=True,
            )
        subprocess.run(
            [
                str(VENV_BIN / "oxigraph"),
                "update",
                "--location",
                str(work / "store-dg"),
                "--update",
                "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
            ],
            check=True,
            capture_output=True,
        )
        print(f"machine: {machine()}")
        print(
            f"graph: {release.name}: {manifest['quads']} quads, {manifest['triples']} triples, "
            f"{len(manifest['graphs'])} named graphs"
        )
        print(f"mix: {len(mix)} queries from {args.queries}: {', '.join(n for n, _ in mix)}")
        print(
            f"load: {args.clients} client processes x 1 keep-alive connection, {args.warmup:g} s warm-up, "
            f"{args.seconds:g} s measured per server, servers run one at a time"
        )
        print(
            f"ours: gunicorn {args.workers} workers x {args.threads} threads, in-memory store, "
            f"engines per worker = threads, access log on; oxigraph: --union-default-graph "
            f"--timeout-s {int(args.timeout)}; 'materialised dg': the same store with the union of the named "
            "graphs copied into its default graph, served without --union-default-graph (what ours does)"
        )

        oxigraph = start_oxigraph(work / "store", args.timeout, work / "oxigraph.log")
        ours = start_ours(release, args.workers, args.threads, False, args.timeout, work / "ours.log")
        differ = compare(ours, oxigraph, mix)
        print("same answers on both: " + ("all queries" if not differ else "NOT for " + "; ".join(differ)))
        per_query([oxigraph, ours], mix)
        stop(ours)
        stop(oxigraph)

        starts = {
            "oxigraph": lambda: start_oxigraph(work / "store", args.timeout, work / "oxigraph.log"),
            "oxigraph (materialised dg)": lambda: start_oxigraph(
                work / "store-dg", args.timeout, work / "oxigraph.log", union=False
            ),
            "endpoint (cache)": lambda: start_ours(
                release, args.workers, args.threads, True, args.timeout, work / "ours.log"
            ),
            "endpoint (no cache)": lambda: start_ours(
                release, args.workers, args.threads, False, args.timeout, work / "ours.log"
            ),
        }
        figures: dict[str, Figures] = {}
        print(f"\nload average before: {os.getloadavg()[0]:.2f}")
        for _ in range(args.rounds):  # interleaved rounds, so load from elsewhere on the machine hits all alike
            for name, start in starts.items():
                running = start()
                try:
                    result = load(running, mix, args.clients, args.seconds, args.warmup)
                finally:
                    stop(running)
                if name in figures:
                    figures[name].add(result)
                else:
                    figures[name] = result
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        print()
        print(f"{'server':28} {'requests':>9} {'errors':>7} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8}  req/s per round")
        for name, f in figures.items():
            rounds = " ".join(f"{r:.0f}" for r in f.rounds)
            print(
                f"{name:28} {f.requests:9d} {f.errors:7d} {f.throughput:9.1f} {f.percentile_ms(50):8.2f} "
                f"{f.percentile_ms(95):8.2f}  {rounds}"
            )
        reference = figures["oxigraph"]
        for name, f in figures.items():
            if name.startswith("endpoint"):
                print(
                    f"ratio {name} / oxigraph: throughput x{f.throughput / reference.throughput:.2f}, "
                    f"median latency x{f.percentile_ms(50) / reference.percentile_ms(50):.2f}"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
