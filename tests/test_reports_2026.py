"""The 2026 government work reports of 29 provincial-level governments, read by the genre engine
with metadata files and data rows only (``data/corpus/reports-2026/``; not yet in the default
build). Expectations were written from reading the texts.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import DATA_ROOT, reference

from kg import build as b
from mappings.report import Report, parse_report, statements
from mappings.source import SourceDocument, load_document
from mappings.writer import profile_of

REPORTS = DATA_ROOT / "corpus" / "reports-2026"


def doc(key: str) -> SourceDocument:
    return load_document(REPORTS / f"2026-{key}-government-work-report.toml")


def parsed(key: str) -> Report:
    d = doc(key)
    return parse_report(d, profile_of(d, reference()))


def test_all_29_reports_build_and_validate(tmp_path: Path) -> None:
    release = b.build(tmp_path / "out", sources_dir=REPORTS)  # raises if a shape is violated
    assert release.validation.violations == 0 and release.validation.warnings == 0
    assert len(release.graphs) == 3 + 29  # dataset, ontology, reference and one graph per report
    assert len(list(REPORTS.glob("*.txt"))) == 29


@pytest.mark.parametrize(("key", "roles"), [
    # 一、“十四五”时期和2025年工作回顾 二、“十五五”时期主要目标任务 三、2026年重点工作
    ("henan", ["review", "five-year-goals", "key-work"]),
    # headings printed without numbers: “十四五”时期工作回顾 / “十五五”时期的主要目标任务 / 2026年重点工作
    ("gansu", ["review", "five-year-goals", "key-work"]),
    # headings that name no role (一、一年接着一年干… 四、一以贯之转作风…): roles by position
    ("fujian", ["review", "five-year-goals", "key-work", "government-conduct"]),
    # 二、“十四五”时期发展成就和“十五五”时期主要目标任务: the goals, not the review
    ("beijing", ["review", "five-year-goals", "key-work"]),
])
def test_part_roles(key: str, roles: list[str]) -> None:
    assert [p.role for p in parsed(key).parts] == roles


def test_key_work_sections_of_henan() -> None:
    key_work = next(p for p in parsed("henan").parts if p.role == "key-work")
    assert [s.heading for s in key_work.sections] == [
        "纵深推进融入和服务全国统一大市场", "大力拓展内需增长新空间", "加快建设现代化产业体系",
        "扎实推进乡村全面振兴", "着力推动城乡区域协调发展", "统筹推进深层次改革高水平开放",
        "全面激发文化创新创造活力", "加力促进经济社会全面绿色转型", "更大力度保障和改善民生",
        "有力有效防范化解重点领域风险"]


def test_a_section_number_broken_over_two_lines_is_rejoined() -> None:
    # the Yunnan copy prints "（" on a line of its own, then "三）改革开放持续深化、互促共进。"
    review = parsed("yunnan").parts[0]
    assert [s.number for s in review.sections][:4] == [1, 2, 3, 4]
    assert review.sections[2].heading.startswith("改革开放持续深化")


@pytest.mark.parametrize("key", ["henan", "beijing", "guangdong"])
def test_page_chrome_and_appendix_are_not_the_report(key: str) -> None:
    report = parsed(key)
    text = report.norm.text
    paragraphs = [text[q.start:q.end] for q in report.paragraphs]
    assert not any(p.startswith(("相关报道", "扫一扫", "下载", "打印", "【字号")) for p in paragraphs)
    assert not any("十件民生实事" == p[-6:] for p in paragraphs)  # Guangdong's 附件1 (the appendix)
    assert paragraphs[-1].startswith(("各位代表", "雄关漫道", "让我们")) or len(paragraphs[-1]) > 20


@pytest.mark.parametrize(("key", "value", "comparator"), [
    ("henan", Decimal("5"), "About"),       # 主要预期目标是：经济增长5%左右
    ("beijing", Decimal("5"), "About"),     # 地区生产总值增长5%左右
    ("hebei", Decimal("5"), "AtLeast"),     # 地区生产总值增长5%以上
    ("sichuan", Decimal("5.5"), "About"),   # 地区生产总值增长5.5%左右
    ("tibet", Decimal("7"), "AtLeast"),     # 地区生产总值增长7%以上
])
def test_gdp_growth_target_of_2026(key: str, value: Decimal, comparator: str) -> None:
    d = doc(key)
    report = parsed(key)
    found = [s for s in statements(d, report, reference())
             if s.cls == "Target" and s.indicator == "gdp-growth" and s.period == 2026]
    assert (found[0].match.value, found[0].match.comparator) == (value, comparator)
