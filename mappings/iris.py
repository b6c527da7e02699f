"""Namespaces and IRI builders: the one place that knows how data IRIs are spelled.

The ontology namespace is fixed; the data base is configurable (``HENAN_KG_BASE``) so that a
mirror can mint its own IRIs. See ``ontology/README.md`` for the full IRI contract.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from rdflib import Namespace, URIRef

DEFAULT_BASE = "https://w3id.org/henan-gov/id/"

HGV = Namespace("https://w3id.org/henan-gov/def#")
ONTOLOGY_IRI = URIRef("https://w3id.org/henan-gov/def")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
QB = Namespace("http://purl.org/linked-data/cube#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES: dict[str, str] = {
    "hgv": str(HGV),
    "org": str(ORG),
    "prov": str(PROV),
    "qb": str(QB),
    "dcat": str(DCAT),
    "void": str(VOID),
    "schema": str(SCHEMA),
    "oa": str(OA),
    "wd": str(WD),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def data_base() -> str:
    """The data namespace in force: ``HENAN_KG_BASE`` or the default, always ending in ``/``."""
    base = os.environ.get("HENAN_KG_BASE", DEFAULT_BASE)
    return base if base.endswith("/") else base + "/"


@dataclass(frozen=True)
class Iris:
    """Builds data IRIs under one base; pass one instance through a build."""

    base: str = DEFAULT_BASE

    def __call__(self, path: str) -> URIRef:
        """The data IRI for ``path`` (no leading slash)."""
        return URIRef(self.base + path.lstrip("/"))

    def doc(self, slug: str) -> URIRef:
        return self(slug)

    def graph(self, name: str) -> URIRef:
        """Named graph IRI; a document slug's ``/`` becomes ``-``."""
        return self("graph/" + name.replace("/", "-"))

    def span(self, slug: str, start: int, end: int) -> URIRef:
        return self(f"{slug}/span/{start}-{end}")

    def agency(self, slug: str) -> URIRef:
        return self("agency/" + slug)

    def region(self, key: str) -> URIRef:
        return self("region/" + key)

    def indicator(self, slug: str) -> URIRef:
        return self("indicator/" + slug)

    def unit(self, slug: str) -> URIRef:
        return self("unit/" + slug)

    def project(self, slug: str) -> URIRef:
        return self("project/" + slug)

    def scheme(self, name: str) -> URIRef:
        return self("scheme/" + name)


def current() -> Iris:
    """IRIs under the configured base."""
    return Iris(data_base())
