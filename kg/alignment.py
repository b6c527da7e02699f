"""How well each notice of a published graph is aligned with the report it assigns: the figures
``henan-kg alignment`` prints (shares of chapters, sections and tasks derived from report text,
the similarity of task and sentence, the report's key-work paragraphs that no task carries)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import QuerySolutions, Store

PREFIXES = """PREFIX hgv: <https://w3id.org/henan-gov/def#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


@dataclass(frozen=True)
class AlignmentFigures:
    notice: str
    report: str
    chapters: tuple[int, int]  # derived, all
    sections: tuple[int, int]
    tasks: tuple[int, int]
    similarities: tuple[float, ...]
    uncarried: tuple[str, ...]  # key-work paragraphs (IRIs) no task is derived from
    paragraphs: int  # key-work paragraphs of the report's sections the chapters come from

    def lines(self) -> list[str]:
        derived, total = self.tasks
        share = 100 * derived / total if total else 0.0
        out = [
            f"{self.notice} assigns {self.report}",
            f"  chapters derived from a key-work section: {self.chapters[0]}/{self.chapters[1]}",
            f"  sections derived from a paragraph: {self.sections[0]}/{self.sections[1]}",
            f"  tasks derived from a report sentence: {derived}/{total} ({share:.1f}%)",
        ]
        if self.similarities:
            out.append(
                f"  similarity of task and sentence: median {statistics.median(self.similarities):.3f}, "
                f"lowest {min(self.similarities):.3f}"
            )
        out.append(f"  key-work paragraphs no task carries: {len(self.uncarried)} of {self.paragraphs}")
        out += [f"    {p}" for p in self.uncarried]
        return out


def _select(store: Store, query: str) -> QuerySolutions:
    rows = store.query(PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(rows, QuerySolutions), query
    return rows


def _count(store: Store, query: str) -> int:
    return int(next(iter(_select(store, query)))["n"].value)


def _share(store: Store, notice: str, cls: str, link: str) -> tuple[int, int]:
    """How many parts of class ``cls`` of ``notice`` have ``link``, and how many there are."""
    part = f"?x a hgv:{cls} ; hgv:inDocument {notice} ."
    return (
        _count(store, f"SELECT (COUNT(?x) AS ?n) WHERE {{ {part} ?x {link} ?s }}"),
        _count(store, f"SELECT (COUNT(?x) AS ?n) WHERE {{ {part} }}"),
    )


def _values(store: Store, query: str, var: str) -> list[str]:
    return [row[var].value for row in _select(store, query)]


def alignment_figures(store_path: Path) -> list[AlignmentFigures]:
    """The figures of every notice with ``hgv:assignsReport`` in the published store."""
    store = Store.read_only(str(store_path))
    out = []
    for row in _select(store, "SELECT ?n ?r WHERE { ?n hgv:assignsReport ?r } ORDER BY ?n"):
        n = f"<{row['n'].value}>"
        sims = _values(
            store,
            f"SELECT ?v WHERE {{ ?x a hgv:Task ; hgv:inDocument {n} ; prov:qualifiedDerivation/hgv:similarity ?v }}",
            "v",
        )
        key_work = f"""?c a hgv:Chapter ; hgv:inDocument {n} ; prov:wasDerivedFrom ?sec .
                       ?p a hgv:Paragraph ; dcterms:isPartOf ?sec ."""
        uncarried = _values(
            store,
            f"""SELECT DISTINCT ?p WHERE {{ {key_work}
            FILTER NOT EXISTS {{ ?t a hgv:Task ; hgv:inDocument {n} ; prov:wasDerivedFrom ?p }} }} ORDER BY ?p""",
            "p",
        )
        out.append(
            AlignmentFigures(
                row["n"].value,
                row["r"].value,
                _share(store, n, "Chapter", "prov:wasDerivedFrom"),
                _share(store, n, "Section", "prov:wasDerivedFrom"),
                _share(store, n, "Task", "prov:qualifiedDerivation"),
                tuple(float(v) for v in sims),
                tuple(uncarried),
                _count(store, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {key_work} }}"),
            )
        )
    return out
