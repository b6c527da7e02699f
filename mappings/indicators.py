"""Indicators and units: the shared concept schemes that targets and achieved figures point to.

Indicators live in ``data/gazetteer/indicators.csv`` (slug, labels, ``; ``-separated patterns);
a phrase resolves to the indicator whose pattern it contains, the longest pattern winning, so a
new document needs rows, not code. Units come from ``units.csv`` via :mod:`mappings.targets`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph

from mappings.gazetteer import GAZETTEER_DIR, split_list
from mappings.iris import HGV, Iris
from mappings.skos import add_concept, add_scheme
from mappings.source import SourceError
from mappings.targets import load_vocabulary, read_csv


@dataclass(frozen=True)
class Indicator:
    slug: str
    label_zh: str
    label_en: str
    patterns: tuple[str, ...]


@lru_cache(maxsize=8)
def load_indicators(directory: Path = GAZETTEER_DIR) -> tuple[Indicator, ...]:
    """Rows of indicators.csv; a duplicate slug names the file and line."""
    seen: dict[str, int] = {}
    out = []
    path = directory / "indicators.csv"
    for line, r in read_csv(path, ("slug", "label_zh", "patterns")):
        if r["slug"] in seen:
            raise SourceError(f"{path}:{line}: duplicate slug '{r['slug']}' (first on line {seen[r['slug']]})")
        seen[r["slug"]] = line
        out.append(Indicator(r["slug"], r["label_zh"], r.get("label_en", ""), tuple(split_list(r["patterns"]))))
    return tuple(out)


def resolve_indicator(*phrases: str, directory: Path = GAZETTEER_DIR) -> Indicator | None:
    """The indicator of the first phrase that contains a pattern (longest pattern wins), or None.

    Pass the most specific phrase first and wider context after it (the clause, say)."""
    for phrase in phrases:
        best: tuple[int, Indicator] | None = None
        for ind in load_indicators(directory):
            for p in ind.patterns:
                if p in phrase and (best is None or len(p) > best[0]):
                    best = (len(p), ind)
        if best:
            return best[1]
    return None


def indicator_graph(iris: Iris, directory: Path = GAZETTEER_DIR) -> Graph:
    """The indicator concept scheme ``scheme/indicators``."""
    g = Graph()
    scheme = iris.scheme("indicators")
    add_scheme(g, scheme, "指标", "Indicators")
    for ind in load_indicators(directory):
        add_concept(g, iris.indicator(ind.slug), HGV.Indicator, scheme, ind.slug, ind.label_zh, ind.label_en or None)
    return g


def unit_graph(iris: Iris, directory: Path = GAZETTEER_DIR) -> Graph:
    """The unit concept scheme ``scheme/units`` (one concept per base unit of units.csv)."""
    g = Graph()
    scheme = iris.scheme("units")
    add_scheme(g, scheme, "计量单位", "Units of measure")
    for u in load_vocabulary(directory).base_units():
        add_concept(g, iris.unit(u.slug), HGV.Unit, scheme, u.slug, u.zh, u.en or None)
    return g
