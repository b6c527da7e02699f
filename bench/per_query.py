"""Each research query alone, once, against the endpoint serving a release: seconds, rows, status.

The load benchmarks measure the query mix under concurrency; this shows which single query is
slow at a size (and whether it answers at all within the limit), e.g. on a 1000× store from disk:

    python -m bench.per_query RELEASE_DIR [--store-mode disk] [--timeout 120]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import requests

from bench.loadgen import research_mix, serve
from bench.machine import describe


def run(release: Path, store_mode: str, timeout_s: float) -> list[tuple[str, int, float, int | None]]:
    """``(query, HTTP status, seconds, rows)`` for each gallery query, sent one after another."""
    out = []
    with serve(release, store_mode=store_mode, workers=1, threads=2, timeout_s=timeout_s) as server:
        for name, sparql in research_mix():
            t0 = time.perf_counter()
            r = requests.post(
                server.url + "/sparql",
                data={"query": sparql},
                headers={"Accept": "application/sparql-results+json"},
                timeout=timeout_s + 30,
            )
            seconds = time.perf_counter() - t0
            rows = len(r.json()["results"]["bindings"]) if r.status_code == 200 else None
            out.append((name, r.status_code, seconds, rows))
            print(f"{name}\t{r.status_code}\t{seconds:.2f} s\t{rows if rows is not None else '-'} rows", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("release", type=Path, help="a release directory (with henan-kg.nq, manifest.json, store/)")
    p.add_argument("--store-mode", choices=["memory", "disk"], default="disk")
    p.add_argument("--timeout", type=float, default=120.0, help="the endpoint's QUERY_TIMEOUT_S")
    a = p.parse_args(argv)
    print(f"machine: {describe()}", flush=True)
    results = run(a.release.resolve(), a.store_mode, a.timeout)
    answered = sum(1 for _, status, _, _ in results if status == 200)
    print(f"{answered} of {len(results)} answered 200; slowest {max(s for _, _, s, _ in results):.2f} s")
    return 0 if answered == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
