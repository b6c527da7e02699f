"""Source documents: text files, each with the ``.toml`` metadata file the build reads beside it."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from mappings.iris import moved_paths
from mappings.series import DocumentNames
from mappings.tables import SourceError


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks (the documents, and every input a build records)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


REQUIRED = ("file", "kind", "genre", "title_zh", "jurisdiction", "issuer", "date", "plan_year", "language")

__all__ = ["REQUIRED", "SourceDocument", "SourceError", "load_document", "load_documents", "redirects"]


@dataclass(frozen=True)
class SourceDocument:
    """One document: its metadata (the ``.toml`` beside it) and its text exactly as stored."""

    meta_path: Path
    path: Path
    text: str
    meta: dict = field(hash=False)
    iri_path: str = ""  # below the data base, from the metadata (mappings.series): doc/henan/yuzheng/2026/4

    @property
    def kind(self) -> str:
        return self.meta["kind"]

    @property
    def former_path(self) -> str | None:
        """The IRI path of releases up to 0.2 (``former_slug``: ``notice/2026-4``), which the
        endpoint redirects to :attr:`iri_path`; None for a document first published later."""
        return self.meta.get("former_slug")

    @property
    def jurisdiction(self) -> str:
        """The key (``jurisdictions.csv``) of the government whose document this is: its unit
        names are read in that government's agency table first."""
        return self.meta["jurisdiction"]

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the file's bytes, as stored (what a citation of the document can be checked against)."""
        return sha256_file(self.path)

    @property
    def genre(self) -> str:
        """The name of the genre profile that reads it (``data/genres/{genre}.toml``)."""
        return self.meta["genre"]

    @property
    def partial(self) -> bool:
        """An excerpt: the text may stop inside its last part, which is then reported as cut."""
        return bool(self.meta.get("partial", False))

    @cached_property
    def body_start(self) -> int:
        """Offset where the document's own text begins: after the line ``header_end`` (a
        collector's header above the text, e.g. ``---``), else 0. Offsets stay file offsets."""
        marker = self.meta.get("header_end")
        if not marker:
            return 0
        for m in re.finditer(r"^(.*)$", self.text, re.M):
            if m.group(1).strip() == marker:
                return m.end() + 1
        raise SourceError(f"{self.meta_path}: header_end {marker!r}: no such line in {self.path}")

    @property
    def date(self) -> dt.date:
        return self.meta["date"]

    @cached_property
    def _newlines(self) -> list[int]:
        """Offsets of the line breaks: parsers ask :meth:`where` of every paragraph, and counting
        from the start each time is quadratic in a long document."""
        return [m.start() for m in re.finditer("\n", self.text)]

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset, for error messages (slice semantics, as
        ``text.count("\\n", 0, offset)``: a negative offset counts from the end)."""
        if offset < 0:
            offset = max(0, len(self.text) + offset)
        return bisect_left(self._newlines, offset) + 1

    def where(self, offset: int) -> str:
        """``file:line`` of a character offset."""
        return f"{self.path}:{self.line_of(offset)}"


def load_document(meta_path: Path, names: DocumentNames) -> SourceDocument:
    """Read one metadata file and the text it names, its IRI path derived by ``names`` (the data
    root's series table and genres: ``Reference.names``); raise :class:`SourceError` naming the file."""
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise SourceError(f"{meta_path}: not valid TOML: {e}") from e
    missing = [k for k in REQUIRED if k not in meta]
    if missing:
        raise SourceError(f"{meta_path}: missing metadata keys: {', '.join(missing)}")
    if not isinstance(meta["date"], dt.date):
        raise SourceError(f"{meta_path}: 'date' must be a TOML date (YYYY-MM-DD)")
    if "slug" in meta:
        raise SourceError(
            f"{meta_path}: 'slug' is no longer read: a document's IRI comes from its number or plan year "
            "(README.md, Adding a document); rename the key to former_slug if IRIs were published with it"
        )
    iri_path = names.document_path(meta, meta_path)
    path = meta_path.parent / meta["file"]
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SourceError(f"{meta_path}: cannot read source file {path}: {e.strerror}") from e
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise SourceError(f"{path}:{line}: not UTF-8 text ({e.reason})") from e
    return SourceDocument(meta_path=meta_path, path=path, text=text, meta=meta, iri_path=iri_path)


def metadata_files(sources_dir: Path) -> list[Path]:
    """The ``.toml`` metadata files in ``sources_dir`` and the folders below it (a collection such
    as ``reports-2026/`` keeps its own folder), in path order: the build's order."""
    return sorted(sources_dir.glob("**/*.toml"))


def load_documents(sources_dir: Path, names: DocumentNames) -> list[SourceDocument]:
    """Every document with a metadata file under ``sources_dir`` (:func:`metadata_files`)."""
    return [load_document(p, names) for p in metadata_files(sources_dir)]


def redirects(docs: list[SourceDocument]) -> dict[str, str]:
    """Old IRI path prefix → new one for every document published under a former path (the
    release's redirect table, which the endpoint answers with 301 Moved Permanently)."""
    out: dict[str, str] = {}
    for d in docs:
        if d.former_path and d.former_path != d.iri_path:
            out.update(moved_paths(d.former_path, d.iri_path))
    return dict(sorted(out.items()))
