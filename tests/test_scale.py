"""The scale benchmark in its short form: it times the real build's stages, in one job and in two.

The full forms (1×, 10×, 100×, 1000×) are documented commands (``bench/results/README.md``); here
a 1× and a 2× synthetic corpus are enough to show that every stage is reported, that the cost
follows the corpus, and that one job and two publish the same dumps.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
    run_scale(work, "--sizes", "1,2", "--cores", "2", "--jobs", "2")
    run_scale(work, "--sizes", "2", "--jobs", "1")
    return work


def test_the_build_reports_every_stage_and_grows_with_the_corpus(work: Path) -> None:
    one, two = stages(work, "1-j2"), stages(work, "2-j2")
    for rec in (one, two):
        assert rec["conforms"] is True and rec["violations"] == 0
        assert set(rec["cpu"]) == {"documents", "write", "publish"}  # the build's stages
        assert all(rec["cpu"][stage] > 0 for stage in ("documents", "write"))
        assert rec["jobs_cpu"]["map"] > 0 and rec["jobs_cpu"]["validate"] > 0
        assert rec["jobs"] == 2
    assert (two["documents"], one["documents"]) == (4, 2)
    shared = 7_000  # the ontology (1,565) and reference (5,302) graphs and most of the dataset description
    assert 1.7 < (two["triples"] - shared) / (one["triples"] - shared) < 2.3


def test_one_job_and_two_publish_the_same_dumps(work: Path) -> None:
    one, two = stages(work, "2-j1"), stages(work, "2-j2")
    assert one["jobs"] == 1 and one["checksum"] == two["checksum"]
    for name in ("henan-kg.nq", "henan-kg.nt", "henan-kg.ttl.gz"):
        assert (Path(one["release"]) / name).read_bytes() == (Path(two["release"]) / name).read_bytes(), name
