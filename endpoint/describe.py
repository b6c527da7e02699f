"""Describing one data resource for Linked Data: its triples for RDF clients, a view for people.

Queries go through ``KnowledgeGraph.query`` (endpoint/graph.py), whose default graph is the union
of the named graphs; the resource is passed as the binding ``?this``, never spliced into the text,
and its path is checked against a strict character set first (``local_iri``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from mappings.iris import HGV, ONTOLOGY_IRI, PREFIXES

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
HGV_NS = str(HGV)
SPAN_CONTEXT = 80  # characters of source text shown on each side of a span
INCOMING_LIMIT = 500
LOCAL_SITE_PATHS = ("dumps", "sparql", ".well-known")
_SEGMENT = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@-]+$")


def site_prefixes(base: str) -> dict[str, str]:
    """The prefixes pages and the editor use: the project's, ``hgd:`` for ``base``, and ``rdf:``."""
    return {"hgd": base, "rdf": RDF_TYPE[: -len("type")], **PREFIXES}


Query = Callable[..., Any]  # KnowledgeGraph.query: (sparql, bindings) -> pyoxigraph results


def local_iri(base: str, path: str) -> str | None:
    """The data IRI for a ``/id/<path>`` request, or None for anything that is not a clean path.

    Empty, ``.`` and ``..`` segments, percent signs, backslashes and characters outside RFC
    3986's ``pchar`` are refused, which rules out traversal and SPARQL injection alike.
    """
    segments = path.split("/")
    if not path or any(s in ("", ".", "..") or not _SEGMENT.match(s) for s in segments):
        return None
    return base + path


def _label_of(var: str, out: str) -> str:
    """An OPTIONAL pattern binding ``out`` to the labels of ``var``."""
    return f"OPTIONAL {{ {var} <{RDFS_LABEL}>|<{SKOS_PREF}> {out} }}"


def exists(query: Query, iri: str) -> bool:
    """Whether the IRI occurs in the store as subject, object or graph name."""
    sparql = "ASK { { ?this ?p ?o } UNION { ?s ?p ?this } UNION { GRAPH ?this { ?a ?b ?c } } }"
    return bool(query(sparql, {"this": iri}))


def description(query: Query, iri: str) -> list[ox.Triple]:
    """The resource's outgoing triples plus the labels of the nodes they link to (CBD-like).

    The data has no blank nodes, so outgoing triples are the whole concise bounded description.
    """
    sparql = (
        f"CONSTRUCT {{ ?this ?p ?o . ?o <{RDFS_LABEL}> ?l }} "
        f"WHERE {{ ?this ?p ?o OPTIONAL {{ ?o <{RDFS_LABEL}> ?l }} }}"
    )
    return sorted(set(query(sparql, {"this": iri})), key=str)


@dataclass(frozen=True)
class Node:
    """An RDF term ready for a template: text to show, where it links, and its tags."""

    text: str
    iri: str | None = None
    href: str | None = None
    lang: str | None = None
    datatype: str | None = None
    long: bool = False


@dataclass
class View:
    """What the HTML page of one resource shows."""

    iri: str
    labels: list[Node] = field(default_factory=list)
    types: list[Node] = field(default_factory=list)
    properties: list[tuple[Node, list[Node]]] = field(default_factory=list)
    incoming: list[tuple[Node, Node]] = field(default_factory=list)
    incoming_truncated: bool = False
    spans: list[dict[str, Any]] = field(default_factory=list)


class Linker:
    """Turns IRIs into short names and links that stay on this server where they can."""

    def __init__(self, base: str, resource_href: Callable[[str], str], ontology_href: str) -> None:
        self.base = base
        self.resource_href = resource_href
        self.ontology_href = ontology_href
        self.prefixes = site_prefixes(base)

    def curie(self, iri: str) -> str:
        """``hgv:Task`` for a known namespace, else the IRI itself."""
        for prefix, ns in self.prefixes.items():
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns) :]}"
        return iri

    def href(self, iri: str) -> str | None:
        """A local link for data and ontology IRIs; other http(s) IRIs as they are; else none."""
        if iri.startswith(self.base) and local_iri(self.base, iri[len(self.base) :]):
            return self.resource_href(iri[len(self.base) :])
        if iri.startswith(HGV_NS):
            return f"{self.ontology_href}#{iri[len(HGV_NS) :]}"
        if iri == str(ONTOLOGY_IRI):
            return self.ontology_href
        site = self.base[: -len("id/")] if self.base.endswith("/id/") else None
        if site and iri.startswith(site) and iri[len(site) :].split("/")[0] in LOCAL_SITE_PATHS:
            return "/" + iri[len(site) :]  # dumps and the endpoint of this site, served here too
        return iri if iri.startswith(("http://", "https://")) else None

    def node(self, term: Any, labels: dict[str, str] | None = None) -> Node:
        """A template node for a pyoxigraph term (labels: IRI → display label)."""
        if isinstance(term, ox.NamedNode):
            iri = term.value
            shown = (labels or {}).get(iri) or self.curie(iri)
            return Node(shown, iri=iri, href=self.href(iri))
        if isinstance(term, ox.Literal):
            dt = term.datatype.value
            plain = dt in (
                "http://www.w3.org/2001/XMLSchema#string",
                "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
            )
            return Node(
                term.value, lang=term.language, datatype=None if plain else self.curie(dt), long=len(term.value) > 600
            )
        return Node(str(term))


def _pick_labels(rows: Iterable[tuple[str, object]]) -> dict[str, str]:
    """One display label per IRI: the Chinese and English labels joined, else any label (rows of
    an IRI and a term or ``None``; only literals count)."""
    found: dict[str, dict[str, str]] = {}
    for iri, lit in rows:
        if isinstance(lit, ox.Literal):
            found.setdefault(iri, {}).setdefault(lit.language or "", lit.value)
    return {
        iri: " · ".join(v for v in (by.get("zh"), by.get("en")) if v) or next(iter(by.values()))
        for iri, by in found.items()
    }


def view(query: Query, iri: str, linker: Linker) -> View:
    """Collect labels, properties, incoming links and source spans of one resource."""
    this = {"this": iri}
    out = list(query("SELECT DISTINCT ?this ?p ?o ?ol WHERE { ?this ?p ?o " + _label_of("?o", "?ol") + " }", this))
    inc = list(
        query(
            "SELECT DISTINCT ?this ?s ?p ?sl WHERE { ?s ?p ?this "
            + _label_of("?s", "?sl")
            + f" }} ORDER BY ?p ?s LIMIT {INCOMING_LIMIT * 3}",
            this,
        )
    )
    labels = _pick_labels(
        [(r["o"].value, r["ol"]) for r in out if isinstance(r["o"], ox.NamedNode)]
        + [(r["s"].value, r["sl"]) for r in inc]
        + [(r["p"].value, None) for r in out]
    )
    page = View(iri)
    grouped: dict[str, dict[str, ox.NamedNode | ox.Literal]] = {}
    for r in out:
        grouped.setdefault(r["p"].value, {})[str(r["o"])] = r["o"]
    for p in sorted(grouped, key=lambda x: (x != RDF_TYPE, linker.curie(x))):
        values = [linker.node(o, labels) for _, o in sorted(grouped[p].items())]
        if p in (RDFS_LABEL, SKOS_PREF):
            page.labels.extend(v for v in values if v not in page.labels)
        if p == RDF_TYPE:
            page.types = values
        page.properties.append((linker.node(ox.NamedNode(p)), values))
    pairs = sorted({(r["s"].value, r["p"].value) for r in inc}, key=lambda sp: (sp[1], sp[0]))
    page.incoming_truncated = len(pairs) > INCOMING_LIMIT
    page.incoming = [
        (linker.node(ox.NamedNode(s), labels), linker.node(ox.NamedNode(p))) for s, p in pairs[:INCOMING_LIMIT]
    ]
    page.spans = spans(query, iri, linker)
    return page


def spans(query: Query, iri: str, linker: Linker) -> list[dict[str, Any]]:
    """The source text behind a resource: its ``hgv:sourceSpan`` spans, or itself if a span.

    Each span carries the exact text and, when the document's full text is in the store, a
    little of the text before and after it.
    """
    rows = list(
        query(
            f"SELECT DISTINCT ?this ?span ?text ?start ?end ?doc WHERE {{ "
            f"{{ ?this <{HGV_NS}sourceSpan> ?span }} UNION {{ ?this <{HGV_NS}exactText> ?own BIND(?this AS ?span) }} "
            f"?span <{HGV_NS}exactText> ?text . "
            f"OPTIONAL {{ ?span <{HGV_NS}startOffset> ?start }} "
            f"OPTIONAL {{ ?span <{HGV_NS}endOffset> ?end }} "
            f"OPTIONAL {{ ?span <{HGV_NS}inDocument> ?doc }} "
            f"}} ORDER BY ?start ?span LIMIT 50",
            {"this": iri},
        )
    )
    texts: dict[str, str] = {}
    result = []
    for r in rows:
        item: dict[str, Any] = {
            "span": linker.node(r["span"]),
            "text": r["text"].value,
            "before": "",
            "after": "",
            "range": "",
        }
        start, end, doc = r["start"], r["end"], r["doc"]
        if start is not None and end is not None:
            item["range"] = f"{start.value}–{end.value}"
            if doc is not None:
                if doc.value not in texts:
                    texts[doc.value] = _full_text(query, doc.value)
                s, e = int(start.value), int(end.value)
                item["before"] = texts[doc.value][max(0, s - SPAN_CONTEXT) : s]
                item["after"] = texts[doc.value][e : e + SPAN_CONTEXT]
        result.append(item)
    return result


def _full_text(query: Query, doc: str) -> str:
    """The ``hgv:fullText`` of a document, or an empty string."""
    rows = list(query(f"SELECT ?this ?t WHERE {{ ?this <{HGV_NS}fullText> ?t }} LIMIT 1", {"this": doc}))
    return rows[0]["t"].value if rows else ""


def views_from_triples(triples: list[ox.Triple], linker: Linker) -> list[View]:
    """One view per subject of a small graph read from a file (VoID, ontology fallback).

    Labels come from the same triples; subjects are ordered by IRI length, then IRI, so that a
    dataset comes before its distributions.
    """
    labels = _pick_labels(
        (t.subject.value, t.object)
        for t in triples
        if t.predicate.value in (RDFS_LABEL, SKOS_PREF) and isinstance(t.subject, ox.NamedNode)
    )
    by_subject: dict[str, dict[str, list[Any]]] = {}
    terms: dict[str, Any] = {}
    for t in triples:
        terms.setdefault(str(t.subject), t.subject)
        by_subject.setdefault(str(t.subject), {}).setdefault(t.predicate.value, []).append(t.object)
    views = []
    for subject in sorted(by_subject, key=lambda x: (len(x), x)):
        term = terms[subject]
        page = View(term.value if isinstance(term, ox.NamedNode) else subject)
        page.labels = [linker.node(term, labels)]
        for p in sorted(by_subject[subject], key=lambda x: (x != RDF_TYPE, linker.curie(x))):
            values = [linker.node(o, labels) for o in sorted(by_subject[subject][p], key=str)]
            if p == RDF_TYPE:
                page.types = values
            page.properties.append((linker.node(ox.NamedNode(p)), values))
        views.append(page)
    return views
