"""The UN Classification of the Functions of Government (COFOG) divisions and the policy areas'
matches to them, so the graph lines up with other governments' spending and policy data.

``cofog.csv`` of the gazetteer holds the ten divisions; ``policy-area-cofog.csv`` maps each policy
area (a notice chapter, a report key-work section: ``{doc}/policy-area/{n}``) to one or more
divisions with ``skos:broadMatch`` (the division contains the area) or ``skos:closeMatch`` (they
cover mostly the same ground; an area spanning several divisions gets one row each).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import SKOS, Graph, Literal, URIRef

from mappings.iris import HGV, Iris
from mappings.skos import add_concept, add_scheme
from mappings.tables import SourceError, read_csv

MATCHES = {"closeMatch": SKOS.closeMatch, "broadMatch": SKOS.broadMatch}


@dataclass(frozen=True)
class Division:
    code: str
    label_en: str
    label_zh: str
    scope_en: str


@dataclass(frozen=True)
class AreaMatch:
    doc: str
    number: int
    cofog: str
    match: str
    label_en: str


def load_divisions(path: Path) -> tuple[Division, ...]:
    out = []
    for line, r in read_csv(path, ("code", "label_en", "label_zh")):
        if not (len(r["code"]) == 2 and r["code"].isdigit()):
            raise SourceError(f"{path}:{line}: COFOG code '{r['code']}' is not two digits")
        out.append(Division(r["code"], r["label_en"], r["label_zh"], r.get("scope_en", "")))
    return tuple(out)


def load_matches(path: Path, divisions: tuple[Division, ...]) -> tuple[AreaMatch, ...]:
    """Policy-area matches; an unknown division or match property names file and line."""
    codes = {d.code for d in divisions}
    out = []
    for line, r in read_csv(path, ("doc", "number", "cofog", "match")):
        if r["cofog"] not in codes:
            raise SourceError(f"{path}:{line}: unknown COFOG division '{r['cofog']}'")
        if r["match"] not in MATCHES:
            raise SourceError(f"{path}:{line}: match must be one of {', '.join(MATCHES)}, not '{r['match']}'")
        if not r["number"].isdigit():
            raise SourceError(f"{path}:{line}: policy-area number '{r['number']}' is not a number")
        out.append(AreaMatch(r["doc"], int(r["number"]), r["cofog"], r["match"], r.get("label_en", "")))
    return tuple(out)


@dataclass(frozen=True)
class Cofog:
    """The COFOG divisions and the policy areas' matches to them."""

    divisions: tuple[Division, ...]
    matches: tuple[AreaMatch, ...]

    @classmethod
    def load(cls, directory: Path) -> Cofog:
        divisions = load_divisions(directory / "cofog.csv")
        return cls(divisions, load_matches(directory / "policy-area-cofog.csv", divisions))

    def area_label_en(self, doc_path: str, number: int) -> str | None:
        """The English name of a policy area, where the CSV gives one."""
        return next((m.label_en for m in self.matches if m.doc == doc_path and m.number == number and m.label_en), None)


def cofog_graph(cofog: Cofog, iris: Iris) -> Graph:
    """The COFOG divisions (``cofog/{nn}`` in ``scheme/cofog``) and the policy-area matches."""
    g = Graph()
    scheme = iris.scheme("cofog")
    add_scheme(g, scheme, "政府职能分类（COFOG）", "Classification of the Functions of Government (COFOG)")
    for d in cofog.divisions:
        s = iris(f"cofog/{d.code}")
        add_concept(g, s, HGV.CofogDivision, scheme, d.code, d.label_zh, d.label_en)
        g.add((s, SKOS.topConceptOf, scheme))
        g.add((scheme, SKOS.hasTopConcept, s))
        if d.scope_en:
            g.add((s, SKOS.scopeNote, Literal(d.scope_en, lang="en")))
    for m in cofog.matches:
        area = iris(f"{m.doc}/policy-area/{m.number}")
        g.add((area, MATCHES[m.match], iris(f"cofog/{m.cofog}")))
    return g


def add_policy_area(g: Graph, iris: Iris, cofog: Cofog, doc_path: str, number: int, part: URIRef, heading: str) -> None:
    """The policy area ``{doc}/policy-area/{n}`` of a chapter or key-work section, in scheme
    ``scheme/policy-areas`` (its COFOG matches come from :func:`cofog_graph`)."""
    area = iris(f"{doc_path}/policy-area/{number}")
    g.add((part, HGV.policyArea, area))
    scheme = iris.scheme("policy-areas")
    add_concept(g, area, HGV.PolicyArea, scheme, f"{doc_path}/{number}", heading, cofog.area_label_en(doc_path, number))
    add_scheme(g, scheme, "政策领域", "Policy areas")
