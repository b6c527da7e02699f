"""The dumps, written from one sorted N-Quads stream merged from the jobs' sorted chunks.

Each job wrote its graph's sorted N-Quads lines to a chunk file; ``heapq.merge`` over the chunk
files gives every line of the dataset in order with one line per chunk in memory (chunks beyond
:data:`FAN_IN` are merged in rounds, so no more files are open at once). The N-Triples dump is
the same stream with the graph names dropped: a triple held by several graphs comes out as
adjacent lines (they differ only after the triple), so distinct triples are counted and written
by comparing each line with the one before.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

FAN_IN = 200  # chunk files open at once in one merge


def merged(chunks: list[Path], scratch: Path) -> Iterator[str]:
    """Every line of the sorted ``chunks``, in order (newlines kept); rounds of :data:`FAN_IN`
    files are merged into ``scratch`` first when there are more."""
    rounds = 0
    while len(chunks) > FAN_IN:
        rounds += 1
        nxt = []
        for k in range(0, len(chunks), FAN_IN):
            out = scratch / f"merge-{rounds}-{k // FAN_IN:05d}.nq"
            with out.open("w", encoding="utf-8") as f:
                f.writelines(_merge_files(chunks[k : k + FAN_IN]))
            nxt.append(out)
        chunks = nxt
    yield from _merge_files(chunks)


def _merge_files(paths: list[Path]) -> Iterator[str]:
    with ExitStack() as stack:
        files = [stack.enter_context(p.open(encoding="utf-8")) for p in paths]
        yield from heapq.merge(*files)


def triple_of(quad: str) -> str:
    """An N-Quads line's triple as an N-Triples line (the graph name is the last term)."""
    return quad[: quad.rindex(" <")] + " .\n"


@dataclass
class Content:
    """Figures of the content stream: its SHA-256 (:func:`kg.build.checksum`), quads and distinct triples."""

    checksum: str
    quads: int
    triples: int


def write_content(lines: Iterable[str], path: Path) -> Content:
    """Write the sorted quad ``lines`` to ``path``, hashing and counting them on the way."""
    h = hashlib.sha256()
    quads = triples = 0
    last = None
    with path.open("w", encoding="utf-8") as f:
        for line in lines:
            f.write(line)
            h.update(line.encode("utf-8"))
            quads += 1
            t = triple_of(line)
            if t != last:
                triples, last = triples + 1, t
    return Content(h.hexdigest(), quads, triples)


def write_dumps(lines: Iterable[str], nquads: Path, ntriples: Path) -> tuple[int, int]:
    """The N-Quads dump of the sorted quad ``lines`` and the N-Triples dump of their distinct
    triples; the counts (quads, triples)."""
    quads = triples = 0
    last = None
    with nquads.open("w", encoding="utf-8") as nq, ntriples.open("w", encoding="utf-8") as nt:
        for line in lines:
            nq.write(line)
            quads += 1
            t = triple_of(line)
            if t != last:
                nt.write(t)
                triples, last = triples + 1, t
    return quads, triples
