"""Text normalisation with a map back to source offsets: the one place that repairs extraction junk.

The sources are PDF extractions: page breaks split paragraphs (even words: ``电力公`` / ``司``),
punctuation mixes full and half width, numbers carry spaces (``1 万亿元``), lines start with
stray spaces. Mappings parse the normalised text but must cite the file as stored, so every
normalised character remembers its source index and :meth:`Normalized.source_span` turns a
normalised range back into a source range (page-break junk inside it included).

Normalised text is one paragraph per line (``\\n`` between paragraphs). Which source line starts
a new paragraph depends on the genre, so it is a parameter: :func:`notice_breaks` for notices
(the default); the report mapping passes its own rule.

Traditional characters are read as simplified (OpenCC's ``t2s``), so that clause words, agency
and place names are written once, in simplified form, in the data files; the conversion keeps
one character per character, so offsets still point into the file as stored, and
:attr:`Normalized.original` keeps the normalised text in the document's own script (for the
written forms a graph quotes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import opencc

from mappings.numerals import CN_DIGITS, cn_number

# Half-width (and other) forms mapped to the one form normalised text uses. Full-width ASCII
# letters and digits become ASCII; CJK punctuation is kept full width.
_CHAR_MAP: dict[str, str] = {
    "(": "（",
    ")": "）",
    ",": "，",
    ":": "：",
    ";": "；",
    "!": "！",
    "?": "？",
    "\u3000": " ",
    "\u00a0": " ",
    "\t": " ",
    "．": ".",
    "％": "%",
    "＋": "+",
    "－": "-",
    "～": "~",
    "／": "/",
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
    original: str = ""
    """``text`` before the script conversion (same length); empty when the two are equal."""

    def in_source_script(self, start: int, end: int) -> str:
        """``text[start:end]`` as the document writes it (traditional characters kept)."""
        return (self.original or self.text)[start:end]

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

CHAPTER_RE = re.compile(rf"^([{CN_DIGITS}]+)、")
SECTION_RE = re.compile(rf"^（([{CN_DIGITS}]+)）")
ITEM_RE = re.compile(r"^(\d+)[.、](?!\d)")
DOC_NUMBER_RE = re.compile(r"^\S{1,8}[〔［\[【]\d{4}[〕］\]】]\d+[号號]$")
SIGNATURE_RE = re.compile(r"^\S*(人民政府|办公厅)$")
DATE_RE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
PUBLICATION_NOTE_RE = re.compile(r"^（此件.*）$")
_TERMINAL = ("。", "）", "；", "！", "？", "”")


@dataclass(frozen=True)
class Markers:
    """What opens a paragraph in a notice, as a genre profile spells it (:mod:`mappings.genres`);
    the defaults are the reference notice's."""

    chapter: re.Pattern[str] = CHAPTER_RE
    section: re.Pattern[str] = SECTION_RE
    item: re.Pattern[str] = ITEM_RE
    label: re.Pattern[str] = re.compile("(?!)")
    is_signature: Callable[[str], bool] = SIGNATURE_RE.match  # type: ignore[assignment]
    is_note: Callable[[str], bool] = PUBLICATION_NOTE_RE.match  # type: ignore[assignment]
    closing: str = "）"  # what closes a task's clause

    def item_number(self, para: str) -> int | None:
        m = self.item.match(para)
        return marker_value(m) if m else None


def marker_value(m: re.Match[str]) -> int:
    """The number of a marker match (whichever alternative matched): digits, or a Chinese numeral."""
    text = next(g for g in m.groups() if g is not None)
    return int(text) if text.isdigit() else cn_number(text)


class MarkerBreaks:
    """Line rule of the notice genre: a paragraph starts with a chapter, a section, a numbered
    item (numbered above the last item, or after a closed clause, a heading or a labelled line),
    a labelled line, the document number, the line after the addressees (ending ``：``), the
    signature block (issuer, date, publication note) after a finished paragraph, and whatever
    follows the signature block. Anything else continues the paragraph a page break (or a stray
    line break) split."""

    def __init__(self, markers: Markers = Markers()) -> None:
        self.m = markers

    def _heading(self, para: str) -> bool:
        return bool(self.m.chapter.match(para) or self.m.section.match(para))

    def last_item(self, paragraphs: Sequence[str]) -> int:
        """The number of the last numbered item so far (0 if none)."""
        for p in reversed(paragraphs):
            if not self._heading(p) and (n := self.m.item_number(p)) is not None:
                return n
        return 0

    def __call__(self, paragraphs: Sequence[str], line: str) -> bool:
        if not paragraphs:
            return True
        prev = paragraphs[-1]
        if prev.endswith("：") or DOC_NUMBER_RE.match(prev) or DOC_NUMBER_RE.match(line):
            return True
        if self._heading(line) or self.m.label.match(line):
            return True
        n = self.m.item_number(line)
        if n is not None and (
            n > self.last_item(paragraphs)
            or prev.endswith(self.m.closing)
            or self._heading(prev)
            or self.m.label.match(prev)
        ):
            return True
        if DATE_RE.match(prev) or self.m.is_note(prev):
            return True  # the signature block is over
        signature = self.m.is_signature(line) or DATE_RE.match(line) or self.m.is_note(line)
        closes = prev.endswith((*_TERMINAL, self.m.closing)) or self.m.is_signature(prev) or DATE_RE.match(prev)
        return bool(signature and closes)


notice_breaks = MarkerBreaks()
"""The line rule with the reference notice's markers."""


def split_at(text: str, start: int, end: int, seps: str | tuple[str, ...]) -> list[tuple[int, int]]:
    """``(start, end)`` of the parts of ``text[start:end]`` between one-character separators
    ``seps``, empty parts dropped (clause groups, unit lists, clauses of a list)."""
    parts, pos = [], start
    for k in range(start, end):
        if text[k] in seps:
            parts.append((pos, k))
            pos = k + 1
    parts.append((pos, end))
    return [(a, b) for a, b in parts if b > a]


def bounds(text: str, pos: int, ends: str) -> tuple[int, int]:
    """The stretch of ``text`` around ``pos`` delimited by any character of ``ends`` (a clause,
    an item, a sentence)."""
    start = max(text.rfind(c, 0, pos) for c in ends) + 1
    stops = [k for k in (text.find(c, pos) for c in ends) if k != -1]
    return start, min(stops) if stops else len(text)


_CONTINUATION_RE = re.compile(r"^(?:[，。；：、）”’》！？]|.{1,2}：)")


def every_line(paragraphs: Sequence[str], line: str) -> bool:
    """Every non-blank source line is its own paragraph, except where an extraction broke a
    sentence: after a line that ends with an opening bracket or quote (``（`` / ``三）…``), and
    before a line that opens with punctuation or a one- or two-character word and a colon
    (``主要预期目标`` / ``是：…``), which no paragraph does."""
    if not paragraphs:
        return True
    return not (paragraphs[-1].endswith(("（", "“", "《", "〔")) or _CONTINUATION_RE.match(line))


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
    keep = [
        m.start()
        for m in _ASCII_MARK_RE.finditer(line, 1, len(line) - 1)
        if line[m.start() - 1].isdigit() and line[m.start() + 1].isdigit()
    ]
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
    """One source line normalised, with the source index of each of its characters (the
    document's own script: :func:`simplified` converts it)."""
    text = _map_chars(source[start:end])
    text, where = _drop_spaces(text, list(range(start, end)))
    return _drop_thousands_commas(text, where)


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """``text`` in simplified characters, one character for one: OpenCC converts by phrase,
    and where a phrase changes length the line is converted character by character instead."""
    out = _t2s().convert(text)
    if len(out) != len(text):
        out = "".join(c2 if len(c2 := _t2s().convert(c)) == 1 else c for c in text)
    return out


class Line(NamedTuple):
    """A non-blank source line: its source range, its normalised text (simplified), the source
    index of each character of that text, the text in the document's own script, and its layout:
    indented (a space first) and after a blank line."""

    start: int
    end: int
    text: str
    where: list[int]
    original: str
    indented: bool = False
    after_blank: bool = False


@dataclass(frozen=True)
class Layout:
    """How a text's lines are laid out, from its genre profile: ``inline`` texts have no line
    breaks (paragraphs separated by spaces); an indented line or a blank line may end a paragraph."""

    inline: bool = False
    indent_starts: bool = False
    blank_line_ends: bool = False


# In an inline text every run of spaces may end a paragraph, except between two Latin letters or
# digits (``5G A``): the line rule rejoins the pieces that are not paragraphs.
_INLINE_GAP_RE = re.compile(r"(?<![A-Za-z0-9])[ \u3000]+|[ \u3000]+(?![A-Za-z0-9])")


def _pieces(source: str, start: int, end: int, inline: bool) -> list[tuple[int, int]]:
    """A source line, or in an inline text the pieces of it between its space gaps."""
    if not inline:
        return [(start, end)]
    out, pos = [], start
    for m in _INLINE_GAP_RE.finditer(source, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    return [(a, b) for a, b in out if b > a]


def normalized_lines(source: str, layout: Layout = Layout(), body_start: int = 0) -> list[Line]:
    """The lines of ``source`` from ``body_start`` on that keep characters after
    :func:`normalize_line`, in order."""
    lines: list[Line] = []
    blank = False
    for start, end in source_lines(source):
        if start < body_start:
            continue
        indented = source[start : start + 1] in (" ", "\t", "\u3000")
        for k, (a, b) in enumerate(_pieces(source, start, end, layout.inline)):
            text, where = normalize_line(source, a, b)
            if text:
                lines.append(Line(a, b, simplified(text), where, text, indented and k == 0, blank and k == 0))
                blank = False
        if not source[start:end].strip():
            blank = True
    return lines


def normalize(
    source: str, starts_paragraph: LineRule = notice_breaks, layout: Layout = Layout(), body_start: int = 0
) -> Normalized:
    """Normalise ``source``: paragraphs rejoined by ``starts_paragraph`` (and the layout), one
    form of punctuation, no spaces in or around numbers, no stray leading spaces; every character
    keeps its source index."""
    return join_lines(source, normalized_lines(source, layout, body_start), starts_paragraph, layout)


def join_lines(source: str, lines: Sequence[Line], starts_paragraph: LineRule, layout: Layout = Layout()) -> Normalized:
    """The normalised text of ``source`` from its :func:`normalized_lines` (a rule that measures
    the lines too, as the report's does, is given the same list rather than normalising twice)."""
    texts: list[str] = []
    paragraphs: list[list[Line]] = []
    for line in lines:
        forced = (layout.indent_starts and line.indented) or (layout.blank_line_ends and line.after_blank)
        if starts_paragraph(texts, line.text) or forced:
            texts.append(line.text)
            paragraphs.append([line])
        else:
            texts[-1] += line.text
            paragraphs[-1].append(line)
    text = "\n".join(texts)
    original = "\n".join("".join(line.original for line in p) for p in paragraphs)
    offsets: list[int] = []
    for k, paragraph in enumerate(paragraphs):
        if k:
            offsets.append(_newline_after(source, offsets[-1]))
        for line in paragraph:
            offsets.extend(line.where)
    offsets.append(offsets[-1] + 1 if offsets else 0)
    return Normalized(text=text, source=source, offsets=offsets, original="" if original == text else original)


def _newline_after(source: str, index: int) -> int:
    """Source index of the first line break after ``index`` (where a paragraph ended)."""
    k = source.find("\n", index)
    return k if k != -1 else index + 1
