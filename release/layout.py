"""The layout of a release directory and the schema of its manifest.

A release directory (``kg/build/releases/<id>/``, published as ``kg/build/current``) holds::

    henan-kg.nq  henan-kg.nt  henan-kg.ttl   the dumps (DUMP_FILES), each also gzipped (.gz)
    manifest.json                            what the release holds (MANIFEST_FIELDS)
    store/                                   the on-disk Oxigraph store of henan-kg.nq
    void.ttl  ontology.ttl  ontology.html    the dataset description and the ontology

Only ``henan-kg.nq`` and ``manifest.json`` are required of every release (a benchmark's release may
have no other dump); the manifest's ``dumps`` lists the dumps it does have, and only those are served.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypedDict

DUMP_FILES = {"nquads": "henan-kg.nq", "ntriples": "henan-kg.nt", "turtle": "henan-kg.ttl"}
MEDIA_TYPES = {"nquads": "application/n-quads", "ntriples": "application/n-triples", "turtle": "text/turtle"}
NQUADS = DUMP_FILES["nquads"]
MANIFEST = "manifest.json"
STORE_DIR = "store"
VOID_FILE = "void.ttl"
ONTOLOGY_FILE = "ontology.ttl"
ONTOLOGY_HTML = "ontology.html"


class Manifest(TypedDict, total=False):
    checksum: str  # SHA-256 of the sorted N-Quads of every graph but the dataset description (which holds it)
    triples: int  # distinct triples in all graphs
    quads: int  # lines of henan-kg.nq
    graphs: dict[str, int]  # named graph IRI -> its triples
    base: str  # the data namespace the IRIs were minted under
    dumps: list[str]  # the dump files of the release (names in the directory), sorted
    note: str  # optional: how a release not made by the build was made (benchmarks)
    redirects: dict[str, str]  # optional: old IRI path prefix -> new one (below base), answered with 301


MANIFEST_FIELDS: dict[str, type] = {
    "checksum": str,
    "triples": int,
    "quads": int,
    "graphs": dict,
    "base": str,
    "dumps": list,
}
OPTIONAL_FIELDS: dict[str, type] = {"note": str, "redirects": dict}


class ReleaseError(Exception):
    """The release directory is missing, incomplete or does not match its manifest."""


class ManifestError(ReleaseError):
    """A release's manifest is missing, unreadable, or lacks a field (the message names the file and the field)."""


def all_dumps() -> list[str]:
    """Every dump file of a full release, gzipped ones too, sorted (the build's ``dumps``)."""
    return sorted([*DUMP_FILES.values(), *(name + ".gz" for name in DUMP_FILES.values())])


def write_manifest(
    directory: Path,
    *,
    checksum: str,
    triples: int,
    quads: int,
    graphs: dict[str, int],
    base: str,
    dumps: list[str],
    note: str | None = None,
    redirects: dict[str, str] | None = None,
) -> Path:
    """Write ``directory/manifest.json`` (sorted keys, two-space indent, so equal releases give equal
    bytes); checked by :func:`read_manifest`'s rules first, so that no reader meets a bad one."""
    manifest: dict[str, Any] = {
        "checksum": checksum,
        "triples": triples,
        "quads": quads,
        "graphs": graphs,
        "base": base,
        "dumps": sorted(dumps),
    }
    if note is not None:
        manifest["note"] = note
    if redirects:
        manifest["redirects"] = dict(sorted(redirects.items()))
    path = Path(directory) / MANIFEST
    check_manifest(manifest, path)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_manifest(directory: str | Path) -> Manifest:
    """The manifest of the release at ``directory``, checked against :data:`MANIFEST_FIELDS`.

    :raises ManifestError: the file is missing or unreadable, is not a JSON object, or a field is
        missing or of the wrong type; the message names the file and the field.
    """
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"{path}: missing; is {Path(directory)} a published release?") from exc
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path}: unreadable: {exc}") from exc
    check_manifest(manifest, path)
    return manifest  # type: ignore[no-any-return]


def check_manifest(manifest: object, path: Path) -> None:
    """Raise :class:`ManifestError` naming ``path`` and the field unless ``manifest`` fits the schema."""
    if not isinstance(manifest, dict):
        raise ManifestError(f"{path}: not a JSON object")
    for name, kind in (*MANIFEST_FIELDS.items(), *OPTIONAL_FIELDS.items()):
        if name not in manifest:
            if name in MANIFEST_FIELDS:
                raise ManifestError(f"{path}: no '{name}' field (a manifest has {', '.join(MANIFEST_FIELDS)})")
            continue
        value = manifest[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ManifestError(f"{path}: '{name}' is {type(value).__name__}, not {kind.__name__}")
