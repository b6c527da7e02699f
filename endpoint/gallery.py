"""The example-query gallery: ``examples/queries/NN-name.rq`` files with a comment header.

A query file starts with ``# key: value`` lines (``title``, ``description``, optionally
``requires``); the query page shows them, and ``tests/test_gallery.py`` runs each query and
compares it with ``NN-name.expected.json``. Files are read on every call so that editing an
example needs no restart; there are a dozen, each a few hundred bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mappings.iris import DEFAULT_BASE
from release.files import GALLERY_DIR

_NAME = re.compile(r"^(\d{2})-([a-z0-9-]+)$")
_HEADER = re.compile(r"^#\s*([a-z]+):\s*(.*?)\s*$")


@dataclass(frozen=True)
class Example:
    """One gallery query: its file stem, the header fields, and the SPARQL text."""

    name: str
    title: str
    description: str
    sparql: str
    requires: tuple[str, ...] = field(default=())

    @property
    def number(self) -> str:
        """The two-digit prefix of the file name."""
        return self.name[:2]


def parse_example(path: Path, base: str = DEFAULT_BASE) -> Example:
    """Read one ``.rq`` file; the data prefix is rewritten when the graph uses another base.

    :raises ValueError: when the file name or header misses what the page needs.
    """
    if not _NAME.match(path.stem):
        raise ValueError(f"{path.name}: example names are NN-lowercase-words.rq")
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line)
        if not line.startswith("#"):
            break
        if match:
            fields[match.group(1)] = match.group(2)
    for key in ("title", "description"):
        if not fields.get(key):
            raise ValueError(f"{path.name}: header line '# {key}: …' is missing")
    if base != DEFAULT_BASE:
        text = text.replace(f"<{DEFAULT_BASE}", f"<{base}")
    requires = tuple(r for r in fields.get("requires", "").split() if r)
    return Example(path.stem, fields["title"], fields["description"], text, requires)


def load_gallery(directory: Path = GALLERY_DIR, base: str = DEFAULT_BASE) -> list[Example]:
    """All examples of ``directory`` in file-name order (empty when the folder is missing)."""
    if not directory.is_dir():
        return []
    return [parse_example(p, base) for p in sorted(directory.glob("*.rq"))]
