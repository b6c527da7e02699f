"""CPU cost of the mapping stage (``kg.build.assemble``) alone, per run and per triple.

    python -m bench.synth /tmp/c10 --size 10
    python -m bench.mapping /tmp/c10 [--runs 3] [--profile 30]

Prints each run's CPU seconds (``time.process_time``), their median and µs per output triple;
``--profile N`` adds one cProfile run and its N most expensive functions by own time.
Without a directory the real sources are mapped.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import time
from pathlib import Path

from kg.build import SOURCES_DIR, assemble


def cpu_seconds(sources: Path) -> tuple[float, int]:
    """One ``assemble`` run: CPU seconds and triples produced. The previous run's graphs are
    collected first (rdflib graphs are cyclic garbage), so every run starts as a build does."""
    gc.collect()
    start = time.process_time()
    graphs = assemble(sources)
    return time.process_time() - start, sum(len(g) for g in graphs.values())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sources", nargs="?", type=Path, default=SOURCES_DIR)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--profile", type=int, default=0, metavar="N")
    args = ap.parse_args(argv)
    runs = [cpu_seconds(args.sources) for _ in range(args.runs)]
    median = statistics.median(s for s, _ in runs)
    triples = runs[-1][1]
    print(
        f"{args.sources}: {triples} triples; runs {', '.join(f'{s:.3f}' for s, _ in runs)} s; "
        f"median {median:.3f} CPU-s = {median / triples * 1e6:.1f} µs/triple"
    )
    if args.profile:
        gc.collect()
        prof = cProfile.Profile()
        prof.runcall(assemble, args.sources)
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
