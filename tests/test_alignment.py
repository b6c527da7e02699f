"""豫政〔2026〕4号 aligned with the report it assigns, Henan's 2026 work report: chapters, sections
and tasks derived from the report text they restate, found by the rules of
``mappings/alignment.py``. Expectations (``fixtures/alignment-henan-2026.toml``) were written
from reading both texts: all 10 chapters, all 34 sections, and 79 tasks across all chapters with
the report clause a reader would name."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pyoxigraph import Store

from conftest import DATA_ROOT, reference
from kg import build as b
from kg.alignment import alignment_figures
from mappings.alignment import Alignment, align, similarity
from mappings.notice import Notice, parse_notice
from mappings.report import Report, parse_report
from mappings.source import load_document
from mappings.writer import profile_of

EXPECTED = tomllib.loads((Path(__file__).parent / "fixtures" / "alignment-henan-2026.toml").read_text("utf-8"))
NOTICE = DATA_ROOT / "sources" / "henan-2026-key-tasks-notice.toml"
REPORT_2026 = DATA_ROOT / "sources" / "reports-2026" / "2026-henan-government-work-report.toml"
REPORT_2024 = DATA_ROOT / "sources" / "henan-2024-government-work-report.toml"


def parsed_notice() -> Notice:
    doc = load_document(NOTICE, reference().names)
    return parse_notice(doc, profile_of(doc, reference()))


def parsed_report(path: Path) -> Report:
    doc = load_document(path, reference().names)
    return parse_report(doc, profile_of(doc, reference()))


@pytest.fixture(scope="module")
def report() -> Report:
    return parsed_report(REPORT_2026)


@pytest.fixture(scope="module")
def found(report: Report) -> Alignment:
    return align(parsed_notice(), report)


def test_similarity_is_the_dice_coefficient_of_character_bigrams() -> None:
    assert similarity("大力提振消费。", "大力提振消费") == 1.0  # punctuation does not count
    assert similarity("扩大有效投资", "大力提振消费") == 0.0
    # 扩大/大有/有效/效投/投资 against 扩大/大投/投资: two shared bigrams of 5 + 3
    assert similarity("扩大有效投资", "扩大投资") == pytest.approx(2 * 2 / (5 + 3))


@pytest.mark.parametrize("chapter", EXPECTED["chapter"], ids=lambda c: f"chapter-{c['number']}")
def test_every_chapter_comes_from_its_key_work_section(found: Alignment, chapter: dict) -> None:
    m = found.chapters[chapter["number"]]
    assert m.section is not None and (m.section.number, m.section.heading) == (
        chapter["report_section"],
        chapter["report_title"],
    )


@pytest.mark.parametrize("section", EXPECTED["section"], ids=lambda s: f"section-{s['number']}")
def test_every_section_comes_from_the_paragraph_it_heads(found: Alignment, report: Report, section: dict) -> None:
    m = found.sections[section["number"]]
    assert m.paragraph is not None
    assert report.norm.text[m.paragraph.start : m.paragraph.start + len(m.paragraph.lead)] == section["report_lead"]


def test_forty_tasks_and_more_come_from_the_clause_a_reader_names(found: Alignment) -> None:
    chosen = [t for t in EXPECTED["task"] if t["report_text"]]
    assert len(chosen) >= 40
    assert {n // 15 for n in (t["number"] for t in chosen)} >= set(range(10))  # spread over the notice
    wrong = [
        (
            t["number"],
            t["report_text"],
            found.tasks[t["number"]].sentence.text[:40] if t["number"] in found.tasks else None,
        )
        for t in chosen
        if t["number"] not in found.tasks or t["report_text"] not in found.tasks[t["number"]].sentence.text
    ]
    assert wrong == []


def test_every_task_is_aligned_and_tasks_keep_the_report_order(found: Alignment) -> None:
    # the reader found a report sentence for each of the 148 tasks, in order (fixture header)
    assert found.unmatched == [] and len(found.tasks) == 148
    starts = [found.tasks[k].sentence.start for k in sorted(found.tasks)]
    assert starts == sorted(starts)


def test_a_report_the_notice_does_not_assign_matches_little() -> None:
    """The same rules against the 2024 report: its key work is another year's, so most tasks find no
    sentence like their own, and say so, instead of taking the nearest one."""
    other = align(parsed_notice(), parsed_report(REPORT_2024))
    assert len(other.unmatched) > 100
    assert all(m.score < 0.9 for m in other.tasks.values())


def test_the_graph_keeps_derivations_spans_and_restated_targets(release: b.Release) -> None:
    store = Store.read_only(str(release.path / "store"))
    rows = list(
        store.query(
            """
        PREFIX hgv: <https://w3id.org/henan-gov/def#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?text ?value ?reported WHERE {
          <https://w3id.org/henan-gov/id/doc/henan/yuzheng/2026/4/task/17>
            prov:qualifiedDerivation ?d ; hgv:hasTarget ?t .
          ?d prov:entity ?para ; hgv:sourceSpan/hgv:exactText ?text .
          ?t hgv:value ?value ; hgv:restates ?r . ?r hgv:value ?reported ; hgv:statedIn ?para .
        } ORDER BY ?value""",
            use_default_graph_as_union=True,
        )
    )
    # report: 实施1000个以上省重点项目，年度完成投资1万亿元。 (task 17 restates it word for word)
    assert [(r["text"].value, r["value"].value, r["reported"].value) for r in rows] == [
        ("实施1000个以上省重点项目，年度完成投资1万亿元。", "1000", "1000"),
        ("实施1000个以上省重点项目，年度完成投资1万亿元。", "1000000000000", "1000000000000"),
    ]


def test_the_command_prints_the_shares(release: b.Release) -> None:
    [figures] = alignment_figures(release.path / "store")
    text = "\n".join(figures.lines())
    assert "tasks derived from a report sentence: 148/148 (100.0%)" in text
    # 34 paragraphs with a lead and the two after section 34's that have none (tasks 146-148)
    assert "key-work paragraphs no task carries: 0 of 36" in text
    assert figures.chapters == (10, 10) and figures.sections == (34, 34)


def test_the_shapes_check_derivations() -> None:
    from decimal import Decimal

    from rdflib import RDF, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import PROV, XSD

    from mappings.iris import HGV
    from shapes.validate import validate

    hsh = Namespace("https://w3id.org/henan-gov/shapes#")
    base = "https://w3id.org/henan-gov/id/"
    task, d = (
        URIRef(base + "doc/henan/yuzheng/2026/4/task/1"),
        URIRef(base + "doc/henan/yuzheng/2026/4/task/1/derivation"),
    )
    g = Graph()
    g.add((task, PROV.qualifiedDerivation, d))
    g.add((d, HGV.similarity, Literal(Decimal("1.5"), datatype=XSD.decimal)))  # above 1, no paragraph, no span
    g.add((task, HGV.notInReport, Literal(True)))
    fired = validate(g).fired()
    assert {
        (hsh["Derivation-similarity"], d),
        (hsh["Derivation-entity"], d),
        (hsh["Derivation-sourceSpan"], d),
        (hsh["NotInReport-flag"], task),
    } <= fired
    g.set((d, HGV.similarity, Literal(Decimal("0.8"), datatype=XSD.decimal)))
    g.add((d, PROV.entity, URIRef(base + "doc/henan/work-report/2026/paragraph/31")))
    g.add((URIRef(base + "doc/henan/work-report/2026/paragraph/31"), RDF.type, HGV.Paragraph))
    assert (hsh["Derivation-similarity"], d) not in validate(g).fired()
    assert (hsh["Derivation-entity"], d) not in validate(g).fired()


def test_the_readme_quotes_what_the_command_prints(release: b.Release) -> None:
    readme = (DATA_ROOT.parent / "README.md").read_text(encoding="utf-8")
    [figures] = alignment_figures(release.path / "store")
    shown = readme.split("## From the report to the notice", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    assert shown.rstrip("\n").splitlines() == figures.lines()


def test_a_notice_whose_report_is_not_built_fails_naming_it(tmp_path: Path) -> None:
    import shutil

    from mappings.source import SourceError

    for suffix in (".toml", ".txt"):
        shutil.copy(NOTICE.with_suffix(suffix), tmp_path / NOTICE.with_suffix(suffix).name)
    with pytest.raises(
        SourceError,
        match=r'henan-2026-key-tasks-notice.toml: assigns = "doc/henan/work-report/2026", '
        r"which is not the IRI path of a document of this build \(known: doc/henan/yuzheng/2026/4\)",
    ):
        b.assemble(tmp_path)


def test_the_similarity_floor_is_a_profile_setting(report: Report) -> None:
    from dataclasses import replace

    notice = parsed_notice()
    assert notice.profile.min_similarity == 0.3  # data/genres/task-notice.toml [alignment]
    strict = replace(notice, profile=replace(notice.profile, min_similarity=1.01))
    found = align(strict, report)
    assert len(found.unmatched) == 148 and not found.tasks and all(m.section is None for m in found.chapters.values())
