"""Where a document's IRI comes from: its number (文号) and the document series table, or its kind.

A numbered document (``number = "豫政〔2026〕4号"``) is named by its issuer's jurisdiction, the
series its number belongs to (a row of ``gazetteer/document-series.csv``: the prefix 豫政 and the
series slug ``yuzheng``), the year and the serial number in the number. A document without a number
(a government work report) is named by its jurisdiction, the word its genre profile gives for such
documents (``iri_series = "work-report"``) and its plan year. :func:`mappings.iris.document_path`
spells the path; ``ontology/README.md`` (Data IRIs) states the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mappings.genres import Profile, load_profiles
from mappings.iris import document_path
from mappings.tables import SourceError, read_csv
from mappings.text import simplified

SERIES_FILE = "document-series.csv"

# {series}〔{year}〕{n}号, with the brackets sources use for 〔〕 (half-width [], full-width ［］, 【】)
# and 號 for 号: the number as printed on the document's first page.
NUMBER = re.compile(r"^\s*(?P<prefix>[^\s\[〔［【]+)\s*[\[〔［【]\s*(?P<year>\d{4})\s*[\]〕］】]\s*(?P<n>\d+)\s*号\s*$")


@dataclass(frozen=True)
class DocumentNumber:
    """A parsed document number: series prefix (simplified characters), year and serial number."""

    prefix: str
    year: int
    n: int


def parse_number(number: str) -> DocumentNumber | None:
    """The parts of a document number (traditional characters read as simplified), or None."""
    m = NUMBER.match(simplified(number))
    if m is None:
        return None
    return DocumentNumber(m["prefix"], int(m["year"]), int(m["n"]))


@dataclass(frozen=True)
class Series:
    """One row of ``document-series.csv``: a series of numbered documents of one government."""

    jurisdiction: str
    prefix_zh: str
    slug: str
    name_zh: str
    name_en: str
    issuer: str


@dataclass(frozen=True)
class DocumentNames:
    """The document series of every jurisdiction, and the IRI word of each genre's unnumbered
    documents: what turns a document's metadata into its IRI path."""

    path: Path
    series: dict[tuple[str, str], Series]
    unnumbered: dict[str, str]  # genre profile name -> its iri_series ("" if it has none)

    @classmethod
    def load(cls, gazetteer_dir: Path, unnumbered: dict[str, str]) -> DocumentNames:
        """The series table; a duplicate prefix or slug within a jurisdiction names the line."""
        path = gazetteer_dir / SERIES_FILE
        series: dict[tuple[str, str], Series] = {}
        slugs: dict[tuple[str, str], int] = {}
        for line, r in read_csv(path, ("jurisdiction", "prefix_zh", "slug")):
            key = (r["jurisdiction"], r["prefix_zh"])
            if key in series:
                raise SourceError(f"{path}:{line}: duplicate series {r['prefix_zh']} of {r['jurisdiction']}")
            if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", r["slug"]):
                raise SourceError(f"{path}:{line}: slug '{r['slug']}' is not lower-case letters, digits and hyphens")
            if (r["jurisdiction"], r["slug"]) in slugs:
                raise SourceError(
                    f"{path}:{line}: duplicate slug '{r['slug']}' of {r['jurisdiction']} "
                    f"(first on line {slugs[(r['jurisdiction'], r['slug'])]})"
                )
            slugs[(r["jurisdiction"], r["slug"])] = line
            series[key] = Series(
                r["jurisdiction"],
                r["prefix_zh"],
                r["slug"],
                r.get("name_zh", ""),
                r.get("name_en", ""),
                r.get("issuer", ""),
            )
        return cls(path, series, unnumbered)

    def document_path(self, meta: dict[str, Any], where: Path) -> str:
        """The IRI path (below the data base) of the document described by ``meta``, read from
        ``where``: from its ``number`` if it has one, else from its genre and ``plan_year``."""
        jurisdiction = meta["jurisdiction"]
        if "number" in meta:
            number = parse_number(str(meta["number"]))
            if number is None:
                raise SourceError(
                    f"{where}: number = {meta['number']!r} is not of the form {{series}}〔{{year}}〕{{n}}号 "
                    "(e.g. 豫政〔2026〕4号)"
                )
            s = self.series.get((jurisdiction, number.prefix))
            if s is None:
                raise SourceError(
                    f"{where}: the series {number.prefix} of number {meta['number']} is not a series of "
                    f"{jurisdiction}: add a row ({jurisdiction},{number.prefix},<pinyin slug>,…) to {self.path}"
                )
            if s.issuer and meta["issuer"] != s.issuer:
                raise SourceError(
                    f"{where}: number {meta['number']} is of the series of {s.issuer} ({self.path}), "
                    f"but issuer = {meta['issuer']!r}"
                )
            return document_path(jurisdiction, s.slug, number.year, number.n)
        word = self.unnumbered.get(meta["genre"], "")
        if not word:
            raise SourceError(
                f"{where}: no number, and genre '{meta['genre']}' gives no IRI word for unnumbered documents "
                f'(add number = "…〔year〕n号", or iri_series = "…" to the genre profile)'
            )
        return document_path(jurisdiction, word, int(meta["plan_year"]))


def load_names(root: Path) -> DocumentNames:
    """The :class:`DocumentNames` of data root ``root`` alone (``Reference.names`` has the same),
    for what needs documents' IRIs without the rest of the reference tables."""
    return DocumentNames.load(root / "gazetteer", unnumbered_words(load_profiles(root / "genres")))


def unnumbered_words(profiles: dict[str, Profile]) -> dict[str, str]:
    """Genre name → the IRI word of its unnumbered documents (``iri_series``, "" if none)."""
    return {name: p.iri_series for name, p in profiles.items()}
