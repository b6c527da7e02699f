"""SKOS helpers: every concept scheme of the graph (indicators, units, policy areas, COFOG …) is
written the same way, so that one query pattern reads them all."""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from mappings import literals


def add_labels(g: Graph, node: URIRef, zh: str, en: str | None = None) -> None:
    """rdfs:label and skos:prefLabel in Chinese (and English when known)."""
    for text, lang in ((zh, "zh"), (en, "en")):
        if text:
            label = literals.text(text, lang)
            g.add((node, RDFS.label, label))
            g.add((node, SKOS.prefLabel, label))


def add_scheme(g: Graph, scheme: URIRef, zh: str, en: str) -> None:
    """A ``skos:ConceptScheme`` with its Chinese and English names."""
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    add_labels(g, scheme, zh, en)


def add_concept(
    g: Graph, node: URIRef, cls: URIRef, scheme: URIRef, notation: str, zh: str, en: str | None = None
) -> None:
    """``node`` as a ``skos:Concept`` of class ``cls`` in ``scheme``, with notation and labels."""
    g.add((node, RDF.type, cls))
    g.add((node, RDF.type, SKOS.Concept))
    g.add((node, SKOS.inScheme, scheme))
    g.add((node, SKOS.notation, literals.text(notation)))
    add_labels(g, node, zh, en)
