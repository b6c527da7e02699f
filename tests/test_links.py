"""What carries across the two documents: one project entity and one indicator concept for what
both name, COFOG matches for both documents' policy areas, and the SPARQL questions that put the
2023 results, the 2024 targets and the 2026 tasks side by side, on a real Oxigraph store.

Expected values are read from the sources: the report (2024) and the notice (2026)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pyoxigraph import NamedNode, RdfFormat, Store
from rdflib import RDF, Graph
from rdflib.namespace import SKOS

from conftest import SOURCES_DIR, reference
from mappings.document import document_graph
from mappings.iris import HGV, Iris
from mappings.reference import Reference, reference_graph
from mappings.source import load_document
from mappings.writer import map_notice, map_report

IRIS = Iris()
REPORT = "doc/henan/work-report/2024"
NOTICE = "doc/henan/yuzheng/2026/4"
PREFIX = """PREFIX hgv: <https://w3id.org/henan-gov/def#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/> """


@pytest.fixture(scope="module")
def ref() -> Reference:
    return reference()


@pytest.fixture(scope="module")
def graphs(ref) -> dict[str, Graph]:
    report = load_document(SOURCES_DIR / "henan-2024-government-work-report.toml", reference().names)
    notice = load_document(SOURCES_DIR / "henan-2026-key-tasks-notice.toml", reference().names)
    return {
        REPORT: map_report(report, ref, IRIS) + document_graph(report, ref, IRIS),
        NOTICE: map_notice(notice, ref, IRIS) + document_graph(notice, ref, IRIS),
        "reference": reference_graph(ref, IRIS),
    }


@pytest.fixture(scope="module")
def store(graphs) -> Store:
    """The three graphs as named graphs, queried through their union as the endpoint does."""
    s = Store()
    for name, g in graphs.items():
        data = g.serialize(format="nt", encoding="utf-8")
        s.load(data, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(str(IRIS.graph(name))))
    return s


def select(store: Store, query: str) -> list[dict[str, str]]:
    rows = store.query(PREFIX + query, use_default_graph_as_union=True)
    return [{v.value: (r[v].value if r[v] is not None else None) for v in rows.variables} for r in rows]


def tail(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


# --- projects named in both documents ------------------------------------------------------------

# (project, what the report says of it in 2024, what the notice says of it for 2026), read in the
# clauses: 加快建设雄商高铁… / 建成雄商高铁河南段, …
BOTH = [
    ("xiongshang-hsr", "加快建设", "建成河南段"),
    ("pingluozhou-hsr", "加快建设", "加快推进"),
    ("zhengzhou-south-station", "加快建设", "加快推进"),
    ("jiaojiluoping-hsr", "开工建设", "加快推进"),
    ("nanxinhe-hsr", "开工建设", "开工建设"),
    ("jinggang-hsr-fuyang-huanggang", "开工建设", "开工建设"),
    ("guanyinsi-storage", "启动建设", "加快建设"),
    ("yudong-water-allocation", "开工建设", "开工建设"),
    ("china-post-air-hub", "开工建设", "加快建设"),
    ("zhengzhou-luxembourg-forum", "办好第二届", "办好第三届"),
    ("zhengzhou-luxembourg-air-silk-road", "持续增加货运规模", "深化拓展合作模式"),
    ("china-europe-railway-express", "拓展线路布局", "推动拓线扩量、开行4000班次"),
    ("zhongyuan-agri-valley", "推动蓄势突破", "推动协同发展"),
    ("zhongyuan-quantum-valley", "推进建设", "完善产业生态"),
    ("xia-shang-archaeology-centre", "推动建设", "建成"),
    ("xinzheng-bonded-zone", "进出口规模居全国第一", "完成扩区"),
]


def wording(g: Graph, project: str) -> set[str]:
    mentions = g.subjects(HGV.project, IRIS.project(project))
    return {str(a) for m in mentions for a in g.objects(m, HGV.statedAction)}


@pytest.mark.parametrize("project, said_2024, said_2026", BOTH, ids=[b[0] for b in BOTH])
def test_one_project_entity_with_both_statements(graphs, project: str, said_2024: str, said_2026: str) -> None:
    assert said_2024 in wording(graphs[REPORT], project)
    assert said_2026 in wording(graphs[NOTICE], project)
    assert (IRIS.project(project), RDF.type, HGV.Project) in graphs["reference"]


def test_at_least_fifteen_report_projects_and_ten_shared(graphs) -> None:
    def named(g: Graph) -> set[str]:
        return {tail(str(o)) for o in g.objects(None, HGV.mentionsProject)}

    report, notice = named(graphs[REPORT]), named(graphs[NOTICE])
    assert len(report) >= 15
    assert len(report & notice) >= 10
    assert {p for p, _, _ in BOTH} <= report & notice
    assert "songshan-lab" in notice - report  # 支持嵩山实验室…: the notice only
    assert "zhongyuan-science-city" in report - notice


def test_project_gazetteer_types(graphs) -> None:
    ref = graphs["reference"]
    assert (IRIS.project("xiongshang-hsr"), HGV.projectType, HGV.RailLine) in ref
    assert (IRIS.project("zhengzhou-south-station"), HGV.projectType, HGV.Station) in ref
    assert (IRIS.project("guanyinsi-storage"), HGV.projectType, HGV.WaterWorks) in ref
    assert (IRIS.project("zhengzhou-luxembourg-forum"), HGV.projectType, HGV.Forum) in ref
    assert len(reference().mentions.projects) == len(set(ref.subjects(RDF.type, HGV.Project)))


def test_sparql_projects_in_both_documents(store: Store) -> None:
    rows = select(
        store,
        """
        SELECT ?project (GROUP_CONCAT(DISTINCT ?a24; separator="|") AS ?w24)
                        (GROUP_CONCAT(DISTINCT ?a26; separator="|") AS ?w26) WHERE {
          ?m24 hgv:project ?project ; hgv:statedAction ?a24 ; hgv:statedIn ?p24 .
          ?p24 hgv:inDocument <https://w3id.org/henan-gov/id/doc/henan/work-report/2024> .
          ?m26 hgv:project ?project ; hgv:statedAction ?a26 ; hgv:statedIn ?p26 .
          ?p26 hgv:inDocument <https://w3id.org/henan-gov/id/doc/henan/yuzheng/2026/4> .
        } GROUP BY ?project ORDER BY ?project""",
    )
    got = {tail(r["project"]): (set(r["w24"].split("|")), set(r["w26"].split("|"))) for r in rows}
    assert len(got) >= 10
    for project, said_2024, said_2026 in BOTH:
        assert said_2024 in got[project][0] and said_2026 in got[project][1], project
    assert got["xiongshang-hsr"] == ({"加快建设"}, {"建成河南段"})


# --- indicators across years ---------------------------------------------------------------------


def test_sparql_indicator_with_2023_value_and_2024_target(store: Store) -> None:
    rows = select(
        store,
        """
        SELECT ?indicator ?achieved ?target WHERE {
          ?f a hgv:AchievedFigure ; hgv:indicator ?indicator ; hgv:value ?achieved ; hgv:refPeriod ?y1 .
          ?t a hgv:Target ; hgv:indicator ?indicator ; hgv:value ?target ; hgv:refPeriod ?y2 .
          FILTER(STR(?y1) = "2023" && STR(?y2) = "2024")
        } ORDER BY ?indicator ?achieved ?target""",
    )
    got = {(tail(r["indicator"]), Decimal(r["achieved"]), Decimal(r["target"])) for r in rows}
    # the review's 2023 figure and the 2024 target of the same indicator, both read in the report
    expected = {
        ("gdp-growth", Decimal("4.1"), Decimal("5.5")),
        ("general-budget-revenue", Decimal("6.2"), Decimal("5")),
        ("industrial-investment", Decimal("8.9"), Decimal("10")),
        ("technical-renovation-investment", Decimal("17.4"), Decimal("20")),
        ("retail-sales", Decimal("6.5"), Decimal("7")),
        # 粮食产量1324.9亿斤 and 1300亿斤 above, stated in the series' unit, tonnes (1 斤 = 0.0005 t)
        ("grain-output", Decimal("66245000"), Decimal("65000000")),
        ("rd-intensity", Decimal("2"), Decimal("2.1")),
        ("urban-new-jobs", Decimal("1193000"), Decimal("1100000")),
        ("high-tech-enterprises", Decimal("12000"), Decimal("1500")),
        ("rural-labour-transfer", Decimal("489000"), Decimal("400000")),
        ("vocational-skills-training", Decimal("4287000"), Decimal("2000000")),
        ("skilled-workers", Decimal("3288000"), Decimal("1500000")),
        ("high-standard-farmland", Decimal("5350000"), Decimal("4500000")),
        ("green-factories", Decimal("198"), Decimal("100")),
        ("public-cultural-spaces", Decimal("3012"), Decimal("100")),
        # 70.1万亩 achieved; the target's 1250 平方公里 in the series' unit, mu (1 km² = 1500 亩)
        ("soil-erosion-control", Decimal("701000"), Decimal("1875000")),
    }
    assert expected <= got
    assert {i for i, _, _ in got} == {i for i, _, _ in expected}


def test_sparql_2023_result_beside_2026_task_target(store: Store) -> None:
    rows = select(
        store,
        """
        SELECT ?indicator ?achieved ?target ?task WHERE {
          ?f a hgv:AchievedFigure ; hgv:indicator ?indicator ; hgv:value ?achieved .
          ?t a hgv:Target ; hgv:indicator ?indicator ; hgv:value ?target ; hgv:refPeriod ?y ; hgv:statedIn ?x .
          ?x a hgv:Task ; hgv:orderNumber ?task .
          FILTER(STR(?y) = "2026")
        }""",
    )
    got = {(tail(r["indicator"]), Decimal(r["achieved"]), Decimal(r["target"]), int(r["task"])) for r in rows}
    # 高新技术企业 1.2万家 (2023) → 国家高新技术企业达到1.5万家 (task 30); 科技型中小企业 2.6万家 → 3.2万家
    assert ("high-tech-enterprises", Decimal(12000), Decimal(15000), 30) in got
    assert ("tech-smes", Decimal(26000), Decimal(32000), 30) in got
    # 可再生能源发电装机 6706万千瓦 → 突破 1 亿千瓦 (task 107)
    assert ("renewable-generation-capacity", Decimal(67060000), Decimal(100000000), 107) in got


def test_sparql_2026_tasks_whose_indicator_had_a_2024_target(store: Store) -> None:
    rows = select(
        store,
        """
        SELECT DISTINCT ?task ?indicator WHERE {
          ?x a hgv:Task ; hgv:orderNumber ?task ; hgv:hasTarget ?t26 .
          ?t26 hgv:indicator ?indicator .
          ?t24 a hgv:Target ; hgv:indicator ?indicator ; hgv:refPeriod ?y ; hgv:statedIn ?p .
          ?p hgv:inDocument <https://w3id.org/henan-gov/id/doc/henan/work-report/2024> .
          FILTER(STR(?y) = "2024")
        } ORDER BY ?task ?indicator""",
    )
    got = {(int(r["task"]), tail(r["indicator"])) for r in rows}
    # read in the notice: 17 年度完成投资1万亿元 (2024: 省重点项目完成投资1万亿元); 30 国家高新技术企业
    # (2024: 新增…1500家以上); 44 新建改造高标准农田 (2024: 新建高标准农田示范区450万亩); 80 中欧（亚）班列
    # 开行4000班次 (2024: 确保开行3500列以上); 106 节能降碳改造…200个以上, 新培育绿色工厂200个 (2024: 200个以上,
    # 100个); 109 农村劳动力转移就业40万人, 职业技能培训200万人次 (2024: 40万人, 200万人次以上)
    assert got == {
        (17, "key-project-investment"),
        (30, "high-tech-enterprises"),
        (44, "high-standard-farmland"),
        (80, "china-europe-train-runs"),
        (106, "energy-saving-retrofit-projects"),
        (106, "green-factories"),
        (109, "rural-labour-transfer"),
        (109, "vocational-skills-training"),
    }


def test_key_project_investment_one_trillion_in_both_years(store: Store) -> None:
    rows = select(
        store,
        """
        SELECT ?y ?v WHERE { ?t a hgv:Target ; hgv:indicator
          <https://w3id.org/henan-gov/id/indicator/key-project-investment> ; hgv:refPeriod ?y ; hgv:value ?v }
        ORDER BY ?y""",
    )
    assert [(r["y"], Decimal(r["v"])) for r in rows] == [("2024", Decimal(10) ** 12), ("2026", Decimal(10) ** 12)]


def test_china_europe_trains_3500_then_4000(store: Store) -> None:
    rows = select(
        store,
        """
        SELECT ?y ?v ?c ?u WHERE { ?t a hgv:Target ; hgv:indicator
          <https://w3id.org/henan-gov/id/indicator/china-europe-train-runs> ; hgv:refPeriod ?y ; hgv:value ?v ;
          hgv:comparator ?c ; hgv:unit ?u } ORDER BY ?y""",
    )
    got = [(r["y"], Decimal(r["v"]), r["c"].rsplit("#", 1)[-1], tail(r["u"])) for r in rows]
    # 确保开行3500列以上 (2024); 开行 4000 班次 (2026)
    assert got == [("2024", Decimal(3500), "AtLeast", "train-run"), ("2026", Decimal(4000), "Exactly", "train-run")]


# --- COFOG --------------------------------------------------------------------------------------


def test_ten_cofog_divisions(graphs) -> None:
    ref = graphs["reference"]
    divisions = sorted(str(s) for s in ref.subjects(RDF.type, HGV.CofogDivision))
    assert [tail(d) for d in divisions] == [f"{n:02d}" for n in range(1, 11)]
    assert (IRIS("cofog/05"), SKOS.inScheme, IRIS.scheme("cofog")) in ref
    labels = {str(o) for o in ref.objects(IRIS("cofog/10"), SKOS.prefLabel)}
    assert {"Social protection", "社会保护"} <= labels
    assert len(reference().cofog.divisions) == 10


def test_every_policy_area_of_both_documents_has_a_cofog_match(store: Store) -> None:
    rows = select(
        store,
        """
        SELECT ?area (COUNT(?d) AS ?n) WHERE {
          ?part hgv:policyArea ?area .
          OPTIONAL { ?area skos:closeMatch|skos:broadMatch ?d . ?d a hgv:CofogDivision }
        } GROUP BY ?area""",
    )
    areas = {r["area"].split("/id/", 1)[1]: int(r["n"]) for r in rows}
    assert len([a for a in areas if a.startswith(REPORT)]) == 9
    assert len([a for a in areas if a.startswith(NOTICE)]) == 10
    assert all(n >= 1 for n in areas.values()), areas


def test_pollution_and_environment_line_up(graphs) -> None:
    ref = graphs["reference"]
    # report section (七) 深化污染防治攻坚 and notice chapter 八 加力促进…绿色转型: environmental protection
    assert (IRIS(f"{REPORT}/policy-area/7"), SKOS.closeMatch, IRIS("cofog/05")) in ref
    assert (IRIS(f"{NOTICE}/policy-area/8"), SKOS.closeMatch, IRIS("cofog/05")) in ref
    # notice chapter 七 全面激发文化创新创造活力: recreation, culture and religion
    assert (IRIS(f"{NOTICE}/policy-area/7"), SKOS.closeMatch, IRIS("cofog/08")) in ref
    # report section (四) 乡村振兴 … 农业强省: within economic affairs (agriculture)
    assert (IRIS(f"{REPORT}/policy-area/4"), SKOS.broadMatch, IRIS("cofog/04")) in ref
