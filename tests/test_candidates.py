"""Oxigraph narrows where pyshacl checks SPARQL constraints, without changing what is reported.

The break tests of ``test_shapes.py`` check every shape through :func:`shapes.validate.validate`,
which narrows; these tests check the narrowing itself: which shapes it touches, that a broken node
becomes a candidate by either route (one-pass target query, per-node substitution), and that the
report equals pyshacl's on the unnarrowed shapes.
"""

from __future__ import annotations

import pytest
from pyshacl import validate as pyshacl_validate
from rdflib import RDF, SH, Graph, Literal, Namespace, URIRef

from mappings.iris import HGV, Iris
from shapes import HSH
from shapes.candidates import narrow, store_of
from shapes.validate import load_shapes, validate

IRIS = Iris()
EX = Namespace("http://example.org/")


@pytest.fixture(scope="module")
def graph(real_graph: Graph) -> Graph:
    """The real graph (conftest's session ``real_graph``, read-only: the tests break copies)."""
    return real_graph


def _targets(shapes: Graph, shape: URIRef) -> set:
    return {
        *shapes.objects(shape, SH.targetNode),
        *shapes.objects(shape, SH.targetClass),
        *shapes.objects(shape, SH.target),
    }


def test_real_graph_leaves_no_candidate_and_other_shapes_untouched(graph: Graph) -> None:
    shapes = load_shapes()
    narrowed = narrow(shapes, store_of(graph))
    sparql_shapes = set(shapes.subjects(SH.sparql, None))
    assert {HSH.TaskNumberingShape, HSH.ChapterTaskNumberingShape, HSH.LeadUnitIsResponsibleShape} <= sparql_shapes
    for shape in sparql_shapes:  # the real graph conforms: no node needs checking
        assert _targets(narrowed, shape) == set(), shape
    task_shape = HSH.TaskShape
    assert set(narrowed.predicate_objects(task_shape)) == set(shapes.predicate_objects(task_shape))
    untouched = set(shapes.subjects()) - sparql_shapes - set(shapes.subjects(RDF.type, SH.SPARQLTarget))
    assert {(s, p, o) for s in untouched for p, o in shapes.predicate_objects(s)} <= set(narrowed)


def test_a_broken_task_is_the_one_candidate_of_the_one_pass_shapes(graph: Graph) -> None:
    task = IRIS("doc/henan/yuzheng/2026/4/task/1")
    lead = graph.value(task, HGV.leadUnit)
    assert lead is not None, "task 1 of the notice has a lead unit (省发展改革委牵头)"
    broken = Graph()
    broken += graph
    broken.remove((task, HGV.responsibleUnit, lead))
    narrowed = narrow(load_shapes(), store_of(broken))
    assert _targets(narrowed, HSH.LeadUnitIsResponsibleShape) == {task}
    assert _targets(narrowed, HSH.SpanTextShape) == set()


def test_a_duplicated_task_number_makes_the_notice_a_candidate_by_substitution(graph: Graph) -> None:
    notice, task2 = IRIS("doc/henan/yuzheng/2026/4"), IRIS("doc/henan/yuzheng/2026/4/task/2")
    broken = Graph()
    broken += graph
    broken.set((task2, HGV.orderNumber, Literal(1)))
    narrowed = narrow(load_shapes(), store_of(broken))
    assert _targets(narrowed, HSH.TaskNumberingShape) == {notice}


def test_narrowed_report_equals_pyshacl_on_the_full_shapes(graph: Graph) -> None:
    task = IRIS("doc/henan/yuzheng/2026/4/task/3")
    broken = Graph()
    broken += graph
    broken.add((task, HGV.leadUnit, IRIS.agency("henan", "finance")))  # 财政厅 named lead without an assignment
    broken.set((IRIS("doc/henan/yuzheng/2026/4/task/5"), HGV.orderNumber, Literal(4)))
    ours = validate(broken)
    _, report, _ = pyshacl_validate(
        broken, shacl_graph=load_shapes(), inference="none", advanced=True, allow_warnings=True
    )
    theirs = {
        (report.value(r, SH.sourceShape), report.value(r, SH.focusNode), report.value(r, SH.value))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    }
    assert {(f.shape, f.focus, f.value) for f in ours.findings} == theirs
    assert {f.shape for f in ours.findings} >= {
        HSH.LeadUnitIsResponsibleShape,
        HSH.AssignmentsMatchUnitsShape,
        HSH.TaskNumberingShape,
    }


def test_shapes_with_other_constraints_or_targets_are_left_alone() -> None:
    shapes = Graph()
    mixed, subjects_of = EX.Mixed, EX.SubjectsOf
    for shape in (mixed, subjects_of):
        shapes.add((shape, RDF.type, SH.NodeShape))
        shapes.add((shape, SH.sparql, EX[f"{shape.fragment}-q"]))
        shapes.add((EX[f"{shape.fragment}-q"], SH.select, Literal("SELECT $this WHERE { $this ?p ?o }")))
    shapes.add((mixed, SH.targetClass, EX.C))
    shapes.add((mixed, SH.closed, Literal(True)))  # a core constraint beside the SPARQL one
    shapes.add((subjects_of, SH.targetSubjectsOf, EX.p))
    data = Graph()
    data.add((EX.a, RDF.type, EX.C))
    data.add((EX.a, EX.p, EX.b))
    narrowed = narrow(shapes, store_of(data))
    assert set(narrowed) == set(shapes)
