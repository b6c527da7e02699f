"""From a work report to the notice that assigns its key work: which report text each chapter,
section and task of the notice comes from.

A task-assignment notice restates the key work of one report (its metadata says which:
``assigns = "doc/henan/work-report/2026"``): the notice's chapter titles are the report's key-work section
titles, its section titles the lead phrases of the report's paragraphs, and each task one sentence
of those paragraphs. The rules go structure first, then text: a chapter is matched to the
key-work section whose title is most like its own, a notice section to the paragraph of that
report section whose lead is most like its title, and the tasks of a notice section, in order, to
the sentences of its paragraphs (the paragraph and those after it that have no lead of their
own), each to the most similar sentence not before the previous task's. Similarity is the Dice
coefficient of character bigrams; a match below the notice profile's ``alignment.min_similarity``
is no match, and the task says that no report text was found. Nothing here is a table of pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from mappings.notice import Notice, Task
from mappings.report import Paragraph, Report, ReportSection

SENTENCE_END = "。！？"
T = TypeVar("T")


def bigrams(text: str) -> set[str]:
    """The character bigrams of ``text`` without punctuation and spaces (the unit of comparison:
    Chinese words are not separated, so whole-word overlap is not available)."""
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:])}


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the bigram sets: 1 for the same wording, 0 for nothing shared."""
    x, y = bigrams(a), bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


@dataclass(frozen=True)
class Sentence:
    """One sentence of a report paragraph, offsets into the report's normalised text."""

    paragraph: Paragraph
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Match:
    """What one notice item comes from in the report, and how alike the two texts are."""

    score: float
    section: ReportSection | None = None
    paragraph: Paragraph | None = None
    sentence: Sentence | None = None


@dataclass
class Alignment:
    """The matches of one notice against one report, by chapter, section and task number
    (notice ordinals); a task with no match is in ``unmatched``."""

    chapters: dict[int, Match]
    sections: dict[int, Match]
    tasks: dict[int, Match]
    unmatched: list[int]

    def carried(self) -> set[int]:
        """The report paragraphs (numbers) some task comes from."""
        return {m.paragraph.number for m in self.tasks.values() if m.paragraph is not None}


def sentences(report: Report, para: Paragraph) -> list[Sentence]:
    """The sentences of a paragraph after its lead (the lead is the notice section's title)."""
    text = report.norm.text
    start = para.start + len(para.lead)
    out: list[Sentence] = []
    k = start
    while k < para.end:
        end = next((j + 1 for j in range(k, para.end) if text[j] in SENTENCE_END), para.end)
        if text[k:end].strip():
            out.append(Sentence(para, k, end, text[k:end]))
        k = end
    return out


def best(candidates: Iterable[tuple[T, str]], text: str) -> tuple[T | None, float]:
    """The candidate whose text is most like ``text`` (the first of equals), and its score."""
    found: T | None = None
    score = 0.0
    for item, other in candidates:
        s = similarity(text, other)
        if s > score:
            found, score = item, s
    return found, score


def key_work(report: Report) -> list[ReportSection]:
    return [s for p in report.parts if p.role == "key-work" for s in p.sections]


def align(notice: Notice, report: Report) -> Alignment:
    """Match the notice's chapters, sections and tasks to the report's key work (module docstring)."""
    ntext, floor = notice.norm.text, notice.profile.min_similarity
    chapters: dict[int, Match] = {}
    sections: dict[int, Match] = {}
    tasks: dict[int, Match] = {}
    unmatched: list[int] = []
    report_sections = key_work(report)
    for ch in notice.chapters:
        sec, score = best(((s, s.heading) for s in report_sections), ch.heading)
        chapter_match = Match(score, section=sec) if sec is not None and score >= floor else Match(score)
        chapters[ch.number] = chapter_match
        groups: list[tuple[int | None, str, list[Task]]] = [(s.ordinal, s.heading, s.tasks) for s in ch.sections]
        groups = groups or [(None, ch.heading, ch.tasks)]
        for ordinal, heading, group in groups:
            paragraphs = chapter_match.section.paragraphs if chapter_match.section else []
            para, pscore = best(((q, q.lead) for q in paragraphs if q.lead), heading)
            if ordinal is not None:
                sections[ordinal] = (
                    Match(pscore, chapter_match.section, para)
                    if para is not None and pscore >= floor
                    else Match(pscore)
                )
            candidates = _following(paragraphs, para) if para is not None and pscore >= floor else paragraphs
            _align_tasks(report, group, candidates, tasks, unmatched, ntext, floor)
    return Alignment(chapters, sections, tasks, unmatched)


def _following(paragraphs: Sequence[Paragraph], para: Paragraph) -> list[Paragraph]:
    """``para`` and the paragraphs after it up to the next one with a lead of its own."""
    k = paragraphs.index(para)
    out = [para]
    for q in paragraphs[k + 1 :]:
        if q.lead:
            break
        out.append(q)
    return out


def _align_tasks(
    report: Report,
    group: Sequence[Task],
    paragraphs: Sequence[Paragraph],
    tasks: dict[int, Match],
    unmatched: list[int],
    ntext: str,
    floor: float,
) -> None:
    """Each task to the most similar sentence at or after the previous task's, in text order."""
    pool = [s for q in paragraphs for s in sentences(report, q)]
    at = 0
    for task in group:
        body = (
            ntext[task.text_start : task.clause.start]
            if task.clause.start > task.text_start
            else ntext[task.text_start : task.text_end]
        )
        found, score = best(((k, s.text) for k, s in enumerate(pool) if k >= at), body)
        if found is None or score < floor:
            unmatched.append(task.ordinal)
            continue
        k = found
        sentence = pool[k]
        tasks[task.ordinal] = Match(score, None, sentence.paragraph, sentence)
        at = k
