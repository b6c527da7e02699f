"""How the cost of a build and of serving grows with the corpus: 1×, 10×, 100×, 1000× the real documents.

For each size a synthetic corpus is generated (:mod:`bench.synth`) and built in a child process of
its own (pinned to ``--cores`` CPUs, address space capped at ``--mem-gib``, killed after
``--timeout`` seconds), which runs the real build, ``kg.build.build`` with ``--jobs`` jobs (default:
one per core given), and times its stages (``kg.build.STAGES``) through the hook the build
enters around each:

- documents: every document mapped, written as a sorted chunk and validated in a job of its own
  (the jobs report their CPU for mapping and validating apart: the map and validate columns);
- write: the dumps merged from the chunks, gzip, VoID and the on-disk store (bulk-loaded);
- publish: the atomic swap of ``current``.

CPU seconds count the child and its pool workers; peak memory is the largest ``ru_maxrss`` of the
child and its workers (``wait4``); the cost per triple of each stage is printed. Then the
endpoint (gunicorn, on-disk store from ``--disk-from`` times up) serves the release and the
research query mix (the gallery queries) is fired by ``--clients`` clients for ``--seconds``.
Each stage's CPU per triple is compared between consecutive sizes; a ratio above ``--flag`` marks
the stage as growing faster than linearly. The machine and its load average are printed.

Short form (CI)::

    python -m bench.scale --short

Full forms (documented commands)::

    python -m bench.scale --sizes 1,10,100 --cores 1 --timeout 3600 --save             # one core
    python -m bench.scale --sizes 100 --cores 2 --save                                   # every core
    python -m bench.scale --sizes 1000 --cores 2 --disk-from 1000 --timeout 5400 --save # 1000×

Memory does not grow with the corpus: each job holds one document, the dumps are merged from
files. ``--replicate K`` also serves K renamed copies of a build's documents (the endpoint only).
"""

from __future__ import annotations

import argparse
import datetime as dt
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
STAGES = ("documents", "map", "validate", "write", "publish")


# --- the child: one build, timed stage by stage ----------------------------------------------------


def child(corpus: Path, build_dir: Path, out: Path, validate: bool, jobs: int) -> None:
    """Build ``corpus`` into ``build_dir`` with ``kg.build.build`` in ``jobs`` jobs, timing each of its
    stages; write JSON to ``out``.

    The stages are the build's own (``kg.build.STAGES``: documents, write, publish), timed by the hook
    ``build`` enters around each; CPU counts this process and its finished pool workers. The jobs
    report what they spent mapping and validating (``map``, ``validate`` below, parts of
    ``documents``). ``--no-validate`` replaces the validation by nothing. A graph that violates the
    shapes is recorded, not published."""
    from contextlib import contextmanager

    from kg import build as b
    from mappings.iris import DEFAULT_BASE, Iris

    def rss_mib() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rec: dict = {"stages": {}, "cpu": {}, "rss_after_mib": {}, "jobs": jobs}

    @contextmanager
    def timed(stage: str) -> Iterator[None]:
        t0, c0 = time.perf_counter(), cpu_with_children()
        yield
        rec["stages"][stage] = round(time.perf_counter() - t0, 3)
        rec["cpu"][stage] = round(cpu_with_children() - c0, 3)
        rec["rss_after_mib"][stage] = round(rss_mib(), 1)
        out.write_text(json.dumps(rec))

    def progress(line: str) -> None:
        rec["progress"] = line
        print(line, file=sys.stderr, flush=True)

    iris = Iris(DEFAULT_BASE)
    try:
        release = b.build(
            build_dir,
            sources_dir=corpus,
            iris=iris,
            validate=None if validate else (lambda _store, _base: None),
            stage=timed,
            jobs=jobs,
            progress=progress,
        )
    except b.ValidationFailed as e:
        rec.update(conforms=False, violations=int(getattr(e.result, "violations", 0)))
        out.write_text(json.dumps(rec))
        raise
    if validate:
        rec["conforms"] = bool(getattr(release.validation, "conforms", False))
        rec["violations"] = int(getattr(release.validation, "violations", 0))
    release.validation = None
    rec["jobs_cpu"] = {k: round(v, 3) for k, v in release.cpu.items()}
    rec["documents"] = release.documents
    rec.update(
        triples=release.triples,
        quads=release.quads,
        checksum=release.checksum,
        release=str(release.path),
        nq_bytes=(release.path / NQUADS).stat().st_size,
    )
    out.write_text(json.dumps(rec))


def cpu_with_children() -> float:
    """CPU seconds of this process and of its children that have ended (the build's pool workers)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        u = resource.getrusage(who)
        total += u.ru_utime + u.ru_stime
    return total


def replicate_release(source: Path, copies: int, build_dir: Path) -> dict:
    """A release of ``copies`` × the documents of the release ``source``, for serving tests.

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
    jobs: int,
) -> dict:
    """Run :func:`child` in a limited process; return its record with peak RSS, wall time and fate."""
    cpus = sorted(os.sched_getaffinity(0))[:cores]

    def limits() -> None:
        os.sched_setaffinity(0, cpus)
        cap = int(mem_gib * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    cmd = [sys.executable, "-m", "bench.scale", "--child", str(corpus), str(build_dir), str(out), "--jobs", str(jobs)]
    if not validate:
        cmd.append("--no-validate")
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
    """Stages whose CPU seconds per triple grow by more than ``threshold`` between consecutive sizes."""
    flags = []
    ok = [r for r in rows if r.get("triples")]
    for a, c in zip(ok, ok[1:]):
        for stage in STAGES:
            ta, tc = stage_cpu(a, stage), stage_cpu(c, stage)
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


def stage_cpu(r: dict, stage: str) -> float | None:
    """CPU seconds of a stage: the build's own stages, or what its jobs spent mapping or validating."""
    return r.get("cpu", {}).get(stage, r.get("jobs_cpu", {}).get(stage))


def stage_wall(r: dict, stage: str) -> float | None:
    return r.get("stages", {}).get(stage)


def table(rows: list[dict]) -> str:
    head = (
        "size",
        "jobs",
        "docs",
        "triples",
        *(f"{s} CPU (wall) s" for s in STAGES),
        "µs CPU/triple " + "/".join(STAGES),
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
        ep, n = r.get("endpoint", {}), r.get("triples") or 0

        def cell(stage: str) -> str:
            cpu, wall = stage_cpu(r, stage), stage_wall(r, stage)
            return "" if cpu is None else f"{cpu:.1f}" + (f" ({wall:.1f})" if wall is not None else "")

        per = "/".join(f"{1e6 * (stage_cpu(r, s) or 0) / n:.1f}" for s in STAGES) if n else ""
        cells = (
            f"{r['size']}×",
            r.get("jobs", ""),
            r.get("documents", ""),
            n or "",
            *(cell(s) for s in STAGES),
            per,
            r.get("cpu_s", ""),
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
    p.add_argument("--jobs", type=int, default=0, help="the build's --jobs (default: one per core given)")
    p.add_argument("--mem-gib", type=float, default=16.0, help="address-space cap of the build child")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds before a size's build is killed")
    p.add_argument("--no-validate", action="store_true")
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
        help="also serve a release of K copies of each size's documents",
    )
    p.add_argument("--flag", type=float, default=1.5, help="per-triple cost ratio that counts as superlinear")
    p.add_argument("--work", type=Path, help="keep corpora and builds here (default: a temporary directory)")
    p.add_argument("--save", action="store_true", help="write the report under bench/results/")
    p.add_argument("--child", nargs=3, type=Path, metavar=("CORPUS", "BUILD_DIR", "OUT"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    jobs = a.jobs or a.cores
    if a.child:
        corpus, build_dir, out = a.child
        child(corpus, build_dir, out, validate=not a.no_validate, jobs=jobs)
        return 0
    sizes = [1, 10] if a.short else [int(s) for s in a.sizes.split(",")]
    seconds = 5.0 if a.short else a.seconds
    work = a.work or Path(tempfile.mkdtemp(prefix="henan-kg-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    from bench.synth import write_corpus

    info = machine()
    print(
        f"machine: {info['nproc']} × {info['cpu']}, {info['memory']}, load average {load_average()}; build child "
        f"on {a.cores} core(s), {jobs} job(s), ≤ {a.mem_gib} GiB; layout {a.layout}",
        flush=True,
    )
    rows: list[dict] = []
    for size in sizes:
        corpus = work / f"corpus-{a.layout}-{size}"
        if not corpus.exists():
            t0 = time.monotonic()
            write_corpus(corpus, size, a.layout)
            print(f"{size}×: corpus generated in {time.monotonic() - t0:.1f} s", flush=True)
        build_dir = work / f"build-{a.layout}-{size}-j{jobs}"
        shutil.rmtree(build_dir, ignore_errors=True)
        stages = work / f"stages-{a.layout}-{size}-j{jobs}.json"
        rec = run_child(
            corpus,
            build_dir,
            stages,
            cores=a.cores,
            mem_gib=a.mem_gib,
            timeout=a.timeout,
            validate=not a.no_validate,
            jobs=jobs,
        )
        rec["size"] = size
        rec["code"] = code_version()
        rec["load_average_after"] = load_average()
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
                fate=f"ok (replicated {a.replicate}× from the {size}× build)",
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
    report = render(info, a, jobs, rows, flags)
    print(report)
    if a.save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%MZ")
        name = f"scale-{a.layout}-j{jobs}-{'-'.join(map(str, sizes))}-{stamp}"
        (RESULTS / f"{name}.md").write_text(report + "\n", encoding="utf-8")
        record = {"machine": info, "args": sys.argv[1:], "rows": rows, "flags": flags}
        (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n")
        print(f"saved bench/results/{name}.md and .json")
    if a.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def load_average() -> str:
    """The machine's 1-, 5- and 15-minute load averages: how shared it was while measuring."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def render(info: dict, a: argparse.Namespace, jobs: int, rows: list[dict], flags: list[str]) -> str:
    lines = [
        f"# Scale benchmark ({a.layout} layout, the build with --jobs {jobs})",
        "",
        f"Machine: {describe(info)}; load average when done: {load_average()}.",
        f"Build child pinned to {a.cores} core(s), {jobs} job(s), address space ≤ {a.mem_gib} GiB, timeout "
        f"{a.timeout:.0f} s. Endpoint: {a.workers} gunicorn workers, {a.clients} clients, the gallery's research "
        "queries.",
        f"Command: `python -m bench.scale {' '.join(sys.argv[1:])}`",
        "",
        table(rows),
        "",
        "Stage columns: CPU seconds of the build (the child and its pool workers; wall seconds in brackets, the "
        "machine may be shared, so CPU time is the figure to compare). documents = map + validate, run in the jobs "
        "(their CPU split in the map and validate columns); write = the dumps merged from the jobs' sorted chunks, "
        "gzip, VoID and the on-disk store. Per-triple CPU cost relative to the previous size (1.0 = linear): "
        + "; ".join(f"{r['size']}×: {r.get('per_triple_ratio', {})}" for r in rows[1:]),
        "",
        "Superlinear stages: " + ("; ".join(flags) if flags else f"none above the threshold ({a.flag}× per triple)"),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
