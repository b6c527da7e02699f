"""The scale benchmark in its short form: both build paths run, report their stages, and agree.

The full forms (1×, 10×, 100×; 1000× streamed) are documented commands (``bench/results/README.md``);
here a 1× and a 2× synthetic corpus are enough to show that the whole-graph build and the
document-at-a-time build of ``bench.scale --streamed`` publish the same named graphs, both validated.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mappings.iris import Iris

ROOT = Path(__file__).resolve().parent.parent


def run_scale(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "bench.scale", "--no-endpoint", "--work", str(work), *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def stages(work: Path, name: str) -> dict:
    return json.loads((work / f"stages-many-{name}.json").read_text())


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("scale")
    run_scale(work, "--sizes", "1,2")
    run_scale(work, "--sizes", "2", "--streamed")
    return work


def test_whole_build_reports_every_stage_and_grows_with_the_corpus(work: Path) -> None:
    one, two = stages(work, "1"), stages(work, "2")
    for rec in (one, two):
        assert rec["conforms"] is True and rec["violations"] == 0
        assert set(rec["cpu"]) == {"map", "write", "validate", "publish", "load"}  # the build's stages, and load
        assert all(rec["cpu"][stage] > 0 for stage in ("map", "write", "validate", "load"))
        assert rec["loaded_quads"] == rec["quads"]
    assert (two["documents"], one["documents"]) == (4, 2)
    shared = 4_000  # the ontology and reference graphs, the same at every size (about 4,600 triples)
    assert 1.8 < (two["triples"] - shared) / (one["triples"] - shared) < 2.2


def test_streamed_build_validates_each_document_and_publishes_the_same_graphs(work: Path) -> None:
    streamed, whole = stages(work, "2-streamed"), stages(work, "2")
    assert streamed["conforms"] is True and streamed["violations"] == 0
    assert {"map", "validate", "load"} <= set(streamed["cpu"])
    dataset = f"<{Iris().graph('dataset')}> ."
    whole_quads = {
        q for q in (Path(whole["release"]) / "henan-kg.nq").read_text().splitlines() if not q.endswith(dataset)
    }
    streamed_quads = set((Path(streamed["release"]) / "henan-kg.nq").read_text().splitlines())
    assert streamed_quads == whole_quads
    assert streamed["loaded_quads"] == len(streamed_quads)
