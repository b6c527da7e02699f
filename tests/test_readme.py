"""README.md's pasted outputs are what the commands print on the real build (``python -m kg.readme``
regenerates them; this is its ``--check``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import build as b
from kg.readme import README, ReadmeError, blocks, differences, regenerate


def test_every_output_in_the_readme_is_what_its_command_prints(release: b.Release) -> None:
    text = README.read_text(encoding="utf-8")
    assert len(blocks(text)) >= 10
    assert differences(text, release.path.parent.parent) == []


def test_a_drifted_block_is_named_by_its_line_and_regenerated(release: b.Release) -> None:
    text = README.read_text(encoding="utf-8")
    first = blocks(text)[0]
    drifted = text[: first.start] + "name,tasks\n某厅,99\n" + text[first.end :]
    build_dir = release.path.parent.parent
    assert differences(drifted, build_dir) == [f"README.md:{first.line}: `{first.command}` prints something else now"]
    assert regenerate(drifted, build_dir) == text


def test_a_failing_command_names_the_readme_line(tmp_path: Path) -> None:
    text = "intro\n<!-- output: henan-kg query --format csv @above -->\n```text\nx\n```\n"
    with pytest.raises(ReadmeError, match=r"README.md:2: @above, but no ```sparql block"):
        differences(text, tmp_path)
