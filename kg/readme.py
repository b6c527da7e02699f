"""The outputs pasted in README.md, regenerated from a real build and checked against it.

A block that shows what a command prints is preceded by a marker naming the command::

    <!-- output: henan-kg query --format csv @examples/queries/01-lead-ranking.rq -->
    ```text
    …
    ```

``@above`` in a command stands for the nearest ```sparql block above the marker, with the
README's prefix block (its first ```sparql block) before it, so that inline examples are run as
shown. ``query`` and ``alignment`` are pointed at the build given here. ``python -m kg.readme``
rewrites the blocks; ``--check`` only reports the ones that differ (the tests run it on the
session's build, so a README that drifts from the graph fails CI, as Datasette does with cog).
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from release.files import BUILD_DIR, CHECKOUT

README = (CHECKOUT or Path.cwd()) / "README.md"  # a checkout's; the wheel ships no README
MARKER = re.compile(r"<!-- output: (?P<command>.+?) -->\n```[\w-]*\n(?P<body>.*?)```", re.S)
SPARQL_BLOCK = re.compile(r"```sparql\n(.*?)```", re.S)
TAKES_BUILD_DIR = {"query", "alignment"}


class ReadmeError(Exception):
    """A marked command failed or cannot be run; the message names the line of README.md."""


@dataclass(frozen=True)
class Block:
    """One marked output: its command, where its body is in the text, and what it shows."""

    command: str
    line: int
    start: int
    end: int
    shown: str


def blocks(text: str) -> list[Block]:
    return [
        Block(m["command"], text.count("\n", 0, m.start()) + 1, m.start("body"), m.end("body"), m["body"])
        for m in MARKER.finditer(text)
    ]


def query_above(text: str, block: Block) -> str:
    """The inline query a marker's ``@above`` means, with the README's prefix declarations."""
    queries = SPARQL_BLOCK.findall(text, 0, block.start)
    if len(queries) < 2:
        raise ReadmeError(f"README.md:{block.line}: @above, but no ```sparql block above it but the prefixes")
    return queries[0] + queries[-1]


def output(text: str, block: Block, build_dir: Path) -> str:
    """What the block's command prints on the build in ``build_dir`` (line ends as in the README)."""
    from kg.cli import cli

    args = shlex.split(block.command)
    if args[:1] != ["henan-kg"] or len(args) < 2:
        raise ReadmeError(f"README.md:{block.line}: only henan-kg commands can be run: {block.command}")
    args = args[1:]
    if args[0] in TAKES_BUILD_DIR:
        args[1:1] = ["--out", str(build_dir)]
    with tempfile.TemporaryDirectory() as tmp:
        if "@above" in args:
            path = Path(tmp) / "above.rq"
            path.write_text(query_above(text, block), encoding="utf-8")
            args = [f"@{path}" if a == "@above" else a for a in args]
        result = CliRunner().invoke(cli, args, prog_name="henan-kg")
    if result.exit_code != 0:
        raise ReadmeError(f"README.md:{block.line}: `{block.command}` exited {result.exit_code}: {result.output}")
    return result.output.replace("\r\n", "\n")


def regenerate(text: str, build_dir: Path) -> str:
    """``text`` with every marked block replaced by its command's output."""
    parts, at = [], 0
    for block in blocks(text):
        parts += [text[at : block.start], output(text, block, build_dir)]
        at = block.end
    return "".join(parts) + text[at:]


def differences(text: str, build_dir: Path) -> list[str]:
    """One line per marked block whose body is not what its command prints now."""
    return [
        f"README.md:{b.line}: `{b.command}` prints something else now"
        for b in blocks(text)
        if output(text, b, build_dir) != b.shown
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kg.readme", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report blocks that differ; exit 1 if any")
    parser.add_argument("--out", type=Path, default=BUILD_DIR, help="build directory whose release is queried")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    try:
        if args.check:
            found = differences(text, args.out)
            print("\n".join(found) or f"README.md: {len(blocks(text))} outputs match the build")
            return 1 if found else 0
        README.write_text(regenerate(text, args.out), encoding="utf-8")
    except ReadmeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"README.md: {len(blocks(text))} outputs regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
