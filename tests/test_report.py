"""The work-report mapping, checked against the report as read by people: the paragraphs rebuilt
from the printed lines, the three parts, the review's seven areas and the nine key-work sections,
lead sentences, the 2023 achieved figures, every 2024 main target, key-work targets, projects and
places, shapes, determinism and errors. Expected values are written from the source text."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS, XSD

from conftest import SOURCES_DIR, reference
from mappings.document import document_graph
from mappings.iris import HGV, Iris
from mappings.mentions import check_compounds, load_compounds
from mappings.reference import Reference, reference_graph
from mappings.report import normalize_report, parse_report
from mappings.source import SourceError, load_document
from mappings.writer import map_report

IRIS = Iris()
REPORT_META = SOURCES_DIR / "henan-2024-government-work-report.toml"
DOC = "doc/henan/work-report/2024"


@pytest.fixture(scope="module")
def doc():
    return load_document(REPORT_META, reference().names)


@pytest.fixture(scope="module")
def ref() -> Reference:
    return reference()


@pytest.fixture(scope="module")
def g(doc, ref) -> Graph:
    return map_report(doc, ref, IRIS)


def node(path: str) -> URIRef:
    return IRIS(f"{DOC}/{path}")


def paragraphs(g: Graph) -> dict[int, str]:
    return {int(g.value(p, HGV.orderNumber)): str(g.value(p, HGV.text)) for p in g.subjects(RDF.type, HGV.Paragraph)}


def paragraph_with(g: Graph, needle: str) -> int:
    hits = [k for k, t in paragraphs(g).items() if needle in t]
    assert len(hits) == 1, f"{needle!r} in paragraphs {hits}"
    return hits[0]


def squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


# --- the document ----------------------------------------------------------------------------


def test_document_node(doc, ref) -> None:
    d = document_graph(doc, ref, IRIS)
    r = IRIS.doc(DOC)
    assert (r, RDF.type, HGV.GovernmentWorkReport) in d
    assert (r, DCTERMS.issued, Literal("2024-01-28", datatype=XSD.date)) in d
    assert (r, HGV.meeting, Literal("河南省第十四届人民代表大会第二次会议", lang="zh")) in d
    speaker = d.value(r, HGV.speaker)
    assert (speaker, HGV.office, Literal("河南省人民政府省长", lang="zh")) in d


# --- paragraphs --------------------------------------------------------------------------------


def test_paragraph_count(g: Graph) -> None:
    # read in the source: salutation + opening (2), review (intro, seven areas, 一年来, 各位代表,
    # 同时: 11), requirements and targets (3), key work (围绕…: 1; sections 3+9+4+4+5+3+3+5+5 = 41),
    # closing (2)
    assert sorted(paragraphs(g)) == list(range(1, 61))


@pytest.mark.parametrize(
    "first, later",
    [
        ("（三）产业升级步伐加快。", "战略性新兴产业增加值增长10.3%"),  # a full line ending 。 mid-paragraph
        ("（四）乡村振兴有力推进。", "国家级现代农业产业园达12个"),  # stray space opened the page before
        ("（五）改革开放深化拓展。", "成功举办全球豫商大会"),
        ("（六）生态环境不断改善。", "省160个国控断面"),  # a short first line with digits and PM2.5
        ("一年来，我们以深入开展", "大力支持国防和军队现代化建设"),
        ("加快构建一流创新生态。", "深化科技奖励改革及职务科技成果赋权改革。"),
        ("持续强化就业优先导向。", "筹备好第三届全国职业技能大赛。"),
        ("加强国防动员和后备力量建设", "铸牢中华民族共同体意识"),
    ],
)
def test_lines_joined_into_one_paragraph(g: Graph, first: str, later: str) -> None:
    k = paragraph_with(g, first)
    assert later in paragraphs(g)[k]


@pytest.mark.parametrize(
    "before, after",
    [
        ("协同发展。", "促进投资提速增效。"),
        ("带动乡村能力。", "建设宜居韧性智慧城市。"),
        ("生命财产安全。", "防范化解自然灾害风险。"),
        ("表示衷心感谢！", "同时，我们也清醒认识到"),
        ("第五次经济普查。", "各位代表！肩鸿任钜初心磐"),
    ],
)
def test_paragraph_breaks_after_full_lines(g: Graph, before: str, after: str) -> None:
    k = paragraph_with(g, after)
    assert paragraphs(g)[k].startswith(after)
    assert paragraphs(g)[k - 1].endswith(before)


def test_words_split_across_lines_are_rejoined(g: Graph) -> None:
    text = paragraphs(g)[paragraph_with(g, "过去一年，面对深刻变化")]
    assert "我们坚持以习近平新时代中国特色社会主义思想为指引" in text
    assert "全年生产总值增长4.1%" in paragraphs(g)[paragraph_with(g, "（一）经济运行整体向好")]


def test_paragraph_spans_cover_the_source_lines(g: Graph, doc) -> None:
    for p in g.subjects(RDF.type, HGV.Paragraph):
        span = g.value(p, HGV.sourceSpan)
        start, end = int(g.value(span, HGV.startOffset)), int(g.value(span, HGV.endOffset))
        exact = str(g.value(span, HGV.exactText))
        assert exact == doc.text[start:end]
        assert squeeze(exact) == squeeze(str(g.value(p, HGV.text)))
    k = paragraph_with(g, "（四）乡村振兴有力推进")
    span = g.value(node(f"paragraph/{k}"), HGV.sourceSpan)
    assert str(g.value(span, HGV.exactText)).startswith("（四）乡村振兴有力推进。全力应对极其罕见的“烂场雨”")


# --- structure --------------------------------------------------------------------------------


def test_parts(g: Graph) -> None:
    headings = {int(g.value(p, HGV.orderNumber)): str(g.value(p, HGV.heading)) for p in g.subjects(RDF.type, HGV.Part)}
    assert headings == {1: "2023年工作回顾", 2: "2024年工作总体要求和主要目标", 3: "2024年重点工作安排"}
    for n in (1, 2, 3):
        assert (node(f"part/{n}"), DCTERMS.isPartOf, IRIS.doc(DOC)) in g


REVIEW_AREAS = [
    "经济运行整体向好",
    "创新能力明显提升",
    "产业升级步伐加快",
    "乡村振兴有力推进",
    "改革开放深化拓展",
    "生态环境不断改善",
    "民生事业全面进步",
]
KEY_WORK = [
    "提升创新能级，建设国家创新高地",
    "构建现代化产业体系，推进新型工业化",
    "激发有潜能的消费，扩大有效益的投资",
    "学习运用“千万工程”经验，在乡村振兴中建设农业强省",
    "统筹区域协调发展，推动以人为核心的新型城镇化",
    "推进深层次改革，实施制度型开放",
    "深化污染防治攻坚，推进绿色低碳转型",
    "保障改善民生，不断增进人民福祉",
    "守牢安全底线，促进高质量发展和高水平安全良性互动",
]


def section_headings(g: Graph, part: int) -> list[str]:
    out = {}
    for s in g.subjects(DCTERMS.isPartOf, node(f"part/{part}")):
        if (s, RDF.type, HGV.Section) in g:
            out[int(g.value(s, HGV.orderNumber))] = str(g.value(s, HGV.heading))
    return [out[k] for k in sorted(out)]


def test_review_areas(g: Graph) -> None:
    assert section_headings(g, 1) == REVIEW_AREAS
    assert section_headings(g, 2) == []


def test_nine_key_work_sections(g: Graph) -> None:
    assert section_headings(g, 3) == KEY_WORK
    for n, heading in enumerate(KEY_WORK, 1):
        area = node(f"policy-area/{n}")
        assert (node(f"part/3/section/{n}"), HGV.policyArea, area) in g
        assert (area, RDF.type, HGV.PolicyArea) in g
        assert (area, SKOS.prefLabel, Literal(heading, lang="zh")) in g
        assert (area, SKOS.inScheme, IRIS.scheme("policy-areas")) in g


def test_paragraph_containers(g: Graph) -> None:
    def container(needle: str) -> URIRef:
        return g.value(node(f"paragraph/{paragraph_with(g, needle)}"), DCTERMS.isPartOf)

    assert container("现在，我代表省人民政府") == IRIS.doc(DOC)
    assert container("（二）创新能力明显提升") == node("part/1/section/2")
    assert container("一年来，我们以深入开展") == node("part/1")
    assert container("主要预期目标是") == node("part/2")
    assert container("围绕今年发展目标") == node("part/3")
    assert container("新型材料产业集群。") == node("part/3/section/2")
    assert container("防范化解自然灾害风险。") == node("part/3/section/9")
    assert container("各位代表！星光不问赶路人") == node("part/3")


@pytest.mark.parametrize(
    "lead",
    [
        "加快建设“三足鼎立”创新大格局。",
        "加快提升企业创新能力。",
        "新型材料产业集群。",
        "促进投资提速增效。",
        "深入打好蓝天碧水净土保卫战。",
        "提升国家中心城市核心竞争力。",
        "加强和创新社会治理。",
        "经济运行整体向好。",
    ],
)
def test_lead_sentences_are_paragraph_headings(g: Graph, lead: str) -> None:
    p = node(f"paragraph/{paragraph_with(g, lead)}")
    assert g.value(p, HGV.heading) == Literal(lead, lang="zh")


def test_paragraphs_without_lead_have_no_heading(g: Graph) -> None:
    for needle in ("围绕建设制造业强省", "拓展商业航天、低空经济", "主要预期目标是", "加强国防动员和后备力量建设"):
        assert g.value(node(f"paragraph/{paragraph_with(g, needle)}"), HGV.heading) is None


# --- achieved figures and targets ----------------------------------------------------------------


def statements(g: Graph, cls: URIRef) -> list[tuple]:
    out = []
    for s in g.subjects(RDF.type, cls):
        out.append(
            (
                str(g.value(s, HGV.indicator)).rsplit("/", 1)[-1],
                Decimal(str(g.value(s, HGV.value))),
                str(g.value(s, HGV.unit)).rsplit("/", 1)[-1],
                str(g.value(s, HGV.comparator)).rsplit("#", 1)[-1],
                str(g.value(s, HGV.quantityKind)).rsplit("#", 1)[-1],
                int(str(g.value(s, HGV.refPeriod))),
            )
        )
    return out


# (indicator, value, unit, comparator, kind) as the review states them for 2023
ACHIEVED = [
    ("gdp-growth", Decimal("4.1"), "percent", "Exactly", "GrowthRate"),
    ("general-budget-revenue", Decimal("6.2"), "percent", "Exactly", "GrowthRate"),
    ("industrial-investment", Decimal("8.9"), "percent", "Exactly", "GrowthRate"),
    ("technical-renovation-investment", Decimal("17.4"), "percent", "Exactly", "GrowthRate"),
    ("retail-sales", Decimal("6.5"), "percent", "Exactly", "GrowthRate"),
    ("per-capita-disposable-income", Decimal("6.1"), "percent", "Exactly", "GrowthRate"),
    ("grain-output", Decimal("66245000"), "tonne", "Exactly", "Level"),  # 1324.9 亿斤, 0.5 kg each
    ("market-entities", Decimal("10940000"), "household", "Exactly", "Level"),  # 1094 万户
    ("three-batches-investment", Decimal("6800000000000"), "yuan", "Exactly", "Level"),  # 6.8 万亿元
    ("rd-intensity", Decimal("2"), "percent", "MoreThan", "Level"),  # 突破 2%
    ("technology-contract-turnover", Decimal("33.4"), "percent", "Exactly", "GrowthRate"),
    ("invention-patents-granted", Decimal("20.3"), "percent", "Exactly", "GrowthRate"),
    ("provincial-laboratories", Decimal("16"), "jia", "Exactly", "Level"),
    ("national-innovation-platforms", Decimal("172"), "jia", "Exactly", "Level"),
    ("rd-activity-coverage", Decimal("70.9"), "percent", "Exactly", "Level"),
    ("five-leading-industries-share", Decimal("46"), "percent", "MoreThan", "Level"),  # 超过 46%
    ("little-giant-enterprises", Decimal("394"), "jia", "Exactly", "Level"),
    ("high-tech-enterprises", Decimal("12000"), "jia", "Exactly", "Level"),  # 1.2万家
    ("tech-smes", Decimal("26000"), "jia", "Exactly", "Level"),  # 2.6 万家
    ("industrial-enterprises-above-size", Decimal("2785"), "jia", "Exactly", "Increase"),  # 新增
    ("vehicle-output", Decimal("1000000"), "vehicle", "MoreThan", "Level"),  # 突破 100万辆
    ("autumn-grain-output", Decimal("61480000000"), "jin", "Exactly", "Level"),
    ("autumn-grain-output", Decimal("1960000000"), "jin", "Exactly", "Increase"),  # 增产 19.6亿斤
    ("high-standard-farmland", Decimal("5350000"), "mu", "Exactly", "Level"),
    ("cultivated-land-net-increase", Decimal("1000000"), "mu", "MoreThan", "Level"),  # 累计超过 100万亩
    ("china-europe-trains-cumulative", Decimal("10000"), "train-run", "MoreThan", "Level"),  # 累计突破 1 万列
    ("exporting-enterprises", Decimal("11000"), "jia", "MoreThan", "Level"),  # 超过 1.1 万家
    ("pm25-concentration", Decimal("5"), "percent", "Exactly", "DeclineRate"),
    ("good-air-days", Decimal("5.9"), "day", "Exactly", "Increase"),
    ("renewable-generation-capacity", Decimal("67060000"), "kilowatt", "Exactly", "Level"),  # 6706万千瓦
    ("industrial-energy-intensity", Decimal("4.5"), "percent", "Exactly", "DeclineRate"),
    ("urban-new-jobs", Decimal("1193000"), "person", "Exactly", "Increase"),
    ("rural-labour-transfer", Decimal("489000"), "person", "Exactly", "Increase"),
    ("vocational-skills-training", Decimal("4287000"), "person-time", "Exactly", "Level"),
    ("universities", Decimal("168"), "suo", "Exactly", "Level"),
    ("public-cultural-spaces", Decimal("3012"), "ge", "Exactly", "Level"),
]


@pytest.mark.parametrize("expected", ACHIEVED, ids=lambda e: f"{e[0]}-{e[1]}")
def test_achieved_figure(g: Graph, expected: tuple) -> None:
    assert expected + (2023,) in statements(g, HGV.AchievedFigure)


def test_achieved_figures_are_2023_and_in_part_one(g: Graph) -> None:
    figures = list(g.subjects(RDF.type, HGV.AchievedFigure))
    assert len(figures) >= 60
    for f in figures:
        assert g.value(f, HGV.refPeriod) == Literal("2023", datatype=XSD.gYear)
        assert (f, HGV.statedIn, None) in g
        para = g.value(f, HGV.statedIn)
        assert (para, HGV.hasAchievedFigure, f) in g
        section = g.value(para, DCTERMS.isPartOf)
        assert section == node("part/1") or g.value(section, DCTERMS.isPartOf) == node("part/1")
        assert str(g.value(f, URIRef("http://purl.org/linked-data/cube#dataSet"))).endswith("dataset/statements")


def test_first_figure(g: Graph) -> None:
    """The first figure of the review, 增长 4.1%, is named by the offset of its number in the file."""
    text = REPORT_META.with_name("henan-2024-government-work-report.txt").read_text(encoding="utf-8")
    f = node(f"figure/{text.index('增长 4.1%') + len('增长 ')}")
    assert g.value(f, HGV.indicator) == IRIS.indicator("gdp-growth")
    assert g.value(f, HGV.unitText) == Literal("%", lang="zh")
    span = g.value(f, HGV.sourceSpan)
    assert "增长 4.1%" in str(g.value(span, HGV.exactText))


# the main expected targets, in the order the report lists them (进出口平稳增长 and 居民收入增长和
# 经济增长同步 state no figure)
MAIN_TARGETS = [
    ("gdp-growth", Decimal("5.5"), "percent", "Exactly", "GrowthRate"),
    ("rd-intensity", Decimal("2.1"), "percent", "Exactly", "Level"),
    ("industrial-value-added", Decimal("6.5"), "percent", "Exactly", "GrowthRate"),
    ("fixed-asset-investment", Decimal("7"), "percent", "Exactly", "GrowthRate"),
    ("retail-sales", Decimal("7"), "percent", "Exactly", "GrowthRate"),
    ("general-budget-revenue", Decimal("5"), "percent", "Exactly", "GrowthRate"),
    ("urban-unemployment-rate", Decimal("5.5"), "percent", "About", "Level"),
    ("urban-new-jobs", Decimal("1100000"), "person", "AtLeast", "Increase"),
    ("cpi-increase", Decimal("3"), "percent", "About", "Level"),
    ("grain-output", Decimal("65000000"), "tonne", "AtLeast", "Level"),  # 1300 亿斤
    ("energy-intensity-gdp", Decimal("3"), "percent", "AtLeast", "DeclineRate"),
]


def test_every_main_target(g: Graph) -> None:
    k = paragraph_with(g, "主要预期目标是")
    main = sorted(g.subjects(HGV.mainTarget, Literal(True)), key=lambda t: int(str(t).rsplit("/", 1)[1]))
    main = [t for t in main if (t, RDF.type, HGV.Target) in g]
    assert all((node(f"paragraph/{k}"), HGV.hasTarget, t) in g for t in main)
    assert [_stmt(g, t) for t in main] == [e + (2024,) for e in MAIN_TARGETS]  # IRIs in the order of the text


def test_a_figure_is_named_by_where_its_number_is_written(g: Graph) -> None:
    """``{doc}/target/{offset}``: the file offset of the number, inside the statement's source span,
    so that the IRI does not move when another figure is found or lost."""
    text = REPORT_META.with_name("henan-2024-government-work-report.txt").read_text(encoding="utf-8")
    nodes = [*g.subjects(RDF.type, HGV.Target), *g.subjects(RDF.type, HGV.AchievedFigure)]
    assert len(nodes) > 100
    for t in nodes:
        offset = int(str(t).rsplit("/", 1)[1])
        span = g.value(t, HGV.sourceSpan)
        assert int(g.value(span, HGV.startOffset)) <= offset < int(g.value(span, HGV.endOffset)), t
        assert text[offset].isdigit() or text[offset] in "一二三四五六七八九十百千万零两", (
            t,
            text[offset : offset + 8],
        )


def test_the_qualitative_main_targets(g: Graph) -> None:
    # …社会消费品零售总额增长7%，进出口平稳增长，一般公共预算收入增长5%，…，居民收入增长和经济增长同步，粮食产量…
    k = paragraph_with(g, "主要预期目标是")
    stated = sorted(g.objects(node(f"paragraph/{k}"), HGV.hasQualitativeTarget))
    got = [
        (str(g.value(c, HGV.text)), str(g.value(c, HGV.indicator)).rsplit("/", 1)[-1], str(g.value(c, HGV.refPeriod)))
        for c in stated
    ]
    assert got == [
        ("进出口平稳增长", "foreign-trade", "2024"),
        ("居民收入增长和经济增长同步", "income-growth-in-step", "2024"),
    ]
    span = g.value(node("commitment/1"), HGV.sourceSpan)
    assert str(g.value(span, HGV.exactText)).replace("\n", "") == "进出口平稳增长"  # a page break inside, as stored
    assert (node("commitment/1"), HGV.value, None) not in g


def _stmt(g: Graph, t: URIRef) -> tuple:
    return (
        str(g.value(t, HGV.indicator)).rsplit("/", 1)[-1],
        Decimal(str(g.value(t, HGV.value))),
        str(g.value(t, HGV.unit)).rsplit("/", 1)[-1],
        str(g.value(t, HGV.comparator)).rsplit("#", 1)[-1],
        str(g.value(t, HGV.quantityKind)).rsplit("#", 1)[-1],
        int(str(g.value(t, HGV.refPeriod))),
    )


def test_restated_growth_target_is_not_a_second_target(g: Graph) -> None:
    k = paragraph_with(g, "今年经济增长目标确定为")
    assert (node(f"paragraph/{k}"), HGV.hasTarget, None) not in g


KEY_WORK_TARGETS = [
    ("high-tech-enterprises", Decimal("1500"), "jia", "AtLeast", "Increase", 2024),  # 新增…1500家以上
    # 力争到2025年产业规模突破7万亿元
    ("advanced-manufacturing-scale", Decimal("7000000000000"), "yuan", "MoreThan", "Level", 2025),
    ("specialised-enterprises", Decimal("5000"), "jia", "Exactly", "Level", 2025),
    ("industrial-enterprises-above-size", Decimal("30000"), "jia", "Exactly", "Level", 2025),
    ("tourist-arrivals", Decimal("1000000000"), "person-time", "MoreThan", "Level", 2024),
    ("industrial-investment", Decimal("10"), "percent", "AtLeast", "GrowthRate", 2024),
    ("technical-renovation-investment", Decimal("20"), "percent", "AtLeast", "GrowthRate", 2024),
    ("key-project-investment", Decimal("1000000000000"), "yuan", "Exactly", "Level", 2024),  # 1万亿元
    ("port-throughput", Decimal("100000000"), "tonne", "Exactly", "Level", 2025),
    ("new-energy-capacity", Decimal("80000000"), "kilowatt", "Exactly", "Level", 2025),  # 力争2025年…8000万千瓦
    ("5g-base-stations", Decimal("216000"), "ge", "Exactly", "Level", 2024),
    ("industrial-internet-platforms", Decimal("10"), "jia", "About", "Increase", 2024),  # 10个: counted in 家
    ("grain-sown-area", Decimal("160000000"), "mu", "AtLeast", "Level", 2024),  # 稳定在1.6亿亩以上
    ("grain-capacity-increase", Decimal("10000000000"), "jin", "Exactly", "Increase", 2025),
    ("economic-output", Decimal("1500000000000"), "yuan", "MoreThan", "Level", 2025),  # Zhengzhou's, in its paragraph
    ("china-europe-train-runs", Decimal("3500"), "train-run", "AtLeast", "Level", 2024),  # 确保开行3500列以上
    ("international-passenger-routes", Decimal("50"), "tiao", "AtLeast", "Level", 2025),
    ("afforestation", Decimal("1530000"), "mu", "Exactly", "Level", 2024),
    ("soil-erosion-control", Decimal("1875000"), "mu", "Exactly", "Level", 2024),  # 1250 km², 1500 亩 each
    ("pm25-concentration", Decimal("42.5"), "ug-per-m3", "LessThan", "Level", 2025),  # 低于42.5微克/立方米
    ("clean-transport-share", Decimal("80"), "percent", "Exactly", "Level", 2025),
    ("rural-labour-transfer", Decimal("400000"), "person", "Exactly", "Increase", 2024),
    ("vocational-skills-training", Decimal("2000000"), "person-time", "AtLeast", "Level", 2024),
    ("highly-skilled-workers", Decimal("900000"), "person", "AtLeast", "Increase", 2024),
    ("county-medical-subcentres", Decimal("100"), "ge", "About", "Level", 2024),
    ("childcare-places", Decimal("80000"), "ge", "Exactly", "Increase", 2024),
]


@pytest.mark.parametrize("expected", KEY_WORK_TARGETS, ids=lambda e: f"{e[0]}-{e[1]}")
def test_key_work_target(g: Graph, expected: tuple) -> None:
    assert expected in statements(g, HGV.Target)


def test_scopes_are_not_targets(g: Graph) -> None:
    # 支持 28 个重点产业链盟会长单位…; 壮大 7 个先进制造业集群 28个重点产业链
    values = {(v, u) for _, v, u, *_ in statements(g, HGV.Target)}
    assert (Decimal(28), "ge") not in values
    assert (Decimal(7), "ge") not in values


def test_target_spans_cite_the_source(g: Graph) -> None:
    t = next(s for s in g.subjects(RDF.type, HGV.Target) if _stmt(g, s)[0] == "china-europe-train-runs")
    span = g.value(t, HGV.sourceSpan)
    assert str(g.value(span, HGV.exactText)) == "确保开\n\n行 3500列以上"


# --- projects and places -------------------------------------------------------------------------

REPORT_PROJECTS = {
    "xiongshang-hsr",
    "pingluozhou-hsr",
    "zhengzhou-south-station",
    "jiaojiluoping-hsr",
    "nanxinhe-hsr",
    "jinggang-hsr-fuyang-huanggang",
    "heze-lankao-hsr",
    "jinan-zhengzhou-hsr",
    "china-europe-railway-express",
    "zhengzhou-luxembourg-forum",
    "zhengzhou-luxembourg-air-silk-road",
    "guanyinsi-storage",
    "yudong-water-allocation",
    "zhongyuan-agri-valley",
    "zhongyuan-science-city",
    "zhongyuan-medical-science-city",
    "shangqiu-airport",
    "anyang-hongqiqu-airport",
    "china-post-air-hub",
    "zhaopingtai-expansion",
}


def test_projects_named_in_the_report(g: Graph) -> None:
    named = {str(o).rsplit("/", 1)[-1] for o in g.objects(None, HGV.mentionsProject)}
    assert REPORT_PROJECTS <= named
    assert "songshan-lab" not in named  # named in the notice only


@pytest.mark.parametrize(
    "needle, slug, action",
    [
        ("加快建设雄商高铁", "xiongshang-hsr", "加快建设"),
        ("加快建设雄商高铁", "zhengzhou-south-station", "加快建设"),
        ("加快建设雄商高铁", "nanxinhe-hsr", "开工建设"),
        ("加快建设雄商高铁", "heze-lankao-hsr", "建成"),
        ("加快建设雄商高铁", "guanyinsi-storage", None),  # in another paragraph
        ("启动建设观音寺等调蓄工程", "guanyinsi-storage", "启动建设"),
        ("（一）经济运行整体向好", "jinan-zhengzhou-hsr", "全线贯通"),
        ("推动中原农谷蓄势突破", "zhongyuan-agri-valley", "推动蓄势突破"),
        ("第二届郑州—卢森堡", "zhengzhou-luxembourg-forum", "办好第二届"),
        ("持续增加郑卢货运规模", "zhengzhou-luxembourg-air-silk-road", "持续增加货运规模"),
    ],
)
def test_project_mention(g: Graph, needle: str, slug: str, action: str | None) -> None:
    k = paragraph_with(g, needle)
    mention = node(f"paragraph/{k}/project/{slug}")
    if action is None:
        assert (None, HGV.projectMention, mention) not in g
        return
    assert (node(f"paragraph/{k}"), HGV.projectMention, mention) in g
    assert (mention, HGV.project, IRIS.project(slug)) in g
    assert (mention, HGV.statedIn, node(f"paragraph/{k}")) in g
    assert Literal(action, lang="zh") in set(g.objects(mention, HGV.statedAction))
    span = g.value(mention, HGV.sourceSpan)
    assert span is not None and str(g.value(span, HGV.exactText))


def places(g: Graph, needle: str) -> set[str]:
    k = paragraph_with(g, needle)
    return {str(o).rsplit("/", 1)[-1] for o in g.objects(node(f"paragraph/{k}"), HGV.mentionsPlace)}


def test_places_by_name_and_compound(g: Graph) -> None:
    # 深化郑开同城化、郑许一体化发展，建设兰考郑开同城化特别合作区 … 许港精密制造 … 漯河、平顶山
    assert {"410100", "410200", "411000", "410225", "hangkonggang", "410700", "410800", "411100", "410400"} <= places(
        g, "提升郑州都市圈协同发展力"
    )
    # 焦济洛平高铁: 济 is 济源; 南信合: 南阳, 信阳; 平漯周: 平顶山, 漯河, 周口; 雄商: 商丘
    got = places(g, "促进投资提速增效")
    assert {"410800", "419001", "410300", "410400", "411300", "411500", "411100", "411600", "411400"} <= got


def test_henan_shandong_border_compound(g: Graph) -> None:
    # 深化豫鲁毗邻地区合作发展: 豫 Henan, 鲁 Shandong; 支持洛阳… 支持南阳…
    assert {"410000", "370000", "410300", "411300"} <= places(g, "提升中心城市区域带动力")


def test_jinan_in_jizheng_is_not_jiyuan(g: Graph) -> None:
    got = places(g, "（一）经济运行整体向好")  # 济郑高铁全线贯通 … 郑许市域铁路 … 安阳红旗渠机场
    assert {"410100", "411000", "410500"} <= got
    assert "419001" not in got


def test_air_silk_road_links_the_programme_not_luxembourg(g: Graph) -> None:
    assert "luxembourg" not in places(g, "着力扩大更高水平开放")
    assert "budapest" in places(g, "着力扩大更高水平开放")


# --- shapes, determinism, errors -----------------------------------------------------------------


def test_report_graph_passes_the_shapes(doc, ref, g) -> None:
    from shapes.validate import validate

    union = Graph()
    for part in (g, document_graph(doc, ref, IRIS), reference_graph(ref, IRIS)):
        union += part
    result = validate(union)
    mine = [
        (f, s)
        for f, s in result.fired("Violation")
        if any(x in str(f) for x in (DOC, "/project/", "/indicator/", "/cofog/", "/unit/", "/policy-area/"))
    ]
    assert mine == [], result.summary()


def test_two_mappings_serialise_identically(doc, ref) -> None:
    a = sorted(map_report(doc, ref, IRIS).serialize(format="nt").splitlines())
    b = sorted(map_report(doc, ref, IRIS).serialize(format="nt").splitlines())
    assert a == b
    assert not any("_:" in line for line in a)


def _copy_report(tmp_path: Path, old: str, new: str):
    for name in ("henan-2024-government-work-report.toml", "henan-2024-government-work-report.txt"):
        shutil.copy(SOURCES_DIR / name, tmp_path / name)
    p = tmp_path / "henan-2024-government-work-report.txt"
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_document(tmp_path / "henan-2024-government-work-report.toml", reference().names)


def test_section_out_of_sequence_names_file_and_line(tmp_path: Path, ref) -> None:
    doc = _copy_report(tmp_path, "（五）统筹区域协调发展", "（六）统筹区域协调发展")
    expected = r"henan-2024-government-work-report\.txt:514: section of part 3 numbered 6, expected 5"
    with pytest.raises(SourceError, match=expected):
        map_report(doc, ref, IRIS)


def test_normalisation_keeps_offsets(doc, ref) -> None:
    norm = normalize_report(doc.text)
    k = norm.text.index("1324.9亿斤")
    s, e = norm.source_span(k, k + len("1324.9亿斤"))
    assert doc.text[s:e] == "1324.9 亿斤"
    report = parse_report(doc, ref.genres["work-report"], norm)
    assert [p.role for p in report.parts] == ["review", "main-targets", "key-work"]  # 一、2023年工作回顾 …


def test_place_compounds_agree_with_the_region_gazetteer(ref, tmp_path: Path) -> None:
    compounds_csv = ref.gazetteer_dir / "place-compounds.csv"
    check_compounds(ref.gazetteer, load_compounds(compounds_csv), compounds_csv)
    text = compounds_csv.read_text(encoding="utf-8")
    line = next(k for k, x in enumerate(text.splitlines(), 1) if x.startswith("郑许,"))
    bad = tmp_path / "place-compounds.csv"
    bad.write_text(text.replace("郑许,410100; 411000,", "郑许,410100; 410300,", 1), encoding="utf-8")
    # 洛阳's abbreviation 洛 is not written in 郑许
    with pytest.raises(SourceError, match=rf"place-compounds\.csv:{line}: '郑许' does not write region '洛阳市'"):
        check_compounds(ref.gazetteer, load_compounds(bad), bad)


def test_crlf_line_ends_give_the_same_paragraphs(doc, ref, tmp_path: Path) -> None:
    _copy_report(tmp_path, "各位代表：", "各位代表：")
    (tmp_path / "henan-2024-government-work-report.txt").write_bytes(doc.text.replace("\n", "\r\n").encode("utf-8"))
    crlf = load_document(tmp_path / "henan-2024-government-work-report.toml", reference().names)
    assert normalize_report(crlf.text).text == normalize_report(doc.text).text
    assert len(parse_report(crlf, ref.genres["work-report"]).paragraphs) == 60


@pytest.mark.parametrize(
    "statement",
    [
        "新建一批院士工作站和30家中原学者工作站",  # line 290: the 30 are 中原学者工作站
        "建设10条具有国际范、中国味、中原韵的精品线路",  # line 413: one head noun after three modifiers
        "完成国家153万亩大豆玉米带状复合种植",  # line 72: the area is of the intercropping
    ],
)
def test_statements_span_what_they_count(g: Graph, statement: str) -> None:
    """A statement's span runs to the end of what it counts, not to its unit or to a 、 inside
    the phrase (these three ended at 30家, 具有国际范 and 153万亩)."""
    spans = {
        squeeze(str(g.value(span, HGV.exactText)))
        for s in set(g.subjects(HGV.value, None))
        for span in g.objects(s, HGV.sourceSpan)
    }
    assert statement in spans
