"""The government work report: parts, sections, paragraphs, achieved figures, targets, mentions.

The report is prose printed at a fixed width: every printed line is broken, and a page break
leaves only a stray space at the start of the next page's first line. Paragraph breaks are found
from the layout (:class:`ReportBreaks`): a line that ends a paragraph is short or ends a sentence,
and the first line of a paragraph is indented by two characters (so a full first line is
narrower than a full continuation line), opens with a heading number, the salutation 各位代表, or a
lead sentence that works as a sub-heading (``加快建设“三足鼎立”创新大格局。``).

Structure: parts ``一、`` …, each with a role its heading tells (the genre profile's
``parts.roles``: review, five-year goals, main targets, key work, the government's own conduct);
in the review the areas ``（一）经济运行整体向好。…`` open a paragraph in-line; in the key work the
sections ``（一）提升创新能级，…`` are heading lines of their own. Quantities come from
:mod:`mappings.targets`, indicators from :mod:`mappings.indicators`. This module reads text into
dataclasses; :mod:`mappings.writer` writes the RDF.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from mappings.areas import figure_area, lead_area
from mappings.gazetteer import Area
from mappings.genres import Profile
from mappings.indicators import Indicators, in_series_unit
from mappings.numerals import cn_number
from mappings.reference import Reference
from mappings.source import SourceDocument, SourceError
from mappings.targets import TargetMatch, Vocabulary, count_quantities, extract_quantities
from mappings.text import (
    CHAPTER_RE,
    SECTION_RE,
    Line,
    Normalized,
    bounds,
    every_line,
    join_lines,
    normalized_lines,
    split_at,
)

TERMINAL = "。！？：；"
ADDRESS = "各位代表"
LEAD_RE = re.compile(r"^[^，、；：！？。\d%]{2,15}。")
SHORT = 30.0  # a full printed line measures about 35 character widths
INDENT_MAX = 33.5  # a full first line, indented by two, about 33


def display_width(line: str) -> float:
    """Printed width in full-width character units: CJK and full-width marks count 1, digits,
    Latin letters and half-width marks 1/2, spaces (extraction gaps around numbers) 1/2."""
    return sum(1 if unicodedata.east_asian_width(c) in "WFA" else 0.5 for c in line.strip())


class ReportBreaks:
    """Line rule for :func:`mappings.text.normalize`: does this printed line start a paragraph?

    The layout test needs the printed widths, which normalisation has removed (spaces around
    numbers), so the rule measures the source's non-blank lines itself and is called once per
    line, in order (as :func:`~mappings.text.normalize` does)."""

    def __init__(self, source: str, lines: Sequence[Line] | None = None) -> None:
        # the lines normalize() will pass, in its order: pass them when they are at hand
        lines = normalized_lines(source) if lines is None else lines
        self.lines = [(display_width(source[line.start : line.end]), line.text) for line in lines]
        self.widths = [w for w, _ in self.lines]
        self.calls = 0
        self.salutation = False

    def __call__(self, paragraphs: Sequence[str], line: str) -> bool:
        k, self.calls = self.calls, self.calls + 1
        if k >= len(self.lines) or self.lines[k][1] != line:
            raise ValueError(
                f"ReportBreaks: line {k + 1} is not the line measured ({line[:20]!r}); "
                "normalize() must call the rule once per non-empty line, in order"
            )
        if not paragraphs or not self.salutation:
            self.salutation = self.salutation or line.startswith(ADDRESS)
            return True  # the title block before the salutation: one line each
        if self.widths[k - 1] < SHORT:
            return True  # a short line ends its paragraph (titles and headings included)
        if not paragraphs[-1].endswith(tuple(TERMINAL)):
            return False
        if CHAPTER_RE.match(line) or SECTION_RE.match(line) or line.startswith(ADDRESS):
            return True
        lead = LEAD_RE.match(line)
        if lead and lead.end() < len(line):
            return True
        return self.widths[k] <= INDENT_MAX and not line.endswith(tuple(TERMINAL))


def normalize_report(text: str, body_start: int = 0, rule: str = "report") -> Normalized:
    """The report as one paragraph per line, offsets back to the source: paragraphs found from
    the printed layout (``rule = "report"``), or one per source line (``"lines"``, web pages)."""
    lines = normalized_lines(text, body_start=body_start)
    return join_lines(text, lines, every_line if rule == "lines" else ReportBreaks(text, lines))


# --- structure --------------------------------------------------------------------------------


@dataclass
class Paragraph:
    number: int
    start: int
    end: int
    lead: str  # the lead sentence working as a sub-heading, "" if none


@dataclass
class ReportSection:
    number: int
    heading: str
    start: int
    end: int
    inline: bool  # the review's areas open a paragraph; key-work sections are heading lines
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class ReportPart:
    number: int
    heading: str
    start: int
    end: int
    role: str | None  # from the heading, by the profile's parts.roles
    sections: list[ReportSection] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)  # those outside any section


@dataclass
class Report:
    norm: Normalized
    opening: list[Paragraph]  # salutation and opening, before part one
    parts: list[ReportPart]
    profile: Profile  # the genre profile it was read with (its target-list wording)

    @property
    def sections(self) -> list[ReportSection]:
        return [s for p in self.parts for s in p.sections]

    @property
    def paragraphs(self) -> list[Paragraph]:
        out = list(self.opening)
        for p in self.parts:
            out += p.paragraphs + [q for s in p.sections for q in s.paragraphs]
        return sorted(out, key=lambda q: q.number)


def lead_sentence(text: str) -> str:
    """The sub-heading that opens a paragraph (``加快建设“三足鼎立”创新大格局。``), or ""."""
    m = LEAD_RE.match(SECTION_RE.sub("", text))
    body = SECTION_RE.sub("", text)
    return m.group() if m and m.end() < len(body) else ""


def parse_report(doc: SourceDocument, profile: Profile, norm: Normalized | None = None) -> Report:
    """Parts, sections and paragraphs; numbering out of sequence fails naming file and line."""
    norm = norm or normalize_report(doc.text, doc.body_start, profile.paragraph_rule)
    spans = norm.paragraphs()
    texts = [norm.text[a:b] for a, b in spans]
    salutation = profile.salutation or ADDRESS
    first = next((k for k, t in enumerate(texts) if t.startswith(salutation)), None)
    if first is None:
        raise SourceError(
            f"{doc.path}: no salutation '{salutation}' found (profile {profile.name}): is this a work report?"
        )
    report = Report(norm, [], [], profile)
    part: ReportPart | None = None
    section: ReportSection | None = None
    count = 0
    numbered = any(CHAPTER_RE.match(t) for t in texts[first:])
    for (a, b), text in zip(spans[first:], texts[first:]):
        if profile.is_chrome(text) or profile.is_appendix(text):
            break  # the page around the report (related links, share buttons), or its appendix
        where = doc.where(norm.offsets[a])
        m = CHAPTER_RE.match(text)
        if m or (not numbered and _unnumbered_heading(text, profile)):
            number = cn_number(m.group(1)) if m else len(report.parts) + 1
            _expect(number, len(report.parts) + 1, "part", where)
            heading = text[m.end() :] if m else text
            taken = tuple(p.role for p in report.parts if p.role)
            part, section = ReportPart(number, heading, a, b, profile.part_role(heading, number, taken)), None
            report.parts.append(part)
            continue
        if part is not None and (m := SECTION_RE.match(text)):
            number = cn_number(m.group(1))
            _expect(number, len(part.sections) + 1, f"section of part {part.number}", where)
            # an area of the review opens its paragraph (（一）经济运行整体向好。…); a heading with
            # nothing after it on its line heads the paragraphs that follow; a heading sentence
            # with the body after it on its line (a web page's 着力…，拓展…。坚持…) does both
            inline = text.endswith(tuple(TERMINAL)) and bool(lead_sentence(text))
            rest = text[m.end() :]
            first = rest.find("。")
            opens = not inline and 0 < first < len(rest) - 1
            heading = lead_sentence(text).rstrip("。") if inline else rest[:first] if opens else rest.rstrip("。")
            section = ReportSection(number, heading, a, b, inline)
            part.sections.append(section)
            if not inline and not opens:
                part.end = b
                continue
        elif text.startswith(salutation) or (section is not None and section.inline):
            section = None  # the salutation closes a section; an in-line area is one paragraph
        count += 1
        para = Paragraph(count, a, b, lead_sentence(text))
        if part is None:
            report.opening.append(para)
            continue
        if section is not None:
            section.paragraphs.append(para)
            section.end = b
        else:
            part.paragraphs.append(para)
        part.end = b
    return report


def _unnumbered_heading(text: str, profile: Profile) -> bool:
    """A part heading printed without a number (``“十四五”时期工作回顾``): a short line with no
    sentence punctuation that names a part's role. Asked only of reports with no numbered part."""
    return (
        len(text) <= 24
        and not any(c in text for c in "。，；：！？")
        and next((r for r, rx in profile.part_roles if rx.search(text)), None) is not None
    )


def _expect(number: int, expected: int, what: str, where: str) -> None:
    if number != expected:
        raise SourceError(f"{where}: {what} numbered {number}, expected {expected}")


# --- quantitative statements ------------------------------------------------------------------

YEAR_RE = re.compile(r"(\d{4})年")
DIGIT_RE = re.compile(r"\d")
BASE_GAP = 8  # at most this many characters (a time: 上半年, 2020年的) between 从 and its number
ACHIEVED_EXCLUSIONS = {None, "no-commitment"}  # a review reports results: no commitment verb needed


@dataclass(frozen=True)
class Statement:
    """One achieved figure or target: the quantity, where it is, what it measures, its year."""

    cls: str  # "AchievedFigure", "Target" or "FiveYearGoal"
    paragraph: Paragraph
    match: TargetMatch
    indicator: str | None
    wording: str  # what the figure measures, as written (kept when no indicator matches)
    period: int  # the year, or the last year of the period
    main: bool = False  # one of the year's main expected targets (the list after 主要预期目标是：)
    start: int | None = None  # the first year of a period of several years (2021 for 2021–2025)
    area: Area | None = None  # the area the clause names as its subject; None: the jurisdiction's


@dataclass
class _Resolver:
    """Reads the indicator of each quantity of a report, remembering per text whether it holds
    one quantity only (asked again for each figure of a sentence)."""

    indicators: Indicators
    vocabulary: Vocabulary
    respectively: tuple[str, ...] = ()  # the profile's words pairing subjects with figures (分别)
    single: dict[str, bool] = field(default_factory=dict)

    def is_single(self, text: str) -> bool:
        if text not in self.single:
            self.single[text] = count_quantities(text, self.vocabulary) == 1
        return self.single[text]

    def __call__(self, text: str, m: TargetMatch) -> tuple[str | None, str]:
        """The indicator slug of a quantity in paragraph ``text`` and its wording: from its own
        subject where a clause pairs subjects with figures (城乡居民收入分别增长4.4%、5.6%), else
        its phrase, its ``、`` item, else its clause or sentence when that holds no other quantity."""
        lo, hi = bounds(text, m.number_start, "，。；：")
        own = self.own_subject(text, lo, hi, m)
        if own is not None:
            ind = self.indicators.resolve(own, unit=m.unit)
            return (ind.slug if ind else None), own
        item = text[slice(*bounds(text, m.number_start, "，。；：、"))]
        clause = text[lo:hi]
        sentence = text[slice(*bounds(text, m.number_start, "。；！？"))]
        phrases = [m.indicator_phrase, m.verb + m.indicator_phrase, item]
        phrases += [t for t in (clause, sentence) if self.is_single(t)]
        ind = self.indicators.resolve(*[p for p in phrases if p], unit=m.unit)
        return (ind.slug if ind else None), (m.indicator_phrase or item)

    def own_subject(self, text: str, lo: int, hi: int, m: TargetMatch) -> str | None:
        """The k-th subject of the clause's list when the clause pairs n subjects with n figures:
        it says 分别 before its k-th of n figures, or names a compound subject (城乡居民…增长7%和8%,
        ``enumerations.csv``) before them; else None."""
        anchors = [
            (at, at + len(word)) for word in self.respectively if (at := text.find(word, lo, m.number_start)) >= 0
        ]
        first = DIGIT_RE.search(text, lo, hi)
        if not anchors and first is not None and self.indicators.has_compound(text[lo : first.start()]):
            anchors = [(first.start(), first.start())]
        for at, after in anchors:
            n = count_quantities(text[after:hi], self.vocabulary)
            k = count_quantities(text[after : m.number_start], self.vocabulary)
            subjects = self.indicators.subjects(text[lo:at], n)
            if subjects is not None and k < n:
                return subjects[k]
        return None


def target_period(text: str, m: TargetMatch, plan_year: int) -> int:
    """``到2025年`` (the extractor's rule), else a later year written earlier in the clause
    (``力争2025年新能源装机达到…``), else the plan year."""
    if m.period:
        return m.period
    clause_start, _ = bounds(text, m.number_start, "，。；：")
    years = [int(y) for y in YEAR_RE.findall(text, clause_start, m.number_start) if int(y) > plan_year]
    return years[-1] if years else plan_year


def statements(doc: SourceDocument, report: Report, ref: Reference) -> list[Statement]:
    """Achieved figures of the review, the main targets, the five-year goals and the targets of
    the key work (parts by role), in text order. A main target no indicator matches is kept with
    its wording (an unlisted indicator, flagged for curators); other quantities no indicator
    matches are left out (see :func:`unresolved`): the prose around them counts many things."""
    return _unambiguous(_candidates(doc, report, ref))


def unresolved(doc: SourceDocument, report: Report, ref: Reference) -> list[Statement]:
    """Quantities that would be statements but match no indicator, or whose indicator is
    ambiguous (for curators and tests)."""
    found = _candidates(doc, report, ref)
    kept = {id(s) for s in _unambiguous(found)}
    return [s for s in found if id(s) not in kept]


def is_base(text: str, m: TargetMatch, later: Sequence[TargetMatch], markers: tuple[str, ...]) -> bool:
    """The starting point of a change (``从15家跃升到38家``, ``从2020年的53.2%提升到…``): written
    after a base marker with at most a time between (no other number), and a later quantity in
    the same clause."""
    lo, hi = bounds(text, m.number_start, "，。；：")
    ends = [found + len(w) for w in markers if (found := text.rfind(w, lo, m.number_start)) >= 0]
    at = max(ends, default=-1)
    if at < 0 or m.number_start - at > BASE_GAP or DIGIT_RE.search(YEAR_RE.sub("", text[at : m.number_start])):
        return False
    return any(q.number_start < hi for q in later)


def _unambiguous(found: list[Statement]) -> list[Statement]:
    """Statements less those a paragraph states twice under one key of the cube (indicator,
    kind, period, comparator, quantity kind): the indicator was read from shared context
    (先进制造业、高技术制造业增加值占规模以上工业增加值比重分别达56.2%、34.7%), so both are left
    out, listed by :func:`unresolved`. A figure whose clause names its area is told apart by that
    area (成都平原经济区…4万亿元, 川东北经济区…9000亿元); one that names none could be any area's
    the paragraph speaks of, so it clashes with every figure of its key. A main target is always kept."""

    def key(s: Statement) -> tuple:
        return (s.paragraph.number, s.cls, s.indicator, s.period, s.start, s.match.comparator, s.match.kind)

    counts = Counter(key(s) for s in found if s.indicator)
    by_area = Counter((key(s), s.area) for s in found if s.indicator)

    def alone(s: Statement) -> bool:
        return (by_area[(key(s), s.area)] if s.area else counts[key(s)]) == 1

    return [s for s in found if s.main or (s.indicator and alone(s))]


def spans_period(text: str, m: TargetMatch, words: tuple[re.Pattern[str], ...]) -> bool:
    """A figure of the sentence that speaks of the whole plan period (年均, 累计, “十四五”时期)."""
    sentence = text[slice(*bounds(text, m.number_start, "。；！？"))]
    return any(rx.search(sentence) for rx in words)


def main_list(body: str, profile: Profile, vocabulary: Vocabulary) -> tuple[int, int] | None:
    """Where a paragraph lists the year's main targets: after its opener (``主要预期目标是：``, the
    profile's ``targets.main_list``) to the end of that sentence and of each next sentence that
    goes on listing figures (Guizhou's and Ningxia's lists run over several sentences) and names
    none of the profile's ``targets.list_end`` words (这些目标…, the explanation that follows);
    None if it does not. In the list a quantity is a target without a commitment verb."""
    for rx in profile.main_list:
        m = rx.search(body)
        if m:
            end = _sentence_end(body, m.end())
            while end < len(body):
                after = _sentence_end(body, end + 1)
                sentence = body[end + 1 : after]
                if not count_quantities(sentence, vocabulary) or any(w in sentence for w in profile.list_end):
                    break
                end = after
            return m.end(), end
    return None


def _sentence_end(body: str, start: int) -> int:
    end = body.find("。", start)
    return end if end != -1 else len(body)


def _paragraphs(part: ReportPart) -> list[Paragraph]:
    return sorted(part.paragraphs + [q for s in part.sections for q in s.paragraphs], key=lambda q: q.number)


def _by_role(report: Report) -> list[tuple[str | None, Paragraph]]:
    """Every paragraph with the role of its part (None for the opening), in text order."""
    out: list[tuple[str | None, Paragraph]] = [(None, q) for q in report.opening]
    for part in report.parts:
        out += [(part.role, q) for q in _paragraphs(part)]
    return out


def _candidates(doc: SourceDocument, report: Report, ref: Reference) -> list[Statement]:
    text, profile = report.norm.text, report.profile
    resolve = _Resolver(ref.indicators, ref.vocabulary, respectively=profile.respectively)
    review, plan = int(doc.meta.get("review_year", doc.meta["plan_year"] - 1)), int(doc.meta["plan_year"])
    reviewed, plan_start, plan_end = profile.plan_period(review), *profile.plan_period(plan)
    closes_period = reviewed[1] == review  # the review looks back on a whole plan period
    out: list[Statement] = []
    for role, para in _by_role(report):
        body = text[para.start : para.end]
        if role == "five-year-goals" and profile.looks_back(body):
            role = "review"
        # the list of main targets is read wherever the report puts it (its own part, the key
        # work, a part that joins goals and the year's work, or the opening)
        listed = main_list(body, profile, ref.vocabulary) if role != "review" else None
        if role == "main-targets" and listed is None:
            continue  # the other paragraphs explain the targets, restating them
        found = extract_quantities(body, ref.vocabulary)
        for i, m in enumerate(found):
            if is_base(body, m, found[i + 1 :], profile.base_markers):
                continue
            main = listed is not None and listed[0] <= m.number_start < listed[1]
            stated = m.excluded in ACHIEVED_EXCLUSIONS  # a figure stated without a commitment verb
            if role == "review" and stated:
                start = reviewed[0] if closes_period and spans_period(body, m, profile.span_words) else None
                out.append(Statement("AchievedFigure", para, m, *resolve(body, m), period=review, start=start))
            elif main and stated:
                out.append(
                    Statement("Target", para, m, *resolve(body, m), period=target_period(body, m, plan), main=True)
                )
            elif role == "five-year-goals" and stated:
                out.append(
                    Statement("FiveYearGoal", para, m, *resolve(body, m), period=m.period or plan_end, start=plan_start)
                )
            elif role == "key-work" and not main and m.is_target:
                out.append(Statement("Target", para, m, *resolve(body, m), period=target_period(body, m, plan)))
    return [_with_area(s, text, doc.jurisdiction, ref) for s in out]


def _with_area(s: Statement, text: str, jurisdiction: str, ref: Reference) -> Statement:
    """``s`` with the area its clause names as the subject (:mod:`mappings.areas`), if any, and
    stated in its indicator's unit (:func:`mappings.indicators.in_series_unit`)."""
    at = s.paragraph.start + s.match.number_start
    indicator = ref.indicators.get(s.indicator)
    area = figure_area(ref, jurisdiction, text, at, indicator)
    if area is None and indicator is not None:  # the paragraph's sub-heading may name its area
        area = lead_area(s.paragraph.lead, ref.gazetteer.area_names(jurisdiction))
    return replace(s, area=area, match=in_series_unit(s.match, indicator, ref.vocabulary))


@dataclass(frozen=True)
class Commitment:
    """A main target stated without a number (居民收入增长和经济增长同步): its clause, offsets into
    its paragraph's text, and the indicator it names, if the indicator table knows it."""

    paragraph: Paragraph
    start: int
    end: int
    text: str
    indicator: str | None
    period: int


def commitments(doc: SourceDocument, report: Report, ref: Reference) -> list[Commitment]:
    """The clauses of the main-targets list that hold no quantity, except the asides the profile
    names (在实际工作中努力争取更好结果), in text order."""
    text, plan = report.norm.text, int(doc.meta["plan_year"])
    asides = report.profile.target_asides
    out: list[Commitment] = []
    for role, para in _by_role(report):
        body = text[para.start : para.end]
        listed = main_list(body, report.profile, ref.vocabulary) if role != "review" else None
        if listed is None:
            continue
        for s, e in split_at(body, *listed, "，；"):
            clause = body[s:e]
            if count_quantities(clause, ref.vocabulary) or any(rx.match(clause) for rx in asides):
                continue
            ind = ref.indicators.resolve(clause)
            out.append(Commitment(para, s, e, clause, ind.slug if ind else None, plan))
    return out


def part_label_en(part: ReportPart, review_year: int, plan_year: int) -> str | None:
    """An English label for a part by its role (the heading itself is Chinese only)."""
    return {
        "review": f"Review of the work in {review_year}",
        "main-targets": f"Overall requirements and main targets for {plan_year}",
        "key-work": f"Key work for {plan_year}",
        "five-year-goals": "Main goals of the Five-Year Plan period",
        "government-conduct": "The government's own conduct",
    }.get(part.role or "")
