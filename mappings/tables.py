"""Reading the reference tables (CSV): rows with their line numbers, and errors that say file:line.

Every table of the data root is read here, so a curator gets the same kind of message whichever
file is wrong: a missing column, an empty required cell, a duplicate key, a value not allowed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

Row = dict[str, str]


class SourceError(ValueError):
    """A source or data file is unusable; the message names the file (and line where known)."""


def split_list(cell: str) -> list[str]:
    """A ``; ``-separated cell as a list, empty items dropped."""
    return [x.strip() for x in cell.split(";") if x.strip()]


def read_csv(path: Path, required: tuple[str, ...] = ()) -> list[tuple[int, Row]]:
    """CSV rows (cells stripped) with their line numbers.

    :raises SourceError: the file cannot be read, lacks a required column, or has an empty
        required cell (the message names ``file:line``)."""
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise SourceError(f"{path}:1: missing columns: {', '.join(missing)}")
            rows = [(reader.line_num, {k: (v or "").strip() for k, v in r.items() if k is not None}) for r in reader]
    except OSError as e:
        raise SourceError(f"{path}: cannot read: {e.strerror}") from e
    for line, row in rows:
        for c in required:
            if not row.get(c):
                raise SourceError(f"{path}:{line}: empty required cell '{c}'")
    return rows


def check_unique(path: Path, rows: Iterable[tuple[int, Row]], column: str) -> None:
    """No two rows share a value of ``column``."""
    seen: dict[str, int] = {}
    for line, r in rows:
        key = r[column]
        if key in seen:
            raise SourceError(f"{path}:{line}: duplicate {column} '{key}' (first on line {seen[key]})")
        seen[key] = line


def check_choice(path: Path, rows: Iterable[tuple[int, Row]], column: str, allowed: Iterable[str]) -> None:
    """Every row's ``column`` is one of ``allowed``."""
    allowed = set(allowed)
    for line, r in rows:
        if r[column] not in allowed:
            raise SourceError(f"{path}:{line}: unknown {column} '{r[column]}' (one of {', '.join(sorted(allowed))})")
