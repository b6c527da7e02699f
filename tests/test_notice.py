"""The notice mapping, checked against the source as read by people: counts, the units of 42
tasks across all ten chapters, 26 targets, the preamble, spans, fixtures of the genre's variants,
and SPARQL over a real Oxigraph store."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store
from rdflib import RDF, Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.namespace import DCTERMS

from conftest import DATA_ROOT, FIXTURES, SOURCES_DIR, reference
from mappings.document import document_graph
from mappings.iris import HGV, PROV, Iris
from mappings.reference import Reference, reference_graph
from mappings.source import SourceError, load_document
from mappings.writer import map_notice

IRIS = Iris()
NOTICE_META = SOURCES_DIR / "henan-2026-key-tasks-notice.toml"
DOC = "doc/henan/yuzheng/2026/4"

with (DATA_ROOT / "gazetteer" / "agencies" / "henan.csv").open(encoding="utf-8") as f:
    SLUG = {r["short_name_zh"]: r["slug"] for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def doc():
    return load_document(NOTICE_META, reference().names)


@pytest.fixture(scope="module")
def ref() -> Reference:
    return reference()


@pytest.fixture(scope="module")
def g(doc, ref) -> Graph:
    return map_notice(doc, ref, IRIS)


@pytest.fixture(scope="module")
def store(doc, ref, g) -> Store:
    union = Graph()
    for part in (g, document_graph(doc, ref, IRIS), reference_graph(ref, IRIS)):
        union += part
    s = Store()
    s.load(union.serialize(format="nt", encoding="utf-8"), format=RdfFormat.N_TRIPLES)
    return s


def task(n: int, slug: str = DOC) -> URIRef:
    return IRIS(f"{slug}/task/{n}")


def units(g: Graph, n: int, slug: str = DOC) -> tuple[list[str], list[str]]:
    """(lead, co-responsible) agency slugs of a task, in clause order."""
    rows = []
    for a in g.objects(task(n, slug), HGV.responsibility):
        pos = int(g.value(a, HGV.listPosition))
        lead = g.value(a, PROV.hadRole) == HGV.LeadRole
        rows.append((pos, lead, str(g.value(a, PROV.agent)).rsplit("/", 1)[-1]))
    rows.sort()
    assert [p for p, _, _ in rows] == list(range(1, len(rows) + 1))
    return [s for _, lead, s in rows if lead], [s for _, lead, s in rows if not lead]


def assignment(g: Graph, n: int, k: int) -> URIRef:
    return IRIS(f"{DOC}/task/{n}/unit/{k}")


def span_text(g: Graph, node: URIRef) -> str:
    return str(g.value(g.value(node, HGV.sourceSpan), HGV.exactText))


# --- counts and structure ---------------------------------------------------------------------


def test_counts(g: Graph) -> None:
    assert len(set(g.subjects(RDF.type, HGV.Chapter))) == 10
    assert len(set(g.subjects(RDF.type, HGV.Section))) == 34
    assert len(set(g.subjects(RDF.type, HGV.Task))) == 148
    assert len(set(g.subjects(RDF.type, HGV.PolicyArea))) == 10


def test_hierarchy_and_headings(g: Graph) -> None:
    ch2, s4, s34 = IRIS(f"{DOC}/chapter/2"), IRIS(f"{DOC}/section/4"), IRIS(f"{DOC}/section/34")
    assert g.value(ch2, HGV.heading) == Literal("大力拓展内需增长新空间", lang="zh")
    assert g.value(s4, HGV.heading) == Literal("充分激发消费潜能", lang="zh")
    assert g.value(s4, DCTERMS.isPartOf) == ch2
    assert g.value(s34, DCTERMS.isPartOf) == IRIS(f"{DOC}/chapter/10")
    assert g.value(task(13), DCTERMS.isPartOf) == s4
    assert g.value(task(148), DCTERMS.isPartOf) == s34
    assert g.value(task(17), HGV.orderNumber) == Literal(17, datatype=ns.XSD.integer)
    assert g.value(task(17), HGV.inDocument) == IRIS(DOC)
    area = g.value(IRIS(f"{DOC}/chapter/8"), HGV.policyArea)
    assert area == IRIS(f"{DOC}/policy-area/8")
    assert (area, HGV.heading, None) not in g
    assert Literal("加力促进经济社会全面绿色转型", lang="zh") in set(g.objects(area, None))


def test_sections_per_chapter(g: Graph) -> None:
    per = {n: len(set(g.subjects(DCTERMS.isPartOf, IRIS(f"{DOC}/chapter/{n}")))) for n in range(1, 11)}
    assert per == {1: 3, 2: 3, 3: 4, 4: 3, 5: 4, 6: 2, 7: 3, 8: 3, 9: 5, 10: 4}


def test_task_text_and_clause(g: Graph) -> None:
    assert g.value(task(31), HGV.text) == Literal(
        "实施服务业扩能提质行动，推动生产性服务业向专业化和价值链高端延伸，促进生活性服务业高品质多样化便利化发展。",
        lang="zh",
    )
    assert g.value(task(31), HGV.responsibilityClause) == Literal(
        "省发展改革委牵头，省科技厅、工业和信息化厅、商务厅、市场监管局等部门按职责分工负责", lang="zh"
    )
    assert g.value(task(80), HGV.text) == Literal("推动中欧（亚）班列拓线扩量、开行4000班次。", lang="zh")
    assert g.value(task(17), HGV.heading) == Literal("实施1000个以上省重点项目", lang="zh")


def test_task_span_is_the_source_paragraph(g: Graph) -> None:
    assert span_text(g, task(20)) == (
        "20. 加快新型能源体系建设，积极推进外电入豫，优化电网主网架结构，建设智能电网和微电网。"
        "（省发展改革委、电力公\n\n司按职责分工负责)"
    )
    assert span_text(g, task(1)) == "1. 制定我省融入服务全国统一大市场建设行动方案。（省发展改革委牵头负责）"


# --- units --------------------------------------------------------------------------------------


def S(*names: str) -> list[str]:
    return [SLUG[n] for n in names]


CITY = "郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店".split()
ZONES = ("济源示范区管委会", "航空港区管委会")


def cities(*names: str) -> list[str]:
    assert all(n in CITY for n in names)
    return S(*(n + "市政府" for n in names))


EXPECTED_UNITS = {
    1: (S("省发展改革委"), []),
    2: ([], S("省发展改革委", "司法厅", "商务厅", "市场监管局", "行政审批政务信息管理局")),
    5: ([], S("省发展改革委", "商务厅", "各省辖市政府", *ZONES)),
    6: (
        [],
        S("省发展改革委", "交通运输厅", "商务厅", "郑州海关", "邮政管理局", "河南邮政分公司", "中豫航空集团")
        + cities("郑州", "洛阳", "安阳", "新乡", "漯河", "南阳", "商丘", "信阳", "周口", "驻马店")
        + S("航空港区管委会"),
    ),
    7: (
        [],
        S("省发展改革委", "交通运输厅", "商务厅", "邮政管理局", "河南邮政分公司")
        + cities("郑州", "洛阳", "南阳", "商丘"),
    ),
    8: (
        S("省发展改革委"),
        S(
            "教育厅",
            "科技厅",
            "工业和信息化厅",
            "人力资源社会保障厅",
            "自然资源厅",
            "交通运输厅",
            "商务厅",
            "农业农村厅",
            "行政审批政务信息管理局",
            "地方金融管理局",
            "人行河南省分行",
            "河南金融监管局",
            "证监局",
            "郑商所",
            "豫信电科集团",
            "郑州市政府",
        ),
    ),
    10: (
        [],
        S(
            "省发展改革委",
            "财政厅",
            "交通运输厅",
            "商务厅",
            "郑州海关",
            "中国铁路郑州局集团",
            "中豫航空集团",
            "中豫港务集团",
            "郑州市政府",
            "航空港区管委会",
        ),
    ),
    15: (
        [],
        S("省发展改革委", "工业和信息化厅", "民政厅", "商务厅", "文化和旅游厅", "卫生健康委", "市场监管局", "体育局"),
    ),
    16: (S("商务厅"), cities("郑州", "洛阳", "新乡", "许昌")),
    18: (
        [],
        S("省发展改革委", "中国铁路郑州局集团", "河南铁建投集团")
        + cities("郑州", "洛阳", "平顶山", "焦作", "濮阳", "漯河", "南阳", "商丘", "信阳", "周口", "驻马店")
        + S("济源示范区管委会"),
    ),
    20: ([], S("省发展改革委", "电力公司")),
    25: (S("工业和信息化厅"), []),
    30: (S("科技厅"), S("工业和信息化厅", "财政厅", "税务局")),
    31: (S("省发展改革委"), S("科技厅", "工业和信息化厅", "商务厅", "市场监管局")),
    43: ([], S("自然资源厅", "农业农村厅", "各省辖市政府", *ZONES)),
    52: ([], S("交通运输厅", "水利厅", "邮政管理局", "电力公司", "河南邮政分公司", "各省辖市政府", *ZONES)),
    57: (
        S("省发展改革委"),
        S(
            "财政厅",
            "自然资源厅",
            "生态环境厅",
            "交通运输厅",
            "商务厅",
            "郑州海关",
            "中国铁路郑州局集团",
            "河南邮政分公司",
            "中豫航空集团",
            "中豫港务集团",
            "航空港区管委会",
        ),
    ),
    58: (S("省发展改革委"), S("科技厅", "工业和信息化厅", "生态环境厅", "文化和旅游厅", "洛阳市政府")),
    60: (
        S("省发展改革委"),
        S("科技厅", "工业和信息化厅", "自然资源厅", "交通运输厅")  # 等部门 inside the list
        + cities("郑州", "开封", "洛阳", "新乡", "焦作", "许昌")
        + S("航空港区管委会"),
    ),
    62: (
        S("省发展改革委"),
        S("工业和信息化厅", "自然资源厅", "住房城乡建设厅") + cities("郑州", "开封", "洛阳", "三门峡", "商丘"),
    ),
    63: (S("省发展改革委"), S("交通运输厅", "商务厅") + cities("安阳", "三门峡", "商丘", "信阳")),
    67: (S("省发展改革委"), cities("安阳", "鹤壁", "新乡", "焦作", "南阳", "信阳", "驻马店") + S("济源示范区管委会")),
    68: (
        S("住房城乡建设厅"),
        S("省发展改革委", "民政厅", "财政厅", "自然资源厅", "应急管理厅", "国动办", "各省辖市政府", *ZONES),
    ),
    72: ([], S("财政厅", "省政府国资委")),
    78: (S("行政审批政务信息管理局"), S("各“一件事”省级牵头部门")),
    79: (
        S("商务厅"),
        S("省发展改革委", "郑州海关", "中豫航空集团", "中豫港务集团", "豫信电科集团")
        + cities("郑州", "开封", "洛阳", "南阳")
        + S("航空港区管委会"),
    ),
    84: ([], S("文化和旅游厅", "文物局") + cities("郑州", "开封", "洛阳", "安阳")),
    96: (S("生态环境厅"), S("省发展改革委", "工业和信息化厅", "住房城乡建设厅", "交通运输厅", "农业农村厅")),
    100: (
        [],
        S("省发展改革委", "自然资源厅", "生态环境厅", "水利厅", "林业局", "河南黄河河务局")  # 等单位
        + cities(
            "郑州", "开封", "洛阳", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌", "三门峡", "商丘", "周口"
        )
        + S("济源示范区管委会"),
    ),
    101: (
        [],
        S(
            "省发展改革委",
            "公安厅",
            "自然资源厅",
            "生态环境厅",
            "住房城乡建设厅",
            "交通运输厅",
            "水利厅",
            "农业农村厅",
            "应急管理厅",
            "林业局",
        )
        + cities("洛阳", "新乡", "焦作", "三门峡", "南阳", "信阳", "驻马店"),
    ),
    107: (S("省发展改革委"), S("电力公司")),
    108: ([], S("省发展改革委", "工业和信息化厅", "生态环境厅")),
    109: ([], S("省发展改革委", "教育厅", "工业和信息化厅", "财政厅", "人力资源社会保障厅", "农业农村厅")),
    113: (S("教育厅"), []),
    120: (S("卫生健康委"), S("财政厅", "人力资源社会保障厅", "市场监管局", "医保局", "药监局")),
    122: (S("人力资源社会保障厅"), S("财政厅")),
    127: (S("民政厅"), []),
    139: ([], S("工业和信息化厅", "财政厅", "人行河南省分行")),
    141: (S("地方金融管理局"), S("公安厅", "财政厅", "人行河南省分行", "河南金融监管局", "证监局", "河南农商银行")),
    146: ([], S("省退役军人事务厅", "国动办")),
    148: (
        [],
        S(
            "省政府办公厅",
            "省发展改革委",
            "地质局",
            "省政府外办",
            "台办",
            "省总工会",
            "团省委",
            "省妇联",
            "科协",
            "社科联",
            "侨联",
            "残联",
            "红十字会",
            "地震局",
        ),
    ),
}


def test_expected_units_cover_every_chapter(g: Graph) -> None:
    chapters = {g.value(g.value(task(n), DCTERMS.isPartOf), DCTERMS.isPartOf) for n in EXPECTED_UNITS}
    assert len(chapters) == 10 and len(EXPECTED_UNITS) >= 30


@pytest.mark.parametrize("n", sorted(EXPECTED_UNITS))
def test_units_of_task(g: Graph, n: int) -> None:
    assert units(g, n) == EXPECTED_UNITS[n]


def test_lead_and_responsible_properties(g: Graph) -> None:
    t = task(16)
    assert set(g.objects(t, HGV.leadUnit)) == {IRIS.agency("henan", "commerce")}
    assert len(set(g.objects(t, HGV.coResponsibleUnit))) == 4
    assert len(set(g.objects(t, HGV.responsibleUnit))) == 5


@pytest.mark.parametrize(
    "n, k, written, variant",
    [
        (2, 2, "省司法厅", None),  # the group's 省 carries over
        (6, 8, "郑州市政府", None),  # 郑州、洛阳…市政府
        (5, 4, "济源示范区管委会", None),  # 济源示范区、航空港区管委会
        (8, 15, "郑商所", None),  # not a provincial unit: the 省 does not carry over
        (30, 4, "省税务局", None),  # 税务局 after 省: the central tax service in Henan
        (58, 6, "洛阳市人民政府", "洛阳市政府"),
        (59, 6, "南阳市人民政府", "南阳市政府"),
        (108, 2, "省工业和信息化部", "工业和信息化厅"),  # typo for the provincial department
        (109, 3, "省工业和信息化部", "工业和信息化厅"),
        (107, 2, "省电力公司", None),
        (72, 2, "省政府国资委", None),
    ],
)
def test_written_forms(g: Graph, n: int, k: int, written: str, variant: str | None) -> None:
    a = assignment(g, n, k)
    assert g.value(a, HGV.writtenAs) == Literal(written, lang="zh")
    assert g.value(a, HGV.variantOf) == (Literal(variant, lang="zh") if variant else None)


def test_typo_resolves_to_the_provincial_department(g: Graph) -> None:
    assert g.value(assignment(g, 108, 2), PROV.agent) == IRIS.agency("henan", "industry-information-technology")
    assert g.value(assignment(g, 30, 4), PROV.agent) == IRIS.agency("henan", "tax-service")


@pytest.mark.parametrize(
    "n, k, exact",
    [
        (20, 2, "电力公\n\n司"),
        (10, 7, "中豫航\n\n空集团"),
        (62, 8, "三门\n\n峡"),  # 三门峡 of 郑州、开封、洛阳、三门峡、商丘市政府
        (57, 5, "交通运输\n\n厅"),
        (101, 4, "生态环\n\n境厅"),
        (52, 1, "省交通\n\n运输厅"),
        (84, 3, "郑州"),
        (6, 1, "省发展改革委"),
    ],
)
def test_unit_spans_cite_the_source(g: Graph, n: int, k: int, exact: str) -> None:
    assert span_text(g, assignment(g, n, k)) == exact


def test_every_assignment_has_role_agent_and_span(g: Graph) -> None:
    assignments = set(g.subjects(RDF.type, HGV.ResponsibilityAssignment))
    for a in assignments:
        for p in (PROV.agent, PROV.hadRole, HGV.writtenAs, HGV.listPosition, HGV.sourceSpan):
            assert g.value(a, p) is not None, (a, p)
    assert len(assignments) == len(list(g.triples((None, HGV.responsibility, None))))


# --- places -------------------------------------------------------------------------------------


def test_places(g: Graph) -> None:
    places = set(g.objects(task(18), HGV.mentionsPlace))
    for key in ("341200", "421100", "410100", "419001"):  # 阜阳, 黄冈 in the text; 郑州 and 济源 in the units
        assert IRIS.region(key) in places
    assert IRIS.region("410300") in set(g.objects(assignment(g, 58, 6), HGV.mentionsPlace))
    assert IRIS.region("hangkonggang") in set(g.objects(task(105), HGV.mentionsPlace))


# --- preamble -----------------------------------------------------------------------------------


def test_addressees(g: Graph) -> None:
    assert set(g.objects(IRIS(DOC), HGV.addressee)) == {
        IRIS.agency("henan", s)
        for s in ("all-city-governments", "jiyuan-zone-committee", "airport-zone-committee", "provincial-departments")
    }


def test_reporting_requirements(g: Graph) -> None:
    reqs = set(g.objects(IRIS(DOC), HGV.reportingRequirement))
    due = sorted(str(g.value(r, HGV.dueDate)) for r in reqs)
    assert due == ["2026-03-10", "2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"]
    first = IRIS(f"{DOC}/reporting/1")
    assert g.value(first, HGV.dueDate) == Literal("2026-03-10", datatype=ns.XSD.date)
    assert "2026 年 3 月 10 日前上报省政府" in span_text(g, first)
    assert "具体落实方案" in span_text(g, first)
    last = IRIS(f"{DOC}/reporting/5")
    assert span_text(g, last) == "12 月底报告全年落实情况"
    english = Literal("annual implementation report, due 2026-12-31", lang="en")
    assert english in set(g.objects(last, HGV.requiredReport))


# --- targets ------------------------------------------------------------------------------------

# (task, value, unit, comparator, kind, indicator), read off the task texts
EXPECTED_TARGETS = [
    (17, "1000", "ge", "AtLeast", "Level", "provincial-key-projects"),
    (17, "1000000000000", "yuan", "Exactly", "Level", "key-project-investment"),
    (30, "15000", "jia", "Exactly", "Level", "high-tech-enterprises"),
    (30, "32000", "jia", "Exactly", "Level", "tech-smes"),
    (33, "1000000000000", "yuan", "Exactly", "Increase", "social-financing-increase"),
    (34, "20", "jia", "Exactly", "Increase", "two-industries-benchmark-enterprises"),
    (36, "10", "ge", "Exactly", "Level", "data-industry-parks"),
    (36, "200", "ge", "Exactly", "Increase", "smart-workshops-factories"),
    (36, "2500000000000", "yuan", "Exactly", "Level", "digital-economy-scale"),
    (38, "100", "xiang", "Exactly", "Level", "major-sci-tech-projects"),
    (39, "300000000000", "yuan", "Exactly", "Level", "technology-contract-turnover"),
    (44, "4000000", "mu", "AtLeast", "Increase", "high-standard-farmland"),
    (51, "35", "ge", "Exactly", "Level", "rural-revitalisation-pilot-zones"),
    (51, "1000", "ge", "Exactly", "Level", "harmonious-beautiful-villages"),
    (52, "5000", "km", "Exactly", "Increase", "rural-roads"),
    (52, "30000", "ge", "AtLeast", "Increase", "village-delivery-points"),
    (80, "4000", "train-run", "Exactly", "Level", "china-europe-train-runs"),
    (81, "1500", "jia", "AtLeast", "Increase", "exporting-enterprises"),
    (106, "200", "ge", "AtLeast", "Level", "energy-saving-retrofit-projects"),
    (106, "200", "jia", "Exactly", "Increase", "green-factories"),  # 200个: green factories are counted in 家
    (106, "10", "ge", "Exactly", "Increase", "green-industrial-parks"),
    (107, "100000000", "kilowatt", "MoreThan", "Level", "renewable-generation-capacity"),
    (109, "400000", "person", "Exactly", "Increase", "rural-labour-transfer"),
    (109, "2000000", "person-time", "Exactly", "Level", "vocational-skills-training"),
    (110, "1000", "yuan", "Exactly", "Increase", "per-student-funding"),
    (127, "60", "percent", "AtLeast", "Level", "county-care-institutions-grade-three"),
]


def _targets(g: Graph) -> list[tuple]:
    out = []
    for t in g.subjects(RDF.type, HGV.Target):
        n = int(str(g.value(t, HGV.statedIn)).rsplit("/", 1)[-1])
        tail = lambda p: str(g.value(t, p)).rsplit("/", 1)[-1].rsplit("#", 1)[-1]  # noqa: E731
        out.append(
            (
                n,
                str(g.value(t, HGV.value)),
                tail(HGV.unit),
                tail(HGV.comparator),
                tail(HGV.quantityKind),
                tail(HGV.indicator),
            )
        )
    return sorted(out)


def test_all_targets(g: Graph) -> None:
    assert _targets(g) == sorted(EXPECTED_TARGETS)


def test_target_node(g: Graph) -> None:
    t = IRIS(f"{DOC}/task/17/target/2")
    assert g.value(t, HGV.value) == Literal(Decimal("1000000000000"), datatype=ns.XSD.decimal)
    assert g.value(t, HGV.unitText) == Literal("万亿元", lang="zh")
    assert g.value(t, HGV.refPeriod) == Literal("2026", datatype=ns.XSD.gYear)
    assert g.value(t, HGV.statedIn) == task(17)
    assert g.value(t, URIRef("http://purl.org/linked-data/cube#dataSet")) == IRIS("dataset/statements")
    assert span_text(g, t) == "完成投资 1 万亿元"
    assert (task(17), HGV.hasTarget, t) in g


@pytest.mark.parametrize("n", [6, 7, 48, 66, 76, 83, 98, 99, 121])
def test_no_target_in(g: Graph, n: int) -> None:
    assert (task(n), HGV.hasTarget, None) not in g


# --- SPARQL over a real store -------------------------------------------------------------------

PREFIX = "PREFIX hgv: <https://w3id.org/henan-gov/def#> PREFIX prov: <http://www.w3.org/ns/prov#> "


def test_sparql_top_lead_agencies(store: Store) -> None:
    rows = list(
        store.query(
            PREFIX
            + """
        SELECT ?agency (COUNT(?a) AS ?n) WHERE { ?a a hgv:ResponsibilityAssignment ; prov:hadRole hgv:LeadRole ;
        prov:agent ?agency } GROUP BY ?agency ORDER BY DESC(?n) ?agency LIMIT 10"""
        )
    )
    got = [(r["agency"].value.rsplit("/", 1)[-1], int(r["n"].value)) for r in rows]
    # counted in the source: 牵头 units of the 148 clauses
    assert got[:7] == [
        ("development-reform-commission", 20),
        ("agriculture-rural-affairs", 9),
        ("education", 6),
        ("emergency-management", 5),
        ("health-commission", 5),
        ("industry-information-technology", 4),
        ("science-technology", 4),
    ]
    # six agencies lead three tasks each; the first three of them by IRI complete the ten
    assert got[7:] == [("civil-affairs", 3), ("commerce", 3), ("culture-tourism", 3)]


def test_sparql_tasks_of_zhengzhou_government(store: Store) -> None:
    rows = store.query(
        PREFIX
        + """
        SELECT DISTINCT ?n WHERE {
          ?t a hgv:Task ; hgv:orderNumber ?n .
          { ?t hgv:responsibleUnit <https://w3id.org/henan-gov/id/agency/henan/zhengzhou-municipal-government> }
          UNION
          { ?t hgv:responsibleUnit ?c .
            ?c hgv:hasCollectiveMember <https://w3id.org/henan-gov/id/agency/henan/zhengzhou-municipal-government> }
        } ORDER BY ?n"""
    )
    got = [int(r["n"].value) for r in rows]
    # clauses naming 郑州(…)市政府 or 各省辖市政府
    assert got == [
        5,
        6,
        7,
        8,
        9,
        10,
        11,
        14,
        16,
        18,
        19,
        22,
        27,
        28,
        29,
        34,
        37,
        39,
        43,
        44,
        52,
        56,
        60,
        61,
        62,
        64,
        65,
        66,
        68,
        69,
        70,
        71,
        79,
        80,
        83,
        84,
        86,
        87,
        100,
    ]


def test_sparql_tasks_with_big_money_targets(store: Store) -> None:
    rows = store.query(
        PREFIX
        + """
        SELECT DISTINCT ?n WHERE { ?t hgv:orderNumber ?n ; hgv:hasTarget ?x .
          ?x hgv:unit <https://w3id.org/henan-gov/id/unit/yuan> ; hgv:value ?v . FILTER(?v > 1e11) } ORDER BY ?n"""
    )
    assert [int(r["n"].value) for r in rows] == [17, 33, 36, 39]


def test_sparql_tasks_without_lead(store: Store) -> None:
    rows = store.query(
        PREFIX
        + """
        SELECT ?n WHERE { ?t a hgv:Task ; hgv:orderNumber ?n . FILTER NOT EXISTS { ?t hgv:leadUnit ?l } }
        ORDER BY ?n"""
    )
    got = [int(r["n"].value) for r in rows]
    assert len(got) == 69
    assert got[:10] == [2, 3, 4, 5, 6, 7, 10, 12, 13, 14]
    assert got[-5:] == [142, 143, 145, 146, 148]


# --- determinism, errors ------------------------------------------------------------------------


def test_two_mappings_serialise_identically(doc, ref) -> None:
    a = sorted(map_notice(doc, ref, IRIS).serialize(format="nt").splitlines())
    b = sorted(map_notice(doc, ref, IRIS).serialize(format="nt").splitlines())
    assert a == b
    assert not any("_:" in line for line in a)


def _copy_notice(tmp_path: Path, old: str, new: str):
    for name in ("henan-2026-key-tasks-notice.toml", "henan-2026-key-tasks-notice.txt"):
        shutil.copy(SOURCES_DIR / name, tmp_path / name)
    p = tmp_path / "henan-2026-key-tasks-notice.txt"
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new), encoding="utf-8")
    return load_document(tmp_path / "henan-2026-key-tasks-notice.toml", reference().names)


def test_unknown_unit_names_unit_task_and_line(tmp_path: Path, ref) -> None:
    doc = _copy_notice(tmp_path, "（省财政厅牵头负责）", "（省财政厅牵头，省天文台按职责分工负责）")
    with pytest.raises(SourceError) as err:
        map_notice(doc, ref, IRIS)
    msg = str(err.value)
    assert "天文台" in msg and "task 75" in msg and "henan-2026-key-tasks-notice.txt:226:" in msg


def test_unknown_unit_allowed_when_exploring(tmp_path: Path, ref) -> None:
    doc = _copy_notice(tmp_path, "（省财政厅牵头负责）", "（省财政厅牵头，省天文台按职责分工负责）")
    g = map_notice(doc, ref, IRIS, allow_unresolved=True)
    agent = g.value(assignment(g, 75, 2), PROV.agent)
    assert str(agent).startswith(str(IRIS.agency("henan", "unresolved-")))
    assert (agent, RDF.type, HGV.Agency) in g
    assert g.value(assignment(g, 75, 2), HGV.writtenAs) == Literal("省天文台", lang="zh")


def test_broken_numbering_names_the_line(tmp_path: Path, ref) -> None:
    doc = _copy_notice(tmp_path, "76. 全面开展", "77. 全面开展")
    with pytest.raises(SourceError, match=r"txt:228: task 77 where task 76 was expected"):
        map_notice(doc, ref, IRIS)


def test_task_without_clause_is_an_error(tmp_path: Path, ref) -> None:
    doc = _copy_notice(tmp_path, "（省财政厅牵头负责）", "")
    with pytest.raises(SourceError, match="task 75 has no responsibility clause"):
        map_notice(doc, ref, IRIS)


# --- notices of the genre written for the tests -------------------------------------------------


def fixture(name: str, root: Path = DATA_ROOT) -> tuple[Graph, Reference]:
    r = reference(root)
    return map_notice(load_document(FIXTURES / "notices" / f"{name}.toml", r.names), r, IRIS), r


def test_halfwidth_notice() -> None:
    g, _ = fixture("halfwidth")
    slug = "doc/henan/yuzheng/2025/9"
    assert len(set(g.subjects(RDF.type, HGV.Task))) == 4
    assert len(set(g.subjects(RDF.type, HGV.Section))) == 3
    assert units(g, 1, slug) == (S("省发展改革委"), S("财政厅", "各省辖市政府"))
    assert units(g, 2, slug) == ([], S("省发展改革委", "交通运输厅", "郑州市政府", "开封市政府"))
    a = IRIS(f"{slug}/task/2/unit/3")
    assert g.value(a, HGV.writtenAs) == Literal("郑州市人民政府", lang="zh")
    assert g.value(a, HGV.variantOf) == Literal("郑州市政府", lang="zh")
    assert units(g, 3, slug) == ([], S("商务厅", "市场监管局"))  # 等单位 is not a unit
    assert units(g, 4, slug) == (S("人力资源社会保障厅"), [])
    assert g.value(IRIS(f"{slug}/section/2"), HGV.heading) == Literal("激发消费活力", lang="zh")
    due = sorted(str(g.value(r, HGV.dueDate)) for r in g.objects(IRIS(slug), HGV.reportingRequirement))
    assert due == ["2025-03-15", "2025-06-30"]
    values = sorted(
        (str(g.value(t, HGV.value)), str(g.value(t, HGV.refPeriod))) for t in g.subjects(RDF.type, HGV.Target)
    )
    assert values == [("100", "2025"), ("500", "2025"), ("500000", "2025"), ("800000000000", "2025")]


def test_pagebreak_notice() -> None:
    g, _ = fixture("pagebreaks")
    slug = "doc/henan/yuzheng/2027/2"
    assert units(g, 1, slug) == ([], S("交通运输厅", "省发展改革委", "电力公司"))
    assert units(g, 2, slug) == ([], S("省发展改革委", "交通运输厅", "洛阳市政府", "三门峡市政府"))
    assert units(g, 3, slug) == (S("省发展改革委"), S("电力公司"))
    assert span_text(g, IRIS(f"{slug}/task/1/unit/3")) == "电力公\n\n司"
    assert span_text(g, IRIS(f"{slug}/task/2/unit/4")) == "三门\n\n峡市政府"
    assert g.value(IRIS(f"{slug}/task/3"), HGV.responsibilityClause) == Literal(
        "省发展改革委牵头，省电力公司按职责分工负责", lang="zh"
    )
    target = IRIS(f"{slug}/task/1/target/1")
    assert g.value(target, HGV.value) == Literal(Decimal(3000), datatype=ns.XSD.decimal)
    assert span_text(g, target) == "新、改建农村公路\n\n3000公里"
    assert (IRIS(f"{slug}/task/2"), HGV.hasTarget, None) not in g  # 10个物流园区: no commitment verb
    # a chapter without sections holds its tasks; 配合 marks co-responsible units
    assert g.value(IRIS(f"{slug}/task/4"), DCTERMS.isPartOf) == IRIS(f"{slug}/chapter/2")
    assert units(g, 4, slug) == (S("教育厅"), S("民政厅", "财政厅"))
    due = sorted(str(g.value(r, HGV.dueDate)) for r in g.objects(IRIS(slug), HGV.reportingRequirement))
    assert due == ["2027-03-10", "2027-09-30", "2027-12-31"]


def test_traditional_notice() -> None:
    """Traditional characters map with the project's own (simplified) gazetteer: the text is read
    through OpenCC, the graph quotes the document's own script."""
    g, _ = fixture("traditional")
    slug = "doc/henan/yuzheng/2025/3"
    assert units(g, 1, slug) == (
        ["development-reform-commission"],
        ["finance", "zhengzhou-municipal-government", "kaifeng-municipal-government"],
    )
    assert units(g, 2, slug) == ([], ["development-reform-commission", "finance", "all-city-governments"])
    assert g.value(IRIS(f"{slug}/task/2/unit/2"), HGV.writtenAs) == Literal("省財政廳", lang="zh")
    assert g.value(IRIS(f"{slug}/task/1/unit/3"), HGV.writtenAs) == Literal("鄭州市政府", lang="zh")
    assert IRIS.region("410100") in set(g.objects(IRIS(f"{slug}/task/1"), HGV.mentionsPlace))
    assert set(g.objects(IRIS(slug), HGV.addressee)) == {
        IRIS.agency("henan", "all-city-governments"),
        IRIS.agency("henan", "provincial-departments"),
    }
    due = sorted(str(g.value(r, HGV.dueDate)) for r in g.objects(IRIS(slug), HGV.reportingRequirement))
    assert due == ["2025-03-10", "2025-06-30"]
