"""The area a figure is for: its document's jurisdiction, unless the clause names a smaller one.

A figure's reference area (``hgv:refArea``) is by default the region of the jurisdiction whose
document states it. One rule overrides that, the same for every document: an area of that
jurisdiction (a region below its region in ``regions.csv``, or a zone of ``zones.csv``) written
right before the words that name the figure's indicator, in the same clause and before the
number, is the figure's subject, and the figure is that area's (``兰州新区经济总量突破500亿元``,
``预计大湾区经济总量突破15万亿元``). Only the vocabulary's joiner words may stand between
(``城市副中心和平原新城地区生产总值``: 地区). A place named anywhere else in the clause is not the
subject (``郑州机场全货机航线``: the airport's routes; ``郑州研究院``: a name), so the figure stays
the province's. In a report, a paragraph whose lead sentence (its sub-heading) names one area is
about that area, and so are its figures whose clause names none (提升国家中心城市核心竞争力。…
到2025年经济总量突破1.5万亿元: Zhengzhou's, since Henan's documents call Zhengzhou 国家中心城市,
``area-aliases.csv``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mappings.gazetteer import Area
from mappings.text import bounds

if TYPE_CHECKING:
    from mappings.indicators import Indicator
    from mappings.reference import Reference

CLAUSE_END = "，。；：！？\n"


def figure_area(
    ref: Reference, jurisdiction: str, text: str, number_start: int, indicator: Indicator | None
) -> Area | None:
    """:func:`subject_area` with the names of ``jurisdiction`` and the joiners of the vocabulary;
    None for a figure of no listed indicator (it has no words to stand before)."""
    if indicator is None:
        return None
    names = ref.gazetteer.area_names(jurisdiction)
    return subject_area(text, number_start, indicator.patterns, names, ref.vocabulary.area_joiners)


def lead_area(lead: str, names: tuple[tuple[str, Area], ...]) -> Area | None:
    """The one area a paragraph's lead sentence (its sub-heading) names, or None when it names
    none or several: a paragraph headed 提升国家中心城市核心竞争力。 is about Zhengzhou, in Henan."""
    found: set[Area] = set()
    at = 0
    while at < len(lead):
        hit = next(((name, area) for name, area in names if lead.startswith(name, at)), None)
        if hit is not None:
            found.add(hit[1])
        at += len(hit[0]) if hit else 1
    return found.pop() if len(found) == 1 else None


def subject_area(
    text: str,
    number_start: int,
    patterns: tuple[str, ...],
    names: tuple[tuple[str, Area], ...],
    joiners: tuple[str, ...] = (),
) -> Area | None:
    """The area named as the subject of the figure whose number starts at ``number_start``: an
    area name (``names``, longest first) ending where one of the indicator's ``patterns`` starts,
    or where a joiner before it starts, in the clause before the number; the occurrence nearest
    the number wins. None when the clause names no such area."""
    lo, _ = bounds(text, number_start, CLAUSE_END)
    best: tuple[int, Area] | None = None
    for pattern in patterns:
        at = text.find(pattern, lo, number_start)
        while at >= 0:
            area = _ending_at(text, lo, at, names, joiners)
            if area is not None and (best is None or at > best[0]):
                best = (at, area)
            at = text.find(pattern, at + 1, number_start)
    return best[1] if best else None


def _ending_at(
    text: str, lo: int, at: int, names: tuple[tuple[str, Area], ...], joiners: tuple[str, ...]
) -> Area | None:
    for end in (at, *(at - len(j) for j in joiners if text.endswith(j, lo, at))):
        for name, area in names:
            if text.endswith(name, lo, end):
                return area
    return None
