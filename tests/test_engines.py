"""The published dump in Virtuoso (Debian's package): loaded unchanged, every gallery query answered as ours.

Slow (installs ``virtuoso-opensource`` with apt where it is missing, bulk-loads the real build,
runs the gallery on both, then the protocol tests against Virtuoso): CI runs it on its own with
``./run test -q -m slow tests/test_engines.py``. It is skipped, saying why, only where Virtuoso is
neither installed nor installable (no apt-get, or not root). What Virtuoso is known to answer
differently, and why, is data: ``tests/data/engines-virtuoso.toml``, from reading its answers
(``bench/results/engines-*.md`` has the investigation); everything else must answer the same.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bench import engines, engines_protocol, engines_virtuoso
from bench.engines_common import EngineError
from endpoint.gallery import load_gallery
from kg import build as b
from release.layout import NQUADS

ROOT = Path(__file__).resolve().parents[1]
KNOWN = tomllib.loads((Path(__file__).parent / "data" / "engines-virtuoso.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def virtuoso_installed() -> None:
    try:
        engines_virtuoso.install()
    except EngineError as error:
        pytest.skip(f"Virtuoso cannot be installed here: {error}")


@pytest.fixture(scope="module")
def virtuoso_run(virtuoso_installed: None, release: b.Release, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Our answers and Virtuoso's to every gallery query, and the protocol tests against Virtuoso."""
    examples = load_gallery()
    ours = engines.our_answers(release.path, examples)
    cache = tmp_path_factory.mktemp("engines-cache")
    return engines.compare_engine("virtuoso", release.path / NQUADS, examples, ours, cache, protocol=True)


@pytest.mark.slow
def test_every_named_graph_of_the_dump_is_loaded(virtuoso_run: engines.EngineRun, release: b.Release) -> None:
    # Virtuoso's own graphs come on top (its union default graph holds them too)
    assert int(virtuoso_run.probes["quads in named graphs"].replace(",", "")) > release.quads
    assert virtuoso_run.load_s > 0


@pytest.mark.slow
@pytest.mark.parametrize("example", [e.name for e in load_gallery()])
def test_gallery_answer_is_ours_but_for_known_differences(virtuoso_run: engines.EngineRun, example: str) -> None:
    verdict = next(v for v in virtuoso_run.verdicts if v.example == example)
    known = KNOWN["gallery"].get(example, {"status": "same", "because": ""})
    assert (verdict.status, verdict.status == "same" or known["because"] in verdict.why) == (known["status"], True), (
        verdict.why
    )


@pytest.mark.slow
def test_standard_protocol_checks_fail_only_where_known(virtuoso_run: engines.EngineRun) -> None:
    failed = {o.test for o in virtuoso_run.protocol if o.kind == "standard" and o.result in ("failed", "error")}
    passed = {o.test for o in virtuoso_run.protocol if o.result == "passed"}
    assert failed == set(KNOWN["protocol"]["standard_failures"])
    assert len(passed) >= KNOWN["protocol"]["at_least_passed"]
    assert not [o for o in virtuoso_run.protocol if o.result == "error"], "a test could not even start"


def test_protocol_tests_name_their_extras() -> None:
    """Every test named an extra of ours exists in the protocol tests (a renamed test is noticed)."""
    source = (ROOT / engines_protocol.TESTS).read_text(encoding="utf-8")
    assert all(f"def {name.split('[')[0]}(" in source for name in engines_protocol.EXTRAS)
