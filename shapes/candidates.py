"""Find, on Oxigraph, the few nodes where a SPARQL constraint can fire, so that pyshacl checks only those.

pyshacl evaluates SPARQL constraints with rdflib's SPARQL engine, once per focus node; on a large
corpus that was four fifths of validation time. A shape whose only constraints are SPARQL ones
reports a focus node only if one of its queries returns a row for it, so the set of such nodes,
computed by Oxigraph, can replace the shape's targets (``sh:targetNode``) without changing the
report: pyshacl still evaluates every constraint on every node that could violate it. Two ways:

- a shape with a SPARQL-based target (made by ``_one_pass_targets`` from ``hsh:checkInOnePass``)
  has that target's query run once on the store;
- any other pure SPARQL shape has each constraint run per target node with ``$this`` substituted
  (Oxigraph's ``substitutions`` follow SEP-0007, the pre-binding SHACL prescribes).

A shape with other constraints, other kinds of target, blank-node candidates or queries that use
``$currentShape`` / ``$shapesGraph`` is left exactly as it is.
"""

from __future__ import annotations

from pyoxigraph import BlankNode, NamedNode, RdfFormat, Store, Variable
from rdflib import RDF, RDFS, SH, Graph, Literal, URIRef
from rdflib.term import Node

from mappings.terms import sorted_terms
from shapes import HSH

#: what a shape may say besides SPARQL constraints and still be narrowed
PURE = {
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.targetClass,
    SH.target,
    SH.sparql,
    SH.severity,
    SH.message,
    SH.name,
    SH.description,
    HSH.checkInOnePass,
    HSH.propertyOf,
}
THIS = Variable("this")


def store_of(data: Graph) -> Store:
    """An in-memory Oxigraph copy of an rdflib graph (for callers that have no store of their own)."""
    store = Store()
    store.bulk_load(input=data.serialize(format="nt", encoding="utf-8"), format=RdfFormat.N_TRIPLES)
    return store


def narrow(shapes: Graph, store: Store) -> Graph:
    """A copy of ``shapes`` in which each pure SPARQL shape targets only the nodes it could report."""
    out = Graph()
    out += shapes
    for shape in sorted_terms(set(shapes.subjects(SH.sparql, None))):
        nodes = _candidates(shapes, shape, store)
        if nodes is None:
            continue
        for target in list(out.objects(shape, SH.target)):
            out.remove((target, None, None))
        out.remove((shape, SH.target, None))
        out.remove((shape, SH.targetClass, None))
        for node in nodes:
            out.add((shape, SH.targetNode, node))
    return out


def _candidates(shapes: Graph, shape: Node, store: Store) -> list[URIRef] | None:
    """The nodes where ``shape`` could report, or None when the shape must be left as it is."""
    if shapes.value(shape, SH.deactivated) is not None or set(shapes.predicates(shape, None)) - PURE:
        return None
    targets = list(shapes.objects(shape, SH.target))
    classes = list(shapes.objects(shape, SH.targetClass))
    constraints = list(shapes.objects(shape, SH.sparql))
    texts = [str(shapes.value(c, SH.select) or "") for c in constraints]
    if any(not t or "$currentShape" in t or "$shapesGraph" in t for t in texts):
        return None
    found: set[NamedNode] = set()
    for target in targets:
        select = shapes.value(target, SH.select)
        if (target, RDF.type, SH.SPARQLTarget) not in shapes or select is None:
            return None
        found |= {row[0] for row in _run(store, str(select), prefixes_of(shapes, target))}
    if classes:
        focus = {row[0] for c in classes for row in _run(store, _instances(c), {})}
        for constraint, text in zip(constraints, texts):
            prefixes = prefixes_of(shapes, constraint)
            found |= {node for node in focus - found if _fires(store, text, prefixes, node)}
    if any(not isinstance(n, NamedNode) for n in found):
        return None  # a blank node here would not name the same node in rdflib
    return sorted(URIRef(n.value) for n in found)


def _instances(cls: Node) -> str:
    return f"SELECT DISTINCT ?this WHERE {{ ?this <{RDF.type}>/<{RDFS.subClassOf}>* <{cls}> }}"


def _fires(store: Store, select: str, prefixes: dict[str, str], node: NamedNode | BlankNode) -> bool:
    return next(iter(_run(store, select, prefixes, {THIS: node})), None) is not None


def _run(store: Store, select: str, prefixes: dict[str, str], bindings: dict | None = None):
    return store.query(select, prefixes=prefixes, use_default_graph_as_union=True, substitutions=bindings)


def prefixes_of(shapes: Graph, holder: Node) -> dict[str, str]:
    """The prefixes a SPARQL constraint or target declares through ``sh:prefixes`` (SHACL 5.2.2)."""
    out: dict[str, str] = {}
    for owner in shapes.objects(holder, SH.prefixes):
        for decl in shapes.objects(owner, SH.declare):
            prefix, namespace = shapes.value(decl, SH.prefix), shapes.value(decl, SH.namespace)
            if isinstance(prefix, Literal) and namespace is not None:
                out[str(prefix)] = str(namespace)
    return out
