"""Builds under faults: the published release is replaced whole or not at all, and readers never see a mix.

Every fault below strikes a build half way (bad metadata, bytes that are not UTF-8, an unknown
unit, a real shape violation, a crash while the store loads, a crash between moving the release
into place and swapping ``current``, a SIGKILL at a chosen stage). After each, the published
release must be byte-identical, store files included, and a reader that opened it must keep
answering; the next good build must replace it atomically. Builds that are not about the shapes
run with a validator that accepts everything, so that the tests stay short.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Store

from conftest import DATA_ROOT as DATA_DIR
from conftest import copy_henan_sources, henan_sources
from kg import build as b
from mappings.source import SourceError

ROOT = Path(__file__).resolve().parent.parent
NOTICE_TXT = "henan-2026-key-tasks-notice.txt"
NOTICE_TOML = "henan-2026-key-tasks-notice.toml"
REPORT_TXT = "henan-2024-government-work-report.txt"
REPORT_TOML = "henan-2024-government-work-report.toml"
REPORT_2026_TXT = "2026-henan-government-work-report.txt"
REPORT_2026_TOML = "2026-henan-government-work-report.toml"
DATASET_GRAPH = "<https://w3id.org/henan-gov/id/graph/dataset>"


class Accept:
    """A validation result that conforms: for builds whose subject is not the shapes."""

    conforms = True
    violations = 0
    warnings = 0


def no_shapes(_store, _base) -> Accept:
    return Accept()


def release_bytes(build_dir: Path) -> dict[str, bytes]:
    """Every file of the published release (store included) and the ``current`` link, as bytes."""
    rel = b.current_release(build_dir)
    assert rel is not None, "nothing is published"
    out = {"@current": os.readlink(build_dir / "current").encode()}
    for p in sorted(rel.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(rel))] = p.read_bytes()
    return out


def content_checksum(nq_lines: list[str]) -> str:
    """The manifest checksum recomputed from a dump: sorted N-Quads minus the dataset description."""
    return b.checksum([line for line in nq_lines if not line.endswith(DATASET_GRAPH + " .")])


def assert_consistent(rel: Path) -> dict:
    """A release whose manifest, dumps and store agree with each other; returns the manifest."""
    manifest = json.loads((rel / "manifest.json").read_text(encoding="utf-8"))
    lines = (rel / "henan-kg.nq").read_text(encoding="utf-8").splitlines()
    assert len(lines) == manifest["quads"]
    assert content_checksum(lines) == manifest["checksum"]
    assert manifest["checksum"] in (rel / "void.ttl").read_text(encoding="utf-8")
    assert len(Store.read_only(str(rel / "store"))) == manifest["quads"]
    return manifest


def copy_sources(tmp: Path) -> Path:
    """A copy of the three Henan documents: the corpus these builds are about (the other reports
    of ``reports-2026/`` only make each build slower, not a different case)."""
    return copy_henan_sources(tmp / "sources")


def notice_only(tmp: Path) -> Path:
    """A second valid corpus (the notice and the report it assigns, without the 2024 report): its
    release differs from the real one."""
    out = tmp / "notice-only"
    out.mkdir()
    for name in (NOTICE_TXT, NOTICE_TOML):
        shutil.copy(DATA_DIR / "sources" / name, out / name)
    for name in (REPORT_2026_TXT, REPORT_2026_TOML):
        shutil.copy(DATA_DIR / "sources" / "reports-2026" / name, out / name)
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build directory holding one published release of the real sources."""
    d = tmp_path_factory.mktemp("reliability")
    b.build(d, sources_dir=henan_sources(), validate=no_shapes)
    return d


# --- faults that raise ------------------------------------------------------------------------


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def malformed_toml(src: Path) -> None:
    _replace(src / NOTICE_TOML, 'former_slug = "notice/2026-4"', 'former_slug = "notice/2026-4')


def not_utf8(src: Path) -> None:
    raw = (src / REPORT_TXT).read_bytes()
    (src / REPORT_TXT).write_bytes(raw[:5000] + b"\xff\xfe\xc3" + raw[5000:])


def missing_text(src: Path) -> None:
    (src / REPORT_TXT).unlink()


def unknown_city_government(src: Path) -> None:
    # task 39 is given to 省科技厅 (lead) and 郑州市政府
    clause = "（省科技厅牵头，郑州市政府按职责分工负责）"
    _replace(src / NOTICE_TXT, clause, clause.replace("郑州市政府", "虚构市政府"))


def unknown_kind(src: Path) -> None:
    _replace(src / REPORT_TOML, 'kind = "GovernmentWorkReport"', 'kind = "Memorandum"')


FAULTS: dict[str, tuple[Callable[[Path], None], str]] = {
    "malformed-toml": (malformed_toml, NOTICE_TOML),
    "not-utf8": (not_utf8, REPORT_TXT),
    "missing-text-file": (missing_text, REPORT_TXT),
    "unknown-city-government": (unknown_city_government, "虚构市政府"),
    "unknown-document-kind": (unknown_kind, "Memorandum"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_bad_source_fails_and_leaves_release_and_reader_intact(base: Path, tmp_path: Path, fault: str) -> None:
    spoil, named = FAULTS[fault]
    src = copy_sources(tmp_path)
    spoil(src)
    before = release_bytes(base)
    reader = Store.read_only(str(b.current_release(base) / "store"))
    quads = len(reader)
    with pytest.raises(SourceError) as err:
        b.build(base, sources_dir=src, validate=no_shapes)
    assert named in str(err.value), "the error must say where"
    assert release_bytes(base) == before
    assert len(reader) == quads and reader.query("ASK { GRAPH ?g { ?s ?p ?o } }")
    assert not list(base.glob(".staging-*"))


def test_real_shape_violation_is_not_published(base: Path, tmp_path: Path) -> None:
    """A document number that breaks the contract (``{series}〔{year}〕{n}号`` with no space, as
    printed) is caught by the real shapes; the IRI rule reads through the space, so it maps."""
    src = copy_sources(tmp_path)
    _replace(src / NOTICE_TOML, 'number = "豫政〔2026〕4号"', 'number = "豫政 〔2026〕4号"')
    before = release_bytes(base)
    with pytest.raises(b.ValidationFailed) as err:
        b.build(base, sources_dir=src)
    assert err.value.result.violations >= 1
    assert release_bytes(base) == before
    assert not list(base.glob(".staging-*"))  # the release written aside before validation is gone


def test_crash_while_loading_store_removes_staging(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dumps are written, then the store load fails (disk full): nothing of it is published."""
    before = release_bytes(base)

    def disk_full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(b.Store, "bulk_load", disk_full)
    with pytest.raises(OSError):
        b.build(base, sources_dir=henan_sources(), validate=no_shapes)
    assert release_bytes(base) == before
    assert not list(base.glob(".staging-*"))


def test_crash_between_move_and_swap_keeps_current(base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The new release is in ``releases/`` but ``current`` was never swapped: readers see the old one."""
    before = release_bytes(base)
    real_replace = os.replace

    def refuse_swap(src, dst, *a, **k):
        if Path(dst).name == "current":
            raise OSError(5, "I/O error")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(b.os, "replace", refuse_swap)
    with pytest.raises(OSError):
        b.build(base, sources_dir=notice_only(tmp_path), validate=no_shapes)
    monkeypatch.undo()
    assert release_bytes(base) == before
    again = b.build(base, sources_dir=henan_sources(), validate=no_shapes)
    assert release_bytes(base)["henan-kg.nq"] == before["henan-kg.nq"]
    assert_consistent(again.path)
    assert not list(base.glob(".current-*"))


# --- SIGKILL at chosen stages -----------------------------------------------------------------

KILLABLE_BUILD = textwrap.dedent("""
    import importlib, sys, time
    from pathlib import Path
    import kg.build as b
    build_dir, sources, flag, target = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    parts = target.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:i]))
            break
        except ImportError:
            continue
    for name in parts[i:-1]:
        owner = getattr(owner, name)
    attr = parts[-1]
    real = getattr(owner, attr)
    def stall(*args, **kwargs):
        if attr == "replace" and Path(str(args[1])).name != "current":
            return real(*args, **kwargs)
        if attr == "replace":
            real(*args, **kwargs)          # the swap happens, then the process dies before pruning
        Path(flag).write_text(target)
        time.sleep(600)
    setattr(owner, attr, stall)
    class Accept:
        conforms, violations, warnings = True, 0, 0
    b.build(build_dir, sources_dir=sources, validate=lambda _store, _base: Accept())
""")

# where to kill, and whether ``current`` must then be the new release
KILL_POINTS = {
    "mapping": ("kg.pipeline.document_graph", False),
    "dumps": ("kg.build._gzip", False),
    "store-load": ("pyoxigraph.Store.bulk_load", False),
    "ontology-page": ("kg.build._write_ontology_html", False),
    "after-swap-before-prune": ("os.replace", True),
}


def _kill_build_at(build_dir: Path, sources: Path, target: str, flag: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", KILLABLE_BUILD, str(build_dir), str(sources), str(flag), target],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    ) as proc:  # closes the pipe
        try:
            deadline = time.monotonic() + 300
            while not flag.exists():
                if proc.poll() is not None:
                    assert proc.stderr is not None
                    pytest.fail(f"the build ended before {target}: {proc.stderr.read().decode()[-2000:]}")
                assert time.monotonic() < deadline, f"the build never reached {target}"
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGKILL)


CI_KILL_POINTS = {"after-swap-before-prune"}  # test_build.py kills one during the store load already


@pytest.mark.parametrize(
    "stage", [pytest.param(k, marks=() if k in CI_KILL_POINTS else pytest.mark.slow) for k in KILL_POINTS]
)
def test_build_killed_at_stage(base: Path, tmp_path: Path, stage: str) -> None:
    target, swapped = KILL_POINTS[stage]
    before = release_bytes(base)
    other = notice_only(tmp_path)
    _kill_build_at(base, other, target, tmp_path / "flag")
    rel = b.current_release(base)
    if swapped:
        manifest = assert_consistent(rel)
        assert manifest["graphs"] != json.loads(before["manifest.json"])["graphs"], "the new release is current"
    else:
        assert release_bytes(base) == before
    # the next good build cleans up and publishes the real sources again, whole
    b.build(base, sources_dir=henan_sources(), validate=no_shapes)
    assert not list(base.glob(".staging-*")) and not list(base.glob(".current-*"))
    assert release_bytes(base)["henan-kg.nq"] == before["henan-kg.nq"]
    assert_consistent(b.current_release(base))


# --- readers during publishing ------------------------------------------------------------------

READER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from pyoxigraph import BlankNode, Store
    import kg.build as b
    build_dir, stop, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    DATASET = "<https://w3id.org/henan-gov/id/graph/dataset> ."
    seen, errors, reads = {}, [], 0
    while not stop.exists():
        rel = b.current_release(build_dir)
        try:
            manifest = json.loads((rel / "manifest.json").read_text(encoding="utf-8"))
            lines = (rel / "henan-kg.nq").read_text(encoding="utf-8").splitlines()
            ok = len(lines) == manifest["quads"] and \\
                b.checksum([l for l in lines if not l.endswith(DATASET)]) == manifest["checksum"]
            if reads % 10 == 0:
                ok = ok and len(Store.read_only(str(rel / "store"))) == manifest["quads"]
            if not ok:
                errors.append(f"{rel.name}: manifest, dump and store disagree")
            seen[manifest["checksum"]] = seen.get(manifest["checksum"], 0) + 1
        except Exception as e:  # a vanished or half-written file is exactly what must not happen
            errors.append(f"{rel}: {type(e).__name__}: {e}")
        reads += 1
    out.write_text(json.dumps({"seen": seen, "errors": errors[:20], "reads": reads}))
""")


def test_readers_see_old_or_new_never_a_mix(tmp_path: Path) -> None:
    """A reader resolving ``current`` in a loop while builds of two corpora publish in turn."""
    build_dir = tmp_path / "build"
    corpora = [henan_sources(), notice_only(tmp_path)]
    sums = [b.build(build_dir, sources_dir=corpora[0], validate=no_shapes).checksum]
    stop, out = tmp_path / "stop", tmp_path / "reader.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(build_dir), str(stop), str(out)], cwd=ROOT)
    try:
        for k in range(1, 3):
            sums.append(b.build(build_dir, sources_dir=corpora[k % 2], validate=no_shapes).checksum)
            time.sleep(0.3)
    finally:
        stop.write_text("stop")
        assert reader.wait(timeout=120) == 0
    report = json.loads(out.read_text())
    print(f"reader: {report['reads']} reads, checksums seen {report['seen']}")
    assert report["errors"] == []
    assert set(report["seen"]) <= set(sums)
    assert len(report["seen"]) >= 2, "the reader saw the graphs while they were swapped"


@pytest.mark.slow
def test_reader_of_a_pruned_release_keeps_answering(tmp_path: Path) -> None:
    """A server in on-disk mode opened a release; later builds prune it from ``releases/``.

    Linux keeps deleted files readable through open descriptors, so the open store must go on
    answering the same counts; a server must still be restarted to move to the new release."""
    build_dir = tmp_path / "build"
    first = b.build(build_dir, sources_dir=henan_sources(), validate=no_shapes)
    store = Store.read_only(str(first.path / "store"))
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    expected = int(next(iter(store.query(count)))["n"].value)
    for _ in range(b.KEEP_RELEASES + 1):
        b.build(build_dir, sources_dir=henan_sources(), validate=no_shapes)
    assert not first.path.exists(), "the first release was pruned"
    assert int(next(iter(store.query(count)))["n"].value) == expected


# --- determinism ---------------------------------------------------------------------------------

BUILD_ONLY = textwrap.dedent("""
    import sys
    from pathlib import Path
    import kg.build as b
    class Accept:
        conforms, violations, warnings = True, 0, 0
    print(b.build(Path(sys.argv[1]), sources_dir=Path(sys.argv[2]), validate=lambda _store, _base: Accept()).checksum)
""")


def test_builds_under_different_hash_seeds_are_byte_identical(tmp_path: Path) -> None:
    """Set and dict order differ between processes with different ``PYTHONHASHSEED``; dumps must not."""
    releases, sums = [], []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", BUILD_ONLY, str(tmp_path / seed), str(henan_sources())],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        sums.append(done.stdout.split()[-1])
        releases.append(b.current_release(tmp_path / seed))
    assert sums[0] == sums[1]
    one, two = (release_bytes(tmp_path / seed) for seed in ("1", "2"))
    for name in (
        "henan-kg.nq",
        "henan-kg.nt",
        "henan-kg.ttl",
        "henan-kg.nq.gz",
        "henan-kg.nt.gz",
        "henan-kg.ttl.gz",
        "void.ttl",
        "manifest.json",
        "ontology.ttl",
        "ontology.html",
    ):
        assert one[name] == two[name], name
    # the stores hold the same quads; Oxigraph gives the ontology's blank nodes fresh labels on load
    stores = [Store.read_only(str(r / "store")) for r in releases]
    named = [
        sorted(str(q) for q in st if not any(isinstance(t, BlankNode) for t in (q.subject, q.object))) for st in stores
    ]
    assert len(stores[0]) == len(stores[1]) and _digest(named[0]) == _digest(named[1])
    assert assert_consistent(releases[0])["checksum"] == sums[0]


def _digest(lines: list[str]) -> bytes:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).digest()


# --- a served endpoint while builds fail and publish ---------------------------------------------------

COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _served_state(url: str) -> tuple[str, int]:
    """The checksum a served endpoint reports and the number of quads it answers for."""
    import requests

    health = requests.get(url + "/health", timeout=30).json()
    r = requests.post(
        url + "/sparql", data={"query": COUNT_QUADS}, headers={"Accept": "application/sparql-results+json"}, timeout=60
    )
    assert r.status_code == 200, r.text[:300]
    return health["checksum"], int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_endpoint_keeps_serving_through_failed_builds(tmp_path: Path) -> None:
    """gunicorn serving ``current`` answers the same graph and dumps after failed and killed builds;
    it keeps the release it opened after a good build, and a server started afterwards serves the new one."""
    import requests

    from bench import loadgen

    build_dir = tmp_path / "build"
    first = b.build(build_dir, sources_dir=henan_sources(), validate=no_shapes)
    with loadgen.serve(build_dir / "current", workers=2, threads=2, log=tmp_path / "gunicorn.log") as server:
        state = _served_state(server.url)
        assert state == (first.checksum, first.quads)
        dump = requests.get(server.url + "/dumps/henan-kg.nq", timeout=60).content
        src = copy_sources(tmp_path)
        unknown_city_government(src)
        with pytest.raises(SourceError):
            b.build(build_dir, sources_dir=src, validate=no_shapes)
        _kill_build_at(build_dir, notice_only(tmp_path), "kg.build._gzip", tmp_path / "flag")
        assert _served_state(server.url) == state
        assert requests.get(server.url + "/dumps/henan-kg.nq", timeout=60).content == dump
        second = b.build(build_dir, sources_dir=tmp_path / "notice-only", validate=no_shapes)
        assert second.checksum != first.checksum
        assert _served_state(server.url) == state, "a running server keeps the release it opened"
    with loadgen.serve(build_dir / "current", workers=1, threads=2, log=tmp_path / "gunicorn2.log") as server:
        assert _served_state(server.url) == (second.checksum, second.quads)


def test_servers_started_while_builds_publish_see_one_whole_graph(tmp_path: Path) -> None:
    """Servers started one after another while builds of two corpora publish in turn: each serves
    exactly one release, with the checksum and the quad count of that release."""
    from bench import loadgen

    build_dir = tmp_path / "build"
    corpora = [henan_sources(), notice_only(tmp_path)]
    releases = {r.checksum: r.quads for r in [b.build(build_dir, sources_dir=corpora[0], validate=no_shapes)]}
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            for k in (1, 0):
                r = b.build(build_dir, sources_dir=corpora[k], validate=no_shapes)
                releases[r.checksum] = r.quads
        except BaseException as e:  # reported below
            errors.append(e)

    import threading

    builder = threading.Thread(target=publish)
    builder.start()
    seen: list[tuple[str, int]] = []
    k = 0
    while builder.is_alive() or k < 2:
        with loadgen.serve(build_dir / "current", workers=1, threads=1, log=tmp_path / f"gunicorn-{k}.log") as server:
            seen.append(_served_state(server.url))
        k += 1
    builder.join()
    assert not errors, errors
    print(f"servers started: {len(seen)}; states {sorted(set(seen))}")
    for checksum, quads in seen:
        assert releases.get(checksum) == quads, "a server served a graph that no build published whole"
