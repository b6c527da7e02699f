"""Indicators and units: the shared concept schemes that targets and achieved figures point to.

Indicators live in ``indicators.csv`` of the gazetteer (slug, labels, ``; ``-separated patterns);
a phrase resolves to the indicator whose pattern it contains, the longest pattern winning, so a
new document needs rows, not code. Units come from ``units.csv`` via :mod:`mappings.targets`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from mappings.iris import HGV, Iris
from mappings.skos import add_concept, add_scheme
from mappings.tables import check_unique, read_csv, split_list
from mappings.targets import Vocabulary


@dataclass(frozen=True)
class Indicator:
    slug: str
    label_zh: str
    label_en: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Indicators:
    """The indicator table, and the one rule that reads a phrase as an indicator."""

    rows: tuple[Indicator, ...]

    @classmethod
    def load(cls, directory: Path) -> Indicators:
        """Rows of ``indicators.csv``; a duplicate slug names the file and line."""
        path = directory / "indicators.csv"
        rows = read_csv(path, ("slug", "label_zh", "patterns"))
        check_unique(path, rows, "slug")
        return cls(tuple(Indicator(r["slug"], r["label_zh"], r.get("label_en", ""), tuple(split_list(r["patterns"])))
                         for _, r in rows))

    def resolve(self, *phrases: str) -> Indicator | None:
        """The indicator of the first phrase that contains a pattern (longest pattern wins), or None.

        Pass the most specific phrase first and wider context after it (the clause, say)."""
        for phrase in phrases:
            best: tuple[int, Indicator] | None = None
            for ind in self.rows:
                for p in ind.patterns:
                    if p in phrase and (best is None or len(p) > best[0]):
                        best = (len(p), ind)
            if best:
                return best[1]
        return None


def indicator_graph(indicators: Indicators, iris: Iris) -> Graph:
    """The indicator concept scheme ``scheme/indicators``."""
    g = Graph()
    scheme = iris.scheme("indicators")
    add_scheme(g, scheme, "指标", "Indicators")
    for ind in indicators.rows:
        add_concept(g, iris.indicator(ind.slug), HGV.Indicator, scheme, ind.slug, ind.label_zh, ind.label_en or None)
    return g


def unit_graph(vocabulary: Vocabulary, iris: Iris) -> Graph:
    """The unit concept scheme ``scheme/units`` (one concept per base unit of units.csv)."""
    g = Graph()
    scheme = iris.scheme("units")
    add_scheme(g, scheme, "计量单位", "Units of measure")
    for u in vocabulary.base_units():
        add_concept(g, iris.unit(u.slug), HGV.Unit, scheme, u.slug, u.zh, u.en or None)
    return g
