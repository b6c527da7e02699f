"""Our endpoint against Oxigraph's own server, on the same graph, the same query mix, the same load.

In one run: load the release's ``henan-kg.nq`` into an Oxigraph store (``oxigraph load``) and copy
the union of its named graphs into its default graph, as our endpoint's in-memory store does; start
``oxigraph serve-read-only`` on it (the reference) and ours under gunicorn with the result cache off;
check that every query of the mix gives the same answer set on both and time each query alone; then
send the mix from ``--clients`` concurrent clients (8 and 32 by default, each one keep-alive
connection going round the mix) and from ``--crowd`` (200), for ``--seconds`` each. Servers take
turns, their order alternating, over ``--rounds`` rounds, because the machine may be shared: the
figures are medians over the rounds and the ratios medians of each round's ratio. Prints, for each
load, throughput (answers with status 200 per second), median and 95th-percentile latency, errors
(503s included) and the CPU time the server's processes used per request (less sensitive to other
work on the machine than throughput), the ratios, the load average and the machine. ``--extra``
also measures ``oxigraph serve-read-only --union-default-graph`` (how a researcher would start it)
and ours with the result cache on.

    .venv/bin/python -m bench.endpoint_vs_oxigraph --release kg/build/current
    .venv/bin/python bench/endpoint_vs_oxigraph.py --rounds 5 --seconds 10 > bench/results/….txt

(Run as a file it puts the project root on ``sys.path`` itself so that ``bench`` imports.)
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
import threading
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
CLIENT_PROCESSES = 8  # clients beyond this many share processes as threads
REFERENCE = "oxigraph (materialised dg)"
OURS = "endpoint (no cache)"


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


def client(url: str, mix: list[tuple[str, str]], start_at: int, seconds: float) -> tuple[list[float], int]:
    """One client: one keep-alive connection, round the mix from ``start_at`` until time is up;
    its latencies and how many answers were not 200 (or no answer)."""
    host = url.removeprefix("http://").partition("/")[0]
    conn = http.client.HTTPConnection(host, timeout=60)
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
            conn = http.client.HTTPConnection(host, timeout=60)
        latencies.append(time.perf_counter() - started)
        errors += status != 200
    conn.close()
    return latencies, errors


def client_process(url: str, mix: list[tuple[str, str]], starts: list[int], seconds: float, out: mp.Queue) -> None:
    """Clients as threads of one process (one per entry of ``starts``), so that 200 clients need not
    be 200 processes; each thread is a blocking client, so they overlap while waiting."""
    results: list[tuple[list[float], int]] = []
    threads = [threading.Thread(target=lambda k=k: results.append(client(url, mix, k, seconds))) for k in starts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(([x for lat, _ in results for x in lat], sum(e for _, e in results)))


def tree_cpu_s(root: int) -> float:
    """CPU seconds (user + system) used so far by ``root`` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    used: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            used[int(entry.name)] = int(fields[11]) + int(fields[12])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += used.get(pid, 0)
        todo += children.get(pid, [])
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Figures:
    """One measurement: one server, one number of clients, one round."""

    latencies: list[float]
    errors: int
    seconds: float
    cpu_s: float  # CPU time of the server's processes while measured

    @property
    def throughput(self) -> float:
        """Answers with status 200 per second: a quick 503 is not served work."""
        return (len(self.latencies) - self.errors) / self.seconds

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.latencies) or [float("nan")]
        return ordered[int(p / 100 * (len(ordered) - 1))] * 1000

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_s / max(1, len(self.latencies))


def load(running: Running, mix: list[tuple[str, str]], clients: int, seconds: float, warmup: float) -> Figures:
    """``clients`` clients in at most :data:`CLIENT_PROCESSES` processes: a warm-up, then the measure."""
    procs_n = min(clients, CLIENT_PROCESSES)
    starts = [[k * 3 for k in range(clients) if k % procs_n == j] for j in range(procs_n)]
    for phase, length in (("warmup", warmup), ("measure", seconds)):
        queue: mp.Queue = mp.Queue()
        procs = [mp.Process(target=client_process, args=(running.url, mix, s, length, queue)) for s in starts]
        cpu = tree_cpu_s(running.process.pid)
        started = time.monotonic()
        for proc in procs:
            proc.start()
        results = [queue.get(timeout=length + 120) for _ in procs]  # a client that died must not hang the run
        for proc in procs:
            proc.join()
        elapsed = time.monotonic() - started
        cpu = tree_cpu_s(running.process.pid) - cpu
    latencies = [x for lat, _ in results for x in lat]
    return Figures(latencies, sum(e for _, e in results), elapsed, cpu)


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


def per_query(servers: list[Running], mix: list[tuple[str, str]], runs: int = 10) -> None:
    """One client, one query at a time, a new connection each: the median time of each query on each
    server, and the CPU time the server's processes used per run (the sum of those is what one pass
    over the mix costs each server, whatever else the machine is doing)."""
    print(f"\nper query, one client, median of {runs} sequential runs (ms), and server CPU per run (ms):")
    print(f"{'query':40} " + " ".join(f"{s.name[:26]:>26} {'CPU':>7}" for s in servers))
    totals = [0.0] * len(servers)
    for name, query in mix:
        cells = []
        for k, server in enumerate(servers):
            times = []
            cpu = tree_cpu_s(server.process.pid)
            for _ in range(runs):
                started = time.perf_counter()
                get(server.url, query)
                times.append((time.perf_counter() - started) * 1000)
            cpu_ms = (tree_cpu_s(server.process.pid) - cpu) * 1000 / runs
            totals[k] += cpu_ms
            cells.append(f"{statistics.median(times):26.2f} {cpu_ms:7.1f}")
        print(f"{name[:40]:40} " + " ".join(cells))
    print(f"{'server CPU for one pass over the mix':40} " + " ".join(f"{'':26} {t:7.1f}" for t in totals))


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


def levels(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--release", help="Release directory (default: kg/build/current, else a fresh build).")
    parser.add_argument("--queries", default=str(ROOT / "examples" / "queries"), help="Folder of *.rq queries.")
    parser.add_argument("--clients", type=levels, default=[8, 32], help="Client counts to compare at (8,32).")
    parser.add_argument("--crowd", type=int, default=200, help="Clients of the crowd measurement (0: none).")
    parser.add_argument("--seconds", type=float, default=8, help="Measured seconds per server and load.")
    parser.add_argument("--warmup", type=float, default=2, help="Unmeasured seconds before each measurement.")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="gunicorn workers of ours.")
    parser.add_argument("--threads", type=int, default=4, help="General engines per worker of ours.")
    parser.add_argument("--timeout", type=float, default=5, help="Query time limit for both servers (s).")
    parser.add_argument("--rounds", type=int, default=3, help="Rounds; the servers take turns in each.")
    parser.add_argument("--extra", action="store_true", help="Also Oxigraph's union flag and our result cache.")
    args = parser.parse_args()

    release = find_release(args.release)
    mix = read_mix(Path(args.queries))
    manifest = read_manifest(release)
    work = Path(tempfile.mkdtemp(prefix="bench-oxigraph-"))
    servers: dict[str, Running] = {}
    try:
        for store in ("store", "store-dg") if args.extra else ("store-dg",):
            oxigraph_load(release, work / store, materialise=store == "store-dg")
        print(f"machine: {machine()}")
        print(
            f"graph: {release.name}: {manifest['quads']} quads, {manifest['triples']} triples, "
            f"{len(manifest['graphs'])} named graphs"
        )
        print(f"mix: {len(mix)} queries from {args.queries}: {', '.join(n for n, _ in mix)}")
        loads = args.clients + ([args.crowd] if args.crowd else [])
        print(
            f"load: {', '.join(map(str, loads))} clients (in at most {CLIENT_PROCESSES} processes, each client one "
            f"keep-alive connection), {args.warmup:g} s warm-up and {args.seconds:g} s measured per server and load, "
            f"{args.rounds} rounds, servers taking turns (order alternating)"
        )
        print(
            f"ours: gunicorn {args.workers} workers, {args.threads} general + 1 light engines per worker, in-memory "
            f"store, result cache off, access log on; {REFERENCE}: oxigraph serve-read-only --timeout-s "
            f"{int(args.timeout)} on a store with the union of the named graphs copied into its default graph "
            "(what ours serves)"
        )
        servers[REFERENCE] = start_oxigraph(work / "store-dg", args.timeout, work / "oxigraph-dg.log", union=False)
        servers[OURS] = start_ours(release, args.workers, args.threads, False, args.timeout, work / "ours.log")
        if args.extra:
            servers["oxigraph --union-default-graph"] = start_oxigraph(work / "store", args.timeout, work / "ox.log")
            servers["endpoint (cache)"] = start_ours(
                release, args.workers, args.threads, True, args.timeout, work / "ours-cache.log"
            )
        differ = compare(servers[OURS], servers[REFERENCE], mix)
        print("same answers on both: " + ("all queries" if not differ else "NOT for " + "; ".join(differ)))
        per_query([servers[REFERENCE], servers[OURS]], mix)

        results: dict[tuple[str, int], list[Figures]] = {}
        print(f"\nload average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for r in range(args.rounds):
            for k, clients in enumerate(loads):
                names = list(servers)
                names = names if (r + k) % 2 == 0 else names[::-1]  # alternate who goes first
                for name in names:
                    results.setdefault((name, clients), []).append(
                        load(servers[name], mix, clients, args.seconds, args.warmup)
                    )
            print(f"round {r + 1}: load average {os.getloadavg()[0]:.2f}", flush=True)
        report(results, list(servers), loads, args.clients)
    finally:
        for running in servers.values():
            stop(running)
        shutil.rmtree(work, ignore_errors=True)


def oxigraph_load(release: Path, store: Path, materialise: bool) -> None:
    """An on-disk Oxigraph store of the release; ``materialise``: the union copied into the default graph."""
    oxigraph = str(VENV_BIN / "oxigraph")
    subprocess.run(
        [oxigraph, "load", "--location", str(store), "--file", str(release / NQUADS)], check=True, capture_output=True
    )
    if materialise:
        update = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
        subprocess.run(
            [oxigraph, "update", "--location", str(store), "--update", update], check=True, capture_output=True
        )


def report(
    results: dict[tuple[str, int], list[Figures]], names: list[str], loads: list[int], compared: list[int]
) -> None:
    """Medians over rounds for each server and load, then the ratios to the reference."""
    med = statistics.median
    print()
    print(
        f"{'server':32} {'clients':>7} {'200/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} {'CPU ms/req':>10}"
        "  200/s per round"
    )
    for clients in loads:
        for name in names:
            rounds = results[(name, clients)]
            print(
                f"{name:32} {clients:7d} {med(f.throughput for f in rounds):8.1f} "
                f"{med(f.percentile_ms(50) for f in rounds):8.2f} {med(f.percentile_ms(95) for f in rounds):8.1f} "
                f"{sum(f.errors for f in rounds):7d} {med(f.cpu_ms for f in rounds):10.2f}  "
                + " ".join(f"{f.throughput:.0f}" for f in rounds)
            )
    print()
    for clients in loads:
        ours, ref = results[(OURS, clients)], results[(REFERENCE, clients)]
        ratios = [o.throughput / x.throughput for o, x in zip(ours, ref, strict=True)]
        cpu = [x.cpu_ms / o.cpu_ms for o, x in zip(ours, ref, strict=True) if o.cpu_ms]
        tag = "" if clients in compared else " (crowd)"
        print(
            f"{clients} clients{tag}: throughput {OURS} / {REFERENCE} x{med(ratios):.2f} (median of rounds: "
            + " ".join(f"{x:.2f}" for x in ratios)
            + f"); CPU per request {REFERENCE} / ours x{med(cpu):.2f}"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
