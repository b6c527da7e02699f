"""Compacted JSON-LD for Linked Data pages: pyoxigraph writes expanded JSON-LD (every IRI in full),
which a person or a notebook reads poorly; here the same nodes get an ``@context`` of the site's
prefixes and compact IRIs (``hgv:leadUnit``, ``hgd:doc/henan/yuzheng/2026/4/task/17``). A JSON-LD processor
expands them back to the same triples, so nothing is lost."""

from __future__ import annotations

import json
from typing import Any


def compact(expanded: bytes, prefixes: dict[str, str]) -> bytes:
    """``expanded`` (a JSON-LD array of node objects) with an ``@context`` of ``prefixes``."""
    namespaces = sorted(prefixes.items(), key=lambda item: -len(item[1]))  # the longest namespace wins
    nodes = json.loads(expanded) if expanded.strip() else []
    graph = [_node(n, namespaces) for n in nodes]
    doc = {"@context": dict(sorted(prefixes.items())), "@graph": graph}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _iri(value: str, namespaces: list[tuple[str, str]]) -> str:
    for prefix, ns in namespaces:
        rest = value[len(ns) :]
        if value.startswith(ns) and rest and not rest.startswith("//"):  # "p://…" would read as an IRI
            return f"{prefix}:{rest}"
    return value


def _node(node: dict[str, Any], namespaces: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@id":
            out[key] = _iri(value, namespaces)
        elif key == "@type":
            out[key] = [_iri(t, namespaces) for t in value]
        else:
            out[_iri(key, namespaces)] = [_value(v, namespaces) for v in value]
    return out


def _value(value: dict[str, Any], namespaces: list[tuple[str, str]]) -> dict[str, Any]:
    out = dict(value)
    if "@id" in out:
        out["@id"] = _iri(out["@id"], namespaces)
    if "@type" in out:  # a literal's datatype
        out["@type"] = _iri(out["@type"], namespaces)
    return out
