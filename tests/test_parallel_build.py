"""The build in jobs: any number of them publishes the same bytes, and validating document by
document finds what validating the whole graph finds.

Each document is mapped and validated in a job of its own (``kg.pipeline``), beside the shared
ontology and reference graphs, which are validated once; the dumps are merged from the jobs'
sorted chunks. Here one job (in this process) and two (a pool) are compared file by file, the
per-document findings are compared with pySHACL's on the whole real graph, a broken copy is
caught by the document that holds the break, failures in two jobs are reported together, and the
progress lines name each document.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef

from conftest import copy_henan_sources, henan_sources
from kg import build as b
from kg import pipeline
from mappings.collect import collecting_graph
from mappings.iris import Iris
from mappings.source import SourceError
from release.layout import DUMP_FILES
from shapes.validate import SH, Finding, ValidationResult, validate

ROOT = Path(__file__).resolve().parent.parent
NOTICE_TOML = "henan-2026-key-tasks-notice.toml"
REPORT_TXT = "henan-2024-government-work-report.txt"
FILES = [*DUMP_FILES.values(), *(f + ".gz" for f in DUMP_FILES.values()), "void.ttl", "manifest.json"]


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_one_job_and_two_jobs_publish_byte_identical_releases(tmp_path: Path) -> None:
    """Two jobs through the command line (a pool of processes), one in this process: every dump,
    its gzip, the VoID file and the manifest are the same bytes."""
    done = subprocess.run(
        [sys.executable, "-m", "kg.cli", "build", "--jobs", "2", "--out", str(tmp_path / "two")]
        + ["--sources", str(henan_sources())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    one = b.build(tmp_path / "one", sources_dir=henan_sources(), jobs=1)
    two = b.current_release(tmp_path / "two")
    assert two is not None
    for name in FILES:
        assert (one.path / name).read_bytes() == (two / name).read_bytes(), name
    # three documents (the notice maps the report it assigns in its own job), ontology, reference, dataset
    assert one.documents == 3 and len(one.graphs) == 6


def test_per_document_validation_finds_what_whole_graph_validation_finds(release: b.Release, real_graph) -> None:
    """The default build validates each document in its job; pySHACL on the whole real graph (the
    reference) reports the same (severity, shape, focus node) set, each finding once."""
    whole = validate(real_graph, Iris().base)
    per_document = release.validation
    assert isinstance(per_document, type(whole))
    key = lambda r: sorted((f.severity, str(f.shape), str(f.focus)) for f in r.findings)  # noqa: E731
    assert key(per_document) == key(whole)
    assert (per_document.violations, per_document.warnings) == (whole.violations, whole.warnings)
    assert per_document.warnings > 0, "the real graph has warnings: the comparison compares something"


def test_documents_validated_together_find_what_whole_graph_validation_finds(
    tmp_path: Path, real_graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default build's documents validated ``BATCH`` at a time, in one store each (the Henan
    notice beside the report it assigns, also a document): pySHACL on the whole real graph reports
    the same findings. (The default build validates them one by one: too few for batches.)"""
    monkeypatch.setattr(pipeline, "MIN_BATCHES", 1)
    documents = len(b.metadata_files(b.SOURCES_DIR))
    assert documents > pipeline.BATCH
    assert len(pipeline.batches([(k, Path(f"{k}.toml")) for k in range(documents)])) < documents
    together = b.build(tmp_path / "out", jobs=2).validation
    whole = validate(real_graph, Iris().base)
    key = lambda r: sorted((f.severity, str(f.shape), str(f.focus)) for f in r.findings)  # noqa: E731
    assert key(together) == key(whole)
    assert (together.violations, together.warnings) == (whole.violations, whole.warnings)
    assert together.warnings > 0


def test_batches_depend_on_the_number_of_documents_only() -> None:
    """Consecutive documents, every one once, in batches of at most ``BATCH`` that leave at
    least ``MIN_BATCHES`` batches while there are enough documents; a few documents stay alone."""
    metas = [(k, Path(f"{k}.toml")) for k in range(203)]
    many = pipeline.batches(metas)
    assert [m for batch in many for m in batch] == metas
    assert {len(batch) for batch in many[:-1]} == {pipeline.BATCH} and len(many[-1]) == 203 % pipeline.BATCH
    assert pipeline.batches(metas[:3]) == [[m] for m in metas[:3]]
    few = pipeline.batches(metas[: 2 * pipeline.MIN_BATCHES + 1])
    assert len(few) >= pipeline.MIN_BATCHES and max(len(batch) for batch in few) == 2


def test_a_batch_gives_each_finding_to_the_document_that_describes_its_node() -> None:
    """A finding about a document's node is that document's; about a node no document of the batch
    describes, the first document's, unless a shared graph or an assigned report describes it
    (they are validated in their own jobs)."""
    ex = "https://example.org/"
    graphs = [collecting_graph(URIRef(ex + name)) for name in ("a", "b", "report")]
    for g, node in zip(graphs, ("a1", "b1", "r1")):
        g.add((URIRef(ex + node), RDF.type, RDFS.Resource))
    graphs[0].add((URIRef(ex + "shared1"), RDFS.label, Literal("a's statement about a shared node")))
    focus = ["a1", "b1", "r1", "shared1", "shared2", "only-named"]
    findings = [Finding(SH, "", "Violation", URIRef(ex + f), "", None, None, {}) for f in focus]
    result = ValidationResult.of(findings, Graph())
    units = [pipeline._Unit(pipeline.Done(k, Path(f"{k}.toml")), g, None) for k, g in enumerate(graphs[:2])]
    units[1].dependency = graphs[2]
    shared = pipeline.Shared(
        None,  # type: ignore[arg-type]
        Iris(),
        {},
        {},
        Path("."),
        validator=lambda _store, _base: result,
        subjects=frozenset({URIRef(ex + "shared1"), URIRef(ex + "shared2")}),
    )
    pipeline._check_batch(shared, units)
    mine = [sorted(str(f.focus).removeprefix(ex) for f in u.done.findings) for u in units]
    assert mine == [["a1", "only-named", "shared1"], ["b1"]]
    assert not units[0].done.conforms and not units[1].done.conforms


def test_a_broken_rule_is_caught_by_the_document_that_breaks_it(tmp_path: Path) -> None:
    """A notice number that breaks the contract (``〔year〕n号`` right after the series: the build
    reads it, the shape refuses the space), in a copy, fails a two-job build with a violation whose
    focus is the notice, and nothing is published."""
    src = copy_henan_sources(tmp_path / "sources")
    _replace(src / NOTICE_TOML, 'number = "豫政〔2026〕4号"', 'number = "豫政 〔2026〕4号"')
    with pytest.raises(b.ValidationFailed) as err:
        b.build(tmp_path / "out", sources_dir=src, jobs=2)
    result = err.value.result
    notice = str(Iris().doc("doc/henan/yuzheng/2026/4"))
    assert result.violations >= 1
    assert notice in {str(f.focus) for f in result.findings if f.severity == "Violation"}
    assert b.current_release(tmp_path / "out") is None
    assert not list((tmp_path / "out").glob(".staging-*"))


def test_failures_in_several_jobs_are_reported_together(tmp_path: Path) -> None:
    """Two broken documents, mapped in different jobs: one error names both, with file and line."""
    src = copy_henan_sources(tmp_path / "sources")
    _replace(src / NOTICE_TOML, 'slug = "notice/2026-4"', 'slug = "notice/2026-4')
    raw = (src / REPORT_TXT).read_bytes()
    (src / REPORT_TXT).write_bytes(raw[:5000] + b"\xff\xfe" + raw[5000:])
    line = raw[:5000].count(b"\n") + 1
    with pytest.raises(SourceError) as err:
        b.build(tmp_path / "out", sources_dir=src, jobs=2, validate=lambda _store, _base: None)
    message = str(err.value)
    assert message.startswith("2 document(s) failed to map")
    assert f"{src / NOTICE_TOML}: not valid TOML" in message
    assert f"{src / REPORT_TXT}:{line}: not UTF-8 text" in message


def test_progress_names_each_document_and_ends_with_a_summary(tmp_path: Path) -> None:
    src = copy_henan_sources(tmp_path / "sources")
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
    lines: list[str] = []
    release = b.build(
        tmp_path / "out", sources_dir=src, jobs=2, validate=lambda _store, _base: None, progress=lines.append
    )
    documents = [line for line in lines if "/3 " in line]
    assert [line.split("/3 ")[0].split()[-1] for line in documents] == ["1", "2", "3"]
    assert {line.split("/3 ")[1] for line in documents} == {
        "doc/henan/yuzheng/2026/4",
        "doc/henan/work-report/2024",
        "doc/henan/work-report/2026",
    }
    assert lines[-1].startswith(f"built 3 documents: 6 graphs, {release.triples} triples, 0 violations")
