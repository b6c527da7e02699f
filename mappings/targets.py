"""Quantitative statements in normalised Chinese policy text, for the notice and the report.

Input is normalised text (``mappings.text``: no spaces around numbers, ``（），`` full width);
offsets in the matches are offsets into that text. Vocabulary lives in CSV, not here:
``data/gazetteer/units.csv`` (unit words and magnitudes) and ``data/gazetteer/target-words.csv``
(commitment verbs with the quantity kind they imply, comparators, qualifier and exclusion words).

A *quantity* is an Arabic number followed by optional magnitudes (万, 亿, 千, 百) and a unit word
from units.csv (``1万亿元``, ``3.2万家``, ``5.5%``). Rules deciding which quantities are *targets*
(each written from the texts and tested in ``tests/test_targets.py``):

- no unit word, no quantity: years and durations (``2026年``, ``延长30年``), ``6大`` are skipped;
- a number touching Latin letters is part of a name (``5G``), not a quantity;
- Chinese-numeral numbers are never parsed (``第三届``, ``三年行动``, ``百亿斤粮食产能提升工程``):
  in this genre they name things, Arabic numerals state figures;
- an ordinal (``第`` before the number) is not a target;
- a number right after ``等`` sizes a set that already exists (``洛阳等10个国家物流枢纽``,
  ``巩义、永城、林州等10个有条件的县``): not a target;
- a qualifier is not a target: ``及以下``/``及以上`` after the quantity (``10万千瓦及以下燃煤机组``),
  or a comparator followed by ``的`` on a non-percent quantity (``年运量150万吨以上的物流园区``);
  a *share* followed by ``的`` is a target (``推动60%以上的县级特困供养机构三级达标``);
- a target needs a commitment verb earlier in the same clause (clauses end at ``，。；：``):
  ``实施1000个以上省重点项目`` is one, ``推进66个粮食产能提升重点县`` (scope of a programme,
  推进 is not a commitment verb) and ``壮大6大…和18条乡村富民产业链`` (existing chains) are not;
- comparator: a word before (``突破`` MoreThan, ``超过`` MoreThan, ``约`` About …) or after
  (``以上`` AtLeast, ``左右`` About, ``以下``/``以内`` AtMost; ``低于`` before, LessThan); otherwise Exactly;
- a range is two numbers of one unit joined by a range word (``5%—5.5%``, ``4.5-5%``, the first
  unit may be left out): one quantity, comparator Between, ``value`` the lower bound and
  ``high`` the upper;
- kind: from the verb (``新增``/``新建``/``新培育``/``增加`` Increase, ``增长`` GrowthRate and
  ``下降`` DeclineRate for percentages, Increase/Decrease otherwise); Level by default, except
  for a unit units.csv marks a ``change`` (``个百分点``, a difference of two rates): Increase;
- period: ``到2025年``/``至2025年`` earlier in the same sentence; otherwise None (the caller
  uses the document's plan year).

The indicator *phrase* is what the figure measures, taken from the ``、``-separated item holding
the number: the words between verb and number (``新增社会融资规模1万亿元``), else the words after
the unit (``实施1000个以上省重点项目``), else the words before the verb
(``国家高新技术企业达到1.5万家``), else the clause before the number. The statement's span runs
to the end of what the figure counts when the words after the unit name it
(``新建一批院士工作站和30家中原学者工作站``), across a ``、`` inside brackets (``5个县（市、区）…``)
and across ``、``-listed modifiers that a ``的`` closes before one head noun
(``10条具有国际范、中国味、中原韵的精品线路``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from mappings.tables import SourceError, read_csv, split_list
from mappings.text import bounds

NUMBER_RE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?")
CLAUSE_END = "，。；：！？\n"
SENTENCE_END = "。；！？\n"
ITEM_SEP = "、"
MODIFIER_END = "的"  # closes a modifier before its head noun (…中原韵的精品线路)
DIGIT_RE = re.compile(r"\d")
PERIOD_RE = re.compile(r"(?:到|至)(\d{4})年")
RATE_KINDS = {"GrowthRate": "Increase", "DeclineRate": "Decrease"}


@dataclass(frozen=True)
class UnitWord:
    slug: str
    zh: str
    en: str
    base: str
    factor: Decimal
    qudt: str = ""  # the QUDT unit (or currency) it is, where QUDT has one
    counter: bool = False  # a measure word counting things (个, 家): one indicator's are one unit
    converts_to: str = ""  # a base unit it converts to by a fixed factor (斤 → 吨)
    conversion: Decimal | None = None  # how many of ``converts_to`` one of it is
    change: bool = False  # a difference of two rates (个百分点): a figure in it is a change

    @property
    def is_magnitude(self) -> bool:
        return not self.base


@dataclass(frozen=True)
class Vocabulary:
    """Unit words, magnitudes and target words, longest written form first (greedy matching)."""

    units: tuple[UnitWord, ...]
    magnitudes: tuple[UnitWord, ...]
    verbs: tuple[tuple[str, str], ...]
    before: tuple[tuple[str, str], ...]
    after: tuple[tuple[str, str], ...]
    qualifiers: tuple[str, ...]
    ordinal: tuple[str, ...]
    existing: tuple[str, ...]
    ranges: tuple[str, ...] = ()
    area_joiners: tuple[str, ...] = ()  # words between an area's name and its indicator (地区)

    def unit(self, slug: str) -> UnitWord | None:
        """The base unit ``slug`` (its own row), or None."""
        return self._units_by_slug.get(slug)

    @cached_property
    def _units_by_slug(self) -> dict[str, UnitWord]:
        return {u.slug: u for u in self.base_units()}

    def base_units(self) -> list[UnitWord]:
        """One row per unit concept (the row whose slug is its own base)."""
        seen: dict[str, UnitWord] = {}
        for u in sorted(self.units, key=lambda u: (len(u.zh), u.zh)):
            if u.slug == u.base:
                seen.setdefault(u.slug, u)
        return [seen[k] for k in sorted(seen)]


@dataclass(frozen=True)
class TargetMatch:
    """One quantity in normalised text; ``start``/``end`` cover the statement (phrase, verb,
    number, unit, comparator), ``number_start``/``number_end`` the quantity itself."""

    start: int
    end: int
    number_start: int
    number_end: int
    number_text: str
    value: Decimal
    unit: str
    unit_text: str
    comparator: str
    kind: str
    verb: str
    indicator_phrase: str
    context: str
    period: int | None
    excluded: str | None  # why the quantity is not a target; None for a target
    high: Decimal | None = None  # the upper bound of a range (comparator Between)
    written_unit: str | None = None  # the unit as written when the figure is stated in its indicator's
    written_value: Decimal | None = None  # the value in ``written_unit`` when it was converted
    written_high: Decimal | None = None

    @property
    def is_target(self) -> bool:
        return self.excluded is None


def _sorted_longest(items, key):
    return tuple(sorted(items, key=lambda x: (-len(key(x)), key(x))))


def load_vocabulary(directory: Path) -> Vocabulary:
    """Read ``units.csv`` and ``target-words.csv`` of a gazetteer directory."""
    words: list[UnitWord] = []
    for line, row in read_csv(directory / "units.csv", ("slug", "zh", "factor")):
        try:
            factor = Decimal(row["factor"])
        except ArithmeticError as e:
            raise SourceError(f"{directory / 'units.csv'}:{line}: bad factor '{row['factor']}'") from e
        cell = row.get("conversion", "")
        conversion = _decimal(directory / "units.csv", line, cell) if row.get("converts_to") else None
        for zh in split_list(row["zh"]):
            words.append(
                UnitWord(
                    row["slug"],
                    zh,
                    row.get("en", ""),
                    row.get("base", ""),
                    factor,
                    row.get("qudt", ""),
                    row.get("counter") == "yes",
                    row.get("converts_to", ""),
                    conversion,
                    row.get("change") == "yes",
                )
            )
    roles: dict[str, list[tuple[str, str]]] = {}
    for line, row in read_csv(directory / "target-words.csv", ("word", "role")):
        roles.setdefault(row["role"], []).append((row["word"], row.get("value", "")))
    by_word = lambda x: x[0]  # noqa: E731
    return Vocabulary(
        units=_sorted_longest([w for w in words if not w.is_magnitude], lambda w: w.zh),
        magnitudes=_sorted_longest([w for w in words if w.is_magnitude], lambda w: w.zh),
        verbs=_sorted_longest(roles.get("verb", []), by_word),
        before=_sorted_longest(roles.get("before", []), by_word),
        after=_sorted_longest(roles.get("after", []), by_word),
        qualifiers=tuple(w for w, _ in _sorted_longest(roles.get("qualifier", []), by_word)),
        ordinal=tuple(w for w, _ in roles.get("ordinal", [])),
        existing=tuple(w for w, _ in roles.get("existing", [])),
        ranges=tuple(w for w, _ in _sorted_longest(roles.get("range", []), by_word)),
        area_joiners=tuple(w for w, _ in _sorted_longest(roles.get("area-joiner", []), by_word)),
    )


def _decimal(path: Path, line: int, cell: str) -> Decimal:
    try:
        return Decimal(cell)
    except ArithmeticError as e:
        raise SourceError(f"{path}:{line}: bad conversion '{cell}' (a number is needed with converts_to)") from e


def multiply(number: str, factor: Decimal) -> Decimal:
    """``number × factor`` as an exact decimal without exponent or needless trailing zeros."""
    v = Decimal(number) * factor
    if v == v.to_integral_value():
        return v.quantize(Decimal(1))
    return v.normalize() if "E" not in str(v.normalize()) else v


@dataclass(frozen=True)
class _Quantity:
    start: int
    end: int  # after unit and any after-comparator
    number: str
    factor: Decimal
    unit: UnitWord
    unit_text: str
    comparator: str
    comparator_start: int  # start of a before-comparator, else the number's start
    qualifier: bool
    high: str | None = None  # a range's upper number, with its own magnitude
    high_factor: Decimal = Decimal(1)


def _parse_quantity(text: str, m: re.Match, voc: Vocabulary) -> _Quantity | None:
    """The quantity starting at number match ``m``, or None when no unit word follows."""
    pos, factor, unit = m.end(), Decimal(1), None
    while unit is None:
        unit = next((u for u in voc.units if text.startswith(u.zh, pos)), None)
        if unit:
            break
        mag = next((u for u in voc.magnitudes if text.startswith(u.zh, pos)), None)
        if mag is None:
            return None
        factor *= mag.factor
        pos += len(mag.zh)
    unit_text = text[m.end() : pos + len(unit.zh)]
    pos += len(unit.zh)
    comparator, cstart = "Exactly", m.start()
    for word, value in voc.before:
        if text.endswith(word, 0, m.start()):
            comparator, cstart = value, m.start() - len(word)
            break
    qualifier = any(text.startswith(q, pos) for q in voc.qualifiers)
    for word, value in voc.after:
        if text.startswith(word, pos):
            comparator, pos = value, pos + len(word)
            qualifier = qualifier or (text.startswith("的", pos) and unit.base != "percent")
            break
    return _Quantity(m.start(), pos, m.group(), factor, unit, unit_text, comparator, cstart, qualifier)


def _find_verb(text: str, lo: int, hi: int, voc: Vocabulary) -> tuple[int, int, str, str] | None:
    """The commitment verb ending last in ``text[lo:hi]`` (longest on a tie)."""
    best = None
    for word, kind in voc.verbs:
        k = text.rfind(word, lo, hi)
        if k != -1 and (
            best is None or k + len(word) > best[1] or (k + len(word) == best[1] and len(word) > best[1] - best[0])
        ):
            best = (k, k + len(word), word, kind)
    return best


def _exclusion(text: str, q: _Quantity, verb, voc: Vocabulary) -> str | None:
    before = text[: q.start]
    if any(before.endswith(w) for w in voc.ordinal):
        return "ordinal"
    if any(before.endswith(w) for w in voc.existing):
        return "existing"
    if q.qualifier:
        return "qualifier"
    if verb is None:
        return "no-commitment"
    return None


def _after_unit(text: str, q: _Quantity) -> int:
    """Where the words after the figure's unit start: past a 的 that joins the unit to them."""
    return q.end + (1 if text.startswith(MODIFIER_END, q.end) else 0)


def _counted_end(text: str, q: _Quantity, hi: int, clause: tuple[int, int]) -> int:
    """Where the words after the unit that name what is counted end: the end of the number's item
    (新建一批院士工作站和30家中原学者工作站, 完成国家153万亩大豆玉米带状复合种植), and over the
    、-items after it when they are modifiers that a 的 closes before one head noun, none with a
    number (建设10条具有国际范、中国味、中原韵的精品线路); ``q.end`` when nothing follows the unit in
    its item, or when what follows holds another number."""
    post = _after_unit(text, q)
    while text.count("（", post, hi) > text.count("）", post, hi):  # a 、 in brackets: 县（市、区）
        close = text.find("）", hi, clause[1])
        if close < 0:
            break
        hi = min(bounds(text, close, CLAUSE_END + ITEM_SEP)[1], clause[1])
    if hi <= post or DIGIT_RE.search(text, post, hi):
        return q.end
    rest = text[hi : clause[1]]
    if rest.startswith(ITEM_SEP) and MODIFIER_END in rest.rsplit(ITEM_SEP, 1)[-1] and not DIGIT_RE.search(rest):
        return clause[1]
    return hi


def _phrase(text: str, q: _Quantity, verb, clause: tuple[int, int]) -> tuple[str, int, int]:
    """What the figure measures, with its span (see the module docstring)."""
    lo, hi = bounds(text, q.start, CLAUSE_END + ITEM_SEP)
    lo, hi = max(lo, clause[0]), min(hi, clause[1])
    candidates = []
    if verb and verb[1] <= q.comparator_start:
        candidates.append((max(verb[1], lo), q.comparator_start))
    candidates.append((_after_unit(text, q), max(hi, _counted_end(text, q, hi, clause))))
    candidates.append((lo, verb[0] if verb and lo <= verb[0] < q.start else q.comparator_start))
    candidates.append((clause[0], q.comparator_start))
    for s, e in candidates:
        if e > s and text[s:e].strip():
            return text[s:e], s, e
    return "", q.start, q.start


def _quantities(text: str, voc: Vocabulary) -> Iterator[_Quantity]:
    """Each number of ``text`` with its unit word, unless it is glued to Latin letters; two
    numbers joined by a range word are one quantity."""
    consumed = 0
    for m in NUMBER_RE.finditer(text):
        if m.start() < consumed or _touches_latin(text, m.start(), m.end()):
            continue
        q = _parse_quantity(text, m, voc)
        r = _range(text, m, q, voc)
        if r is not None:
            consumed = r.end
            yield r
        elif q is not None:
            yield q


def _range(text: str, m: re.Match, q: _Quantity | None, voc: Vocabulary) -> _Quantity | None:
    """The range starting at number ``m`` (its own quantity ``q``, or None when its unit word is
    left out: ``4.5-5%``, ``50万—60万人``), if a range word and a number of the same unit follow."""
    if q is not None and q.comparator != "Exactly":
        return None
    pos, factor = (q.end, q.factor) if q is not None else (m.end(), None)
    while q is None and (mag := next((u for u in voc.magnitudes if text.startswith(u.zh, pos)), None)):
        factor, pos = (factor or Decimal(1)) * mag.factor, pos + len(mag.zh)
    sep = next((w for w in voc.ranges if text.startswith(w, pos)), None)
    m2 = NUMBER_RE.match(text, pos + len(sep)) if sep else None
    q2 = _parse_quantity(text, m2, voc) if m2 else None
    if m2 is None or q2 is None or (q is not None and q.unit.base != q2.unit.base) or q2.comparator_start != m2.start():
        return None
    return _Quantity(
        m.start(),
        q2.end,
        m.group(),
        factor or q2.factor,
        q2.unit,
        q2.unit_text,
        "Between",
        m.start() if q is None else q.comparator_start,
        q2.qualifier,
        m2.group(),
        q2.factor,
    )


def count_quantities(text: str, vocabulary: Vocabulary) -> int:
    """``len(extract_quantities(text))`` without reading each quantity's verb, phrase and period:
    enough to ask whether a clause or sentence is about one figure only."""
    return sum(1 for _ in _quantities(text, vocabulary))


def extract_quantities(text: str, voc: Vocabulary) -> list[TargetMatch]:
    """Every quantity in ``text`` (targets and non-targets, ``excluded`` saying why)."""
    out: list[TargetMatch] = []
    for q in _quantities(text, voc):
        clause = bounds(text, q.start, CLAUSE_END)
        verb = _find_verb(text, clause[0], q.start, voc)
        phrase, ps, pe = _phrase(text, q, verb, clause)
        kind = verb[3] if verb else "Level"
        if kind in RATE_KINDS and q.unit.base != "percent":
            kind = RATE_KINDS[kind]
        if kind == "Level" and q.unit.change:
            kind = "Increase"  # 城镇化率五年提高3.89个百分点: points are a change, whatever the verb
        sentence = bounds(text, q.start, SENTENCE_END)
        periods = list(PERIOD_RE.finditer(text, sentence[0], q.start))
        starts = [q.comparator_start, ps] + ([verb[0]] if verb else [])
        _, hi_item = bounds(text, q.start, CLAUSE_END + ITEM_SEP)
        counted = _counted_end(text, q, min(hi_item, clause[1]), clause)
        out.append(
            TargetMatch(
                start=min(starts),
                end=max(q.end, pe, counted),
                number_start=q.start,
                number_end=q.end,
                number_text=text[q.start : q.end],
                value=multiply(q.number, q.factor * q.unit.factor),
                unit=q.unit.base,
                unit_text=q.unit_text,
                comparator=q.comparator,
                kind=kind,
                verb=verb[2] if verb else "",
                indicator_phrase=phrase.strip(),
                context=text[clause[0] : clause[1]],
                period=int(periods[-1].group(1)) if periods else None,
                excluded=_exclusion(text, q, verb, voc),
                high=multiply(q.high, q.high_factor * q.unit.factor) if q.high else None,
            )
        )
    return _shared_comparators(text, out, voc)


LIST_JOINERS = ("、", "和", "与")


def _shared_comparators(text: str, found: list[TargetMatch], voc: Vocabulary) -> list[TargetMatch]:
    """A comparator written once for a list of figures bounds each of them: after the list
    (``分别增长5%、6.5%左右``: both about) or before it (``分别超过2%、5%``: both more than). Figures
    joined by 、/和 with the same unit, one of them bare, share the other's comparator."""
    for k in range(len(found) - 2, -1, -1):  # a comparator after the list: right to left
        a, b = found[k], found[k + 1]
        if _joined(text, a, b) and a.comparator == "Exactly" and b.comparator not in ("Exactly", "Between"):
            found[k] = replace(a, comparator=b.comparator)
    for k in range(len(found) - 1):  # a comparator before the list: left to right
        a, b = found[k], found[k + 1]
        before = any(text.endswith(w, 0, a.number_start) for w, _ in voc.before)
        if _joined(text, a, b) and before and b.comparator == "Exactly" and a.comparator != "Between":
            found[k + 1] = replace(b, comparator=a.comparator)
    return found


def _joined(text: str, a: TargetMatch, b: TargetMatch) -> bool:
    return a.unit == b.unit and text[a.number_end : b.number_start] in LIST_JOINERS


def extract_targets(text: str, vocabulary: Vocabulary) -> list[TargetMatch]:
    """The quantities in ``text`` that state a commitment (see the rules in the module docstring)."""
    return [t for t in extract_quantities(text, vocabulary) if t.is_target]


def _touches_latin(text: str, start: int, end: int) -> bool:
    """A number glued to Latin letters is part of a name (``5G``, ``A320``)."""
    near = (text[start - 1] if start else "") + (text[end] if end < len(text) else "")
    return any(c.isascii() and c.isalpha() for c in near)
