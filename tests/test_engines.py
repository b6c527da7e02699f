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
from endpoint.gallery import Example, load_gallery
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
def test_every_quad_of_the_dump_is_loaded(virtuoso_run: engines.EngineRun, release: b.Release) -> None:
    assert virtuoso_run.probes["quads in the dump's graphs"] == f"{release.quads:,}"
    # Virtuoso's own graphs come on top, in the named graphs and in its default graph
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


# --- how answers are compared (no engine needed) ------------------------------------------------

XSD = "http://www.w3.org/2001/XMLSchema#"
ORDERED = "# title: t\n# description: rows in order by name.\nSELECT ?name ?n WHERE { ?s ?p ?o } ORDER BY DESC(?n)"


def example(sparql: str = ORDERED) -> Example:
    return Example("99-test", "t", "d.", sparql)


def answer_of(*rows: tuple[dict[str, str] | None, ...], variables: tuple[str, ...] = ("name", "n")) -> engines.Answer:
    return engines.Answer(list(variables), [tuple(engines.raw_term(t) for t in row) for row in rows], 0.0)


def lit(value: str, datatype: str = "", lang: str = "", kind: str = "literal") -> dict[str, str]:
    term = {"type": kind, "value": value}
    if datatype:
        term["datatype"] = XSD + datatype
    if lang:
        term["xml:lang"] = lang
    return term


def test_virtuoso_typed_literal_and_equal_terms_are_the_same() -> None:
    ours = answer_of((lit("郑州市", lang="zh"), lit("3", "integer")))
    theirs = answer_of((lit("郑州市", lang="zh"), lit("3", "integer", kind="typed-literal")))
    assert engines.compare(example(), ours, theirs).status == "same"


def test_spelling_of_a_value_is_same_values_and_said() -> None:
    ours = answer_of((lit("a"), lit("1", "decimal")))
    theirs = answer_of((lit("a", "string"), lit("1.000", "decimal")))
    verdict = engines.compare(example(), ours, theirs)
    assert verdict.status == "same values"
    assert '"1.000"^^xsd:decimal for "1"^^xsd:decimal' in verdict.why and "xsd:string" in verdict.why


def test_ties_of_the_order_keys_may_come_in_any_order_but_not_other_rows() -> None:
    a, b, c = (lit("a"), lit("2", "integer")), (lit("b"), lit("2", "integer")), (lit("c"), lit("1", "integer"))
    assert engines.compare(example(), answer_of(a, b, c), answer_of(b, a, c)).status == "same"
    assert engines.compare(example(), answer_of(a, b, c), answer_of(c, a, b)).why == "the same rows in another order"
    missing = engines.compare(example(), answer_of(a, b, c), answer_of(a, b))
    assert missing.status == "differs" and missing.why.startswith("2 rows, ours 3; only ours: (c, 1)")


def test_order_keys_ignore_comments_and_give_up_on_expressions() -> None:
    assert engines.order_keys(ORDERED, ["name", "n"]) == [1]
    assert engines.order_keys("SELECT ?n WHERE { } ORDER BY STRLEN(?n)", ["n"]) is None
    assert engines.order_keys("# sorted ORDER BY ?x\nSELECT ?n WHERE { }", ["n"]) == []


def test_an_engine_error_or_other_variables_differ() -> None:
    ours = answer_of((lit("a"), lit("1", "integer")))
    failed = engines.Answer([], [], 0.0, "400: SP030 Bad character")
    assert engines.compare(example(), ours, failed).why == "error: 400: SP030 Bad character"
    renamed = answer_of((lit("a"), lit("1", "integer")), variables=("label", "n"))
    assert engines.compare(example(), ours, renamed).status == "differs"


def test_virtuoso_missing_and_not_installable_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the slow tests skip: no virtuoso-t, and apt-get missing or not root."""
    monkeypatch.setattr(engines_virtuoso.shutil, "which", lambda name: None)
    with pytest.raises(EngineError, match="virtuoso-t is missing and cannot be installed here"):
        engines_virtuoso.install()
