"""A standalone HTML page documenting the ontology, generated from its Turtle.

Each hgv: term gets an element with ``id="LocalName"`` so that the term's IRI
(``https://w3id.org/henan-gov/def#LocalName``) lands on its entry when the page is served at the
ontology IRI. The namespace is read from the ontology's ``vann:preferredNamespaceUri``, so the
page follows the Turtle and nothing here repeats it. All text is escaped; no external CSS or JS.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from ontology import ONTOLOGY_PATH

VANN = Namespace("http://purl.org/vocab/vann/")

SECTIONS: tuple[tuple[str, str, URIRef | None], ...] = (
    ("classes", "Classes 类", OWL.Class),
    ("object-properties", "Object properties 对象属性", OWL.ObjectProperty),
    ("datatype-properties", "Datatype properties 数据属性", OWL.DatatypeProperty),
    ("annotation-properties", "Annotation properties 注释属性", OWL.AnnotationProperty),
    ("individuals", "Individuals 个体", None),
)

# (label, predicate, inverse?) rows shown under a term, in this order.
FACTS: tuple[tuple[str, URIRef, bool], ...] = (
    ("type", RDF.type, False),
    ("subclass of", RDFS.subClassOf, False),
    ("subclasses", RDFS.subClassOf, True),
    ("disjoint with", OWL.disjointWith, False),
    ("subproperty of", RDFS.subPropertyOf, False),
    ("subproperties", RDFS.subPropertyOf, True),
    ("inverse of", OWL.inverseOf, False),
    ("domain", RDFS.domain, False),
    ("range", RDFS.range, False),
    ("in scheme", SKOS.inScheme, False),
    ("instances", RDF.type, True),
)

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #ccc;margin-top:2.5rem}
section.term{border-top:1px solid #ddd;padding:.6rem 0}section.term:target{background:#fff8dc}
h3{margin:.2rem 0}code{background:#f3f3f3;padding:0 .2rem}
dl{display:grid;grid-template-columns:9rem 1fr;margin:.4rem 0}dt{color:#555}dd{margin:0}
.zh{color:#333}ul.tree{margin:.2rem 0}a{color:#0645ad;text-decoration:none}
"""


def render_html(source: Graph | str | Path = ONTOLOGY_PATH) -> str:
    """The documentation page for the ontology in ``source`` (a graph or a Turtle file)."""
    graph = source if isinstance(source, Graph) else Graph().parse(str(source), format="turtle")
    onto = next(graph.subjects(RDF.type, OWL.Ontology))
    if not isinstance(onto, URIRef):
        raise ValueError("the owl:Ontology has no IRI")
    ns = str(graph.value(onto, VANN.preferredNamespaceUri) or f"{onto}#")
    doc = _Page(graph, ns, str(graph.value(onto, VANN.preferredNamespacePrefix) or "hgv"))
    title = _text(graph, onto, DCTERMS.title, "en") or str(onto)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        doc.header(onto),
        doc.contents(),
        doc.hierarchy(),
        *(doc.section(key, heading, kind) for key, heading, kind in SECTIONS),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _text(graph: Graph, subject: URIRef, predicate: URIRef, lang: str) -> str:
    """The first (sorted, for stable output) ``predicate`` value of ``subject`` in ``lang``."""
    values = sorted(str(o) for o in graph.objects(subject, predicate) if isinstance(o, Literal) and o.language == lang)
    return values[0] if values else ""


def _para(text: str, lang: str) -> str:
    """An escaped paragraph in ``lang``, or nothing for empty text."""
    return f'<p class="{lang}" lang="{lang}">{escape(text)}</p>' if text else ""


class _Page:
    """Renders the parts of the page for one graph and namespace."""

    def __init__(self, graph: Graph, ns: str, prefix: str) -> None:
        self.graph, self.ns, self.prefix = graph, ns, escape(prefix)

    def terms(self, kind: URIRef | None) -> list[URIRef]:
        """Terms of the namespace of rdf:type ``kind``; ``None`` gives the individuals."""
        typed = {k for _, _, k in SECTIONS if k is not None}
        found = set()
        for s in set(self.graph.subjects(RDF.type, None)):
            if not (isinstance(s, URIRef) and s.startswith(self.ns)):
                continue
            types = set(self.graph.objects(s, RDF.type))
            if (kind in types) if kind else not types & typed:
                found.add(s)
        return sorted(found, key=self.local)

    def local(self, iri: URIRef) -> str:
        return str(iri)[len(self.ns) :]

    def label(self, term: URIRef, lang: str) -> str:
        return _text(self.graph, term, RDFS.label, lang) or _text(self.graph, term, SKOS.prefLabel, lang)

    def definition(self, term: URIRef, lang: str) -> str:
        return _text(self.graph, term, SKOS.definition, lang) or _text(self.graph, term, RDFS.comment, lang)

    def link(self, node: object) -> str:
        """A node as HTML: our terms link to anchors, others to their IRI, unions spelled out."""
        if isinstance(node, URIRef) and node.startswith(self.ns):
            name = escape(self.local(node))
            return f'<a href="#{name}"><code>{self.prefix}:{name}</code></a>'
        if isinstance(node, URIRef):
            try:
                shown = self.graph.namespace_manager.curie(node, generate=False)
            except (KeyError, ValueError):
                shown = str(node)
            return f'<a href="{escape(str(node))}"><code>{escape(shown)}</code></a>'
        if isinstance(node, BNode) and (members := self.graph.value(node, OWL.unionOf)):
            return " or ".join(self.link(m) for m in Collection(self.graph, members))
        if isinstance(node, Literal):
            return escape(str(node))
        return "<em>(anonymous)</em>"

    def header(self, onto: URIRef) -> str:
        g = self.graph
        rows = [
            ("IRI", self.link(onto)),
            ("namespace", f"<code>{escape(self.ns)}</code>"),
            ("prefix", f"<code>{self.prefix}</code>"),
            ("version", escape(str(g.value(onto, OWL.versionInfo) or ""))),
            ("license", self.link(g.value(onto, DCTERMS.license))),
        ]
        return "\n".join(
            [
                f"<h1>{escape(_text(g, onto, DCTERMS.title, 'en'))}</h1>",
                f'<p class="zh" lang="zh">{escape(_text(g, onto, DCTERMS.title, "zh"))}</p>',
                _para(_text(g, onto, DCTERMS.description, "en"), "en"),
                _para(_text(g, onto, DCTERMS.description, "zh"), "zh"),
                _para(_text(g, onto, RDFS.comment, "en"), "en"),
                self.rows(rows),
            ]
        )

    def contents(self) -> str:
        items = [
            f'<li><a href="#{key}">{escape(heading)}</a> ({len(self.terms(kind))})</li>'
            for key, heading, kind in SECTIONS
        ]
        items.insert(0, '<li><a href="#hierarchy">Class hierarchy 类层次</a></li>')
        return "<nav><ul>" + "".join(items) + "</ul></nav>"

    def hierarchy(self) -> str:
        """Our classes as a nested list; roots are classes with no superclass of our own."""
        classes = self.terms(OWL.Class)
        ours = set(classes)

        def children(parent: URIRef) -> list[URIRef]:
            return sorted(
                (c for c in self.graph.subjects(RDFS.subClassOf, parent) if isinstance(c, URIRef) and c in ours),
                key=self.local,
            )

        def tree(nodes: Iterable[URIRef]) -> str:
            items = [
                f"<li>{self.link(n)} {escape(self.label(n, 'en'))} · "
                f"{escape(self.label(n, 'zh'))}{tree(children(n))}</li>"
                for n in nodes
            ]
            return f'<ul class="tree">{"".join(items)}</ul>' if items else ""

        roots = [c for c in classes if not ours & set(self.graph.objects(c, RDFS.subClassOf))]
        return f'<h2 id="hierarchy">Class hierarchy 类层次</h2>{tree(roots)}'

    def section(self, key: str, heading: str, kind: URIRef | None) -> str:
        entries = "\n".join(self.entry(t) for t in self.terms(kind))
        return f'<h2 id="{key}">{escape(heading)}</h2>\n{entries}'

    def entry(self, term: URIRef) -> str:
        """One term: anchor, labels, definitions and its facts."""
        name = escape(self.local(term))
        rows = []
        for caption, predicate, inverse in FACTS:
            nodes: Iterable[Node] = (
                self.graph.subjects(predicate, term) if inverse else self.graph.objects(term, predicate)
            )
            if predicate == OWL.disjointWith:
                stated_back = self.graph.subjects(predicate, term)  # disjointness is symmetric
                nodes = [*nodes, *stated_back, *self.disjoint_members(term)]
            shown = sorted({self.link(n) for n in nodes})
            if shown:
                rows.append((caption, ", ".join(shown)))
        return "\n".join(
            [
                f'<section class="term" id="{name}">',
                f"<h3>{escape(self.label(term, 'en'))} · "
                f'<span class="zh" lang="zh">{escape(self.label(term, "zh"))}</span></h3>',
                f"<p><code>{self.prefix}:{name}</code> — <code>{escape(str(term))}</code></p>",
                _para(self.definition(term, "en"), "en"),
                _para(self.definition(term, "zh"), "zh"),
                self.rows(rows),
                "</section>",
            ]
        )

    def disjoint_members(self, term: URIRef) -> list[Node]:
        """The other classes of every owl:AllDisjointClasses axiom that lists ``term``."""
        found: list[Node] = []
        for axiom in self.graph.subjects(RDF.type, OWL.AllDisjointClasses):
            head = self.graph.value(axiom, OWL.members)
            if head is None:
                continue
            members = list(Collection(self.graph, head))
            if term in members:
                found += [m for m in members if m != term]
        return found

    @staticmethod
    def rows(rows: list[tuple[str, str]]) -> str:
        """A definition list of (caption, already-escaped HTML) rows."""
        body = "".join(f"<dt>{escape(c)}</dt><dd>{html}</dd>" for c, html in rows if html)
        return f"<dl>{body}</dl>" if body else ""
