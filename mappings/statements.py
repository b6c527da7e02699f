"""Quantitative statements as RDF: one writer for targets and achieved figures of every genre."""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import XSD

from mappings import literals
from mappings.iris import HGV, QB, Iris
from mappings.targets import TargetMatch

DATASETS = {"Target": "dataset/targets", "AchievedFigure": "dataset/achieved"}
LINKS = {"Target": HGV.hasTarget, "AchievedFigure": HGV.hasAchievedFigure}


def add_statement(g: Graph, iris: Iris, node: URIRef, cls: str, part: URIRef, m: TargetMatch,
                  indicator: str | None, period: int, span: URIRef, label: str, area: URIRef) -> None:
    """``node`` as a ``cls`` (Target or AchievedFigure) stated in ``part``, with the Data Cube
    dimensions (indicator, period, area), measure (value) and attributes (unit, comparator, kind)."""
    g.add((part, LINKS[cls], node))
    g.add((node, RDF.type, HGV[cls]))
    if indicator is not None:
        g.add((node, HGV.indicator, iris.indicator(indicator)))
    g.add((node, HGV.value, Literal(m.value, datatype=XSD.decimal)))
    if m.high is not None:
        g.add((node, HGV.upperValue, Literal(m.high, datatype=XSD.decimal)))
    g.add((node, HGV.unit, iris.unit(m.unit)))
    g.add((node, HGV.unitText, literals.text(m.unit_text, "zh")))
    g.add((node, HGV.comparator, HGV[m.comparator]))
    g.add((node, HGV.quantityKind, HGV[m.kind]))
    g.add((node, HGV.refPeriod, Literal(str(period), datatype=XSD.gYear)))
    g.add((node, HGV.refArea, area))
    g.add((node, HGV.statedIn, part))
    g.add((node, QB.dataSet, iris.shared(DATASETS[cls])))
    g.add((node, HGV.sourceSpan, span))
    g.add((node, RDFS.label, literals.text(label, "zh")))
