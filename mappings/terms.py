"""RDF terms as the type checker sees them.

rdflib types what ``Graph.subjects`` and ``Graph.objects`` yield as ``Node``, which declares no
order; every node a graph holds is an ``Identifier`` (IRI, blank node or literal), which does.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib.term import Identifier, Node


def sorted_terms(nodes: Iterable[Node]) -> list[Identifier]:
    """``nodes`` in rdflib's term order (by kind, then by text; literals by value), as ``sorted`` gives."""
    terms: list[Identifier] = []
    for node in nodes:
        if not isinstance(node, Identifier):
            raise TypeError(f"not an RDF term: {node!r}")
        terms.append(node)
    return sorted(terms)
