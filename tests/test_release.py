"""The release module at the bottom: the manifest's schema, and which package may import which."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from release.layout import (
    MANIFEST,
    MANIFEST_FIELDS,
    ManifestError,
    ReleaseError,
    all_dumps,
    read_manifest,
    write_manifest,
)

ROOT = Path(__file__).resolve().parent.parent
FIELDS = {
    "checksum": "0" * 64,
    "triples": 3,
    "quads": 4,
    "graphs": {"https://example.org/g": 4},
    "base": "https://example.org/id/",
    "dumps": ["henan-kg.nq"],
}


def test_a_written_manifest_reads_back_with_sorted_keys_and_a_newline(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, **FIELDS, note="made by a test")
    assert path == tmp_path / MANIFEST
    assert read_manifest(tmp_path) == {**FIELDS, "note": "made by a test"}
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps({**FIELDS, "note": "made by a test"}, indent=2, sort_keys=True) + "\n"
    assert "henan-kg.nq.gz" in all_dumps() and all_dumps() == sorted(all_dumps())


@pytest.mark.parametrize("field", sorted(MANIFEST_FIELDS))
def test_a_missing_field_is_named_with_the_file(tmp_path: Path, field: str) -> None:
    (tmp_path / MANIFEST).write_text(json.dumps({k: v for k, v in FIELDS.items() if k != field}), encoding="utf-8")
    with pytest.raises(ManifestError, match=rf"^{tmp_path / MANIFEST}: no '{field}' field"):
        read_manifest(tmp_path)


def test_wrong_types_missing_files_and_broken_json_are_release_errors(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_text(json.dumps({**FIELDS, "quads": "4"}), encoding="utf-8")
    with pytest.raises(ManifestError, match="'quads' is str, not int"):
        read_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text(json.dumps({**FIELDS, "triples": True}), encoding="utf-8")
    with pytest.raises(ManifestError, match="'triples' is bool, not int"):
        read_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text("{", encoding="utf-8")
    with pytest.raises(ManifestError, match="unreadable"):
        read_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text("[]", encoding="utf-8")
    with pytest.raises(ManifestError, match="not a JSON object"):
        read_manifest(tmp_path)
    with pytest.raises(ReleaseError, match="missing; is .* a published release"):
        read_manifest(tmp_path / "nowhere")
    with pytest.raises(ManifestError, match="'graphs' is list"):
        write_manifest(tmp_path, **{**FIELDS, "graphs": []})


def imports(package: str) -> dict[str, set[str]]:
    """The project packages each module of ``package`` imports (top-level names), by module path."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[path.relative_to(ROOT).as_posix()] = names & {
            "kg",
            "endpoint",
            "release",
            "bench",
            "mappings",
            "shapes",
            "ontology",
        }
    return found


def test_release_is_at_the_bottom_endpoint_never_imports_kg_and_kg_imports_endpoint_only_from_the_cli() -> None:
    assert {m: n for m, n in imports("release").items() if n - {"release"}} == {}
    assert {m: n for m, n in imports("endpoint").items() if "kg" in n} == {}
    assert {m for m, n in imports("kg").items() if "endpoint" in n} <= {"kg/cli.py"}


def test_serve_refuses_a_release_without_a_manifest_naming_the_file(tmp_path: Path) -> None:
    from kg.cli import cli

    result = CliRunner().invoke(cli, ["serve"], env={"HENAN_KG_RELEASE_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert f"{tmp_path / MANIFEST}: missing" in result.output and "henan-kg build" in result.output
