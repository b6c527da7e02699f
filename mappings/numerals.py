"""Chinese numerals, read and written by cn2an: the one place the project handles them.

Chapter and section numbers (``十二、``, ``（三十四）``) are read when documents are parsed and
written when labels are made; cn2an does both, so there is no hand-made numeral table.
"""

from __future__ import annotations

import cn2an

CN_DIGITS = "一二三四五六七八九十百千零〇两"
"""The characters a Chinese numeral is written with (for regular-expression classes)."""


def cn_number(text: str) -> int:
    """A Chinese numeral as an integer (``三十四`` → 34, ``十`` → 10, ``两`` → 2)."""
    try:
        return int(cn2an.cn2an(text, "normal"))
    except (ValueError, KeyError) as e:
        raise ValueError(f"not a Chinese numeral: {text}") from e


def cn_numeral(n: int) -> str:
    """``n`` as printed in headings (11 → 十一, 105 → 一百零五)."""
    if n <= 0:
        raise ValueError(f"no heading numeral for {n}")
    return cn2an.an2cn(n)
