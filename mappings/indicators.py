"""Indicators and units: the shared concept schemes that targets and achieved figures point to.

Indicators live in ``indicators.csv`` of the gazetteer (slug, labels, ``; ``-separated patterns);
a phrase resolves to the indicator whose pattern it contains, the longest pattern winning, so a
new document needs rows, not code. Units come from ``units.csv`` via :mod:`mappings.targets`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import SKOS, Graph, URIRef

from mappings.iris import HGV, Iris
from mappings.skos import add_concept, add_scheme
from mappings.tables import check_unique, read_csv, split_list
from mappings.targets import TargetMatch, Vocabulary, multiply


@dataclass(frozen=True)
class Indicator:
    slug: str
    label_zh: str
    label_en: str
    patterns: tuple[str, ...]
    units: tuple[str, ...] = ()  # the base units its figures come in; empty: any
    excludes: tuple[str, ...] = ()  # words that make a phrase about something else (比重: a share)
    unit: str = ""  # the one unit its series is stated in (``unit`` column); empty: as written


ENUMERATION_SEPARATORS = ("、", "、和与及")


@dataclass(frozen=True)
class Indicators:
    """The indicator table, and the one rule that reads a phrase as an indicator; with the
    compound subjects (``城乡`` → 城镇, 农村) of ``enumerations.csv``, optional in a data root."""

    rows: tuple[Indicator, ...]
    enumerations: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def load(cls, directory: Path) -> Indicators:
        """Rows of ``indicators.csv``; a duplicate slug names the file and line."""
        path = directory / "indicators.csv"
        rows = read_csv(path, ("slug", "label_zh", "patterns"))
        check_unique(path, rows, "slug")
        enumerations: list[tuple[str, tuple[str, ...]]] = []
        if (directory / "enumerations.csv").exists():
            epath = directory / "enumerations.csv"
            erows = read_csv(epath, ("form", "items"))
            check_unique(epath, erows, "form")
            enumerations = sorted(
                ((r["form"], tuple(split_list(r["items"]))) for _, r in erows), key=lambda e: -len(e[0])
            )
        return cls(
            tuple(
                Indicator(
                    r["slug"],
                    r["label_zh"],
                    r.get("label_en", ""),
                    tuple(split_list(r["patterns"])),
                    tuple(split_list(r.get("units", ""))),
                    tuple(split_list(r.get("excludes", ""))),
                    r.get("unit", ""),
                )
                for _, r in rows
            ),
            tuple(enumerations),
        )

    def get(self, slug: str | None) -> Indicator | None:
        """The row of ``slug``, or None (an unlisted indicator)."""
        return next((ind for ind in self.rows if ind.slug == slug), None)

    def has_compound(self, subject: str) -> bool:
        return any(form in subject for form, _ in self.enumerations)

    def subjects(self, subject: str, n: int) -> list[str] | None:
        """The ``n`` subjects a phrase lists before 分别, each with the words they share:
        ``城乡居民人均可支配收入`` → 城镇居民人均可支配收入, 农村居民人均可支配收入 (a compound of
        ``enumerations.csv``); ``先进制造业、高技术制造业增加值`` → 先进制造业增加值, 高技术制造业增加值
        (the last item ends where it ends like the one before it). None when the count differs."""
        for form, items in self.enumerations:
            at = subject.find(form)
            if at >= 0 and len(items) == n:
                return [subject[:at] + item + subject[at + len(form) :] for item in items]
        for separators in ENUMERATION_SEPARATORS:
            parts = [p for p in re.split("[" + separators + "]", subject) if p]
            if len(parts) == n and n > 1:
                last, before = parts[-1], parts[-2]
                j = last.find(before[-1])
                tail = last[j + 1 :] if j >= 0 else last[len(before) :]
                return [p + tail for p in parts[:-1]] + [last]
        return None

    def resolve(self, *phrases: str, unit: str | None = None) -> Indicator | None:
        """The indicator of the first phrase that contains a pattern (longest pattern wins), or None;
        with ``unit``, only indicators whose figures come in that unit (a count of projects is not
        the investment they completed).

        Pass the most specific phrase first and wider context after it (the clause, say)."""
        for phrase in phrases:
            best: tuple[int, Indicator] | None = None
            for ind in self.rows:
                if unit is not None and ind.units and unit not in ind.units:
                    continue
                if any(x in phrase for x in ind.excludes):
                    continue
                for p in ind.patterns:
                    if p in phrase and (best is None or len(p) > best[0]):
                        best = (len(p), ind)
            if best:
                return best[1]
        return None


def in_series_unit(m: TargetMatch, indicator: Indicator | None, vocabulary: Vocabulary) -> TargetMatch:
    """``m`` stated in its indicator's unit (the ``unit`` column), so that one series has one
    unit (Data Cube): a measure word counting the same things is that unit (新建200个智能车间 for
    an indicator counted in 家), a unit that converts to it is converted by its fixed factor
    (``converts_to``/``conversion`` of units.csv: 亿斤 → 吨), the written unit and value kept.
    Another unit (a currency, 人次 beside 人) stays as written."""
    if indicator is None or not indicator.unit or m.unit == indicator.unit:
        return m
    written, canonical = vocabulary.unit(m.unit), vocabulary.unit(indicator.unit)
    if written is None or canonical is None:
        return m
    if written.counter and canonical.counter:
        return replace(m, unit=canonical.slug, written_unit=m.unit)
    if written.converts_to == canonical.slug and written.conversion is not None:
        factor = written.conversion
        return replace(
            m,
            unit=canonical.slug,
            value=multiply(str(m.value), factor),
            high=multiply(str(m.high), factor) if m.high is not None else None,
            written_unit=m.unit,
            written_value=m.value,
            written_high=m.high,
        )
    return m


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
        if u.qudt:
            g.add((iris.unit(u.slug), SKOS.exactMatch, URIRef(u.qudt)))
    return g
