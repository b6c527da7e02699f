"""Our endpoint against Oxigraph's own server, on the same graph, the same query mix, the same load.

In one run: load the release's ``henan-kg.nq`` into an Oxigraph store (``oxigraph load``), then for
each server in turn (ours under gunicorn with the result cache, ours without it, and
``oxigraph serve-read-only --union-default-graph --timeout-s``) start it alone, check that every
query of the mix gives the same answer set on both, and send the mix from ``--clients`` client
processes, each one keep-alive connection going round the mix, for ``--seconds``. Prints
throughput, median and 95th-percentile latency of each, the ratios, and the machine.

    .venv/bin/python bench/endpoint_vs_oxigraph.py --release kg/build/current --clients 8 --seconds 20
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
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
    env = dict(os.environ, HENAN_KG_RELEASE_DIR=str(release), HENAN_KG_THREADS=str(threads),
               HENAN_KG_QUERY_TIMEOUT_S=str(timeout_s), HENAN_KG_RESULT_CACHE_BYTES=str(64 << 20 if cache else 0))
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "endpoint.serve", "--port", str(port),
                                    "--workers", str(workers)], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    running = Running("endpoint" + (" (cache)" if cache else " (no cache)"), f"http://127.0.0.1:{port}/sparql", process)
    wait_ready(running.url, process)
    return running


def start_oxigraph(store: Path, timeout_s: float, log: Path) -> Running:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([str(VENV_BIN / "oxigraph"), "serve-read-only", "--location", str(store),
                                    "--bind", f"127.0.0.1:{port}", "--union-default-graph",
                                    "--timeout-s", str(int(timeout_s))],
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    running = Running("oxigraph serve-read-only", f"http://127.0.0.1:{port}/query", process)
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
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


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
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    return Figures(running.name, len(latencies), errors, elapsed,
                   statistics.median(latencies) * 1000, latencies[int(0.95 * (len(latencies) - 1))] * 1000)


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


def compare(a: Running, b: Running, mix: list[tuple[str, str]]) -> list[str]:
    """Names of queries whose answers differ (a note, not a failure: see the printout)."""
    differ = []
    for name, query in mix:
        (sa, ba), (sb, bb) = get(a.url, query), get(b.url, query)
        if sa != 200 or sb != 200 or answer_set(ba) != answer_set(bb):
            differ.append(f"{name} ({a.name}: {sa}, {b.name}: {sb})")
    return differ


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((line.split(":", 1)[1].strip() for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "?")
    import pyoxigraph

    oxi = subprocess.run([str(VENV_BIN / "oxigraph"), "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{cpu}, {os.cpu_count()} CPUs, {mem} RAM, Linux {platform.release()}, Python "
            f"{platform.python_version()}, pyoxigraph {pyoxigraph.__version__}, {oxi}")


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
    args = parser.parse_args()

    release = find_release(args.release)
    mix = read_mix(Path(args.queries))
    manifest = json.loads((release / "manifest.json").read_text())
    work = Path(tempfile.mkdtemp(prefix="bench-oxigraph-"))
    try:
        subprocess.run([str(VENV_BIN / "oxigraph"), "load", "--location", str(work / "store"),
                        "--file", str(release / "henan-kg.nq")], check=True, capture_output=True)
        print(f"machine: {machine()}")
        print(f"graph: {release.name}: {manifest.get('quads')} quads, {manifest.get('triples')} triples, "
              f"{len(manifest.get('graphs', {}))} named graphs")
        print(f"mix: {len(mix)} queries from {args.queries}: {', '.join(n for n, _ in mix)}")
        print(f"load: {args.clients} client processes x 1 keep-alive connection, {args.warmup:g} s warm-up, "
              f"{args.seconds:g} s measured per server, servers run one at a time")
        print(f"ours: gunicorn {args.workers} workers x {args.threads} threads, in-memory store, "
              f"engines per worker = threads, access log on; oxigraph: --union-default-graph "
              f"--timeout-s {int(args.timeout)}")

        oxigraph = start_oxigraph(work / "store", args.timeout, work / "oxigraph.log")
        ours = start_ours(release, args.workers, args.threads, True, args.timeout, work / "ours.log")
        differ = compare(ours, oxigraph, mix)
        print("same answers on both: " + ("all queries" if not differ else "NOT for " + "; ".join(differ)))
        stop(ours)
        stop(oxigraph)

        figures = []
        for start in (lambda: start_oxigraph(work / "store", args.timeout, work / "oxigraph.log"),
                      lambda: start_ours(release, args.workers, args.threads, True, args.timeout, work / "ours.log"),
                      lambda: start_ours(release, args.workers, args.threads, False, args.timeout, work / "ours.log")):
            running = start()
            try:
                figures.append(load(running, mix, args.clients, args.seconds, args.warmup))
            finally:
                stop(running)
        print()
        print(f"{'server':28} {'requests':>9} {'errors':>7} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8}")
        for f in figures:
            print(f"{f.name:28} {f.requests:9d} {f.errors:7d} {f.throughput:9.1f} {f.p50_ms:8.2f} {f.p95_ms:8.2f}")
        reference = figures[0]
        for f in figures[1:]:
            print(f"ratio {f.name} / oxigraph: throughput x{f.throughput / reference.throughput:.2f}, "
                  f"median latency x{f.p50_ms / reference.p50_ms:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
