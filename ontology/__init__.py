"""The hgv: ontology: its Turtle file and the HTML documentation generated from it."""

from __future__ import annotations

from pathlib import Path

ONTOLOGY_PATH: Path = Path(__file__).with_name("henan-gov.ttl")
