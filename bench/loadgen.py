"""Start the gunicorn-served endpoint on a release and fire a query mix at it: shared by bench and tests.

:func:`serve` starts ``henan-kg serve`` (the project's gunicorn launcher) in its own process
group on a free 127.0.0.1 port and waits for ``/health``; :func:`fire` runs ``clients`` threads that
each send queries of the mix for ``seconds`` (or ``requests`` per client) and returns throughput,
latency percentiles and every non-2xx answer or connection error.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "examples" / "queries"


def research_mix(base: str | None = None) -> list[tuple[str, str]]:
    """The gallery's example research queries as ``(name, sparql)``."""
    from endpoint.gallery import load_gallery

    return [(e.name, e.sparql) for e in load_gallery(GALLERY)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running endpoint: its URL and the gunicorn master process."""

    url: str
    proc: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid


def serve_command(port: int, workers: int) -> list[str]:
    """How the project serves the endpoint (``henan-kg serve``), on 127.0.0.1:``port``."""
    return [
        sys.executable,
        "-m",
        "kg.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


@contextmanager
def serve(
    release_dir: Path,
    *,
    store_mode: str = "memory",
    workers: int = 2,
    threads: int = 4,
    timeout_s: float = 3.0,
    log: Path | None = None,
    extra_env: dict[str, str] | None = None,
    start_timeout_s: float = 300.0,
) -> Iterator[Server]:
    """The endpoint serving ``release_dir`` until the block ends (then SIGTERM, SIGKILL if needed)."""
    port = free_port()
    log = log or Path(os.environ.get("TMPDIR", "/tmp")) / f"henan-kg-endpoint-{port}.log"
    env = {
        **os.environ,
        "HENAN_KG_RELEASE_DIR": str(release_dir),
        "HENAN_KG_STORE_MODE": store_mode,
        "HENAN_KG_WORKERS": str(workers),
        "HENAN_KG_THREADS": str(threads),
        "HENAN_KG_QUERY_TIMEOUT_S": str(timeout_s),
        "HENAN_KG_ACCESS_LOG": "0",
        **(extra_env or {}),
    }
    out = log.open("wb")
    proc = subprocess.Popen(
        serve_command(port, workers), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if proc.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the endpoint exited ({proc.returncode}): {tail}")
            try:
                if requests.get(server.url + "/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the endpoint did not answer /health within {start_timeout_s} s")
            time.sleep(0.2)
        yield server
    finally:
        stop(proc)
        out.close()


def stop(proc: subprocess.Popen, grace_s: float = 15.0) -> None:
    """SIGTERM the server's process group, then SIGKILL what is left."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


@dataclass
class LoadResult:
    """What a load run measured."""

    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "throughput_qps": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50) * 1000, 1),
            "p95_ms": round(self.percentile(95) * 1000, 1),
            "p99_ms": round(self.percentile(99) * 1000, 1),
            "max_ms": round(max(self.latencies, default=0) * 1000, 1),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 1) if self.latencies else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": len(self.failures),
        }


def fire(
    url: str,
    queries: Sequence[tuple[str, str]],
    *,
    clients: int,
    seconds: float | None = None,
    per_client: int | None = None,
    accept: str = "application/sparql-results+json",
    timeout_s: float = 60.0,
    unique: bool = False,
) -> LoadResult:
    """``clients`` threads, each with its own connection, sending the mix round-robin.

    ``unique`` appends a comment that differs per request, so that the endpoint's result cache
    cannot answer and every request is evaluated."""
    result = LoadResult()
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    deadline: list[float] = [0.0]

    def client(k: int) -> None:
        session = requests.Session()
        start_gate.wait()
        n = 0
        while True:
            if per_client is not None and n >= per_client:
                break
            if seconds is not None and time.monotonic() >= deadline[0]:
                break
            name, sparql = queries[(k + n) % len(queries)]
            if unique:
                sparql = f"{sparql}\n# client {k} request {n}"
            n += 1
            t0 = time.monotonic()
            try:
                r = session.post(url + "/sparql", data={"query": sparql}, headers={"Accept": accept}, timeout=timeout_s)
                _ = r.content
                status, error = r.status_code, None
            except requests.RequestException as e:
                status, error = 0, f"{name}: {type(e).__name__}: {e}"
            dt = time.monotonic() - t0
            with lock:
                result.requests += 1
                result.latencies.append(dt)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if error or not 200 <= status < 300:
                    result.failures.append(error or f"{name}: HTTP {status}: {r.text[:160]}")
        session.close()

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    deadline[0] = t0 + (seconds or 0)
    start_gate.wait()
    for t in threads:
        t.join()
    result.seconds = time.monotonic() - t0
    return result


def health(url: str) -> dict:
    return json.loads(requests.get(url + "/health", timeout=10).content)
