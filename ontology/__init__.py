"""The hgv: ontology: its Turtle file and the HTML documentation generated from it."""

from __future__ import annotations

from pathlib import Path

from release.files import ONTOLOGY_TTL

ONTOLOGY_PATH: Path = ONTOLOGY_TTL
