"""How long SHACL validation of the graph takes, and how that grows with the graph.

Validates the real graph (every named graph of the build, merged) and synthetic graphs 10× and
100× its size, made by replicating each document's named graph under renamed IRIs
(``doc/henan/yuzheng/2026/4`` → ``doc/henan-r7/yuzheng/2026/4``, its tasks, spans, targets … with it) beside one copy of
the shared graphs (ontology, agencies, places, indicators). The copies are valid data, so the
figures are for a conforming graph, the case every build is in. Prints the median of several runs
per size, the time per triple and its ratio to the real graph's.

    python -m bench.validation [--sizes 1 10 100] [--runs 5 3 1] [--out bench/results/validation.txt]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from rdflib import Graph, URIRef

from bench.machine import describe
from mappings.iris import DEFAULT_BASE, Iris
from shapes.validate import validate


def real_graphs(iris: Iris) -> dict[URIRef, Graph]:
    """The build's named graphs (ontology, reference, one per document)."""
    from kg.build import assemble

    return assemble(iris=iris)


def document_paths(graphs: dict[URIRef, Graph], iris: Iris) -> dict[URIRef, str]:
    """Named graph IRI → document IRI path, for the graphs that hold one document each."""
    from kg.build import DATA_ROOT, SOURCES_DIR
    from mappings.series import load_names
    from mappings.source import load_documents

    docs = load_documents(SOURCES_DIR, load_names(DATA_ROOT))
    return {iris.graph(d.iri_path): d.iri_path for d in docs if iris.graph(d.iri_path) in graphs}


def replicate(graph: Graph, prefix: str, new_prefix: str) -> Graph:
    """A copy of ``graph`` with every IRI under ``prefix`` moved under ``new_prefix``."""

    def move(term):
        if isinstance(term, URIRef) and (str(term) == prefix or term.startswith(prefix + "/")):
            return URIRef(new_prefix + term[len(prefix) :])
        return term

    copy = Graph()
    for s, p, o in graph:
        copy.add((move(s), p, move(o)))
    return copy


def synthetic(graphs: dict[URIRef, Graph], iris: Iris, factor: int) -> Graph:
    """The shared graphs once and every document graph ``factor`` times under renamed IRIs."""
    paths = document_paths(graphs, iris)
    g = Graph()
    for name, part in graphs.items():
        if name not in paths:
            g += part
    for name, path in paths.items():
        g += graphs[name]
        _, jurisdiction, rest = path.split("/", 2)  # doc/{jurisdiction}/…: the copy's is {jurisdiction}-r{k}
        for k in range(1, factor):
            g += replicate(graphs[name], iris.base + path, f"{iris.base}doc/{jurisdiction}-r{k}/{rest}")
    return g


def time_validation(g: Graph, runs: int) -> tuple[list[float], list[float], int]:
    """Wall-clock and CPU times of ``runs`` validations, and the violation count.

    CPU time is reported beside wall time because on a shared machine the wall clock also counts
    the time other processes held the cores.
    """
    wall, cpu, violations = [], [], 0
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        result = validate(g)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
        violations = result.violations
    return wall, cpu, violations


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100], help="replication factors")
    ap.add_argument("--runs", type=int, nargs="+", default=[5, 3, 1], help="runs per size (last repeats)")
    ap.add_argument("--out", type=Path, help="also write the figures to this file")
    args = ap.parse_args(argv)
    iris = Iris(DEFAULT_BASE)
    graphs = real_graphs(iris)
    lines = [
        "SHACL validation time (shapes/*.ttl, pyshacl, advanced, no inference) — "
        + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        f"machine: {describe()}",
        "",
    ]
    print("\n".join(lines), flush=True)
    header = (
        f"{'size':>5} {'triples':>10} {'runs':>4} {'wall s':>8} {'cpu s':>8} {'cpu µs/triple':>14} {'× real':>7}"
        f"  violations  wall of each run (s)"
    )
    print(header, flush=True)
    lines.append(header)
    reference = None
    for i, factor in enumerate(args.sizes):
        runs = args.runs[min(i, len(args.runs) - 1)]
        g = synthetic(graphs, iris, factor)
        wall, cpu, violations = time_validation(g, runs)
        per = statistics.median(cpu) / len(g) * 1e6
        reference = reference or per
        row = (
            f"{factor:>4}× {len(g):>10} {runs:>4} {statistics.median(wall):>8.2f} {statistics.median(cpu):>8.2f} "
            f"{per:>14.1f} {per / reference:>7.2f}  {violations:>10}  " + " ".join(f"{t:.2f}" for t in wall)
        )
        print(row, flush=True)
        lines.append(row)
        del g
    lines += [
        "",
        "wall s / cpu s: medians over the runs; cpu µs/triple: median CPU time per triple; "
        "× real: that, relative to the real graph (1×).",
        "Synthetic graphs: each document's named graph replicated under renamed IRIs, shared graphs once.",
    ]
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
