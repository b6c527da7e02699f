"""How the cost of a build and of serving grows with the corpus: 1×, 10×, 100×, 1000× the real documents.

For each size a synthetic corpus is generated (:mod:`bench.synth`) and built in a child process of
its own (pinned to ``--cores`` CPUs, address space capped at ``--mem-gib``, killed after
``--timeout`` seconds), which runs ``kg.build.build`` and times its stages (``kg.build.STAGES``)
through the hook the build enters around each:

- map: ``assemble`` (every document through its mapping, plus reference and ontology graphs);
- write: ``write_stage`` (input hashes, sorted dumps, gzip, VoID, the on-disk store);
- validate: ``validate_stage``: the SHACL validation of the named graphs' union, helped by that store;
- publish: the atomic swap of ``current``;
- load (the bench's own): a fresh ``bulk_load`` of the N-Quads dump into an on-disk Oxigraph store.

Peak memory is the child's ``ru_maxrss`` from ``wait4``. Then the endpoint (gunicorn, on-disk
store from ``--disk-from`` times up) serves the release and the research query mix (the gallery
queries) is fired by ``--clients`` clients for ``--seconds``. Each stage's seconds per million
triples is compared between consecutive sizes; a ratio above ``--flag`` marks the stage as
growing faster than linearly.

Short form (CI)::

    python -m bench.scale --short

Full form (documented command)::

    python -m bench.scale --sizes 1,10,100 --cores 1 --timeout 3600 --save
    python -m bench.scale --sizes 1000 --streamed --disk-from 1000 --timeout 5400 --save   # 1000×, from disk

The whole-graph build does not reach 1000×: it holds every named graph in rdflib (about 1.2 KiB
per triple), so 1000× needs more than this machine's memory. ``--streamed`` maps, validates and
writes one document at a time (constant memory; add ``--no-validate`` to skip the shapes), which
is how the 1000× build, store and endpoint are measured; ``--replicate K`` serves K renamed
copies of a streamed build's documents instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.machine import describe, machine
from release.layout import NQUADS, STORE_DIR, read_manifest, write_manifest

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
STAGES = ("map", "validate", "write", "load")


# --- the child: one build, timed stage by stage ----------------------------------------------------


def child(corpus: Path, build_dir: Path, out: Path, validate: bool) -> None:
    """Build ``corpus`` into ``build_dir`` with ``kg.build.build``, timing each of its stages; write JSON to ``out``.

    The stages are the build's own (``kg.build.STAGES``: map, write, validate, publish), timed by
    the hook ``build`` enters around each; ``--no-validate`` replaces the validation by nothing
    (and leaves it out of the record). A graph that violates the shapes is recorded, not published."""
    from contextlib import contextmanager

    from kg import build as b
    from mappings.iris import DEFAULT_BASE, Iris

    def rss_mib() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def cpu() -> float:
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    rec: dict = {"stages": {}, "cpu": {}, "rss_after_mib": {}}

    @contextmanager
    def timed(stage: str) -> Iterator[None]:
        t0, c0 = time.perf_counter(), cpu()
        yield
        if stage == "validate" and not validate:
            return
        rec["stages"][stage] = round(time.perf_counter() - t0, 3)
        rec["cpu"][stage] = round(cpu() - c0, 3)
        rec["rss_after_mib"][stage] = round(rss_mib(), 1)
        out.write_text(json.dumps(rec))

    iris = Iris(DEFAULT_BASE)
    try:
        release = b.build(
            build_dir, sources_dir=corpus, iris=iris, validate=None if validate else (lambda _g: None), stage=timed
        )
    except b.ValidationFailed as e:
        rec.update(conforms=False, violations=int(getattr(e.result, "violations", 0)))
        out.write_text(json.dumps(rec))
        raise
    if validate:
        rec["conforms"] = bool(getattr(release.validation, "conforms", False))
        rec["violations"] = int(getattr(release.validation, "violations", 0))
    release.validation = None
    rec["documents"] = len(release.graphs) - 3  # less the ontology, reference and dataset graphs
    rec.update(
        triples=release.triples,
        quads=release.quads,
        checksum=release.checksum,
        release=str(release.path),
        nq_bytes=(release.path / NQUADS).stat().st_size,
    )
    gc.collect()  # the build's graphs are garbage now; the load below is timed on its own
    t0, c0 = time.perf_counter(), cpu()
    scratch = build_dir / "load-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    rec["loaded_quads"] = b.load_store(release.path / NQUADS, scratch)
    rec["stages"]["load"] = round(time.perf_counter() - t0, 3)
    rec["cpu"]["load"] = round(cpu() - c0, 3)
    rec["rss_after_mib"]["load"] = round(rss_mib(), 1)
    out.write_text(json.dumps(rec))
    shutil.rmtree(scratch, ignore_errors=True)


def streamed_child(corpus: Path, build_dir: Path, out: Path, validate: bool) -> None:
    """The build as it would have to run at 1000×: one document at a time, straight to N-Quads.

    Each document goes through the real mappings into a store of its own beside copies of the
    ontology and reference graphs; with ``validate`` that union is checked against the shapes
    (the shapes hold within a document, so this is the whole validation but for rules across
    documents, of which there are none); then its named graph is written as sorted N-Quads and
    dropped, so memory stays that of one document. The dump is bulk-loaded into an on-disk store
    and published with a manifest the endpoint can serve. No Turtle or N-Triples dump."""
    import hashlib

    from rdflib import URIRef
    from rdflib.plugins.stores.memory import Memory

    from kg import build as b
    from mappings.iris import DEFAULT_BASE, Iris
    from mappings.reference import load_reference
    from mappings.source import load_documents
    from shapes.validate import validate as shacl

    rec: dict = {"stages": {}, "cpu": {}, "rss_after_mib": {}, "streamed": True, "violations": 0}

    def cpu() -> float:
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    iris = Iris(DEFAULT_BASE)
    release = build_dir / "releases" / "streamed"
    release.mkdir(parents=True)
    nq = release / NQUADS
    digest, quads, graphs = hashlib.sha256(), 0, {}
    t0, c0 = time.perf_counter(), cpu()
    checking, checking_wall = 0.0, 0.0  # seconds spent validating, counted apart from mapping
    ref = load_reference(b.DATA_ROOT)
    shared = b.shared_graphs(ref, iris)
    with nq.open("w", encoding="utf-8") as f:

        def emit(name, g) -> None:
            nonlocal quads
            suffix = f" <{name}> .\n"
            for line in b.sorted_triples(g):
                text = line[: -len(" .")] + suffix
                f.write(text)
                digest.update(text.encode("utf-8"))
            graphs[str(name)] = len(g)
            quads += len(g)

        for name, g in shared.items():
            emit(name, g)
        documents = 0
        for doc in load_documents(corpus, ref.names):
            store = Memory()  # the document's own, beside the shared graphs when it is validated
            beside = b.in_one_store(shared, store) if validate else {}
            g = b.map_document(doc, ref, iris, store)
            iri = g.identifier
            assert isinstance(iri, URIRef)  # a document's graph is named by its IRI
            if validate:
                c1, w1 = cpu(), time.perf_counter()
                result = shacl(b.union({**beside, iri: g}))
                rec["violations"] += result.violations
                checking, checking_wall = checking + cpu() - c1, checking_wall + time.perf_counter() - w1
            emit(iri, g)
            documents += 1
            if documents % 50 == 0:  # progress, for a run that may be killed by its timeout
                rec["progress"] = {
                    "documents": documents,
                    "quads": quads,
                    "wall_s": round(time.perf_counter() - t0, 1),
                    "cpu_s": round(cpu() - c0, 1),
                    "violations": rec["violations"],
                }
                out.write_text(json.dumps(rec))
    rec["stages"]["map"] = round(time.perf_counter() - t0 - checking_wall, 3)
    rec["cpu"]["map"] = round(cpu() - c0 - checking, 3)
    if validate:
        rec["stages"]["validate"], rec["cpu"]["validate"] = round(checking_wall, 3), round(checking, 3)
        rec["conforms"] = rec["violations"] == 0
    rec["rss_after_mib"]["map"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    rec.update(documents=documents, triples=quads, quads=quads, nq_bytes=nq.stat().st_size)
    out.write_text(json.dumps(rec))
    t0, c0 = time.perf_counter(), cpu()
    rec["loaded_quads"] = b.load_store(nq, release / STORE_DIR)
    rec["stages"]["load"] = round(time.perf_counter() - t0, 3)
    rec["cpu"]["load"] = round(cpu() - c0, 3)
    rec["rss_after_mib"]["load"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    note = "bench.scale --streamed: " + ("validated document by document" if validate else "not validated")
    write_manifest(
        release,
        checksum=digest.hexdigest(),
        triples=quads,
        quads=rec["loaded_quads"],
        graphs=graphs,
        base=iris.base,
        dumps=[NQUADS],
        note=note,
    )
    (build_dir / "current").symlink_to(Path("releases") / "streamed")
    rec["release"] = str(release)
    out.write_text(json.dumps(rec))


def replicate_release(source: Path, copies: int, build_dir: Path) -> dict:
    """A release of ``copies`` × the documents of the (streamed) release ``source``, for serving tests.

    Each copy renames the synthetic documents (``synth-00007`` → ``synth-0300007`` in copy 3) in every
    IRI and literal, so the copies are distinct documents sharing the reference and ontology graphs,
    which are written once. This scales what the endpoint serves without mapping every document: it
    measures the store and the endpoint, not the mappings."""
    import hashlib
    import re

    from kg import build as b

    rec: dict = {"stages": {}, "cpu": {}, "replicated": copies}
    release = build_dir / "releases" / "replicated"
    release.mkdir(parents=True)
    nq = release / NQUADS
    # the synthetic documents' five-digit numbers in their IRIs (doc/henan/yuzheng/2026/10001)
    slug = re.compile(r"(/yuzheng/\d{4}/)(\d{5})")
    shared = tuple(f"/id/graph/{g}> .\n" for g in ("ontology", "reference"))
    digest, quads = hashlib.sha256(), 0
    t0, c0 = time.perf_counter(), time.process_time()
    base = read_manifest(source)["base"]
    with (source / NQUADS).open(encoding="utf-8") as f:
        lines = f.readlines()
    common = [line for line in lines if line.endswith(shared)]
    own = [line for line in lines if not line.endswith(shared)]
    with nq.open("w", encoding="utf-8") as out:
        out.writelines(common)
        quads += len(common)
        for c in range(copies):
            text = slug.sub(lambda m: f"{m.group(1)}{c:02d}{m.group(2)}", "".join(own))  # called before c changes
            out.write(text)
            digest.update(text.encode("utf-8"))
            quads += len(own)
    rec["stages"]["replicate"] = round(time.perf_counter() - t0, 3)
    rec["cpu"]["replicate"] = round(time.process_time() - c0, 3)
    t0, c0 = time.perf_counter(), time.process_time()
    rec["loaded_quads"] = b.load_store(nq, release / STORE_DIR)
    rec["stages"]["load"] = round(time.perf_counter() - t0, 3)
    rec["cpu"]["load"] = round(time.process_time() - c0, 3)
    write_manifest(
        release,
        checksum=digest.hexdigest(),
        triples=quads,
        quads=rec["loaded_quads"],
        graphs={},
        base=base,
        dumps=[NQUADS],
        note=f"bench.scale replicated {copies}x; not validated",
    )
    (build_dir / "current").symlink_to(Path("releases") / "replicated")
    rec.update(triples=quads, quads=rec["loaded_quads"], nq_bytes=nq.stat().st_size, release=str(release))
    return rec


# --- the parent --------------------------------------------------------------------------------------


def code_version() -> str:
    """The commit the figures were measured on, and whether the working tree differed from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return head + (" (+ uncommitted changes)" if dirty else "")


def run_child(
    corpus: Path,
    build_dir: Path,
    out: Path,
    *,
    cores: int,
    mem_gib: float,
    timeout: float,
    validate: bool,
    streamed: bool = False,
) -> dict:
    """Run :func:`child` in a limited process; return its record with peak RSS, wall time and fate."""
    cpus = sorted(os.sched_getaffinity(0))[:cores]

    def limits() -> None:
        os.sched_setaffinity(0, cpus)
        cap = int(mem_gib * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    cmd = [sys.executable, "-m", "bench.scale", "--child", str(corpus), str(build_dir), str(out)]
    if not validate:
        cmd.append("--no-validate")
    if streamed:
        cmd.append("--streamed")
    log = out.with_suffix(".log")
    t0 = time.monotonic()
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, preexec_fn=limits, stdout=err, stderr=subprocess.STDOUT)
        fate = "ok"
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                fate = f"killed after the {timeout:.0f} s timeout"
                break
            time.sleep(0.2)
    proc.returncode = os.waitstatus_to_exitcode(status)
    rec = json.loads(out.read_text()) if out.exists() else {"stages": {}}
    rec["wall_s"] = round(time.monotonic() - t0, 2)
    rec["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    rec["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2)
    if fate == "ok" and proc.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        fate = f"failed (exit {proc.returncode}): {' | '.join(tail)}"
    rec["fate"] = fate
    return rec


def serve_and_fire(release: Path, *, store_mode: str, clients: int, seconds: float, workers: int) -> dict:
    """Throughput of the research mix on ``release``."""
    from bench import loadgen

    queries = loadgen.research_mix()
    t0 = time.monotonic()
    with loadgen.serve(release, store_mode=store_mode, workers=workers, timeout_s=30.0) as server:
        started = time.monotonic() - t0
        loadgen.fire(server.url, queries, clients=1, per_client=len(queries), timeout_s=120)  # warm caches
        res = loadgen.fire(server.url, queries, clients=clients, seconds=seconds, timeout_s=120, unique=True)
    return {
        "store_mode": store_mode,
        "clients": clients,
        "start_s": round(started, 2),
        **res.summary(),
        "first_failures": res.failures[:5],
    }


def growth_flags(rows: list[dict], threshold: float) -> list[str]:
    """Stages whose seconds per triple grow by more than ``threshold`` between consecutive sizes."""
    flags = []
    ok = [r for r in rows if r.get("triples")]
    for a, c in zip(ok, ok[1:]):
        for stage in STAGES:
            ta, tc = a.get("cpu", {}).get(stage), c.get("cpu", {}).get(stage)
            if not ta or not tc or tc < 1.0:
                continue
            ratio = (tc / c["triples"]) / (ta / a["triples"])
            c.setdefault("per_triple_ratio", {})[stage] = round(ratio, 2)
            if ratio > threshold:
                flags.append(
                    f"{stage}: {a['size']}× → {c['size']}× costs {ratio:.2f}× as much CPU per triple "
                    f"({ta:.1f} s → {tc:.1f} s for {c['triples'] / a['triples']:.1f}× the triples)"
                )
        ma, mc = a.get("peak_rss_mib"), c.get("peak_rss_mib")
        if ma and mc:
            c.setdefault("per_triple_ratio", {})["memory"] = round((mc / c["triples"]) / (ma / a["triples"]), 2)
    return flags


def table(rows: list[dict]) -> str:
    head = (
        "size",
        "docs",
        "triples",
        "map s",
        "validate s",
        "write s",
        "load s",
        "build CPU s",
        "wall s",
        "peak MiB",
        "qps",
        "p50 ms",
        "p95 ms",
        "fate",
    )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        st, cp, ep = r.get("stages", {}), r.get("cpu", {}), r.get("endpoint", {})
        build = sum(cp.get(s, 0) for s in ("map", "validate", "write")) if cp else None
        cells = (
            f"{r['size']}×",
            r.get("documents", ""),
            r.get("triples", ""),
            *(f"{cp[s]:.1f} ({st[s]:.1f})" if s in cp else "" for s in STAGES),
            round(build, 1) if build else "",
            r.get("wall_s", ""),
            r.get("peak_rss_mib", ""),
            ep.get("throughput_qps", ep.get("skipped", "")),
            ep.get("p50_ms", ""),
            ep.get("p95_ms", ""),
            r.get("fate", ""),
        )
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1,10,100", help="comma-separated multiples of the real documents")
    p.add_argument("--short", action="store_true", help="CI form: sizes 1,10, a few seconds of load")
    p.add_argument("--layout", choices=["many", "long"], default="many")
    p.add_argument("--cores", type=int, default=1, help="CPUs the build child may use")
    p.add_argument("--mem-gib", type=float, default=16.0, help="address-space cap of the build child")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds before a size's build is killed")
    p.add_argument("--no-validate", action="store_true")
    p.add_argument(
        "--streamed",
        action="store_true",
        help="map, validate and write one document at a time, then load (no Turtle): the 1000× path",
    )
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=20.0, help="duration of the endpoint load per size")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers for the endpoint stage")
    p.add_argument("--disk-from", type=int, default=100, help="serve from the on-disk store from this size up")
    p.add_argument("--no-endpoint", action="store_true")
    p.add_argument(
        "--replicate",
        type=int,
        default=0,
        metavar="K",
        help="with --streamed: also serve a release of K copies of each size's documents",
    )
    p.add_argument("--flag", type=float, default=1.5, help="per-triple cost ratio that counts as superlinear")
    p.add_argument("--work", type=Path, help="keep corpora and builds here (default: a temporary directory)")
    p.add_argument("--save", action="store_true", help="write the report under bench/results/")
    p.add_argument("--child", nargs=3, type=Path, metavar=("CORPUS", "BUILD_DIR", "OUT"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        corpus, build_dir, out = a.child
        if a.streamed:
            streamed_child(corpus, build_dir, out, validate=not a.no_validate)
        else:
            child(corpus, build_dir, out, validate=not a.no_validate)
        return 0
    sizes = [1, 10] if a.short else [int(s) for s in a.sizes.split(",")]
    seconds = 5.0 if a.short else a.seconds
    work = a.work or Path(tempfile.mkdtemp(prefix="henan-kg-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    from bench.synth import write_corpus

    info = machine()
    print(
        f"machine: {info['nproc']} × {info['cpu']}, {info['memory']}; build child on {a.cores} core(s), "
        f"≤ {a.mem_gib} GiB; layout {a.layout}",
        flush=True,
    )
    rows: list[dict] = []
    for size in sizes:
        corpus = work / f"corpus-{a.layout}-{size}"
        if not corpus.exists():
            t0 = time.monotonic()
            write_corpus(corpus, size, a.layout)
            print(f"{size}×: corpus generated in {time.monotonic() - t0:.1f} s", flush=True)
        build_dir = work / f"build-{a.layout}-{size}{'-streamed' if a.streamed else ''}"
        shutil.rmtree(build_dir, ignore_errors=True)
        stages = work / f"stages-{a.layout}-{size}{'-streamed' if a.streamed else ''}.json"
        rec = run_child(
            corpus,
            build_dir,
            stages,
            cores=a.cores,
            mem_gib=a.mem_gib,
            timeout=a.timeout,
            validate=not a.no_validate,
            streamed=a.streamed,
        )
        rec["size"] = size
        rec["code"] = code_version()
        rec["corpus_bytes"] = sum(f.stat().st_size for f in corpus.glob("*.txt"))
        if not a.no_endpoint and rec.get("release"):
            mode = "disk" if size >= a.disk_from else "memory"
            try:
                rec["endpoint"] = serve_and_fire(
                    Path(rec["release"]), store_mode=mode, clients=a.clients, seconds=seconds, workers=a.workers
                )
            except Exception as e:  # the benchmark records what happened rather than stopping
                rec["endpoint"] = {"skipped": f"{type(e).__name__}: {e}"[:300]}
        rows.append(rec)
        shown = {k: v for k, v in rec.items() if k not in ("checksum", "release")}
        print(json.dumps(shown, ensure_ascii=False), flush=True)
        if a.replicate and rec.get("release"):
            big = work / f"build-{a.layout}-{size}x{a.replicate}-replicated"
            shutil.rmtree(big, ignore_errors=True)
            rep = replicate_release(Path(rec["release"]), a.replicate, big)
            rep.update(
                size=size * a.replicate,
                documents=rec.get("documents", 0) * a.replicate,
                code=code_version(),
                fate=f"ok (replicated {a.replicate}× from the {size}× streamed build)",
            )
            if not a.no_endpoint:
                try:
                    rep["endpoint"] = serve_and_fire(
                        Path(rep["release"]), store_mode="disk", clients=a.clients, seconds=seconds, workers=a.workers
                    )
                except Exception as e:
                    rep["endpoint"] = {"skipped": f"{type(e).__name__}: {e}"[:300]}
            rows.append(rep)
            print(json.dumps({k: v for k, v in rep.items() if k != "release"}, ensure_ascii=False), flush=True)
    flags = growth_flags(rows, a.flag)
    report = render(info, a, rows, flags)
    print(report)
    if a.save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%MZ")
        name = f"scale-{a.layout}{'-streamed' if a.streamed else ''}-{'-'.join(map(str, sizes))}-{stamp}"
        (RESULTS / f"{name}.md").write_text(report + "\n", encoding="utf-8")
        record = {"machine": info, "args": sys.argv[1:], "rows": rows, "flags": flags}
        (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n")
        print(f"saved bench/results/{name}.md and .json")
    if a.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def render(info: dict, a: argparse.Namespace, rows: list[dict], flags: list[str]) -> str:
    lines = [
        f"# Scale benchmark ({a.layout} layout{', streamed build' if a.streamed else ''})",
        "",
        f"Machine: {describe(info)}.",
        f"Build child pinned to {a.cores} core(s), address space ≤ {a.mem_gib} GiB, timeout {a.timeout:.0f} s. "
        f"Endpoint: {a.workers} gunicorn workers, {a.clients} clients, the gallery's research queries.",
        f"Command: `python -m bench.scale {' '.join(sys.argv[1:])}`",
        "",
        table(rows),
        "",
        "Stage columns: CPU seconds of the build child (wall seconds in brackets; the machine is shared, "
        "so CPU time is the figure to compare). Per-triple CPU cost relative to the previous size (1.0 = linear): "
        + "; ".join(f"{r['size']}×: {r.get('per_triple_ratio', {})}" for r in rows[1:]),
        "",
        "Superlinear stages: " + ("; ".join(flags) if flags else f"none above the threshold ({a.flag}× per triple)"),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
