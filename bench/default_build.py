"""How long the default build takes (all published documents: the two Henan documents and the
29 provincial reports), against the three Henan documents alone measured in the same run.

Each build runs ``henan-kg build --jobs N`` in a child process into a fresh directory (map,
validate, dumps, store, publish), so the figure is what ``./run main`` spends before serving
(``--jobs`` default: one per core). Prints the median wall and CPU seconds (the build and its
pool workers) of several runs per set and number of jobs, and the ratio to the reference (the three
Henan documents in one job).

    python -m bench.default_build [--runs 3] [--jobs 1,2] [--out bench/results/default-build.md]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.machine import describe
from kg.build import SOURCES_DIR


def henan_only(work: Path) -> Path:
    """A sources directory with the three Henan documents only: the top-level ones (the notice and
    the 2024 report) and the 2026 report the notice assigns."""
    out = work / "henan-only"
    out.mkdir()
    for p in [*SOURCES_DIR.iterdir(), *(SOURCES_DIR / "reports-2026").glob("2026-henan-*")]:
        if p.is_file() and p.suffix in (".toml", ".txt"):
            shutil.copy(p, out / p.name)
    return out


def timed_build(sources: Path, out: Path, jobs: int) -> tuple[float, float]:
    """Wall and CPU seconds of one ``henan-kg build`` in a child process."""
    before = os.times()
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kg.cli", "build", "-q", "--jobs", str(jobs), "--out", str(out)]
        + ["--sources", str(sources)],
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - t0
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", default=f"1,{os.cpu_count() or 1}", help="comma-separated numbers of jobs")
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    jobs = sorted({int(j) for j in a.jobs.split(",")})
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sets = {"three Henan documents (reference)": henan_only(work), "default build (all sources)": SOURCES_DIR}
        figures: dict[str, tuple[float, float]] = {}
        for name, sources in sets.items():
            for j in jobs if name.startswith("default") else [1]:
                runs = [timed_build(sources, work / f"build-{len(figures)}-{k}", j) for k in range(a.runs)]
                label = f"{name}, --jobs {j}"
                figures[label] = (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
    ref_wall, ref_cpu = figures["three Henan documents (reference), --jobs 1"]
    lines = [
        f"# Default build time ({a.runs} runs, medians)",
        "",
        describe(),
        "",
        "| sources | wall s | CPU s | × reference (wall) |",
        "|---|---|---|---|",
    ]
    for name, (wall, cpu) in figures.items():
        lines.append(f"| {name} | {wall:.1f} | {cpu:.1f} | {wall / ref_wall:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        a.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
