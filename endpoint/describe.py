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
PROV_NS = "http://www.w3.org/ns/prov#"
HGV_NS = str(HGV)
ORDER = f"<{HGV_NS}orderNumber>"  # the number a part (task, chapter, section) has in its document
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
    curie: str | None = None  # the prefixed name beside a label (properties)


@dataclass(frozen=True)
class Duty:
    """One responsibility assignment: a unit named in a task's clause, in a role, at a position."""

    assignment: Node
    task: Node
    number: int | None
    role: Node
    position: int | None
    unit: Node
    written: str

    @property
    def sentence(self) -> str:
        """``task 117 — lead: 河南省卫生健康委员会`` (the role's English label, the unit's Chinese)."""
        return f"task {self.number if self.number is not None else self.task.text} — {self.role.text}: {self.unit.text}"


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
    duties: list[Duty] = field(default_factory=list)


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
    return {iri: _joined(by) for iri, by in found.items()}


def _labels_by_language(query: Query, iris: Iterable[str]) -> dict[str, dict[str, str]]:
    """The labels the graph gives these IRIs (the ontology's for its terms), by language tag."""
    wanted = sorted(set(iris))
    if not wanted:
        return {}
    values = " ".join(str(ox.NamedNode(i)) for i in wanted)
    rows = query(f"SELECT ?x ?l WHERE {{ VALUES ?x {{ {values} }} ?x <{RDFS_LABEL}>|<{SKOS_PREF}> ?l }}")
    found: dict[str, dict[str, str]] = {}
    for r in rows:
        lit = r["l"]
        if isinstance(lit, ox.Literal):
            found.setdefault(r["x"].value, {}).setdefault(lit.language or "", lit.value)
    return found


def _joined(by: dict[str, str]) -> str:
    """Chinese and English labels joined, else any."""
    return " · ".join(v for v in (by.get("zh"), by.get("en")) if v) or next(iter(by.values()), "")


def _natural(text: str) -> tuple[tuple[int, int, str], ...]:
    """A key that orders digit runs by value: ``task/9`` before ``task/10``."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p)


def order_key(iri: str, number: int | None = None) -> tuple[Any, ...]:
    """How resources are listed: by the path before the last segment, then by the part's
    ``hgv:orderNumber`` when it has one, else by the last segment read with numbers as numbers."""
    head, _, last = iri.rpartition("/")
    return (_natural(head), (0, number) if number is not None else (1, 0), _natural(last))


def _int(term: object) -> int | None:
    try:
        return int(term.value) if isinstance(term, ox.Literal) else None
    except ValueError:
        return None


def property_node(linker: Linker, iri: str, labels: dict[str, dict[str, str]]) -> Node:
    """A property shown by its labels (zh · en) with its prefixed name beside, or by the name alone."""
    by = labels.get(iri)
    name = linker.curie(iri)
    if not by:
        return Node(name, iri=iri, href=linker.href(iri))
    return Node(_joined(by), iri=iri, href=linker.href(iri), curie=name)


def duties(query: Query, iri: str, linker: Linker) -> list[Duty]:
    """The responsibility assignments around a resource: a task's own, an agency's in every task,
    or an assignment itself; ordered by document, task number and position in the clause."""
    rows = list(
        query(
            "SELECT DISTINCT ?this ?a ?task ?n ?doc ?role ?agent ?pos ?written WHERE { "
            f"{{ ?this <{HGV_NS}responsibility> ?a }} UNION {{ ?a <{PROV_NS}agent> ?this }} "
            f"UNION {{ ?task <{HGV_NS}responsibility> ?this BIND(?this AS ?a) }} "
            f"?task <{HGV_NS}responsibility> ?a . ?a <{PROV_NS}agent> ?agent ; <{PROV_NS}hadRole> ?role . "
            f"OPTIONAL {{ ?task {ORDER} ?n }} OPTIONAL {{ ?task <{HGV_NS}inDocument> ?doc }} "
            f"OPTIONAL {{ ?a <{HGV_NS}listPosition> ?pos }} OPTIONAL {{ ?a <{HGV_NS}writtenAs> ?written }} }}",
            {"this": iri},
        )
    )
    labels = _labels_by_language(query, (r[v].value for r in rows for v in ("task", "role", "agent")))
    found = []
    for r in rows:
        task, role, agent = (r[v].value for v in ("task", "role", "agent"))
        number, position = _int(r["n"]), _int(r["pos"])
        role_by = labels.get(role, {})
        unit_by = labels.get(agent, {})
        duty = Duty(
            assignment=linker.node(r["a"]),
            task=Node(_joined(labels.get(task, {})) or linker.curie(task), iri=task, href=linker.href(task)),
            number=number,
            role=Node(role_by.get("en") or _joined(role_by) or linker.curie(role), iri=role, href=linker.href(role)),
            position=position,
            unit=Node(unit_by.get("zh") or _joined(unit_by) or linker.curie(agent), iri=agent, href=linker.href(agent)),
            written=r["written"].value if r["written"] is not None else "",
        )
        doc = r["doc"].value if r["doc"] is not None else ""
        found.append(((_natural(doc), order_key(task, number), position or 0, r["a"].value), duty))
    return [duty for _, duty in sorted(found, key=lambda kd: kd[0])]


def view(query: Query, iri: str, linker: Linker) -> View:
    """Collect labels, properties, incoming links, source spans and responsibilities of one resource.

    Properties show their labels; values and incoming subjects are ordered with :func:`order_key`
    (tasks by number); a responsibility assignment reads as its sentence, not as its IRI."""
    this = {"this": iri}
    out = list(
        query(
            "SELECT DISTINCT ?this ?p ?o ?ol ?on WHERE { ?this ?p ?o "
            + _label_of("?o", "?ol")
            + f" OPTIONAL {{ ?o {ORDER} ?on }} }}",
            this,
        )
    )
    inc = list(
        query(
            "SELECT DISTINCT ?this ?s ?p ?sl ?sn WHERE { ?s ?p ?this "
            + _label_of("?s", "?sl")
            + f" OPTIONAL {{ ?s {ORDER} ?sn }} }} ORDER BY ?p ?s LIMIT {INCOMING_LIMIT * 3}",
            this,
        )
    )
    labels = _pick_labels(
        [(r["o"].value, r["ol"]) for r in out if isinstance(r["o"], ox.NamedNode)]
        + [(r["s"].value, r["sl"]) for r in inc]
    )
    page = View(iri)
    page.duties = duties(query, iri, linker)
    labels.update({d.assignment.iri: d.sentence for d in page.duties if d.assignment.iri})
    numbers = {r["o"].value: _int(r["on"]) for r in out if r["on"] is not None}
    numbers.update({r["s"].value: _int(r["sn"]) for r in inc if r["sn"] is not None})
    numbers.update({d.assignment.iri: d.position for d in page.duties if d.assignment.iri})
    predicates = _labels_by_language(query, {r["p"].value for r in out} | {r["p"].value for r in inc})

    grouped: dict[str, dict[str, ox.NamedNode | ox.Literal]] = {}
    for r in out:
        grouped.setdefault(r["p"].value, {})[str(r["o"])] = r["o"]
    for p in sorted(grouped, key=lambda x: (x != RDF_TYPE, linker.curie(x))):
        values = [linker.node(o, labels) for o in sorted(grouped[p].values(), key=lambda o: _value_key(o, numbers))]
        if p in (RDFS_LABEL, SKOS_PREF):
            page.labels.extend(v for v in values if v not in page.labels)
        if p == RDF_TYPE:
            page.types = values
        page.properties.append((property_node(linker, p, predicates), values))
    pairs = sorted(
        {(r["s"].value, r["p"].value) for r in inc},
        key=lambda sp: (linker.curie(sp[1]), order_key(sp[0], numbers.get(sp[0]))),
    )
    page.incoming_truncated = len(pairs) > INCOMING_LIMIT
    page.incoming = [
        (linker.node(ox.NamedNode(s), labels), property_node(linker, p, predicates)) for s, p in pairs[:INCOMING_LIMIT]
    ]
    page.spans = spans(query, iri, linker)
    return page


def _value_key(term: Any, numbers: dict[str, int | None]) -> tuple[Any, ...]:
    """IRIs in :func:`order_key` order, then literals by value (numbers as numbers)."""
    if isinstance(term, ox.NamedNode):
        return (0, order_key(term.value, numbers.get(term.value)))
    return (1, _natural(term.value) if isinstance(term, ox.Literal) else (), str(term))


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


def views_from_triples(triples: list[ox.Triple], linker: Linker, query: Query | None = None) -> list[View]:
    """One view per subject of a small graph read from a file (VoID, ontology fallback).

    As on resource pages, properties and linked IRIs are shown by their labels (zh · en), a
    property with its prefixed name beside: the file's own labels first, else the graph's
    (``query``, when given); what neither labels keeps its prefixed name. Subjects are ordered by
    IRI length, then IRI, so that a dataset comes before its distributions.
    """
    own: dict[str, dict[str, str]] = {}
    iris: set[str] = set()
    for t in triples:
        iris.update(term.value for term in (t.subject, t.predicate, t.object) if isinstance(term, ox.NamedNode))
        if t.predicate.value in (RDFS_LABEL, SKOS_PREF) and isinstance(t.subject, ox.NamedNode):
            if isinstance(t.object, ox.Literal):
                own.setdefault(t.subject.value, {}).setdefault(t.object.language or "", t.object.value)
    by_language = {**(_labels_by_language(query, iris - own.keys()) if query is not None else {}), **own}
    labels = {iri: _joined(by) for iri, by in by_language.items()}
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
            page.properties.append((property_node(linker, p, by_language), values))
        views.append(page)
    return views
