"""The gazetteer: jurisdictions, their agencies and the places, read from CSV files, and their RDF.

Names, aliases, kinds, parents and codes live in the CSV files so that a new province or year
needs new rows, not new code. Every agency belongs to a jurisdiction (``jurisdictions.csv``; its
agencies are ``agencies/{jurisdiction}.csv``): a name means something only within a government,
so a lookup names the jurisdiction it is made in and searches that jurisdiction, then its parent,
up to the national level, and never a sibling's table (a Liaoning ``发展改革委`` is not
Henan's). Lookups are by exact written form (canonical short name, full name, alias or recorded
typo); the notice parser restores abbreviations before it asks. Places are one national GB/T 2260
hierarchy shared by all jurisdictions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from mappings.iris import HGV, ORG, WD, Iris
from mappings.skos import add_scheme
from mappings.tables import SourceError, check_choice, check_unique, read_csv, split_list

AGENCY_CLASSES = {
    "ProvincialGovernment",
    "ProvincialAgency",
    "CentralGovernmentBranch",
    "StateOwnedEnterprise",
    "MassOrganisation",
    "MunicipalGovernment",
    "MunicipalAgency",
    "DistrictGovernment",
    "TownshipGovernment",
    "ZoneManagementCommittee",
    "JudicialOrgan",
    "PartyOrgan",
    "NationalBody",
    "Company",
    "CollectiveUnit",
}
# Agencies that are departments of their jurisdiction's government: a unit prefix the document
# distributes over a group (``省``, ``市``) is part of such an agency's written name.
DEPARTMENT_CLASSES = {"ProvincialAgency", "MunicipalAgency"}
PLACE_CLASSES = {
    "Country",
    "Province",
    "Municipality",
    "AutonomousRegion",
    "PrefectureLevelCity",
    "District",
    "CountyLevelCity",
    "County",
    "Township",
    "FunctionalZone",
    "ForeignPlace",
}
ZONE_CLASSES = {"FunctionalZone", "PlanningArea"}
JURISDICTION_LEVELS = {"national", "provincial", "prefectural", "county", "township"}


@dataclass(frozen=True)
class Jurisdiction:
    """A government whose agencies a document can name: its region, the jurisdiction above it,
    the prefix its documents write before its departments (``省``, ``市``, none) and the words
    that mean its own territory in its documents (``全省``)."""

    key: str
    name: str
    name_en: str
    level: str
    region: str
    parent: str
    unit_prefix: str
    self_words: tuple[str, ...]


@dataclass(frozen=True)
class Agency:
    jurisdiction: str
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
    same_organ_as: str = ""  # the other nameplate of one organ with two names (一个机构两块牌子)
    wikidata: str = ""

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


@dataclass(frozen=True)
class Zone:
    """An area a government's documents name that is not a GB/T 2260 division (``zones.csv``):
    a new area, an economic region of a plan, a city cluster. Its names mean it in the documents
    of its jurisdiction only (another province's 经济区 are other places)."""

    slug: str
    name: str
    aliases: tuple[str, ...]
    name_en: str
    cls: str
    jurisdiction: str
    parent: str
    kind: str
    wikidata: str


@dataclass(frozen=True)
class Area:
    """The area a figure is for: a region of ``regions.csv`` (by key) or a zone (by slug)."""

    key: str
    zone: bool = False


class Gazetteer:
    """Jurisdictions, agencies and places with name indexes; load once per build with :meth:`load`."""

    def __init__(
        self,
        agencies: list[Agency],
        places: list[Place],
        jurisdictions: list[Jurisdiction],
        directory: Path,
        zones: list[Zone] | None = None,
        area_aliases: list[tuple[str, str, Area]] | None = None,
    ) -> None:
        self.directory = directory
        self.zones = zones or []
        self.area_aliases = area_aliases or []  # (jurisdiction, name, area): names its documents use
        self.agencies = agencies
        self.places = places
        self.jurisdictions = {j.key: j for j in jurisdictions}
        self._chains: dict[str, list[Jurisdiction]] = {}
        self._by_name: dict[str, dict[str, Agency]] = {j: {} for j in self.jurisdictions}
        self._canonical: dict[str, dict[str, Agency]] = {j: {} for j in self.jurisdictions}
        # A recorded typo names the agency the documents meant, even where the written form is
        # another body's real name (工业和信息化部 in the notice is the provincial 工业和信息化厅).
        for a in agencies:
            for t in a.typos:
                self._by_name[a.jurisdiction][t] = a
        for a in agencies:
            for name in (a.short_name, a.full_name_clean, *a.aliases):
                self._by_name[a.jurisdiction].setdefault(name, a)
            for name in (a.short_name, a.full_name_clean):
                self._canonical[a.jurisdiction].setdefault(name, a)
        self._place_by_name: dict[str, Place] = {}
        for p in places:
            for name in (p.name, *p.short_names):
                self._place_by_name.setdefault(name, p)
        self.place_by_key = {p.key: p for p in places}
        self._areas: dict[str, tuple[tuple[str, Area], ...]] = {}

    @classmethod
    def load(cls, directory: Path) -> Gazetteer:
        places = [
            Place(
                key=r["key"],
                name=r["name_zh"],
                short_names=tuple(split_list(r["short_names"])),
                name_en=r["name_en"],
                cls=r["class"],
                parent=r["parent"],
                admin_code=r["admin_code"],
                wikidata=r["wikidata"],
                geonames=r["geonames"],
                abbrev=r["abbrev"],
            )
            for line, r in _checked(directory / "regions.csv", ("key", "name_zh", "class"), "class", PLACE_CLASSES)
        ]
        jurisdictions = _load_jurisdictions(directory / "jurisdictions.csv", {p.key for p in places})
        agencies = []
        for key in sorted(jurisdictions):
            path = directory / "agencies" / f"{key}.csv"
            if path.exists():
                agencies.extend(_load_agencies(path, key))
        for path in sorted((directory / "agencies").glob("*.csv")):
            if path.stem not in jurisdictions:
                raise SourceError(
                    f"{path}: no jurisdiction '{path.stem}' in {directory / 'jurisdictions.csv'} "
                    "(an agency file is named after the key of its jurisdiction)"
                )
        zones = _load_zones(directory / "zones.csv", jurisdictions, {p.key for p in places})
        aliases = _load_area_aliases(directory / "area-aliases.csv", jurisdictions, places, zones)
        return cls(agencies, places, list(jurisdictions.values()), directory, zones, aliases)

    def jurisdiction(self, key: str, where: str = "") -> Jurisdiction:
        """The jurisdiction ``key``; an unknown key names ``where`` it was asked and the table."""
        if key not in self.jurisdictions:
            known = ", ".join(sorted(self.jurisdictions))
            raise SourceError(
                f"{where or key}: unknown jurisdiction '{key}' (add a row to "
                f"{self.directory / 'jurisdictions.csv'}; known: {known})"
            )
        return self.jurisdictions[key]

    def chain(self, key: str) -> list[Jurisdiction]:
        """``key``'s jurisdiction and those above it, nearest first (where names are searched);
        built once per key, since every unit of every clause asks."""
        if key not in self._chains:
            out, k = [], key
            while k:
                out.append(self.jurisdiction(k))
                k = out[-1].parent
            self._chains[key] = out
        return self._chains[key]

    def agency(self, name: str, jurisdiction: str) -> Agency | None:
        """The agency written ``name`` (short name, full name, alias or typo) as a document of
        ``jurisdiction`` means it: searched there first, then up the chain; None if nowhere."""
        return self._lookup(self._by_name, name, jurisdiction)

    def canonical(self, name: str, jurisdiction: str) -> Agency | None:
        """The agency whose own short or full name is ``name`` (no alias or typo), up the chain:
        how the tables name an agency's parent."""
        return self._lookup(self._canonical, name, jurisdiction)

    def _lookup(self, index: dict[str, dict[str, Agency]], name: str, jurisdiction: str) -> Agency | None:
        for j in self.chain(jurisdiction):
            a = index[j.key].get(name)
            if a is not None:
                return a
        return None

    def agency_file(self, jurisdiction: str) -> Path:
        """The table that takes a new agency of ``jurisdiction``."""
        return self.directory / "agencies" / f"{jurisdiction}.csv"

    def place(self, name: str) -> Place | None:
        """The place called ``name`` (official or short form), or None."""
        return self._place_by_name.get(name)

    def place_names(self) -> list[tuple[str, Place]]:
        """Every (name, place) pair, longest name first, for scanning text."""
        return sorted(self._place_by_name.items(), key=lambda kv: (-len(kv[0]), kv[0]))

    def area_names(self, jurisdiction: str) -> tuple[tuple[str, Area], ...]:
        """The names of the areas within ``jurisdiction``, longest first: the regions below its
        region (``regions.csv`` parents) and its zones. The jurisdiction's own region is not one:
        its figures are its own by default."""
        if jurisdiction not in self._areas:
            region = self.jurisdiction(jurisdiction).region
            names: dict[str, Area] = {}
            for p in self.places:
                if p.key != region and self._within(p, region):
                    for name in (p.name, *p.short_names):
                        names.setdefault(name, Area(p.key))
            for z in self.zones:
                if z.jurisdiction == jurisdiction:
                    for name in (z.name, *z.aliases):
                        names.setdefault(name, Area(z.slug, zone=True))
            for j, name, area in self.area_aliases:
                if j == jurisdiction:
                    names.setdefault(name, area)
            self._areas[jurisdiction] = tuple(sorted(names.items(), key=lambda kv: (-len(kv[0]), kv[0])))
        return self._areas[jurisdiction]

    def _within(self, place: Place, region: str) -> bool:
        seen: set[str] = set()
        while place.parent and place.parent not in seen:
            if place.parent == region:
                return True
            seen.add(place.parent)
            parent = self.place_by_key.get(place.parent)
            if parent is None:
                return False
            place = parent
        return False


def _checked(path: Path, required: tuple[str, ...], column: str, allowed: set[str]):
    """Rows whose ``column`` is allowed and whose first required column is a unique key."""
    rows = read_csv(path, required)
    check_choice(path, rows, column, allowed)
    check_unique(path, rows, required[0])
    return rows


def _load_jurisdictions(path: Path, regions: set[str]) -> dict[str, Jurisdiction]:
    rows = _checked(path, ("key", "name_zh", "level", "region"), "level", JURISDICTION_LEVELS)
    keys = {r["key"] for _, r in rows}
    out: dict[str, Jurisdiction] = {}
    for line, r in rows:
        if r["region"] not in regions:
            raise SourceError(f"{path}:{line}: region '{r['region']}' of '{r['key']}' is not a key of regions.csv")
        if r["parent"] and r["parent"] not in keys:
            raise SourceError(f"{path}:{line}: parent '{r['parent']}' of '{r['key']}' is not a jurisdiction")
        out[r["key"]] = Jurisdiction(
            r["key"],
            r["name_zh"],
            r["name_en"],
            r["level"],
            r["region"],
            r["parent"],
            r["unit_prefix"],
            tuple(split_list(r["self_words"])),
        )
    for key in out:  # a cycle would make every lookup loop
        seen, k = set(), key
        while k:
            if k in seen:
                raise SourceError(f"{path}: jurisdiction '{key}' is its own ancestor")
            seen.add(k)
            k = out[k].parent
    return out


def _load_zones(path: Path, jurisdictions: dict[str, Jurisdiction], regions: set[str]) -> list[Zone]:
    """Rows of ``zones.csv`` (optional in a data root); an unknown jurisdiction or parent names the line."""
    if not path.exists():
        return []
    rows = _checked(path, ("slug", "name_zh", "class", "jurisdiction"), "class", ZONE_CLASSES)
    for line, r in rows:
        if r["jurisdiction"] not in jurisdictions:
            raise SourceError(f"{path}:{line}: jurisdiction '{r['jurisdiction']}' is not a key of jurisdictions.csv")
        if r.get("parent") and r["parent"] not in regions:
            raise SourceError(f"{path}:{line}: parent '{r['parent']}' is not a key of regions.csv")
    return [
        Zone(
            r["slug"],
            r["name_zh"],
            tuple(split_list(r.get("aliases", ""))),
            r.get("name_en", ""),
            r["class"],
            r["jurisdiction"],
            r.get("parent", ""),
            r.get("kind", ""),
            r.get("wikidata", ""),
        )
        for _, r in rows
    ]


def _load_area_aliases(
    path: Path, jurisdictions: dict[str, Jurisdiction], places: list[Place], zones: list[Zone]
) -> list[tuple[str, str, Area]]:
    """Rows of ``area-aliases.csv`` (optional): a name one government's documents give an area
    (Henan's 国家中心城市 is Zhengzhou), read in that government's documents only."""
    if not path.exists():
        return []
    regions, slugs = {p.key for p in places}, {z.slug for z in zones}
    out = []
    for line, r in read_csv(path, ("jurisdiction", "name", "area")):
        if r["jurisdiction"] not in jurisdictions:
            raise SourceError(f"{path}:{line}: jurisdiction '{r['jurisdiction']}' is not a key of jurisdictions.csv")
        if r["area"] not in regions | slugs:
            raise SourceError(f"{path}:{line}: area '{r['area']}' is not a key of regions.csv or a slug of zones.csv")
        out.append((r["jurisdiction"], r["name"], Area(r["area"], zone=r["area"] in slugs)))
    return out


def _load_agencies(path: Path, jurisdiction: str) -> list[Agency]:
    return [
        Agency(
            jurisdiction=jurisdiction,
            slug=r["slug"],
            short_name=r["short_name_zh"],
            full_name=r["full_name_zh"],
            name_en=r["name_en"],
            cls=r["class"],
            kind=r["kind"],
            parent=r["parent"],
            managed_by=r["managed_by"],
            aliases=tuple(split_list(r["aliases"])),
            typos=tuple(split_list(r["typos"])),
            governs=tuple(split_list(r["governs"])),
            members=tuple(split_list(r["members"])),
            same_organ_as=r.get("same_organ_as", ""),
            wikidata=r.get("wikidata", ""),  # optional columns
        )
        for line, r in _checked(path, ("slug", "short_name_zh", "class"), "class", AGENCY_CLASSES)
    ]


def agency_iri(iris: Iris, agency: Agency) -> URIRef:
    return iris.agency(agency.jurisdiction, agency.slug)


def place_iri(iris: Iris, place: Place) -> URIRef:
    return iris.region(place.key)


def area_iri(iris: Iris, area: Area) -> URIRef:
    """``zone/{slug}`` for a zone, ``region/{key}`` for a region."""
    return iris.shared("zone/" + area.key) if area.zone else iris.region(area.key)


def zone_graph(gaz: Gazetteer, iris: Iris) -> Graph:
    """The zones of ``zones.csv`` as places: names, kind, parent region, Wikidata where known."""
    g = Graph()
    for z in gaz.zones:
        s = area_iri(iris, Area(z.slug, zone=True))
        g.add((s, RDF.type, HGV[z.cls]))
        for lang, name in (("zh", z.name), ("en", z.name_en)):
            if name:
                g.add((s, SKOS.prefLabel, Literal(name, lang=lang)))
                g.add((s, RDFS.label, Literal(name, lang=lang)))
        for alias in z.aliases:
            if alias != z.name:
                g.add((s, HGV.shortName, Literal(alias, lang="zh")))
                g.add((s, SKOS.altLabel, Literal(alias, lang="zh")))
        if z.kind:
            g.add((s, SKOS.scopeNote, Literal(z.kind, lang="en")))
        if z.parent:
            g.add((s, HGV.withinRegion, iris.region(z.parent)))
        g.add((s, HGV.zoneJurisdiction, iris.region(gaz.jurisdictions[z.jurisdiction].region)))
        if z.wikidata:
            g.add((s, OWL.sameAs, WD[z.wikidata]))
    return g


def gazetteer_graph(gaz: Gazetteer, iris: Iris) -> Graph:
    """Agencies, agency kinds and places as RDF (the reference graph's gazetteer part)."""
    g = Graph()
    kinds: dict[str, URIRef] = {}
    for a in gaz.agencies:
        s = agency_iri(iris, a)
        table = gaz.agency_file(a.jurisdiction)
        g.add((s, RDF.type, HGV[a.cls]))
        g.add((s, RDF.type, ORG.Organization))  # stated: a client without inference finds every agency
        g.add((s, HGV.jurisdiction, iris.region(gaz.jurisdictions[a.jurisdiction].region)))
        g.add((s, SKOS.prefLabel, Literal(a.full_name_clean, lang="zh")))
        g.add((s, RDFS.label, Literal(a.full_name_clean, lang="zh")))
        g.add((s, HGV.shortName, Literal(a.short_name, lang="zh")))
        g.add((s, DCTERMS.identifier, Literal(f"{a.jurisdiction}/{a.slug}")))
        if a.wikidata:
            g.add((s, OWL.sameAs, WD[a.wikidata]))
        if a.same_organ_as:
            other = gaz.canonical(a.same_organ_as, a.jurisdiction)
            if other is None:
                raise SourceError(f"{table}: '{a.short_name}' shares its organ with unknown agency '{a.same_organ_as}'")
            for x, y in ((s, agency_iri(iris, other)), (agency_iri(iris, other), s)):  # symmetric: both ways
                g.add((x, HGV.sameOrganAs, y))
                g.add((x, ORG.linkedTo, y))  # its ORG super-property, stated for clients without inference
        if a.name_en:
            g.add((s, SKOS.prefLabel, Literal(a.name_en, lang="en")))
            g.add((s, RDFS.label, Literal(a.name_en, lang="en")))
        for alias in dict.fromkeys((a.short_name, *a.aliases, *a.typos)):
            if alias != a.full_name_clean:  # SKOS S13: no altLabel equal to the prefLabel
                g.add((s, SKOS.altLabel, Literal(alias, lang="zh")))
        if a.kind:
            kind = kinds.setdefault(a.kind, iris("agency-kind/" + _kind_slug(a.kind)))
            g.add((s, ORG.classification, kind))
        if a.parent and (parent := gaz.canonical(a.parent, a.jurisdiction)) is not None:
            g.add((s, ORG.subOrganizationOf, agency_iri(iris, parent)))
        if a.managed_by and (manager := gaz.canonical(a.managed_by, a.jurisdiction)) is not None:
            g.add((s, HGV.managedBy, agency_iri(iris, manager)))
        for member in a.members:
            m = gaz.agency(member, a.jurisdiction)
            if m is None:
                raise SourceError(
                    f"{table}: member '{member}' of '{a.short_name}' is not an agency of {a.jurisdiction} or above"
                )
            g.add((s, HGV.hasCollectiveMember, agency_iri(iris, m)))
        for region in a.governs:
            p = gaz.place(region)
            if p is None:
                raise SourceError(f"{table}: '{a.short_name}' governs unknown place '{region}'")
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
                g.add((s, SKOS.altLabel, Literal(short, lang="zh")))
        if p.admin_code:
            g.add((s, HGV.adminCode, Literal(p.admin_code)))
        if p.wikidata:
            g.add((s, OWL.sameAs, WD[p.wikidata]))  # the same place: owl:sameAs, not a SKOS concept match
        if p.geonames:
            g.add((s, HGV.geonamesSeat, URIRef(f"https://sws.geonames.org/{p.geonames}/")))
        if p.parent:
            if p.parent not in gaz.place_by_key:
                raise SourceError(
                    f"{gaz.directory / 'regions.csv'}: parent '{p.parent}' of '{p.name}' is not a place key"
                )
            g.add((s, HGV.withinRegion, iris.region(p.parent)))
    g += zone_graph(gaz, iris)
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
