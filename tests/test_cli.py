"""``henan-kg``: exit 0 for good input, 1 for shape violations, 2 for bad usage or input naming where.

The commands run in this process through click's ``CliRunner`` (stdout and stderr apart, the exit
code as the script would return it); one test runs the installed ``henan-kg`` script end to end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import DATA_ROOT as DATA_DIR
from kg.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def henan_kg(*args: str) -> Result:
    """``henan-kg ARGS`` in this process, as the script runs it (``prog_name`` henan-kg). An exception
    other than an exit propagates, so that a crash (exit 1 under the runner) never passes for a
    shape violation."""
    return CliRunner().invoke(cli, list(args), prog_name="henan-kg", catch_exceptions=False)


def test_query_a_build_elsewhere_with_the_installed_script(tmp_path: Path) -> None:
    """The one end-to-end run of the console script (entry point ``kg.cli:main``), as a user runs
    it: ``--out`` queries the release of another build directory (a corpus built on its own); exit
    2 with the message on stderr while there is none."""
    from conftest import henan_sources

    script = shutil.which("henan-kg", path=str(Path(sys.executable).parent)) or shutil.which("henan-kg")
    assert script, "the henan-kg script is installed"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([script, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)

    missing = run("query", "--out", str(tmp_path / "none"), "ASK {}")
    assert missing.returncode == 2 and "no published graph in" in missing.stderr
    built = run("build", "--out", str(tmp_path / "out"), "--sources", str(henan_sources()))
    assert built.returncode == 0, built.stderr
    assert "published" in built.stdout
    done = run(
        "query",
        "--out",
        str(tmp_path / "out"),
        "--format",
        "csv",
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?t a <https://w3id.org/henan-gov/def#Task> } }",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["n", "148"]


@pytest.mark.parametrize("command", [[], ["build"], ["validate"], ["serve"], ["query"]])
def test_help(command: list[str]) -> None:
    done = henan_kg(*command, "--help")
    assert done.exit_code == 0
    assert "Usage:" in done.stdout


def test_unknown_command_is_usage_error() -> None:
    done = henan_kg("frobnicate")
    assert done.exit_code == 2
    assert "No such command" in done.stderr


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A copy of the three Henan documents to break (how the CLI reports bad input does not depend
    on the other 28 reports, which only make each build slower)."""
    from conftest import copy_henan_sources

    return copy_henan_sources(tmp_path / "sources")


def test_bad_metadata_names_the_file(sources: Path, tmp_path: Path) -> None:
    meta = sources / "henan-2026-key-tasks-notice.toml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("date = 2026-02-28", "date = 28.2.2026"), encoding="utf-8")
    done = henan_kg("build", "--out", str(tmp_path / "out"), "--sources", str(sources))
    assert done.exit_code == 2
    assert "henan-2026-key-tasks-notice.toml" in done.stderr
    assert not (tmp_path / "out" / "current").exists()


def test_source_not_utf8_names_file_and_line(sources: Path, tmp_path: Path) -> None:
    notice = sources / "henan-2026-key-tasks-notice.txt"
    data = notice.read_bytes()
    lines = data.split(b"\n")
    lines[9] = lines[9] + b"\xff\xfe"
    notice.write_bytes(b"\n".join(lines))
    done = henan_kg("build", "--out", str(tmp_path / "out"), "--sources", str(sources))
    assert done.exit_code == 2
    assert "henan-2026-key-tasks-notice.txt:10:" in done.stderr
    assert "UTF-8" in done.stderr


def test_bad_gazetteer_row_names_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "data"
    gaz = root / "gazetteer"
    shutil.copytree(DATA_DIR / "gazetteer", gaz)
    agencies = gaz / "agencies" / "henan.csv"
    lines = agencies.read_text(encoding="utf-8").split("\n")
    assert ",ProvincialAgency," in lines[3]
    lines[3] = lines[3].replace(",ProvincialAgency,", ",Ministry,")
    agencies.write_text("\n".join(lines), encoding="utf-8")
    from conftest import henan_sources

    done = henan_kg("build", "--out", str(tmp_path / "out"), "--data", str(root), "--sources", str(henan_sources()))
    assert done.exit_code == 2
    assert f"{agencies}:4:" in done.stderr and "Ministry" in done.stderr


def test_unknown_unit_names_unit_and_task(sources: Path, tmp_path: Path) -> None:
    notice = sources / "henan-2026-key-tasks-notice.txt"
    text = notice.read_text(encoding="utf-8")
    notice.write_text(text.replace("（省民族宗教委牵头负责）", "（省天文台牵头负责）"), encoding="utf-8")
    done = henan_kg("build", "--out", str(tmp_path / "out"), "--sources", str(sources))
    assert done.exit_code == 2
    assert "天文台" in done.stderr and "147" in done.stderr


def test_validate_missing_file() -> None:
    done = henan_kg("validate", "/nonexistent/graph.nt")
    assert done.exit_code == 2
    assert "/nonexistent/graph.nt" in done.stderr


def test_validate_malformed_rdf_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    text = '@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n'
    bad.write_text(text, encoding="utf-8")
    done = henan_kg("validate", str(bad))
    assert done.exit_code == 2
    assert "bad.ttl" in done.stderr


def test_validate_violation_exits_1(tmp_path: Path) -> None:
    """A task numbered "one" breaks hsh:Part-orderNumber (an xsd:integer); the compiled validator
    (the default) and pySHACL (``--reference-validator``) print the same report."""
    bad = tmp_path / "task.ttl"
    bad.write_text(
        "@prefix hgv: <https://w3id.org/henan-gov/def#> .\n"
        '<https://w3id.org/henan-gov/id/doc/henan/yuzheng/2026/4/task/1> a hgv:Task ; hgv:orderNumber "one" .\n',
        encoding="utf-8",
    )
    done = henan_kg("validate", str(bad))
    assert done.exit_code == 1, done.output
    assert (tmp_path / "task.ttl.shacl-report.ttl").exists()
    assert "hsh:Part-orderNumber" in done.stdout and 'value: "one"' in done.stdout
    reference = henan_kg("validate", "--reference-validator", str(bad))
    assert reference.exit_code == 1, reference.output
    assert reference.stdout == done.stdout


def test_build_with_the_reference_validator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``build --reference-validator`` validates with pySHACL, never with the compiled validator."""
    import shapes.compiled
    import shapes.validate
    from conftest import henan_sources

    calls: list[object] = []
    reference = shapes.validate.validate

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        return reference(*args, **kwargs)

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the compiled validator ran")

    monkeypatch.setattr(shapes.validate, "validate", counted)
    monkeypatch.setattr(shapes.compiled, "validate_store", refused)
    out = tmp_path / "out"
    # one job, in this process, so that the counting stand-in sees every call
    args = ("build", "--reference-validator", "--jobs", "1", "--out", str(out), "--sources", str(henan_sources()))
    done = henan_kg(*args)
    assert done.exit_code == 0, done.output
    # once for the shared graphs (ontology, reference) and once for each of the three documents
    assert "published" in done.stdout and len(calls) == 4


# rdflib's own N-Quads parser (validate_file reads the dump with it) warns of its own deprecated API
@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
def test_build_then_validate(tmp_path: Path) -> None:
    done = henan_kg("build", "--out", str(tmp_path / "out"))
    assert done.exit_code == 0, done.stderr
    assert "published" in done.stdout
    release = (tmp_path / "out" / "current").resolve()
    done = henan_kg("validate", str(release / "henan-kg.nq"))
    assert done.exit_code == 0, done.output


def test_query_syntax_error_is_bad_input(release) -> None:
    from kg.query import QueryError, run_query

    with pytest.raises(QueryError, match="does not parse"):
        run_query(release.path / "store", "SELEKT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="cannot be written as turtle"):
        run_query(release.path / "store", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "turtle")
    tsv = run_query(
        release.path / "store",
        "PREFIX hgv: <https://w3id.org/henan-gov/def#> SELECT ?n WHERE { ?d hgv:documentNumber ?n }",
    ).decode()
    assert tsv.splitlines() == ["?n", '"豫政〔2026〕4号"']


def test_help_settings_lists_every_setting_as_the_readme_shows() -> None:
    """``henan-kg serve --help-settings`` prints one line per setting of endpoint.app.SETTINGS, and
    the README's block is exactly that output (so a setting added in code shows up in the docs)."""
    from click.testing import CliRunner

    from endpoint.app import SETTINGS
    from kg.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--help-settings"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == [f"HENAN_KG_{s.name}" for s in SETTINGS]
    readme = (DATA_DIR.parent / "README.md").read_text(encoding="utf-8")
    shown = readme.split("```text\nHENAN_KG_RELEASE_DIR", 1)[1].split("```", 1)[0]
    assert ("HENAN_KG_RELEASE_DIR" + shown).strip().splitlines() == lines
