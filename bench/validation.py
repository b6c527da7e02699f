"""How long SHACL validation takes: pySHACL (the reference) against the shapes compiled to SPARQL.

Validates the real graph (every named graph of the default build, merged) and synthetic corpora
``k``× the two Henan documents (``bench/synth.py``, layout ``many``, mapped by the build's
``assemble``), each with both validators as the build runs them: pySHACL on the rdflib graph,
helped by an in-memory Oxigraph copy (``shapes.validate.validate(g, store=…)``), and
``shapes.compiled.validate_store`` on that same copy (loading it is timed apart: the build loads it
for both). The runs alternate; medians of CPU and wall seconds, CPU per triple, the ratio
pySHACL / compiled, and whether both found the same (severity, shape, focus node) results.

    python -m bench.validation [--synth 10 100] [--runs 3 3 1] [--out bench/results/validation-compiled.md]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pyoxigraph import Store
from rdflib import Graph

from bench.machine import describe
from shapes.candidates import store_of
from shapes.compiled import validate_store
from shapes.validate import ValidationResult, validate


def real_graph() -> Graph:
    """The default build's named graphs, merged."""
    from kg.build import assemble, union

    return union(assemble())


def synthetic_graph(size: int, work: Path) -> Graph:
    """A ``size``× synthetic corpus (``bench.synth``), mapped and merged as the build does."""
    from bench.synth import write_corpus
    from kg.build import assemble, union

    corpus = work / f"corpus-many-{size}"
    if not corpus.exists():
        write_corpus(corpus, size, "many")
    return union(assemble(sources_dir=corpus))


def timed(run: Callable[[], ValidationResult]) -> tuple[float, float, ValidationResult]:
    """CPU and wall seconds of one validation (CPU: the wall clock also counts other processes' turns)."""
    gc.collect()
    c, w = time.process_time(), time.perf_counter()
    result = run()
    return time.process_time() - c, time.perf_counter() - w, result


def results(result: ValidationResult) -> set[tuple]:
    return {(f.severity, f.shape, f.focus) for f in result.findings}


def measure(name: str, g: Graph, runs: int) -> str:
    """One row: store load, then ``runs`` alternating validations by each validator."""
    c = time.process_time()
    store: Store = store_of(g)
    load = time.process_time() - c
    cpu: dict[str, list[float]] = {"pyshacl": [], "compiled": []}
    wall: dict[str, list[float]] = {"pyshacl": [], "compiled": []}
    found: dict[str, set] = {}
    for _ in range(runs):
        for label, run in (("pyshacl", lambda: validate(g, store=store)), ("compiled", lambda: validate_store(store))):
            cpu_s, wall_s, result = timed(run)
            cpu[label].append(cpu_s)
            wall[label].append(wall_s)
            found[label] = results(result)
    py, co = statistics.median(cpu["pyshacl"]), statistics.median(cpu["compiled"])
    same = "yes" if found["pyshacl"] == found["compiled"] else "NO"
    return (
        f"| {name} | {len(g):,} | {runs} | {load:.2f} | {py:.2f} | {statistics.median(wall['pyshacl']):.2f} "
        f"| {co:.2f} | {statistics.median(wall['compiled']):.2f} | {py / len(g) * 1e6:.1f} | {co / len(g) * 1e6:.1f} "
        f"| {py / co:.2f} | {same} ({len(found['compiled'])}) |"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--synth", type=int, nargs="*", default=[10, 100], help="synthetic corpus sizes")
    ap.add_argument("--runs", type=int, nargs="+", default=[3, 3, 1], help="runs per graph (real first; last repeats)")
    ap.add_argument("--work", type=Path, help="where the synthetic corpora are written (default: a temporary dir)")
    ap.add_argument("--out", type=Path, help="also write the figures to this file")
    args = ap.parse_args(argv)
    lines = [
        "# SHACL validation: pySHACL (reference) vs the shapes compiled to SPARQL on Oxigraph",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {describe()}",
        "",
        "| graph | triples | runs | store load cpu s | pySHACL cpu s | pySHACL wall s | compiled cpu s "
        "| compiled wall s | pySHACL cpu µs/triple | compiled cpu µs/triple | pySHACL / compiled (cpu) "
        "| same results (count) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    print("\n".join(lines), flush=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="henan-kg-validation-"))
    graphs: list[tuple[str, Callable[[], Graph]]] = [("real (default build)", real_graph)]
    graphs += [(f"synthetic {k}×", lambda k=k: synthetic_graph(k, work)) for k in args.synth]  # type: ignore[misc]
    for i, (name, make) in enumerate(graphs):
        g = make()
        row = measure(name, g, args.runs[min(i, len(args.runs) - 1)])
        print(row, flush=True)
        lines.append(row)
        del g
    lines += [
        "",
        "cpu / wall s: medians over the runs (alternating validators); store load: the Oxigraph copy both use "
        "(not counted in either). Same results: equal sets of (severity, shape, focus node), and their number.",
    ]
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
