"""Quantitative statements as RDF: one writer for targets, five-year goals and achieved figures of
every genre, each an observation of the one Data Cube data set ``dataset/statements``."""

from __future__ import annotations

import hashlib

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import XSD

from mappings import literals
from mappings.iris import HGV, QB, Iris
from mappings.targets import TargetMatch

DATASET = "dataset/statements"
LINKS = {"Target": HGV.hasTarget, "FiveYearGoal": HGV.hasTarget, "AchievedFigure": HGV.hasAchievedFigure}
KINDS = {"Target": HGV.KindTarget, "FiveYearGoal": HGV.KindFiveYearGoal, "AchievedFigure": HGV.KindAchieved}
UNLISTED = "unlisted/"


def unlisted_indicator(wording: str) -> str:
    """The slug of an indicator the table does not know, from its wording as written: the same
    wording in any document gives the same concept, kept for curators (``indicator/unlisted/…``)."""
    return UNLISTED + hashlib.sha256(wording.encode("utf-8")).hexdigest()[:12]


def add_unlisted_indicator(g: Graph, iris: Iris, slug: str, wording: str) -> URIRef:
    """An :data:`unlisted_indicator` concept in the indicator scheme (the Data Cube code list),
    typed ``hgv:UnlistedIndicator`` so that a shape flags it for curators."""
    node = iris.indicator(slug)
    for cls in (HGV.UnlistedIndicator, HGV.Indicator, SKOS.Concept):  # stated: the endpoint does no inference
        g.add((node, RDF.type, cls))
    g.add((node, SKOS.inScheme, iris.scheme("indicators")))
    g.add((node, SKOS.prefLabel, literals.text(wording, "zh")))
    g.add((node, SKOS.notation, Literal(slug)))
    return node


def add_statement(
    g: Graph,
    iris: Iris,
    node: URIRef,
    cls: str,
    part: URIRef,
    m: TargetMatch,
    indicator: str,
    period: int,
    span: URIRef,
    label: str,
    area: URIRef,
    start: int | None = None,
) -> None:
    """``node`` as a ``cls`` (Target, FiveYearGoal or AchievedFigure) stated in ``part``: a
    ``qb:Observation`` with every dimension of the structure (area, period from ``start`` to
    ``period``, indicator, kind, comparator, quantity kind, part), the measure (value; ranges an
    upper value too) and the unit as attribute."""
    g.add((part, LINKS[cls], node))
    g.add((node, RDF.type, HGV[cls]))
    if cls == "FiveYearGoal":
        g.add((node, RDF.type, HGV.Target))  # stated, for clients that do no inference
    g.add((node, RDF.type, QB.Observation))
    g.add((node, QB.dataSet, iris.shared(DATASET)))
    g.add((node, HGV.indicator, iris.indicator(indicator)))
    g.add((node, HGV.value, Literal(m.value, datatype=XSD.decimal)))
    if m.high is not None:
        g.add((node, HGV.upperValue, Literal(m.high, datatype=XSD.decimal)))
    g.add((node, HGV.unit, iris.unit(m.unit)))
    g.add((node, HGV.unitText, literals.text(m.unit_text, "zh")))
    if m.written_unit is not None:  # stated in its indicator's unit: what the text wrote, kept
        g.add((node, HGV.writtenUnit, iris.unit(m.written_unit)))
    if m.written_value is not None:
        g.add((node, HGV.writtenValue, Literal(m.written_value, datatype=XSD.decimal)))
    if m.written_high is not None:
        g.add((node, HGV.writtenUpperValue, Literal(m.written_high, datatype=XSD.decimal)))
    g.add((node, HGV.comparator, HGV[m.comparator]))
    g.add((node, HGV.quantityKind, HGV[m.kind]))
    g.add((node, HGV.statementKind, KINDS[cls]))
    g.add((node, HGV.refPeriod, Literal(str(period), datatype=XSD.gYear)))
    g.add((node, HGV.periodStart, Literal(str(period if start is None else start), datatype=XSD.gYear)))
    g.add((node, HGV.refArea, area))
    g.add((node, HGV.statedIn, part))
    g.add((node, HGV.sourceSpan, span))
    g.add((node, RDFS.label, literals.text(label, "zh")))
