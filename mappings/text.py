"""Text normalisation with a map back to source offsets: the one place that repairs extraction junk.

The sources are PDF extractions: page breaks split paragraphs (even words: ``电力公`` / ``司``),
punctuation mixes full and half width, numbers carry spaces (``1 万亿元``), lines start with
stray spaces. Mappings parse the normalised text but must cite the file as stored, so every
normalised character remembers its source index and :meth:`Normalized.source_span` turns a
normalised range back into a source range (page-break junk inside it included).

Normalised text is one paragraph per line (``\\n`` between paragraphs). Which source line starts
a new paragraph depends on the genre, so it is a parameter: :func:`notice_breaks` for notices
(the default); the report mapping passes its own rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

# Half-width (and other) forms mapped to the one form normalised text uses. Full-width ASCII
# letters and digits become ASCII; CJK punctuation is kept full width.
_CHAR_MAP: dict[str, str] = {
    "(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "!": "！", "?": "？",
    "\u3000": " ", "\u00a0": " ", "\t": " ",
    "．": ".", "％": "%", "＋": "+", "－": "-", "～": "~", "／": "/",
}
_CHAR_MAP.update({chr(0xFF10 + i): str(i) for i in range(10)})
_CHAR_MAP.update({chr(0xFF21 + i): chr(0x41 + i) for i in range(26)})
_CHAR_MAP.update({chr(0xFF41 + i): chr(0x61 + i) for i in range(26)})

# Between two digits these keep their ASCII meaning (10:30, 1,000 is handled separately).
_KEEP_BETWEEN_DIGITS = {":": ":", ",": ","}

LineRule = Callable[[Sequence[str], str], bool]
"""``rule(paragraphs_so_far, line) -> True`` when the (normalised) line starts a new paragraph."""


@dataclass
class Normalized:
    """Normalised text; ``offsets[i]`` is the source index of ``text[i]``, plus a final end entry."""

    text: str
    source: str
    offsets: list[int]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Source ``[start, end)`` covering ``text[start:end]``: from its first character's source
        index to just after its last, so page-break junk inside the range is included."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad normalised range {start}-{end} (text length {len(self.text)})")
        return self.offsets[start], self.offsets[end - 1] + 1

    def source_text(self, start: int, end: int) -> str:
        """The source text behind ``text[start:end]``, exactly as stored."""
        s, e = self.source_span(start, end)
        return self.source[s:e]

    def paragraphs(self) -> list[tuple[int, int]]:
        """``(start, end)`` of each paragraph (line) of the normalised text."""
        spans, pos = [], 0
        for line in self.text.split("\n"):
            spans.append((pos, pos + len(line)))
            pos += len(line) + 1
        return spans


# --- line rules -------------------------------------------------------------------------------

CN_NUM = "一二三四五六七八九十百零〇两"
CHAPTER_RE = re.compile(rf"^([{CN_NUM}]+)、")
SECTION_RE = re.compile(rf"^（([{CN_NUM}]+)）")
ITEM_RE = re.compile(r"^(\d+)[.、](?!\d)")
DOC_NUMBER_RE = re.compile(r"^\S{1,8}[〔［\[【]\d{4}[〕］\]】]\d+[号號]$")
SIGNATURE_RE = re.compile(r"^\S*(人民政府|办公厅)$")
DATE_RE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
PUBLICATION_NOTE_RE = re.compile(r"^（此件.*）$")
_TERMINAL = ("。", "）", "；", "！", "？", "”")


def last_item_number(paragraphs: Sequence[str]) -> int:
    """The number of the last numbered item so far (0 if none), for sequence-aware item detection."""
    for p in reversed(paragraphs):
        m = ITEM_RE.match(p)
        if m:
            return int(m.group(1))
    return 0


def notice_breaks(paragraphs: Sequence[str], line: str) -> bool:
    """Notice genre: a paragraph starts with a chapter ``一、``, a section ``（一）``, a numbered
    item ``17.`` (numbered above the last item, or following a closed clause or a heading), the
    document number, the line after the addressees (ending ``：``), or the signature block
    (issuer, date, publication note) after a finished paragraph.
    Anything else continues the paragraph a page break (or a stray line break) split."""
    if not paragraphs:
        return True
    prev = paragraphs[-1]
    if prev.endswith("：") or DOC_NUMBER_RE.match(prev) or DOC_NUMBER_RE.match(line):
        return True
    if CHAPTER_RE.match(line) or SECTION_RE.match(line):
        return True
    m = ITEM_RE.match(line)
    if m and (int(m.group(1)) > last_item_number(paragraphs) or prev.endswith("）")
              or CHAPTER_RE.match(prev) or SECTION_RE.match(prev)):
        return True
    signature = SIGNATURE_RE.match(line) or DATE_RE.match(line) or PUBLICATION_NOTE_RE.match(line)
    closes = prev.endswith(_TERMINAL) or SIGNATURE_RE.match(prev) or DATE_RE.match(prev)
    return bool(signature and closes)


def every_line(paragraphs: Sequence[str], line: str) -> bool:
    """Every non-blank source line is its own paragraph (no page-break repair)."""
    return True


# --- normalisation ----------------------------------------------------------------------------

_TRANSLATION = str.maketrans(_CHAR_MAP)
_ASCII_MARK_RE = re.compile("[" + "".join(_KEEP_BETWEEN_DIGITS) + "]")
_SPACE_RUN_RE = re.compile(" +")
_THOUSANDS_COMMA_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_LINE_BREAK_RE = re.compile(r"\r?\n|\r")

# Normalisation works on whole strings (str.translate, compiled regexes) and carries the source
# index of every character in a parallel list: a per-character loop over (char, index) pairs was
# the mapping's costliest text step.


def source_lines(source: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each source line without its line terminator."""
    lines, pos = [], 0
    for m in _LINE_BREAK_RE.finditer(source):
        lines.append((pos, m.start()))
        pos = m.end()
    lines.append((pos, len(source)))
    return lines


def _map_chars(line: str) -> str:
    """One form per punctuation mark and digit; ``:`` and ``,`` between digits stay ASCII."""
    mapped = line.translate(_TRANSLATION)
    keep = [m.start() for m in _ASCII_MARK_RE.finditer(line, 1, len(line) - 1)
            if line[m.start() - 1].isdigit() and line[m.start() + 1].isdigit()]
    if not keep:
        return mapped
    chars = list(mapped)
    for k in keep:
        chars[k] = _KEEP_BETWEEN_DIGITS[line[k]]
    return "".join(chars)


def _is_word_char(c: str) -> bool:
    return c.isascii() and c.isalpha()


def _drop_spaces(text: str, where: list[int]) -> tuple[str, list[int]]:
    """Drop whitespace runs except between two Latin words (``5G A``-style words keep theirs);
    spaces inside numbers, between numbers and CJK, and around punctuation are extraction junk.
    A kept run becomes one space at the run's first index."""
    parts: list[str] = []
    kept: list[int] = []
    pos = 0
    for m in _SPACE_RUN_RE.finditer(text):
        a, b = m.span()
        parts.append(text[pos:a])
        kept.extend(where[pos:a])
        before = text[a - 1] if a else ""
        after = text[b] if b < len(text) else ""
        if before and after and _is_word_char(before) and (_is_word_char(after) or after.isdigit()):
            parts.append(" ")
            kept.append(where[a])
        pos = b
    if not pos:
        return text, where
    parts.append(text[pos:])
    kept.extend(where[pos:])
    return "".join(parts), kept


def _drop_thousands_commas(text: str, where: list[int]) -> tuple[str, list[int]]:
    """``1,000,000`` → ``1000000``: a comma between digits followed by exactly three digits."""
    drop = {m.start() for m in _THOUSANDS_COMMA_RE.finditer(text)}
    if not drop:
        return text, where
    keep = [k for k in range(len(text)) if k not in drop]
    return "".join(text[k] for k in keep), [where[k] for k in keep]


def normalize_line(source: str, start: int, end: int) -> tuple[str, list[int]]:
    """One source line normalised, with the source index of each of its characters."""
    text = _map_chars(source[start:end])
    text, where = _drop_spaces(text, list(range(start, end)))
    return _drop_thousands_commas(text, where)


class Line(NamedTuple):
    """A non-blank source line: its source range, its normalised text and the source index of
    each character of that text."""

    start: int
    end: int
    text: str
    where: list[int]


def normalized_lines(source: str) -> list[Line]:
    """The lines of ``source`` that keep characters after :func:`normalize_line`, in order."""
    lines = []
    for start, end in source_lines(source):
        text, where = normalize_line(source, start, end)
        if text:
            lines.append(Line(start, end, text, where))
    return lines


def normalize(source: str, starts_paragraph: LineRule = notice_breaks) -> Normalized:
    """Normalise ``source``: paragraphs rejoined by ``starts_paragraph``, one form of punctuation,
    no spaces in or around numbers, no stray leading spaces; every character keeps its source index."""
    return join_lines(source, normalized_lines(source), starts_paragraph)


def join_lines(source: str, lines: Sequence[Line], starts_paragraph: LineRule) -> Normalized:
    """The normalised text of ``source`` from its :func:`normalized_lines` (a rule that measures
    the lines too, as the report's does, is given the same list rather than normalising twice)."""
    texts: list[str] = []
    paragraphs: list[list[Line]] = []
    for line in lines:
        if starts_paragraph(texts, line.text):
            texts.append(line.text)
            paragraphs.append([line])
        else:
            texts[-1] += line.text
            paragraphs[-1].append(line)
    offsets: list[int] = []
    for k, paragraph in enumerate(paragraphs):
        if k:
            offsets.append(_newline_after(source, offsets[-1]))
        for line in paragraph:
            offsets.extend(line.where)
    offsets.append(offsets[-1] + 1 if offsets else 0)
    return Normalized(text="\n".join(texts), source=source, offsets=offsets)


def _newline_after(source: str, index: int) -> int:
    """Source index of the first line break after ``index`` (where a paragraph ended)."""
    k = source.find("\n", index)
    return k if k != -1 else index + 1
