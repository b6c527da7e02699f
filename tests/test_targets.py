"""Target extraction rules, each checked on wording from the notice or the report genre."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import RDF, SKOS

from conftest import reference
from mappings.indicators import indicator_graph, unit_graph
from mappings.iris import HGV, Iris
from mappings.targets import extract_quantities as _extract_quantities
from mappings.targets import extract_targets as _extract_targets
from mappings.targets import multiply
from mappings.text import normalize

VOCABULARY = reference().vocabulary


def extract_targets(text: str):
    return _extract_targets(text, VOCABULARY)


def extract_quantities(text: str):
    return _extract_quantities(text, VOCABULARY)


def one(text: str):
    found = extract_targets(normalize(text).text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    "text, value, unit, unit_text, comparator, kind",
    [
        ("实施 1000 个以上省重点项目", "1000", "ge", "个", "AtLeast", "Level"),
        ("年度完成投资 1 万亿元", "1000000000000", "yuan", "万亿元", "Exactly", "Level"),
        ("国家高新技术企业达到1.5万家", "15000", "jia", "万家", "Exactly", "Level"),
        ("新增社会融资规模1万亿元", "1000000000000", "yuan", "万亿元", "Exactly", "Increase"),
        ("力争技术合同成交额3000亿元", "300000000000", "yuan", "亿元", "Exactly", "Level"),
        ("新建改造高标准农田 400 万亩以上", "4000000", "mu", "万亩", "AtLeast", "Increase"),
        ("可再生能源发电装机突破 1 亿千瓦", "100000000", "kilowatt", "亿千瓦", "MoreThan", "Level"),
        ("完成职业技能培训 200 万人次", "2000000", "person-time", "万人次", "Exactly", "Level"),
        ("推动中欧（亚）班列拓线扩量、开行 4000 班次", "4000", "train-run", "班次", "Exactly", "Level"),
        ("推动 60%以上的县级特困供养机构三级达标", "60", "percent", "%", "AtLeast", "Level"),
        ("省属公办普通高校生均经费增加 1000 元", "1000", "yuan", "元", "Exactly", "Increase"),
        # the report's forms
        ("地区生产总值增长5.5%左右", "5.5", "percent", "%", "About", "GrowthRate"),
        ("单位地区生产总值能耗下降3%以上", "3", "percent", "%", "AtLeast", "DeclineRate"),
        ("粮食产量稳定在1324.9 亿斤以上", "132490000000", "jin", "亿斤", "AtLeast", "Level"),
        ("城镇新增就业110万人以上", "1100000", "person", "万人", "AtLeast", "Increase"),
        ("研发投入增长 10 亿元", "1000000000", "yuan", "亿元", "Exactly", "Increase"),
        ("城镇调查失业率控制在5.5%以内", "5.5", "percent", "%", "AtMost", "Level"),
    ],
)
def test_target_values(text, value, unit, unit_text, comparator, kind) -> None:
    t = one(text)
    assert (t.value, t.unit, t.unit_text, t.comparator, t.kind) == (Decimal(value), unit, unit_text, comparator, kind)
    assert str(t.value) == value  # no exponent, no trailing zeros: the xsd:decimal lexical form


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("新增社会融资规模1万亿元", "社会融资规模"),
        ("实施1000个以上省重点项目", "省重点项目"),
        ("国家高新技术企业达到1.5万家、科技型中小企业达到3.2万家", "国家高新技术企业"),
        ("新培育绿色工厂200个、绿色工业园区10个", "绿色工厂"),
    ],
)
def test_indicator_phrase(text: str, phrase: str) -> None:
    assert extract_targets(normalize(text).text)[0].indicator_phrase == phrase


def test_list_items_share_the_verb() -> None:
    found = extract_targets("新培育绿色工厂200个、绿色工业园区10个")
    assert [(t.value, t.kind, t.indicator_phrase) for t in found] == [
        (Decimal(200), "Increase", "绿色工厂"),
        (Decimal(10), "Increase", "绿色工业园区"),
    ]
    found = extract_targets("新、改建农村公路5000公里、村级寄递物流综合服务点3万个以上")
    assert [(t.value, t.unit, t.comparator) for t in found] == [
        (Decimal(5000), "km", "Exactly"),
        (Decimal(30000), "ge", "AtLeast"),
    ]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("加快洛阳等10个国家物流枢纽建设", "existing"),
        ("支持巩义、永城、林州等10个有条件的县（市）发展成为中等城市", "existing"),
        ("关停淘汰10万千瓦及以下燃煤机组", "qualifier"),
        ("推动大宗货物年运量150万吨以上的物流园区接入铁路专用线", "qualifier"),
        ("推进66个粮食产能提升重点县建设", "no-commitment"),
        ("壮大6大特色产业集群和18条乡村富民产业链", "no-commitment"),
        ("建成第2个国家级示范区", "ordinal"),
    ],
)
def test_not_targets(text: str, reason: str) -> None:
    quantities = extract_quantities(text)
    assert quantities and quantities[0].excluded == reason
    assert extract_targets(text) == []


@pytest.mark.parametrize(
    "text, low, high, unit_text",
    [
        ("地区生产总值增长5%—5.5%", "5", "5.5", "%"),
        ("地区生产总值增长4.5-5%", "4.5", "5", "%"),  # the first number's unit left out
        ("城镇新增就业 50 万—60 万人", "500000", "600000", "万人"),  # each bound with its magnitude
        ("地区生产总值增长 5% 至 5.5%", "5", "5.5", "%"),
    ],
)
def test_ranges_are_one_target(text: str, low: str, high: str, unit_text: str) -> None:
    t = one(text)
    assert (t.value, t.high, t.comparator, t.unit_text) == (Decimal(low), Decimal(high), "Between", unit_text)


def test_what_is_not_a_range() -> None:
    assert [q.comparator for q in extract_quantities("2021-2025年增长5%")] == ["Exactly"]  # years: no unit
    found = [(q.value, q.high) for q in extract_quantities("增长5%—10万元")]  # two units: no range
    assert found == [(Decimal(5), None), (Decimal(100000), None)]


def test_numbers_that_are_not_quantities() -> None:
    # Chinese numerals, durations, years, names with Latin letters: no quantity at all
    for text in (
        "办好第三届论坛",
        "深化幸福黄河三年行动",
        "实施百亿斤粮食产能提升工程",
        "再延长30年整省试点",
        "推进5G—A超宽带网络",
        "2026年重点工作",
    ):
        assert extract_quantities(text) == [], text


def test_period_from_the_sentence() -> None:
    t = one("到2025年，数字经济规模达到2.5万亿元")
    assert t.period == 2025
    assert one("数字经济规模达到2.5万亿元").period is None


def test_offsets_are_into_the_text() -> None:
    text = "持续提升，新增有进出口实绩企业1500家以上。"
    t = one(text)
    assert text[t.start : t.end] == "新增有进出口实绩企业1500家以上"
    assert text[t.number_start : t.number_end] == "1500家以上"


def test_multiply_keeps_exact_decimals() -> None:
    assert str(multiply("1.5", Decimal(10000))) == "15000"
    assert str(multiply("1324.9", Decimal(100000000))) == "132490000000"
    assert str(multiply("5.5", Decimal(1))) == "5.5"


def test_indicators_resolve_longest_pattern() -> None:
    indicators = reference().indicators
    assert indicators.resolve("国家高新技术企业").slug == "high-tech-enterprises"
    assert indicators.resolve("投资", "完成投资").slug == "key-project-investment"
    assert indicators.resolve("并无此指标") is None


def test_schemes() -> None:
    iris = Iris()
    ig, ug = indicator_graph(reference().indicators, iris), unit_graph(VOCABULARY, iris)
    assert (iris.indicator("digital-economy-scale"), SKOS.inScheme, iris.scheme("indicators")) in ig
    assert (iris.indicator("digital-economy-scale"), RDF.type, HGV.Indicator) in ig
    assert (iris.unit("yuan"), SKOS.inScheme, iris.scheme("units")) in ug
    assert (iris.unit("percentage-point"), RDF.type, HGV.Unit) in ug
    assert (iris.unit("wan"), RDF.type, HGV.Unit) not in ug  # a magnitude is not a unit


@pytest.mark.parametrize(
    "clause, number, statement",
    [
        # what is counted follows the unit: the statement runs to the end of the item
        ("新建一批院士工作站和30家中原学者工作站，", "30", "30家中原学者工作站"),  # Henan 2024
        ("完成国家153万亩大豆玉米带状复合种植、2415万亩油料种植、", "153", "153万亩大豆玉米带状复合种植"),
        # modifiers listed with 、 and closed by 的 before one head noun: to the end of the clause
        (
            "建设10条具有国际范、中国味、中原韵的精品线路。",  # Henan 2024
            "10",
            "10条具有国际范、中国味、中原韵的精品线路",
        ),
        ("打造40个吸引力强、带动面广的消费场景。", "40", "40个吸引力强、带动面广的消费场景"),  # Sichuan 2026
        # a 、 inside brackets does not end the item
        ("超5个县（市、区）开展全域幸福河湖建设，", "5", "5个县（市、区）开展全域幸福河湖建设"),  # Zhejiang 2026
        # the next item is a predicate of its own (no 的 closes it), or nothing follows the unit
        ("7个盟市接通高铁、所有盟市互通高速。", "7", "7个盟市接通高铁"),  # Inner Mongolia 2026
        ("兰州新区经济总量突破500亿元、实现翻一番。", "500", "500亿元"),  # Gansu 2026
        # what follows the unit holds another number: not what is counted
        ("经济总量超500亿元的县域增至12个，", "12", "12个"),  # Guangxi 2026
    ],
)
def test_a_statement_ends_where_its_item_ends(clause: str, number: str, statement: str) -> None:
    """``statement``: the text from the number to where the statement should end."""
    (m,) = [q for q in extract_quantities(clause) if q.number_text.startswith(number)]
    assert clause[m.number_start : m.end] == statement
