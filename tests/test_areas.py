"""A figure is for the area its clause names as its subject, else for its document's jurisdiction.

The expected areas are read from the texts: 兰州新区经济总量突破500亿元 (Gansu's report) is the
Lanzhou New Area's output, 城市副中心和平原新城地区生产总值年均增长5%以上 (Beijing's) a goal for the
sub-centre and the plain new towns; 郑州机场全货机航线拓展至49条 (Henan's 2024 report) names Zhengzhou
only as the airport's, so that figure stays Henan's. Figures are found by their text, not by IRI.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from kg import build as b
from kg.query import run_query
from mappings.areas import lead_area, subject_area
from mappings.gazetteer import Area, Gazetteer
from mappings.tables import SourceError
from tests.conftest import DATA_ROOT, reference

ID = "https://w3id.org/henan-gov/id/"
BY_TEXT = """PREFIX hgv: <https://w3id.org/henan-gov/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?area ?indicator ?label WHERE {
  ?s hgv:refArea ?area ; hgv:indicator ?indicator ; rdfs:label ?label .
}"""


def area_of(clause: str, figure: str, jurisdiction: str, indicator: str) -> Area | None:
    """:func:`subject_area` of the number ``figure`` in ``clause`` (a clause copied from a source)."""
    ref = reference()
    return subject_area(
        clause,
        clause.index(figure),
        ref.indicators.get(indicator).patterns,  # type: ignore[union-attr]
        ref.gazetteer.area_names(jurisdiction),
        ref.vocabulary.area_joiners,
    )


@pytest.mark.parametrize(
    ("clause", "figure", "jurisdiction", "indicator", "area"),
    [
        (
            "兰州新区经济总量突破500亿元、实现翻一番。",
            "500",
            "gansu",
            "economic-output",
            Area("lanzhou-new-area", True),
        ),  # noqa: E501
        ("预计大湾区经济总量突破15万亿元。", "15", "guangdong", "economic-output", Area("greater-bay-area", True)),
        (
            "川东北经济区经济总量突破9000亿元，",
            "9000",
            "sichuan",
            "economic-output",
            Area("northeast-sichuan-economic-region", True),
        ),
        (
            "城市副中心和平原新城地区生产总值年均增长5%以上，",
            "5%",
            "beijing",
            "gdp-growth",
            Area("beijing-sub-centre-and-plain-new-towns", True),
        ),
    ],
)
def test_an_area_named_before_the_indicator_is_the_figures_area(
    clause: str, figure: str, jurisdiction: str, indicator: str, area: Area
) -> None:
    assert area_of(clause, figure, jurisdiction, indicator) == area


@pytest.mark.parametrize(
    ("clause", "figure", "jurisdiction", "indicator"),
    [
        # Zhengzhou is the airport's, not the subject of the routes
        ("郑州机场全货机航线拓展至49条，", "49", "henan", "all-cargo-air-routes"),
        # a name that holds a place name
        ("引进落地一流大学、科研机构郑州研究院10家。", "10", "henan", "zhengzhou-research-institutes"),
        # the area's name is another government's: Gansu's new area in a Henan document means nothing
        ("兰州新区经济总量突破500亿元、实现翻一番。", "500", "henan", "economic-output"),
        # the province-wide figure with no area before its indicator
        ("全省经济总量突破6万亿元，", "6", "henan", "economic-output"),
    ],
)
def test_a_place_elsewhere_in_the_clause_leaves_the_jurisdictions_area(
    clause: str, figure: str, jurisdiction: str, indicator: str
) -> None:
    assert area_of(clause, figure, jurisdiction, indicator) is None


def test_area_names_are_those_within_the_jurisdiction() -> None:
    names = dict(reference().gazetteer.area_names("henan"))
    assert names["郑州"] == Area("410100") and names["兰考县"] == Area("410225")
    assert "河南" not in names and "河南省" not in names  # the jurisdiction's own region is the default
    assert "兰州新区" not in names and "菏泽" not in names  # Gansu's zone, a Shandong city


@pytest.fixture(scope="module")
def labelled(release: b.Release) -> dict[str, list[dict[str, str]]]:
    """Every observation's row by its label (the statement's text, normalised)."""
    answer = run_query(release.path / "store", BY_TEXT, "csv")
    out: dict[str, list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(answer.decode("utf-8"))):
        out.setdefault(row["label"], []).append(row)
    return out


@pytest.mark.parametrize(
    ("label", "area"),
    [
        ("兰州新区经济总量突破500亿元", "zone/lanzhou-new-area"),
        ("预计大湾区经济总量突破15万亿元", "zone/greater-bay-area"),
        ("川东北经济区经济总量突破9000亿元", "zone/northeast-sichuan-economic-region"),
        ("成都平原经济区经济总量达到4万亿元", "zone/chengdu-plain-economic-region"),
        ("城市副中心和平原新城地区生产总值年均增长5%以上", "zone/beijing-sub-centre-and-plain-new-towns"),
        ("郑州机场全货机航线拓展至49条", "region/410000"),
        ("经济总量跨过两个万亿元大关、超过6万亿元", "region/510000"),  # Sichuan's own
        # Henan 2024, line 514-526: a paragraph headed 提升国家中心城市核心竞争力。 (Zhengzhou)
        ("到2025年经济总量突破1.5万亿元", "region/410100"),
    ],
)
def test_published_figures_have_the_area_their_clause_names(
    labelled: dict[str, list[dict[str, str]]], label: str, area: str
) -> None:
    assert [r["area"] for r in labelled[label]] == [ID + area]


def test_a_figure_of_an_unnamed_area_beside_a_named_one_is_left_out(labelled: dict[str, list[dict[str, str]]]) -> None:
    """成渝地区双城经济圈建设走深走实，经济总量超9万亿元 (Sichuan's review): the circle's output, named
    in the clause before; in the paragraph of 成都平原经济区…4万亿元 it is ambiguous and not Sichuan's."""
    assert "经济总量超9万亿元" not in labelled


def test_thresholds_of_counted_places_are_not_economic_output(labelled: dict[str, list[dict[str, str]]]) -> None:
    """经济总量超500亿元的县域增至12个 (Guangxi) and 首个经济总量突破5万亿元的城市 (Shanghai) count
    counties and cities above a threshold: not the output of the province."""
    output = [
        label
        for label, rows in labelled.items()
        if any(r["indicator"] == ID + "indicator/economic-output" for r in rows)
    ]
    assert output and not [label for label in output if "亿元的" in label]


def _gazetteer_with_row(tmp_path: Path, name: str, row: str) -> tuple[Path, int]:
    """A copy of the gazetteer with ``row`` appended to its file ``name``; the row's line number."""
    gazetteer = tmp_path / "gazetteer"
    shutil.copytree(DATA_ROOT / "gazetteer", gazetteer)
    with (gazetteer / name).open("a", encoding="utf-8") as f:
        f.write(row + "\n")
    return gazetteer, (gazetteer / name).read_text(encoding="utf-8").count("\n")


def test_a_zone_of_an_unknown_jurisdiction_names_file_and_line(tmp_path: Path) -> None:
    row = "atlantis-zone,亚特兰蒂斯区,,Atlantis,PlanningArea,atlantis,,,,"
    gazetteer, line = _gazetteer_with_row(tmp_path, "zones.csv", row)
    with pytest.raises(SourceError, match=rf"zones\.csv:{line}: jurisdiction 'atlantis'"):
        Gazetteer.load(gazetteer)


@pytest.mark.parametrize(
    ("lead", "jurisdiction", "area"),
    [
        ("提升国家中心城市核心竞争力。", "henan", Area("410100")),  # Henan's name for Zhengzhou
        ("提升国家中心城市核心竞争力。", "hubei", None),  # another government's documents: not Zhengzhou
        ("加快建设“三足鼎立”创新大格局。", "henan", None),  # names no area
        ("支持郑州、新乡、洛阳等地", "henan", None),  # several areas: none is the paragraph's
    ],
)
def test_a_lead_naming_one_area_scopes_its_paragraph(lead: str, jurisdiction: str, area: Area | None) -> None:
    assert lead_area(lead, reference().gazetteer.area_names(jurisdiction)) == area


def test_an_alias_of_an_unknown_area_names_file_and_line(tmp_path: Path) -> None:
    gazetteer, line = _gazetteer_with_row(tmp_path, "area-aliases.csv", "henan,省会,999999,")
    with pytest.raises(SourceError, match=rf"area-aliases\.csv:{line}: area '999999'"):
        Gazetteer.load(gazetteer)
