"""Namespaces and IRI builders: the one place that knows how data IRIs are spelled.

The ontology namespace is fixed; the data base is a parameter (the CLI's ``--base``, or
``HENAN_KG_BASE``) so that a mirror can mint its own IRIs. See ``ontology/README.md`` for the
full IRI contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Namespace, URIRef

DEFAULT_BASE = "https://w3id.org/henan-gov/id/"


class CachedNamespace(Namespace):
    """A :class:`rdflib.Namespace` that builds each term once.

    The mappings ask for the same few dozen terms (``HGV.sourceSpan`` …) some 10^5 times per
    build, and rdflib makes and validates a new URIRef on every ask. ``ns.name`` is stored on
    first use, so later lookups are plain attribute reads; ``ns[name]`` goes through a dict."""

    def term(self, name: str) -> URIRef:
        terms = self.__dict__.setdefault("_terms", {})
        iri = terms.get(name)
        if iri is None:
            iri = terms[name] = super().term(name)
        return iri

    def __getattr__(self, name: str) -> URIRef:
        iri = super().__getattr__(name)
        self.__dict__[name] = iri
        return iri


HGV = CachedNamespace("https://w3id.org/henan-gov/def#")
ONTOLOGY_IRI = URIRef("https://w3id.org/henan-gov/def")
ORG = CachedNamespace("http://www.w3.org/ns/org#")
PROV = CachedNamespace("http://www.w3.org/ns/prov#")
QB = CachedNamespace("http://purl.org/linked-data/cube#")
DCAT = CachedNamespace("http://www.w3.org/ns/dcat#")
VOID = CachedNamespace("http://rdfs.org/ns/void#")
SCHEMA = CachedNamespace("https://schema.org/")
OA = CachedNamespace("http://www.w3.org/ns/oa#")
WD = CachedNamespace("http://www.wikidata.org/entity/")
ELI = CachedNamespace("http://data.europa.eu/eli/ontology#")

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
    "eli": str(ELI),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def document_path(jurisdiction: str, series: str, year: int, n: int | None = None) -> str:
    """A document's IRI path below the data base: ``doc/{jurisdiction}/{series}/{year}/{n}`` for the
    document numbered ``{series}〔{year}〕{n}号`` (``series`` is the slug of its row in
    ``document-series.csv``), ``doc/{jurisdiction}/{word}/{year}`` for an unnumbered one (``word``
    from its genre profile, ``year`` its plan year). Everything of a document lies below this path,
    and its named graph is ``graph/`` + this path (ontology/README.md, Data IRIs)."""
    return f"doc/{jurisdiction}/{series}/{year}" + (f"/{n}" if n is not None else "")


def moved_paths(former: str, path: str) -> dict[str, str]:
    """The redirects of a document first published at ``former`` (its metadata's ``former_slug``,
    releases up to 0.2) and now at ``path``: the document with everything below it, and its named
    graph (then ``graph/`` + the old path with ``/`` → ``-``). Old path prefix → new path prefix."""
    return {former: path, "graph/" + former.replace("/", "-"): "graph/" + path}


@dataclass(frozen=True)
class Iris:
    """Builds data IRIs under one base; pass one instance through a build."""

    base: str = DEFAULT_BASE
    _shared: dict[str, URIRef] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.base.endswith("/"):
            object.__setattr__(self, "base", self.base + "/")

    def __call__(self, path: str) -> URIRef:
        """The data IRI for ``path`` (no leading slash)."""
        return URIRef(self.base + path.lstrip("/"))

    def shared(self, path: str) -> URIRef:
        """``self(path)``, built once per instance: agencies, places, units and documents recur
        thousands of times in a build, and URIRef() validates its string on every call."""
        iri = self._shared.get(path)
        if iri is None:
            iri = self._shared[path] = self(path)
        return iri

    def doc(self, path: str) -> URIRef:
        """The document at ``path`` (:func:`document_path`)."""
        return self.shared(path)

    def graph(self, name: str) -> URIRef:
        """Named graph IRI: ``graph/ontology``, ``graph/reference``, ``graph/dataset``, and for a
        document ``graph/`` + its path (``graph/doc/henan/yuzheng/2026/4``)."""
        return self("graph/" + name)

    def span(self, path: str, start: int, end: int) -> URIRef:
        return self(f"{path}/span/{start}-{end}")

    def agency(self, jurisdiction: str, slug: str) -> URIRef:
        """An agency's IRI carries its jurisdiction: slugs are unique within one government only."""
        return self.shared(f"agency/{jurisdiction}/{slug}")

    def region(self, key: str) -> URIRef:
        return self.shared("region/" + key)

    def indicator(self, slug: str) -> URIRef:
        return self.shared("indicator/" + slug)

    def unit(self, slug: str) -> URIRef:
        return self.shared("unit/" + slug)

    def project(self, slug: str) -> URIRef:
        return self.shared("project/" + slug)

    def scheme(self, name: str) -> URIRef:
        return self.shared("scheme/" + name)
