"""Figures that researchers compare across provinces are what their indicator says they are.

Across the 2026 reports, wording near a figure often names GDP or the China–Europe trains without
the figure measuring them: 工业对全省经济增长的贡献率达到36.1% (a contribution to growth),
单位地区生产总值能耗下降17% (energy per unit of GDP), 社会物流总费用与地区生产总值的比率 (a ratio),
东盟货运班列 (trains to ASEAN), 企业通关时效提升80% (customs clearance). The indicator table keeps
them apart with its ``excludes`` and ``units`` columns; these tests read every figure of the
default build, so a new document or a new row that brings such a mix back fails here.
"""

from __future__ import annotations

import csv
import io

import pytest

from kg import build as b
from kg.query import run_query

ID = "https://w3id.org/henan-gov/id/"
FIGURES = """PREFIX hgv: <https://w3id.org/henan-gov/def#>
SELECT ?s ?value ?unit ?text WHERE {
  ?s hgv:indicator <%s> ; hgv:value ?value ; hgv:sourceSpan/hgv:exactText ?text .
  OPTIONAL { ?s hgv:unit ?unit }
}"""
NOT_GDP_GROWTH = ("贡献率", "能耗", "比率", "用水量", "排放强度")


def figures(release: b.Release, indicator: str) -> list[dict[str, str]]:
    answer = run_query(release.path / "store", FIGURES % (ID + "indicator/" + indicator), "csv")
    return list(csv.DictReader(io.StringIO(answer.decode("utf-8"))))


def test_gdp_growth_figures_are_growth_rates_of_gdp(release: b.Release) -> None:
    rows = figures(release, "gdp-growth")
    assert len(rows) > 60  # every report states its GDP growth, achieved and targeted
    wrong = [(r["s"], r["text"]) for r in rows if any(w in r["text"] for w in NOT_GDP_GROWTH)]
    assert wrong == []
    assert {r["unit"] for r in rows} == {ID + "unit/percent"}
    # the highest rates any province states: 7% (Tibet's target), 7 % for a five-year average
    assert max(float(r["value"]) for r in rows) <= 8


def test_energy_intensity_is_its_own_indicator(release: b.Release) -> None:
    texts = {r["text"] for r in figures(release, "energy-intensity-gdp")}
    assert "单位地区生产总值能耗下降17%" in texts  # Anhui, 2021–2025
    assert "单位GDP能耗累计下降16%左右" in texts  # Jiangxi


def test_china_europe_train_figures_count_those_trains(release: b.Release) -> None:
    rows = figures(release, "china-europe-train-runs")
    assert rows
    assert {r["unit"] for r in rows} <= {ID + "unit/train-run", ID + "unit/percent"}
    texts = " ".join(r["text"] for r in rows)
    for other in ("东盟货运班列", "通关时效", "新三样", "班列线路"):
        assert other not in texts


@pytest.mark.parametrize(
    "indicator, units",
    [
        ("national-key-laboratories", {"jia", "ge"}),
        ("market-entities", {"household", "jia", "ge", "percent"}),
        ("consumption-promotion-events", {"chang", "ge"}),
    ],
)
def test_counted_things_are_not_measured_in_money_or_mass(release: b.Release, indicator: str, units: set[str]) -> None:
    """经营主体减负1000亿元 is relief for market entities, not their number; 页岩油年产量100万吨 is
    oil from a laboratory's work, not laboratories."""
    rows = figures(release, indicator)
    assert rows and {r["unit"].removeprefix(ID + "unit/") for r in rows} <= units
