"""The dumps, written from one sorted N-Quads stream merged from the jobs' sorted chunks.

Each job wrote its graph's sorted N-Quads lines to a chunk file; ``heapq.merge`` over the chunk
files gives every line of the dataset in order with one line per chunk in memory (beyond
:data:`FAN_IN` chunks, the smallest are merged first, so no more files are open at once). The N-Triples dump is
the same stream with the graph names dropped: a triple held by several graphs comes out as
adjacent lines (they differ only after the triple), so distinct triples are counted and written
by comparing each line with the one before.

The stream is read once (:func:`write_content`): the content's checksum and counts come out of the
same pass that writes both dumps. The dataset description records that checksum, so its few lines
are spliced into the written dumps afterwards (:func:`splice`): the lines before each are copied by
the kernel, found by binary search in the sorted file, not read again line by line.

Lines are bytes throughout: UTF-8 orders as code points do, so the order is the one Python gives
the same lines as ``str`` (the order every dump and the checksum are defined by).
"""

from __future__ import annotations

import hashlib
import heapq
import os
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import BinaryIO

FAN_IN = 200  # chunk files open at once in one merge
BLOCK = 8192  # lines written, hashed and deduplicated together


def merged(chunks: list[Path], scratch: Path) -> Iterator[bytes]:
    """Every line of the sorted ``chunks``, in order (newlines kept). When there are more than
    :data:`FAN_IN`, the smallest are first merged into one file in ``scratch`` (as few and as small
    as it takes), so that little of the data is written twice."""
    chunks = _by_size(chunks)
    rounds = 0
    while len(chunks) > FAN_IN:
        k = min(FAN_IN, len(chunks) - FAN_IN + 1)
        out = scratch / f"merge-{rounds:05d}.nq"
        rounds += 1
        with out.open("wb") as f:
            f.writelines(_merge_files(chunks[:k]))
        chunks = _by_size([*chunks[k:], out])
    yield from _merge_files(chunks)


def _by_size(paths: list[Path]) -> list[Path]:
    return sorted(paths, key=lambda p: (p.stat().st_size, str(p)))


def _merge_files(paths: list[Path]) -> Iterator[bytes]:
    with ExitStack() as stack:
        files = [stack.enter_context(p.open("rb")) for p in paths]
        yield from heapq.merge(*files)


def triple_of(quad: bytes) -> bytes:
    """An N-Quads line's triple as an N-Triples line (the graph name is the last term)."""
    return quad[: quad.rindex(b" <")] + b" .\n"


@dataclass
class Content:
    """Figures of the content stream: its SHA-256 (:func:`kg.build.checksum`), quads and distinct triples."""

    checksum: str
    quads: int
    triples: int


def write_content(lines: Iterable[bytes], nquads: Path, ntriples: Path) -> Content:
    """Write the sorted quad ``lines`` to ``nquads`` and their distinct triples to ``ntriples``,
    hashing and counting on the way (in blocks: one write and one hash update per block)."""
    h = hashlib.sha256()
    quads = triples = 0
    last = b""
    it = iter(lines)
    with nquads.open("wb") as nq, ntriples.open("wb") as nt:
        while block := list(islice(it, BLOCK)):
            data = b"".join(block)
            nq.write(data)
            h.update(data)
            quads += len(block)
            kept = []
            for line in block:
                t = triple_of(line)
                if t != last:
                    kept.append(t)
                    last = t
            nt.write(b"".join(kept))
            triples += len(kept)
    return Content(h.hexdigest(), quads, triples)


def splice(src: Path, lines: list[bytes], dst: Path, distinct: bool = False) -> int:
    """Copy the sorted file ``src`` to ``dst`` with the sorted ``lines`` (newlines kept) each
    inserted in its place; with ``distinct``, a line ``src`` already has is not inserted again.
    The number of lines inserted."""
    size = src.stat().st_size
    inserted = pos = 0
    with src.open("rb") as f, dst.open("wb", buffering=0) as out:
        for line in lines:
            at = _lower_bound(f, line, pos, size)
            _copy(f, out, pos, at)
            pos = at
            if distinct and at < size and _line_at(f, at) == line:
                continue
            out.write(line)
            inserted += 1
        _copy(f, out, pos, size)
    return inserted


def _line_at(f: BinaryIO, offset: int) -> bytes:
    f.seek(offset)
    return f.readline()


def _lower_bound(f: BinaryIO, key: bytes, lo: int, hi: int) -> int:
    """The offset of the first line of the sorted file ``f`` not below ``key``, between the line
    starts ``lo`` and ``hi`` (which is the end of the file or a line not below ``key``)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if mid > lo:
            f.seek(mid - 1)
            f.readline()  # to the first line starting at or after mid
        else:
            f.seek(lo)
        start = f.tell()
        if start >= hi:  # a line runs from before mid to hi, half the span at least: read on from lo
            return _scan(f, key, lo, hi)
        line = f.readline()
        if line < key:
            lo = start + len(line)
        else:
            hi = start
    return lo


def _scan(f: BinaryIO, key: bytes, lo: int, hi: int) -> int:
    f.seek(lo)
    while lo < hi:
        line = f.readline()
        if line >= key:
            return lo
        lo += len(line)
    return hi


def _copy(f: BinaryIO, out: BinaryIO, start: int, end: int) -> None:
    """Bytes ``start``..``end`` of ``f`` appended to ``out`` (unbuffered), by the kernel where it can."""
    fin, fout = f.fileno(), out.fileno()
    while start < end:
        try:
            n = os.copy_file_range(fin, fout, end - start, start)
        except OSError:  # another filesystem or an old kernel: copy through a buffer
            data = os.pread(fin, min(end - start, 1 << 20), start)
            n = len(data)
            view = memoryview(data)
            while view:
                view = view[out.write(view) or 0 :]
        if n == 0:
            raise OSError(f"{f.name}: ended at byte {start}, expected {end}")
        start += n
