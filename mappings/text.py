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

Chars = list[tuple[str, int]]


def source_lines(source: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each source line without its line terminator."""
    lines, pos = [], 0
    for m in re.finditer(r"\r?\n|\r", source):
        lines.append((pos, m.start()))
        pos = m.end()
    lines.append((pos, len(source)))
    return lines


def _map_chars(chars: Chars) -> Chars:
    """One form per punctuation mark and digit; ``:`` and ``,`` between digits stay ASCII."""
    out: Chars = []
    for k, (c, i) in enumerate(chars):
        if c in _KEEP_BETWEEN_DIGITS and 0 < k < len(chars) - 1 \
                and chars[k - 1][0].isdigit() and chars[k + 1][0].isdigit():
            out.append((c, i))
        else:
            out.append((_CHAR_MAP.get(c, c), i))
    return out


def _is_word_char(c: str) -> bool:
    return c.isascii() and c.isalpha()


def _drop_spaces(chars: Chars) -> Chars:
    """Drop whitespace runs except between two Latin words (``5G A``-style words keep theirs);
    spaces inside numbers, between numbers and CJK, and around punctuation are extraction junk."""
    out: Chars = []
    k = 0
    while k < len(chars):
        if chars[k][0] != " ":
            out.append(chars[k])
            k += 1
            continue
        j = k
        while j < len(chars) and chars[j][0] == " ":
            j += 1
        before = out[-1][0] if out else ""
        after = chars[j][0] if j < len(chars) else ""
        if before and after and _is_word_char(before) and (_is_word_char(after) or after.isdigit()):
            out.append((" ", chars[k][1]))
        k = j
    return out


def _drop_thousands_commas(chars: Chars) -> Chars:
    """``1,000,000`` → ``1000000``: a comma between digits followed by exactly three digits."""
    text = "".join(c for c, _ in chars)
    drop = {m.start() for m in re.finditer(r"(?<=\d),(?=\d{3}(?!\d))", text)}
    return [ch for k, ch in enumerate(chars) if k not in drop]


def normalize_line(source: str, start: int, end: int) -> Chars:
    """One source line as normalised characters with their source indices."""
    chars = [(source[i], i) for i in range(start, end)]
    return _drop_thousands_commas(_drop_spaces(_map_chars(chars)))


def normalize(source: str, starts_paragraph: LineRule = notice_breaks) -> Normalized:
    """Normalise ``source``: paragraphs rejoined by ``starts_paragraph``, one form of punctuation,
    no spaces in or around numbers, no stray leading spaces; every character keeps its source index."""
    paragraphs: list[Chars] = []
    texts: list[str] = []
    for start, end in source_lines(source):
        chars = normalize_line(source, start, end)
        if not chars:
            continue
        line = "".join(c for c, _ in chars)
        if starts_paragraph(texts, line):
            paragraphs.append(chars)
            texts.append(line)
        else:
            paragraphs[-1].extend(chars)
            texts[-1] += line
    out: Chars = []
    for k, p in enumerate(paragraphs):
        if k:
            out.append(("\n", _newline_after(source, out[-1][1])))
        out.extend(p)
    text = "".join(c for c, _ in out)
    offsets = [i for _, i in out]
    offsets.append(offsets[-1] + 1 if offsets else 0)
    return Normalized(text=text, source=source, offsets=offsets)


def _newline_after(source: str, index: int) -> int:
    """Source index of the first line break after ``index`` (where a paragraph ended)."""
    k = source.find("\n", index)
    return k if k != -1 else index + 1
