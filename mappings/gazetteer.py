"""The gazetteer: agencies and places read from ``data/gazetteer/*.csv``, and their RDF.

Names, aliases, kinds, parents and codes live in the CSV files so that a new province or year
needs new rows, not new code. Lookups are by exact written form (canonical short name, full
name, alias or recorded typo); the notice parser restores abbreviations before it asks.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef

from mappings.iris import HGV, ORG, WD, Iris
from mappings.skos import add_scheme
from mappings.source import DATA_DIR, SourceError

GAZETTEER_DIR = DATA_DIR / "gazetteer"

AGENCY_CLASSES = {
    "ProvincialGovernment", "ProvincialAgency", "CentralGovernmentBranch", "StateOwnedEnterprise",
    "MassOrganisation", "MunicipalGovernment", "ZoneManagementCommittee", "JudicialOrgan",
    "PartyOrgan", "NationalBody", "CollectiveUnit",
}
PLACE_CLASSES = {
    "Province", "PrefectureLevelCity", "CountyLevelCity", "County", "FunctionalZone", "ForeignPlace",
}


def split_list(cell: str) -> list[str]:
    """A ``; ``-separated cell as a list, empty items dropped."""
    return [x.strip() for x in cell.split(";") if x.strip()]


@dataclass(frozen=True)
class Agency:
    slug: str
    short_name: str
    full_name: str
    name_en: str
    cls: str
    kind: str
    parent: str
    managed_by: str
    aliases: tuple[str, ...]
    typos: tuple[str, ...]
    governs: tuple[str, ...]
    members: tuple[str, ...]

    @property
    def full_name_clean(self) -> str:
        """Full name without the curator's parenthesised remarks."""
        return self.full_name.split(" (")[0].strip()


@dataclass(frozen=True)
class Place:
    key: str
    name: str
    short_names: tuple[str, ...]
    name_en: str
    cls: str
    parent: str
    admin_code: str
    wikidata: str
    geonames: str
    abbrev: str


def _rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """CSV rows with their line numbers; a missing column or empty required cell names file:line."""
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise SourceError(f"{path}:1: missing columns: {', '.join(missing)}")
            rows = [(reader.line_num, dict(r)) for r in reader]
    except OSError as e:
        raise SourceError(f"{path}: cannot read: {e.strerror}") from e
    for line, row in rows:
        for c in required:
            if not (row.get(c) or "").strip():
                raise SourceError(f"{path}:{line}: empty required cell '{c}'")
    return rows


class Gazetteer:
    """Agencies and places with name indexes; load once per build with :meth:`load`."""

    def __init__(self, agencies: list[Agency], places: list[Place]) -> None:
        self.agencies = agencies
        self.places = places
        # A recorded typo names the agency the documents meant, even where the written form is
        # another body's real name (工业和信息化部 in the notice is the provincial 工业和信息化厅).
        self._agency_by_name: dict[str, Agency] = {t: a for a in agencies for t in a.typos}
        for a in agencies:
            for name in (a.short_name, a.full_name_clean, *a.aliases):
                self._agency_by_name.setdefault(name, a)
        self._place_by_name: dict[str, Place] = {}
        for p in places:
            for name in (p.name, *p.short_names):
                self._place_by_name.setdefault(name, p)
        self.place_by_key = {p.key: p for p in places}

    @classmethod
    def load(cls, directory: Path = GAZETTEER_DIR) -> Gazetteer:
        agencies = [
            Agency(
                slug=r["slug"], short_name=r["short_name_zh"], full_name=r["full_name_zh"],
                name_en=r["name_en"], cls=r["class"], kind=r["kind"], parent=r["parent"],
                managed_by=r["managed_by"], aliases=tuple(split_list(r["aliases"])),
                typos=tuple(split_list(r["typos"])), governs=tuple(split_list(r["governs"])),
                members=tuple(split_list(r["members"])),
            )
            for line, r in _checked(directory / "agencies.csv", ("slug", "short_name_zh", "class"), "class", AGENCY_CLASSES)
        ]
        places = [
            Place(
                key=r["key"], name=r["name_zh"], short_names=tuple(split_list(r["short_names"])),
                name_en=r["name_en"], cls=r["class"], parent=r["parent"], admin_code=r["admin_code"],
                wikidata=r["wikidata"], geonames=r["geonames"], abbrev=r["abbrev"],
            )
            for line, r in _checked(directory / "regions.csv", ("key", "name_zh", "class"), "class", PLACE_CLASSES)
        ]
        return cls(agencies, places)

    def agency(self, name: str) -> Agency | None:
        """The agency written ``name`` (short name, full name, alias or typo), or None."""
        return self._agency_by_name.get(name)

    def is_typo(self, name: str) -> bool:
        a = self.agency(name)
        return a is not None and name in a.typos

    def place(self, name: str) -> Place | None:
        """The place called ``name`` (official or short form), or None."""
        return self._place_by_name.get(name)

    def place_names(self) -> list[tuple[str, Place]]:
        """Every (name, place) pair, longest name first, for scanning text."""
        return sorted(self._place_by_name.items(), key=lambda kv: (-len(kv[0]), kv[0]))


def _checked(path: Path, required: tuple[str, ...], column: str, allowed: set[str]):
    rows = _rows(path, required)
    seen: dict[str, int] = {}
    for line, r in rows:
        if r[column] not in allowed:
            raise SourceError(f"{path}:{line}: unknown {column} '{r[column]}' (one of {', '.join(sorted(allowed))})")
        key = r[required[0]]
        if key in seen:
            raise SourceError(f"{path}:{line}: duplicate {required[0]} '{key}' (first on line {seen[key]})")
        seen[key] = line
    return rows


def place_iri(iris: Iris, place: Place) -> URIRef:
    return iris.region(place.key)


def gazetteer_graph(gaz: Gazetteer, iris: Iris) -> Graph:
    """Agencies, agency kinds and places as RDF (the reference graph's gazetteer part)."""
    g = Graph()
    by_name = {**{a.full_name_clean: a for a in gaz.agencies}, **{a.short_name: a for a in gaz.agencies}}
    kinds: dict[str, URIRef] = {}
    for a in gaz.agencies:
        s = iris.agency(a.slug)
        g.add((s, RDF.type, HGV[a.cls]))
        g.add((s, SKOS.prefLabel, Literal(a.full_name_clean, lang="zh")))
        g.add((s, RDFS.label, Literal(a.full_name_clean, lang="zh")))
        g.add((s, HGV.shortName, Literal(a.short_name, lang="zh")))
        if a.name_en:
            g.add((s, SKOS.prefLabel, Literal(a.name_en, lang="en")))
            g.add((s, RDFS.label, Literal(a.name_en, lang="en")))
        for alias in (*a.aliases, *a.typos):
            if alias != a.full_name_clean:
                g.add((s, SKOS.altLabel, Literal(alias, lang="zh")))
        if a.kind:
            kind = kinds.setdefault(a.kind, iris("agency-kind/" + _kind_slug(a.kind)))
            g.add((s, ORG.classification, kind))
        if a.parent and a.parent in by_name:
            g.add((s, ORG.subOrganizationOf, iris.agency(by_name[a.parent].slug)))
        if a.managed_by and a.managed_by in by_name:
            g.add((s, HGV.managedBy, iris.agency(by_name[a.managed_by].slug)))
        for member in a.members:
            m = gaz.agency(member)
            if m is None:
                raise SourceError(f"{GAZETTEER_DIR / 'agencies.csv'}: member '{member}' of '{a.short_name}' is not an agency")
            g.add((s, HGV.hasCollectiveMember, iris.agency(m.slug)))
        for region in a.governs:
            p = gaz.place(region)
            if p is None:
                raise SourceError(f"{GAZETTEER_DIR / 'agencies.csv'}: '{a.short_name}' governs unknown place '{region}'")
            g.add((s, HGV.governs, place_iri(iris, p)))
            g.add((place_iri(iris, p), HGV.governedBy, s))
    for text, kind in sorted(kinds.items()):
        g.add((kind, RDF.type, HGV.AgencyKind))
        g.add((kind, RDF.type, SKOS.Concept))
        g.add((kind, SKOS.inScheme, iris.scheme("agency-kinds")))
        g.add((kind, SKOS.prefLabel, Literal(text, lang="en")))
        g.add((kind, RDFS.label, Literal(text, lang="en")))
        zh = _kind_zh(text)
        if zh:
            g.add((kind, SKOS.prefLabel, Literal(zh, lang="zh")))
            g.add((kind, RDFS.label, Literal(zh, lang="zh")))
    add_scheme(g, iris.scheme("agency-kinds"), "机构类别", "Agency kinds")
    for p in gaz.places:
        s = place_iri(iris, p)
        g.add((s, RDF.type, HGV[p.cls]))
        g.add((s, SKOS.prefLabel, Literal(p.name, lang="zh")))
        g.add((s, RDFS.label, Literal(p.name, lang="zh")))
        if p.name_en:
            g.add((s, SKOS.prefLabel, Literal(p.name_en, lang="en")))
            g.add((s, RDFS.label, Literal(p.name_en, lang="en")))
        for short in p.short_names:
            if short != p.name:
                g.add((s, HGV.shortName, Literal(short, lang="zh")))
        if p.admin_code:
            g.add((s, HGV.adminCode, Literal(p.admin_code)))
        if p.wikidata:
            g.add((s, SKOS.exactMatch, WD[p.wikidata]))
        if p.geonames:
            g.add((s, HGV.geonamesSeat, URIRef(f"https://sws.geonames.org/{p.geonames}/")))
        if p.parent:
            if p.parent not in gaz.place_by_key:
                raise SourceError(f"{GAZETTEER_DIR / 'regions.csv'}: parent '{p.parent}' of '{p.name}' is not a place key")
            g.add((s, HGV.withinRegion, iris.region(p.parent)))
    return g


def _kind_slug(kind: str) -> str:
    """A stable slug from the English part of a kind label."""
    english = kind.split("(")[0].split(" -- ")[0]
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in english.lower()).split()
    return "-".join(words) or "kind"


def _kind_zh(kind: str) -> str:
    """The Chinese term in a kind label's brackets, if any (``… (省政府组成部门)``)."""
    if "(" not in kind:
        return ""
    inner = kind.split("(", 1)[1].split(")")[0]
    zh = inner.split(",")[0].strip()
    return zh if any("\u4e00" <= c <= "\u9fff" for c in zh) else ""
