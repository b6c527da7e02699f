"""A store that collects one document's triples for the build, instead of rdflib's ``Memory`` store.

The mappers write through an rdflib ``Graph`` (``g.add``) and read back very little (a node's
objects, the parts of a document). ``Memory`` keeps three indexes and the contexts of every
triple, which cost more than the mapping itself; a document's triples only need to be collected,
once each, and looked up by subject. Whatever pattern has no subject is answered by a scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib import BNode, Graph, URIRef
from rdflib.plugins.serializers.nt import _quoteLiteral
from rdflib.store import Store
from rdflib.term import Literal, Node

Triple = tuple[Node, Node, Node]


class Collector(Store):
    """Each triple once, grouped by subject in the order added; read-mostly lookups by subject."""

    context_aware = False

    def __init__(self) -> None:
        super().__init__()
        self.by_subject: dict[Node, dict[tuple[Node, Node], None]] = {}
        self.count = 0

    def add(self, triple: Triple, context=None, quoted: bool = False) -> None:  # type: ignore[override]
        s, p, o = triple
        po = self.by_subject.get(s)
        if po is None:
            po = self.by_subject[s] = {}
        if (p, o) not in po:
            po[(p, o)] = None
            self.count += 1

    def addN(self, quads: Iterable) -> None:  # type: ignore[override]  # noqa: N802 (rdflib's name)
        for s, p, o, _c in quads:
            self.add((s, p, o))

    def remove(self, triple, context=None) -> None:  # type: ignore[override]
        for t in list(self._match(triple)):
            del self.by_subject[t[0]][(t[1], t[2])]
            self.count -= 1

    def triples(self, triple_pattern, context=None) -> Iterator:  # type: ignore[override]
        for t in self._match(triple_pattern):
            yield t, iter(())

    def _match(self, pattern) -> Iterator[Triple]:
        s, p, o = pattern
        if s is not None:
            found = self.by_subject.get(s)
            items = [] if found is None else [(s, found)]
        else:
            items = list(self.by_subject.items())
        for subj, po in items:
            if p is not None and o is not None:  # a membership test, not a scan of the subject's pairs
                if (p, o) in po:
                    yield subj, p, o
                continue
            for q, v in list(po):
                if (p is None or p == q) and (o is None or o == v):
                    yield subj, q, v

    def every(self) -> Iterator[Triple]:
        """Every triple, subject by subject (what iterating the graph gives, without the pattern)."""
        for subj, po in self.by_subject.items():
            for q, v in po:
                yield subj, q, v

    def __len__(self, context=None) -> int:  # type: ignore[override]
        return self.count

    def subjects(self) -> set[Node]:
        """Every subject of the collected triples."""
        return set(self.by_subject)

    def named(self) -> set[Node]:
        """Every node the collected triples name (their subjects and objects, literals aside)."""
        out = set(self.by_subject)
        for po in self.by_subject.values():
            out.update(o for _p, o in po if not isinstance(o, Literal))
        return out


class CollectingGraph(Graph):
    """A graph over a :class:`Collector` whose ``add`` checks its terms by their exact type first
    (rdflib's ``add`` asks ``isinstance`` of an abstract class three times a triple, which costs
    more than storing the triple)."""

    def add(self, triple: Triple) -> CollectingGraph:  # type: ignore[override]
        for term in triple:
            if type(term) not in TERMS and not isinstance(term, Node):
                raise TypeError(f"not an RDF term: {term!r} in {triple!r}")
        self.store.add(triple, self)
        return self


TERMS = frozenset({URIRef, BNode, Literal})  # the exact types every mapped term has


def collecting_graph(name: URIRef) -> Graph:
    """An empty graph named ``name`` that collects into a :class:`Collector`."""
    return CollectingGraph(store=Collector(), identifier=name)


def ntriples_lines(g: Graph) -> list[str]:
    """The graph's N-Triples lines (rdflib's own writing of each term), sorted, without newlines:
    the deterministic form every dump is built from. Each term is written once per call."""
    memo: dict[Node, str] = {}

    def nt(t: Node) -> str:
        text = memo.get(t)
        if text is None:
            text = memo[t] = _quoteLiteral(t) if isinstance(t, Literal) else t.n3()
        return text

    return sorted(f"{nt(s)} {nt(p)} {nt(o)} ." for s, p, o in triples_of(g))


def triples_of(g: Graph) -> Iterator[Triple]:
    """Every triple of ``g``: straight from a :class:`Collector`, else by iterating the graph."""
    store = g.store
    return store.every() if isinstance(store, Collector) else iter(g)


def named_nodes(g: Graph) -> set[Node]:
    """Every node ``g``'s triples name (subjects and objects, literals aside): from a
    :class:`Collector` by its subjects whole, else by iterating the graph."""
    store = g.store
    if isinstance(store, Collector):
        return store.named()
    return {n for s, _p, o in g for n in (s, o) if not isinstance(n, Literal)}
