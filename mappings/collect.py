"""A store that collects one document's triples for the build, instead of rdflib's ``Memory`` store.

The mappers write through an rdflib ``Graph`` (``g.add``) and read back very little (a node's
objects, the parts of a document). ``Memory`` keeps three indexes and the contexts of every
triple, which cost more than the mapping itself; a document's triples only need to be collected,
once each, and looked up by subject. Whatever pattern has no subject is answered by a scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.plugins.serializers.nt import _nt_row
from rdflib.store import Store
from rdflib.term import Node

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
        subjects = [s] if s is not None else list(self.by_subject)
        for subj in subjects:
            for q, v in list(self.by_subject.get(subj, ())):
                if (p is None or p == q) and (o is None or o == v):
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


def collecting_graph(name: URIRef) -> Graph:
    """An empty graph named ``name`` that collects into a :class:`Collector`."""
    return Graph(store=Collector(), identifier=name)


def ntriples_lines(g: Graph) -> list[str]:
    """The graph's N-Triples lines (rdflib's own writing of each triple), sorted, without newlines:
    the deterministic form every dump is built from."""
    return sorted(_nt_row(t)[:-1] for t in g)
