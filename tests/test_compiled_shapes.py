"""The compiled validator (:mod:`shapes.compiled`) finds what pySHACL finds.

Every test of ``tests/test_shapes.py`` runs here again with its ``validate`` replaced by one that
validates with both pySHACL (the reference) and the shapes compiled to SPARQL on Oxigraph, requires
the same (severity, shape, focus node) results, and hands the test the compiled validator's result:
each break-one-rule case is then also checked against the compiled findings (messages included).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

import shapes.compiled as compiled_module
import tests.test_shapes as cases
from mappings.iris import DEFAULT_BASE, HGV
from shapes.candidates import store_of
from shapes.compiled import validate_graph, validate_store
from shapes.validate import SH, ValidationResult, load_shapes, run_pyshacl, validate, with_ontology
from tests.test_shapes import *  # noqa: F403 (the cases, collected again here under both validators)

HSH = Namespace("https://w3id.org/henan-gov/shapes#")


def results(result: ValidationResult) -> set[tuple[str, object, object]]:
    return {(f.severity, f.shape, f.focus) for f in result.findings}


def both(data: Graph, base: str | None = None, store: pyoxigraph.Store | None = None) -> ValidationResult:
    """pySHACL and the compiled validator on ``data``: the same results, or the test fails. The
    compiled checks run in both their forms: once per focus node (LATERAL, as on a graph this small)
    and joined to the focus nodes (as for thousands of them)."""
    reference = validate(data, base, store)
    compiled = validate_graph(data, base or DEFAULT_BASE)
    assert compiled.fallbacks == []
    assert results(compiled) == results(reference)
    assert (compiled.violations, compiled.warnings) == (reference.violations, reference.warnings)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(compiled_module, "LATERAL_FOCUS", 0)
        assert results(validate_graph(data, base or DEFAULT_BASE)) == results(reference)
    return compiled


@pytest.fixture(autouse=True, scope="module")
def compared() -> Iterator[None]:
    """``tests.test_shapes.validate`` is :func:`both` for this module's tests (its caches apart)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cases, "validate", both)
        mp.setattr(cases, "_BASELINES", {})
        yield


@pytest.fixture(scope="module")
def full_result(kg: Graph, compared: None) -> ValidationResult:
    return both(kg)


@pytest.fixture(scope="module")
def numbering(kg: Graph, compared: None) -> tuple[Graph, set]:
    sub = cases._numbering(kg)
    return sub, {(f.shape, f.focus, f.value) for f in both(sub).findings}


@pytest.fixture(scope="module")
def real_store(kg: Graph) -> pyoxigraph.Store:
    return store_of(kg)


def test_real_graph_same_findings(kg: Graph, real_store: pyoxigraph.Store) -> None:
    """On the published graph, every finding is the same, down to its value, messages and labels."""

    def described(result: ValidationResult) -> set[tuple]:
        return {
            (
                f.severity,
                f.shape,
                f.focus,
                f.focus_label,
                f.shape_label,
                f.path,
                f.value,
                tuple(sorted(f.messages.items())),
            )
            for f in result.findings
        }

    compiled = validate_store(real_store)
    assert compiled.fallbacks == []
    assert described(compiled) == described(validate(kg))
    for form in (0, 10**9):  # every check joined to its focus nodes, or run once per focus node
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(compiled_module, "LATERAL_FOCUS", form)
            assert described(validate_store(real_store)) == described(compiled)
    assert compiled.report.value(predicate=RDF.type, object=SH.ValidationReport) is not None


def test_an_untranslatable_shape_falls_back_to_pyshacl(kg: Graph, real_store: pyoxigraph.Store) -> None:
    """sh:xone is not compiled: that shape alone goes to pySHACL and is still evaluated. Every task
    is a hgv:Task and, by the ontology, a hgv:DocumentPart, so "exactly one of" fails on each."""
    shapes = Graph()
    shapes += load_shapes()
    shape = HSH.TestExactlyOneShape
    members = []
    for cls in (HGV.Task, HGV.DocumentPart):
        member = URIRef(f"{shape}-{cls.split('#')[-1]}")
        shapes.add((member, SH["class"], cls))
        members.append(member)
    listed = URIRef(f"{shape}-list")
    Collection(shapes, listed, members)
    shapes.add((shape, RDF.type, SH.NodeShape))
    shapes.add((shape, SH.targetClass, HGV.Task))
    shapes.add((shape, SH.xone, listed))
    shapes.add((shape, SH.message, Literal("test", lang="en")))
    tasks = set(kg.subjects(RDF.type, HGV.Task))
    assert tasks

    result = validate_store(real_store, shapes=shapes)

    assert result.fallbacks == [shape]
    assert {f.focus for f in result.findings if f.shape == shape} == tasks
    assert results(result) == results(run_pyshacl(with_ontology(kg), shapes))
    assert result.violations == len(tasks)


def test_the_cases_run_under_both_validators() -> None:
    assert cases.validate is both
