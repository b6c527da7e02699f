"""One indicator series, one unit (Data Cube): every figure of an indicator and quantity kind is
stated in the indicator's unit (``unit`` column of indicators.csv), as written or converted.

Expected values are read from the texts: 粮食产量280.9亿斤 (Guangxi) is 14 045 000 t at 0.5 kg a
jin; 治理水土流失面积6779平方公里 (Henan 2026) is 10 168 500 亩 at 1 500 亩 a km²; 新培育绿色工厂
200个 (Henan 2026) counts the factories the other reports count in 家. The written unit and value
stay in the graph (``hgv:writtenUnit``, ``hgv:writtenValue``, ``hgv:unitText``).
"""

from __future__ import annotations

import csv
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from kg import build as b
from kg.query import run_query
from mappings.indicators import in_series_unit
from mappings.tables import SourceError
from mappings.targets import extract_quantities, load_vocabulary
from tests.conftest import DATA_ROOT, reference

ID = "https://w3id.org/henan-gov/id/"
HGV = "https://w3id.org/henan-gov/def#"
SLICES = """PREFIX hgv: <https://w3id.org/henan-gov/def#>
SELECT ?indicator ?kind (GROUP_CONCAT(DISTINCT STR(?unit); separator=" ") AS ?units) WHERE {
  ?s hgv:indicator ?indicator ; hgv:quantityKind ?kind ; hgv:unit ?unit .
} GROUP BY ?indicator ?kind"""
FIGURES = """PREFIX hgv: <https://w3id.org/henan-gov/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label ?indicator ?kind ?value ?unit ?unitText ?writtenUnit ?writtenValue WHERE {
  ?s hgv:indicator ?indicator ; hgv:quantityKind ?kind ; hgv:value ?value ; hgv:unit ?unit ;
     hgv:unitText ?unitText ; rdfs:label ?label .
  OPTIONAL { ?s hgv:writtenUnit ?writtenUnit } OPTIONAL { ?s hgv:writtenValue ?writtenValue }
}"""

# Slices left with two units, each for a reason no table row can settle.
MIXED = {
    ("per-capita-gdp", "Level"): "yuan and US dollars: no fixed rate converts one currency to the other",
    ("highly-skilled-workers", "Level"): "人 and 人次 count different things (people, person-times of training)",
    ("skilled-workers", "Increase"): "人 and 人次 count different things (people, person-times of training)",
    ("rural-labour-transfer", "Level"): "人 and 人次 count different things (people, person-times of transfer)",
}


def rows(release: b.Release, query: str) -> list[dict[str, str]]:
    answer = run_query(release.path / "store", query, "csv")
    return list(csv.DictReader(io.StringIO(answer.decode("utf-8"))))


def test_every_indicator_series_has_one_unit(release: b.Release) -> None:
    mixed = {}
    for r in rows(release, SLICES):
        key = (r["indicator"].removeprefix(ID + "indicator/"), r["kind"].removeprefix(HGV))
        if len(r["units"].split()) > 1:
            mixed[key] = sorted(u.removeprefix(ID + "unit/") for u in r["units"].split())
    assert {k: v for k, v in mixed.items() if k not in MIXED} == {}
    assert set(MIXED) <= set(mixed)  # an entry whose slice no longer mixes is dropped from the list


@pytest.fixture(scope="module")
def by_label(release: b.Release) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for r in rows(release, FIGURES):
        out.setdefault(r["label"], []).append(r)
    return out


@pytest.mark.parametrize(
    ("label", "value", "unit", "unit_text", "written_unit", "written_value"),
    [
        ("粮食产量280.9亿斤", "14045000", "tonne", "亿斤", "jin", "28090000000"),
        ("粮食产量1300亿斤以上", "65000000", "tonne", "亿斤", "jin", "130000000000"),
        ("治理水土流失面积6779平方公里", "10168500", "mu", "平方公里", "km2", "6779"),
        ("新培育绿色工厂200个", "200", "jia", "个", "ge", ""),  # a measure word: same count, the unit of the series
        ("新增省级绿色工厂200家左右", "200", "jia", "家", "", ""),  # written in the series' unit: nothing to keep
    ],
)
def test_figures_are_stated_in_the_series_unit_and_keep_what_was_written(
    by_label: dict[str, list[dict[str, str]]],
    label: str,
    value: str,
    unit: str,
    unit_text: str,
    written_unit: str,
    written_value: str,
) -> None:
    found = by_label[label]
    assert found, label
    for r in found:
        assert Decimal(r["value"]) == Decimal(value) and r["unit"] == ID + "unit/" + unit
        assert r["unitText"] == unit_text
        assert r["writtenUnit"] == (ID + "unit/" + written_unit if written_unit else "")
        assert (Decimal(r["writtenValue"]) if r["writtenValue"] else "") == (
            Decimal(written_value) if written_value else ""
        )


def test_percentage_points_are_a_change(by_label: dict[str, list[dict[str, str]]]) -> None:
    """常住人口城镇化率五年提高3.89个百分点 (Guangxi): the rate rose by 3.89 points, not to 3.89."""
    (r,) = by_label["常住人口城镇化率五年提高3.89个百分点"]
    assert r["kind"] == HGV + "Increase" and r["unit"] == ID + "unit/percentage-point"


@pytest.mark.parametrize(
    ("label", "not_indicator"),
    [
        ("5G基站万人拥有量33.7座", "5g-base-stations"),  # per ten thousand people (Shanxi)
        ("智能算力占比超过50%", "5g-base-stations"),  # a share of computing power (Shandong)
        ("非化石能源消费占比超过40%", "green-factories"),  # Sichuan
        ("新建粮油单产提升引领方260个", "high-standard-farmland"),  # demonstration plots (Shandong)
        ("国家区域医疗中心引入新技术新项目874项", "national-regional-medical-centres"),  # techniques (Anhui)
        ("规上工业企业营收5万亿元", "industrial-enterprises-above-size"),  # revenue (Henan 2026)
        ("民间投资占固定资产投资比重达45%左右", "fixed-asset-investment"),  # a share (Guizhou)
        ("完成年计划的118.2%", "urban-new-jobs"),  # plan fulfilment (Jiangxi)
    ],
)
def test_other_quantities_near_the_words_are_not_the_series(
    by_label: dict[str, list[dict[str, str]]], label: str, not_indicator: str
) -> None:
    assert ID + "indicator/" + not_indicator not in {r["indicator"] for r in by_label.get(label, [])}


def test_in_series_unit_converts_a_written_quantity() -> None:
    ref = reference()
    (m,) = extract_quantities("粮食产量1300亿斤以上", ref.vocabulary)
    stated = in_series_unit(m, ref.indicators.get("grain-output"), ref.vocabulary)
    assert (stated.value, stated.unit, stated.comparator) == (Decimal("65000000"), "tonne", "AtLeast")
    assert (stated.written_value, stated.written_unit, stated.unit_text) == (Decimal("130000000000"), "jin", "亿斤")
    assert in_series_unit(m, None, ref.vocabulary) is m  # a figure of no listed indicator stays as written


def test_a_conversion_that_is_not_a_number_names_file_and_line(tmp_path: Path) -> None:
    gazetteer = tmp_path / "gazetteer"
    shutil.copytree(DATA_ROOT / "gazetteer", gazetteer)
    text = (gazetteer / "units.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("jin,"))
    lines[k] = lines[k].replace("tonne,0.0005", "tonne,half a kilo")
    (gazetteer / "units.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=rf"units\.csv:{k + 1}: bad conversion 'half a kilo'"):
        load_vocabulary(gazetteer)
