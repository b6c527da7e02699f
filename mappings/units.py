"""Resolving the units a clause names: abbreviations restored, names read in the issuer's jurisdiction.

A notice writes its jurisdiction's unit prefix (``省``, ``市``) once before a group
(``省发展改革委、司法厅`` → ``省司法厅``) and a suffix once after a list of place names
(``郑州、洛阳市政府``, ``济源示范区、航空港区管委会``); :func:`distribute` restores both. Each unit then
resolves to one agency of the gazetteer, searched in the document's jurisdiction first and up
its chain (:meth:`mappings.gazetteer.Gazetteer.agency`); the written form is kept and a variant
or typo is flagged against the canonical short name. The distributive prefix does not make a
variant: short names write it for some departments and not for others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from mappings.gazetteer import DEPARTMENT_CLASSES, Agency, Gazetteer
from mappings.notice import UnitItem


def distribute(units: list[UnitItem], gaz: Gazetteer, jurisdiction: str) -> None:
    """Restore the abbreviations of each ``，``-group in place: the jurisdiction's unit prefix
    (``省``, ``市``) written once before a group, a suffix written once after place names."""
    prefix = gaz.jurisdiction(jurisdiction).unit_prefix
    groups: dict[int, list[UnitItem]] = {}
    for u in units:
        groups.setdefault(u.group, []).append(u)
    for group in groups.values():
        if prefix and group[0].bare.startswith(prefix):
            for u in group[1:]:
                if not u.bare.startswith(prefix) and gaz.place(u.bare) is None:
                    u.written, u.prefixed = prefix + u.bare, True
        suffix = _shared_suffix(group, gaz, jurisdiction)
        for u in group[:-1]:
            if suffix and gaz.place(u.bare) is not None:
                u.written = u.bare + suffix


def _shared_suffix(group: list[UnitItem], gaz: Gazetteer, jurisdiction: str) -> str:
    """The suffix written once after a list of place names (``市政府`` in ``郑州、洛阳市政府``):
    what follows a place name at the start of the group's last unit, choosing the split that
    turns most of the bare place names into known agencies (the shorter place name on a tie)."""
    places = [u.bare for u in group[:-1] if gaz.place(u.bare) is not None]
    if not places:
        return ""
    last = group[-1].bare
    best, best_score = "", -1
    for k in range(1, len(last)):
        if gaz.place(last[:k]) is None:
            continue
        suffix = last[k:]
        score = sum(gaz.agency(p + suffix, jurisdiction) is not None for p in places)
        if score > best_score:
            best, best_score = suffix, score
    return best


@dataclass(frozen=True)
class Resolved:
    agency: Agency | None
    written: str
    variant_of: str | None
    slug: str


def resolve_unit(u: UnitItem, gaz: Gazetteer, jurisdiction: str) -> Resolved:
    """One agency for a written unit, searched in ``jurisdiction`` and up its chain; the
    distributed prefix is kept in the written form when the restored name is known or the unit
    is a department of the jurisdiction, dropped otherwise (``郑商所``)."""
    agency, written = gaz.agency(u.written, jurisdiction), u.written
    if agency is None and u.prefixed:
        agency = gaz.agency(u.bare, jurisdiction)
        if agency is not None and not (agency.jurisdiction == jurisdiction and agency.cls in DEPARTMENT_CLASSES):
            written = u.bare
    if agency is None:
        return Resolved(None, written, None, unresolved_slug(written))
    prefix = gaz.jurisdiction(jurisdiction).unit_prefix
    variant = None if _same_name(written, agency.short_name, prefix) else agency.short_name
    return Resolved(agency, written, variant, agency.slug)


def _same_name(written: str, canonical: str, prefix: str) -> bool:
    """Equal but for the unit prefix, which short names write for some departments only."""

    def strip(s: str) -> str:
        return s[len(prefix) :] if prefix and s.startswith(prefix) else s

    return strip(written) == strip(canonical)


def unresolved_slug(name: str) -> str:
    """A stable slug for a unit the gazetteer does not know (exploratory runs only)."""
    return "unresolved-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:12]
