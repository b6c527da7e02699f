"""The dumps' one pass over the merged chunks, and the splice of the dataset description into them.

The expected files are built the plain way (all lines in one list, ``sorted``, distinct triples by
a set), independent of the merge, the block-wise dedup and the binary search under test.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from kg import dumps


def _quad(rng: random.Random, graph: int) -> bytes:
    s = rng.choice(["a", "b", "bb", "c", "é", "中"]) * rng.randint(1, 40)  # lines of many lengths
    o = rng.choice(['"x"', '"x"@zh', "<o>", '"1"^^<int>', "<" + "p" * rng.randint(0, 300) + ">"])
    return f"<{s}> <p{rng.randint(0, 3)}> {o} <g{graph}> .\n".encode()


def _chunks(tmp_path: Path, rng: random.Random, n: int, per: int) -> tuple[list[Path], list[bytes]]:
    paths, every = [], []
    for k in range(n):
        lines = sorted({_quad(rng, k) for _ in range(rng.randint(0, per))})
        p = tmp_path / f"chunk-{k}.nq"
        p.write_bytes(b"".join(lines))
        paths.append(p)
        every += lines
    return paths, every


@pytest.mark.parametrize("seed", range(6))
def test_one_pass_writes_both_dumps_hashes_and_counts(tmp_path: Path, seed: int, monkeypatch) -> None:
    rng = random.Random(seed)
    monkeypatch.setattr(dumps, "FAN_IN", 3)  # more chunks than one merge opens: merged in rounds
    monkeypatch.setattr(dumps, "BLOCK", 7)  # a triple's duplicates straddle blocks
    paths, every = _chunks(tmp_path, rng, 8, 60)
    nq, nt = tmp_path / "out.nq", tmp_path / "out.nt"
    content = dumps.write_content(dumps.merged(paths, tmp_path), nq, nt)
    expected = sorted(every, key=lambda b: b.decode())  # str order, which defines the dumps
    assert nq.read_bytes() == b"".join(expected)
    triples = sorted({q[: q.rindex(b" <")] + b" .\n" for q in every})
    assert nt.read_bytes() == b"".join(triples)
    assert (content.quads, content.triples) == (len(expected), len(triples))
    assert content.checksum == hashlib.sha256(b"".join(expected)).hexdigest()


@pytest.mark.parametrize("seed", range(10))
def test_splice_inserts_each_line_in_its_place(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    base = sorted({_quad(rng, 1) for _ in range(rng.randint(0, 200))})
    src = tmp_path / "src.nq"
    src.write_bytes(b"".join(base))
    new = sorted({_quad(rng, 2) for _ in range(rng.randint(0, 30))} | {b"<>\n", b"\xe4\xb8\xad\xe4\xb8\xad\n"})
    dst = tmp_path / "dst.nq"
    assert dumps.splice(src, new, dst) == len(new)
    assert dst.read_bytes() == b"".join(sorted(base + new))


def test_splice_distinct_skips_lines_already_there(tmp_path: Path) -> None:
    src = tmp_path / "src.nt"
    src.write_bytes(b"<a> <p> <b> .\n<c> <p> <d> .\n<e> <p> <f> .\n")
    dst = tmp_path / "dst.nt"
    new = [b"<a> <p> <a> .\n", b"<c> <p> <d> .\n", b"<z> .\n"]
    assert dumps.splice(src, new, dst, distinct=True) == 2
    assert dst.read_bytes() == b"<a> <p> <a> .\n<a> <p> <b> .\n<c> <p> <d> .\n<e> <p> <f> .\n<z> .\n"
