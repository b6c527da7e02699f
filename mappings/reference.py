"""The reference root: every table the mappings read, loaded once from one data root and passed on.

A data root is a directory with ``gazetteer/`` (jurisdictions, agencies, regions, indicators, units,
target words, projects, place compounds, action words, COFOG) and ``genres/`` (genre profiles).
:func:`load_reference` reads all of it, checks
it, and returns one :class:`Reference`; mappers take that object as an argument, so two data roots
(the project's and a test's) can be used side by side in one process, and no module reads
``data/`` on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from mappings.cofog import Cofog, cofog_graph
from mappings.gazetteer import Gazetteer, gazetteer_graph
from mappings.genres import Profile, load_profiles
from mappings.indicators import Indicators, indicator_graph, unit_graph
from mappings.iris import Iris
from mappings.mentions import Mentions, project_graph
from mappings.series import DocumentNames, unnumbered_words
from mappings.tables import SourceError
from mappings.targets import Vocabulary, load_vocabulary


@dataclass(frozen=True)
class Reference:
    """The reference tables of one data root."""

    root: Path
    gazetteer: Gazetteer
    vocabulary: Vocabulary
    indicators: Indicators
    mentions: Mentions
    cofog: Cofog
    genres: dict[str, Profile]
    names: DocumentNames

    @property
    def gazetteer_dir(self) -> Path:
        return self.root / "gazetteer"


def load_reference(root: Path) -> Reference:
    """Every table under ``root``; a missing directory or a bad row names the file (and line)."""
    gazetteer_dir = root / "gazetteer"
    if not gazetteer_dir.is_dir():
        raise SourceError(f"{root}: not a data root (no gazetteer/ directory)")
    gaz = Gazetteer.load(gazetteer_dir)
    genres = load_profiles(root / "genres")
    return Reference(
        root=root,
        gazetteer=gaz,
        vocabulary=load_vocabulary(gazetteer_dir),
        indicators=Indicators.load(gazetteer_dir),
        mentions=Mentions.load(gazetteer_dir, gaz),
        cofog=Cofog.load(gazetteer_dir),
        genres=genres,
        names=DocumentNames.load(gazetteer_dir, unnumbered_words(genres)),
    )


def reference_graph(ref: Reference, iris: Iris) -> Graph:
    """Agencies, places, indicators, units, projects and COFOG: what documents share."""
    g = gazetteer_graph(ref.gazetteer, iris)
    for part in (
        indicator_graph(ref.indicators, iris),
        unit_graph(ref.vocabulary, iris),
        project_graph(ref.mentions.projects, iris),
        cofog_graph(ref.cofog, iris),
    ):
        g += part
    return g
