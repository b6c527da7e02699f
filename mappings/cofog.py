"""The UN Classification of the Functions of Government (COFOG) divisions and the policy areas'
matches to them, so the graph lines up with other governments' spending and policy data.

``data/gazetteer/cofog.csv`` holds the ten divisions; ``policy-area-cofog.csv`` maps each policy
area (a notice chapter, a report key-work section: ``{doc}/policy-area/{n}``) to one or more
divisions with ``skos:broadMatch`` (the division contains the area) or ``skos:closeMatch`` (they
cover mostly the same ground; an area spanning several divisions gets one row each).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import SKOS, Graph, Literal, URIRef

from mappings.gazetteer import GAZETTEER_DIR
from mappings.iris import HGV, Iris
from mappings.skos import add_concept, add_scheme
from mappings.source import SourceError
from mappings.targets import read_csv

COFOG_CSV = GAZETTEER_DIR / "cofog.csv"
MATCH_CSV = GAZETTEER_DIR / "policy-area-cofog.csv"
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


@lru_cache(maxsize=4)
def load_divisions(path: Path = COFOG_CSV) -> tuple[Division, ...]:
    out = []
    for line, r in read_csv(path, ("code", "label_en", "label_zh")):
        if not (len(r["code"]) == 2 and r["code"].isdigit()):
            raise SourceError(f"{path}:{line}: COFOG code '{r['code']}' is not two digits")
        out.append(Division(r["code"], r["label_en"], r["label_zh"], r.get("scope_en", "")))
    return tuple(out)


@lru_cache(maxsize=4)
def load_matches(path: Path = MATCH_CSV) -> tuple[AreaMatch, ...]:
    """Policy-area matches; an unknown division or match property names file and line."""
    codes = {d.code for d in load_divisions()}
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


def area_label_en(doc_slug: str, number: int) -> str | None:
    """The English name of a policy area, where the CSV gives one."""
    return next((m.label_en for m in load_matches() if m.doc == doc_slug and m.number == number
                 and m.label_en), None)


def cofog_graph(iris: Iris) -> Graph:
    """The COFOG divisions (``cofog/{nn}`` in ``scheme/cofog``) and the policy-area matches."""
    g = Graph()
    scheme = iris.scheme("cofog")
    add_scheme(g, scheme, "政府职能分类（COFOG）", "Classification of the Functions of Government (COFOG)")
    for d in load_divisions():
        s = iris(f"cofog/{d.code}")
        add_concept(g, s, HGV.CofogDivision, scheme, d.code, d.label_zh, d.label_en)
        g.add((s, SKOS.topConceptOf, scheme))
        g.add((scheme, SKOS.hasTopConcept, s))
        if d.scope_en:
            g.add((s, SKOS.scopeNote, Literal(d.scope_en, lang="en")))
    for m in load_matches():
        area = iris(f"{m.doc}/policy-area/{m.number}")
        g.add((area, MATCHES[m.match], iris(f"cofog/{m.cofog}")))
    return g


def add_policy_area(g: Graph, iris: Iris, doc_slug: str, number: int, part: URIRef, heading: str) -> None:
    """The policy area ``{doc}/policy-area/{n}`` of a chapter or key-work section, in scheme
    ``scheme/policy-areas`` (its COFOG matches come from :func:`cofog_graph`)."""
    area = iris(f"{doc_slug}/policy-area/{number}")
    g.add((part, HGV.policyArea, area))
    scheme = iris.scheme("policy-areas")
    add_concept(g, area, HGV.PolicyArea, scheme, f"{doc_slug}/{number}", heading, area_label_en(doc_slug, number))
    add_scheme(g, scheme, "政策领域", "Policy areas")
