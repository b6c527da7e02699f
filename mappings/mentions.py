"""Places and named projects mentioned in a stretch of normalised text.

Both documents name the same high-speed lines, water works, parks and forums; one project entity
per thing (``projects.csv`` of the gazetteer) lets a query put the 2024 wording beside the 2026 one.
Places come from the region gazetteer by full or short name (two characters or more). One-character
abbreviations (郑开, 焦济洛平, 南信合) are resolved only inside the compound forms listed in
``data/gazetteer/place-compounds.csv``: the same character means different places in different
compounds (济 is Jiyuan in 焦济洛平 but Jinan in 济郑高铁), so no rule guesses them. Words that
mean a document's own territory (全省, 全市: ``self_words`` of ``jurisdictions.csv``) name the
region of the document's jurisdiction, and only in its own documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Generic, TypeVar

from rdflib import RDF, SKOS, Graph, Literal, URIRef

from mappings import literals
from mappings.document import add_span
from mappings.gazetteer import Gazetteer
from mappings.iris import HGV, Iris
from mappings.numerals import CN_DIGITS
from mappings.skos import add_labels
from mappings.source import SourceDocument
from mappings.tables import SourceError, read_csv, split_list
from mappings.text import Normalized

PROJECT_TYPES = {"RailLine", "Station", "Airport", "WaterWorks", "IndustrialPark", "Forum", "OtherProject"}

CLAUSE_END = "，。；：！？\n"
LIST_JOINERS = "、和及与或"
EDITION_RE = re.compile(rf"第[{CN_DIGITS}\d]+届$")

T = TypeVar("T")


@dataclass(frozen=True)
class Project:
    slug: str
    name_zh: str
    name_en: str
    type: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Compound:
    """A written compound of place abbreviations and the region keys it stands for."""

    form: str
    regions: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True)
class Hit(Generic[T]):
    start: int
    end: int
    item: T


def load_projects(path: Path) -> tuple[Project, ...]:
    """The project gazetteer; a bad type, duplicate slug or pattern names file and line."""
    projects: list[Project] = []
    seen: dict[str, int] = {}
    owner: dict[str, str] = {}
    for line, r in read_csv(path, ("slug", "name_zh", "type", "patterns")):
        if r["type"] not in PROJECT_TYPES:
            raise SourceError(f"{path}:{line}: unknown type '{r['type']}' (one of {', '.join(sorted(PROJECT_TYPES))})")
        if r["slug"] in seen:
            raise SourceError(f"{path}:{line}: duplicate slug '{r['slug']}' (first on line {seen[r['slug']]})")
        seen[r["slug"]] = line
        patterns = tuple(split_list(r["patterns"]))
        for p in patterns:
            if p in owner:
                raise SourceError(f"{path}:{line}: pattern '{p}' already belongs to '{owner[p]}'")
            owner[p] = r["slug"]
        projects.append(Project(r["slug"], r["name_zh"], r.get("name_en", ""), r["type"], patterns))
    return tuple(projects)


def load_compounds(path: Path) -> tuple[Compound, ...]:
    return tuple(
        Compound(r["form"], tuple(split_list(r["regions"])), line) for line, r in read_csv(path, ("form", "regions"))
    )


def check_compounds(gaz: Gazetteer, compounds: tuple[Compound, ...], path: Path) -> None:
    """Every compound names known regions, each written by its abbreviation (or name) in the form."""
    for c in compounds:
        for key in c.regions:
            place = gaz.place_by_key.get(key)
            if place is None:
                raise SourceError(f"{path}:{c.line}: '{c.form}' names unknown region key '{key}'")
            written = [place.abbrev, place.name, *place.short_names]
            if not any(w and w in c.form for w in written):
                raise SourceError(
                    f"{path}:{c.line}: '{c.form}' does not write region '{place.name}' "
                    f"(abbrev '{place.abbrev}' in regions.csv)"
                )


class Scanner(Generic[T]):
    """Finds written forms in text: non-overlapping, left to right, the longest form first where
    several start at one position (郑州市 before 郑州).

    One compiled alternation, longest form first: a regex takes the first alternative that
    matches at a position, so it finds what a per-position scan would, some 30 times faster."""

    def __init__(self, forms: dict[str, T]) -> None:
        self.forms = forms
        ordered = sorted(forms, key=lambda f: (-len(f), f))
        self.pattern = re.compile("|".join(map(re.escape, ordered)) or "(?!)")

    def __call__(self, text: str) -> list[Hit[T]]:
        return [Hit(m.start(), m.end(), self.forms[m.group()]) for m in self.pattern.finditer(text)]


def place_forms(gaz: Gazetteer, compounds: tuple[Compound, ...]) -> dict[str, tuple[str, ...]]:
    """Written form → region keys: names of two or more characters, and the listed compounds
    whose regions this gazetteer knows (:func:`check_compounds` checks the project's own)."""
    forms: dict[str, tuple[str, ...]] = {name: (p.key,) for name, p in gaz.place_names() if len(name) >= 2}
    for c in compounds:
        if all(k in gaz.place_by_key for k in c.regions):
            forms[c.form] = c.regions
    return forms


def project_forms(projects: tuple[Project, ...]) -> dict[str, Project]:
    return {p: proj for proj in projects for p in proj.patterns}


@dataclass(frozen=True)
class Mentions:
    """What the mention scan reads: projects, place compounds and action words, with the two
    scanners built once (every paragraph and task asks)."""

    gazetteer: Gazetteer
    projects: tuple[Project, ...]
    compounds: tuple[Compound, ...]
    actions: tuple[str, ...]
    _place_scanners: dict[str, Scanner[tuple[str, ...]]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, directory: Path, gaz: Gazetteer) -> Mentions:
        compounds = load_compounds(directory / "place-compounds.csv")
        check_compounds(gaz, compounds, directory / "place-compounds.csv")
        return cls(gaz, load_projects(directory / "projects.csv"), compounds, load_actions(directory / "actions.csv"))

    def place_scanner(self, jurisdiction: str) -> Scanner[tuple[str, ...]]:
        """The place scanner of a document of ``jurisdiction`` (its self words added), built once."""
        scanner = self._place_scanners.get(jurisdiction)
        if scanner is None:
            j = self.gazetteer.jurisdiction(jurisdiction)
            forms = place_forms(self.gazetteer, self.compounds) | {w: (j.region,) for w in j.self_words}
            scanner = self._place_scanners[jurisdiction] = Scanner(forms)
        return scanner

    @cached_property
    def project_scanner(self) -> Scanner[Project]:
        return Scanner(project_forms(self.projects))

    def places(self, text: str, jurisdiction: str) -> list[str]:
        """Region keys named in ``text`` of a document of ``jurisdiction``, in order of first mention."""
        keys: list[str] = []
        for hit in self.place_scanner(jurisdiction)(text):
            keys.extend(k for k in hit.item if k not in keys)
        return keys

    def find_projects(self, text: str) -> list[Hit[Project]]:
        return self.project_scanner(text)


# --- what the text says of a project ------------------------------------------------------------

NUMBERING_RE = re.compile(rf"^(?:\d+[.、]|（[{CN_DIGITS}]+）)")
# ``…等项目建设``: 等 and the class noun close a list; what follows the noun is still the action.
ETC_RE = re.compile(r"^等[^，。；]*(?:项目|工程|活动|遗址|公园|水库|论坛|设施|基地|产业园)")


def load_actions(path: Path) -> tuple[str, ...]:
    """Action words (加快建设, 开工建设 …), longest first, to find the verb before a list."""
    words = {r["word"] for _, r in read_csv(path, ("word",))}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause (between ，。；： …) around ``text[start:end]``.

    A clause ends at a line break at the latest, so the other marks are looked for within the
    line only: ``text`` is a whole document, and a mark it lacks (！) was searched for to its ends."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    marks = CLAUSE_END.replace("\n", "")
    a = max([line_start - 1] + [text.rfind(c, line_start, start) for c in marks]) + 1
    ends = [k for k in (text.find(c, end, line_end) for c in marks) if k != -1]
    return a, min(ends, default=line_end)


def _verb(prefix: str, actions: tuple[str, ...]) -> str:
    """The clause text before the first project; when other list items precede it, only the
    action word that opens the clause (``推动郑州上汽…工厂、`` → 推动)."""
    prefix = EDITION_RE.sub("", NUMBERING_RE.sub("", prefix))
    if not any(j in prefix for j in LIST_JOINERS):
        return prefix
    return next((w for w in actions if prefix.startswith(w)), prefix)


def _tail(rest: str) -> str:
    """What a clause says after a project: a qualifier (河南段, 三期), or after a list closed by
    ``等 <class noun>`` what follows the noun (``等项目建设`` → 建设)."""
    if rest[:1] in LIST_JOINERS:
        k = rest.find("等")
        if k == -1:
            return ""
        rest = rest[k:]
    m = ETC_RE.match(rest)
    if m:
        return rest[m.end() :]
    if rest.startswith("等"):
        return ""
    cut = rest.find("、")
    return rest[:cut] if cut != -1 and "等" in rest[cut:] else rest


def stated_action(text: str, hit: Hit, hits: list[Hit], actions: tuple[str, ...]) -> str:
    """The verb before a (possibly listed) project and the qualifier after it:
    ``加快建设雄商高铁、平漯周高铁`` → 加快建设; ``建成雄商高铁河南段`` → 建成河南段."""
    a, b = clause_bounds(text, hit.start, hit.end)
    in_clause = [h for h in hits if a <= h.start and h.end <= b]
    verb = _verb(text[a : in_clause[0].start], actions)
    edition = EDITION_RE.search(text[a : hit.start])
    rest = text[hit.end : b]
    if rest[:1] in LIST_JOINERS and in_clause[-1] is not hit:
        rest = text[in_clause[-1].end : b]
    action = verb + (edition.group() if edition else "") + _tail(rest)
    return action or text[a:b]


# --- RDF --------------------------------------------------------------------------------------


def project_iri(iris: Iris, project: Project) -> URIRef:
    return iris.project(project.slug)


def add_mentions(
    g: Graph, iris: Iris, mentions: Mentions, doc: SourceDocument, norm: Normalized, part: URIRef, start: int, end: int
) -> None:
    """hgv:mentionsPlace and project mentions of ``part`` for ``norm.text[start:end]``
    (normalised offsets; spans cite the source)."""
    text = norm.text
    for key in mentions.places(text[start:end], doc.jurisdiction):
        g.add((part, HGV.mentionsPlace, iris.region(key)))
    hits = [Hit(h.start + start, h.end + start, h.item) for h in mentions.find_projects(text[start:end])]
    for hit in hits:
        project = hit.item
        mention = URIRef(f"{part}/project/{project.slug}")
        g.add((part, HGV.mentionsProject, project_iri(iris, project)))
        g.add((part, HGV.projectMention, mention))
        g.add((mention, RDF.type, HGV.ProjectMention))
        g.add((mention, HGV.project, project_iri(iris, project)))
        g.add((mention, HGV.statedIn, part))
        g.add((mention, HGV.statedAction, literals.text(stated_action(text, hit, hits, mentions.actions), "zh")))
        a, b = clause_bounds(text, hit.start, hit.end)
        a, b = max(a, start), min(b, end)
        numbering = NUMBERING_RE.match(text[a:b])
        a += numbering.end() if numbering else 0
        s, e = norm.source_span(a, b)
        g.add((mention, HGV.sourceSpan, add_span(g, iris, doc, s, e)))


def project_graph(projects: tuple[Project, ...], iris: Iris) -> Graph:
    """The projects of the gazetteer (reference graph); types are the ontology's individuals."""
    g = Graph()
    for p in projects:
        s = project_iri(iris, p)
        g.add((s, RDF.type, HGV.Project))
        add_labels(g, s, p.name_zh, p.name_en or None)
        g.add((s, HGV.projectType, HGV[p.type]))
        for alt in p.patterns:
            if alt != p.name_zh:
                g.add((s, SKOS.altLabel, Literal(alt, lang="zh")))
    return g
