"""Every main expected target of 2026 for six provinces across regions (Beijing, Zhejiang,
Sichuan, Gansu, Guangdong, Heilongjiang), and their key-work section titles: expectations in
``fixtures/reports-2026-main-targets.toml``, written from reading the texts (each entry names the
clause as printed; the file's comments give the line and the readings that needed a decision)."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import DATA_ROOT, reference
from mappings.report import commitments, parse_report, statements
from mappings.source import load_document
from mappings.writer import profile_of

EXPECTED = tomllib.loads((Path(__file__).parent / "fixtures" / "reports-2026-main-targets.toml").read_text("utf-8"))
REPORTS = DATA_ROOT / "sources" / "reports-2026"


def read(key: str):
    doc = load_document(REPORTS / f"2026-{key}-government-work-report.toml", reference().names)
    return doc, parse_report(doc, profile_of(doc, reference()))


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_main_target_of_2026(key: str) -> None:
    doc, report = read(key)
    ref = reference()
    found = [s for s in statements(doc, report, ref) if s.main]
    text = report.norm.text
    got = [  # the quantity as written (a figure converted to its series' unit keeps it)
        (
            text[s.paragraph.start + s.match.start : s.paragraph.start + s.match.end],
            s.match.value if s.match.written_value is None else s.match.written_value,
            s.match.high if s.match.written_value is None else s.match.written_high,
            s.match.written_unit or s.match.unit,
            s.match.comparator,
            s.period,
        )
        for s in found
    ]
    want = EXPECTED[key]["targets"]
    assert len(got) == len(want), [g[0] for g in got]
    for g, w, s in zip(got, want, found):
        assert g[0] in w["text"], (g, w)  # the statement's span lies in the clause as printed
        upper = Decimal(w["upper"]) if "upper" in w else None
        assert g[1:] == (Decimal(w["value"]), upper, w["unit"], w["comparator"], 2026), w["text"]
        if "indicator_words" in w:  # one clause, several indicators: each figure its own
            assert s.indicator == ref.indicators.resolve(w["indicator_words"], unit=s.match.unit).slug, w
    assert all(s.indicator for s in found)  # every main target has an indicator (listed or not)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_qualitative_main_targets_of_2026(key: str) -> None:
    doc, report = read(key)
    assert [c.text for c in commitments(doc, report, reference())] == EXPECTED[key]["qualitative"]


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_key_work_section_titles(key: str) -> None:
    _, report = read(key)
    key_work = next(p for p in report.parts if p.role == "key-work")
    assert [s.heading for s in key_work.sections] == EXPECTED[key]["key_work_sections"]
