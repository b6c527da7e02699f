"""The 2026 government work reports of 29 provincial-level governments, read by the genre engine
with metadata files and data rows only (``data/corpus/reports-2026/``; not yet in the default
build). Expectations were written from reading the texts.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import XSD

from conftest import DATA_ROOT, reference
from kg import build as b
from mappings.iris import HGV, Iris
from mappings.reference import reference_graph
from mappings.report import Report, commitments, parse_report, statements
from mappings.source import SourceDocument, load_document
from mappings.writer import map_report, profile_of
from shapes.validate import validate

REPORTS = DATA_ROOT / "sources" / "reports-2026"
KEYS = sorted(p.name[5 : -len("-government-work-report.toml")] for p in REPORTS.glob("*.toml"))


def doc(key: str) -> SourceDocument:
    return load_document(REPORTS / f"2026-{key}-government-work-report.toml", reference().names)


def parsed(key: str) -> Report:
    d = doc(key)
    return parse_report(d, profile_of(d, reference()))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> b.Release:
    """The 29 reports built on their own (validated, dumped, loaded into a store)."""
    return b.build(tmp_path_factory.mktemp("corpus"), sources_dir=REPORTS)  # raises if a shape is violated


def test_all_29_reports_build_and_validate(corpus: b.Release) -> None:
    release = corpus
    assert release.validation.violations == 0
    # the warnings are qualitative targets whose wording no indicator matches and main targets
    # whose wording is an unlisted indicator (kept, flagged)
    unlisted = {s.wording for k in KEYS for s in statements(doc(k), parsed(k), reference()) if s.indicator is None}
    assert release.validation.warnings == len(unlisted) + sum(
        1 for k in KEYS for c in commitments(doc(k), parsed(k), reference()) if c.indicator is None
    )
    assert len(release.graphs) == 3 + 29  # dataset, ontology, reference and one graph per report
    assert len(list(REPORTS.glob("*.txt"))) == 29


@pytest.mark.parametrize(
    ("key", "roles"),
    [
        # 一、“十四五”时期和2025年工作回顾 二、“十五五”时期主要目标任务 三、2026年重点工作
        ("henan", ["review", "five-year-goals", "key-work"]),
        # headings printed without numbers: “十四五”时期工作回顾 / “十五五”时期的主要目标任务 / 2026年重点工作
        ("gansu", ["review", "five-year-goals", "key-work"]),
        # headings that name no role (一、一年接着一年干… 四、一以贯之转作风…): roles by position
        ("fujian", ["review", "five-year-goals", "key-work", "government-conduct"]),
        # 二、“十四五”时期发展成就和“十五五”时期主要目标任务: the goals, not the review
        ("beijing", ["review", "five-year-goals", "key-work"]),
    ],
)
def test_part_roles(key: str, roles: list[str]) -> None:
    assert [p.role for p in parsed(key).parts] == roles


def test_key_work_sections_of_henan() -> None:
    key_work = next(p for p in parsed("henan").parts if p.role == "key-work")
    assert [s.heading for s in key_work.sections] == [
        "纵深推进融入和服务全国统一大市场",
        "大力拓展内需增长新空间",
        "加快建设现代化产业体系",
        "扎实推进乡村全面振兴",
        "着力推动城乡区域协调发展",
        "统筹推进深层次改革高水平开放",
        "全面激发文化创新创造活力",
        "加力促进经济社会全面绿色转型",
        "更大力度保障和改善民生",
        "有力有效防范化解重点领域风险",
    ]


def test_a_section_number_broken_over_two_lines_is_rejoined() -> None:
    # the Yunnan copy prints "（" on a line of its own, then "三）改革开放持续深化、互促共进。"
    review = parsed("yunnan").parts[0]
    assert [s.number for s in review.sections][:4] == [1, 2, 3, 4]
    assert review.sections[2].heading.startswith("改革开放持续深化")


@pytest.mark.parametrize("key", ["henan", "beijing", "guangdong", "sichuan", "hainan"])
def test_page_chrome_and_appendix_are_not_the_report(key: str) -> None:
    report = parsed(key)
    text = report.norm.text
    paragraphs = [text[q.start : q.end] for q in report.paragraphs]
    assert not any(p.startswith(("相关报道", "扫一扫", "下载", "打印", "【字号")) for p in paragraphs)
    assert not any("十件民生实事" == p[-6:] for p in paragraphs)  # Guangdong's 附件1 (the appendix)
    # the explanations of terms after Guangdong's appendix, Sichuan's 名词解释 (1.“两重”：是指…) and
    # Hainan's 注释 (［1］一降三减：…) are not paragraphs of the report
    assert not any(p in ("名词解释", "注释") or p.startswith(("［1］", "1.“")) for p in paragraphs)
    assert paragraphs[-1].startswith(("各位代表", "雄关漫道", "让我们")) or len(paragraphs[-1]) > 20


@pytest.mark.parametrize(
    ("key", "value", "comparator"),
    [
        ("henan", Decimal("5"), "About"),  # 主要预期目标是：经济增长5%左右
        ("beijing", Decimal("5"), "About"),  # 地区生产总值增长5%左右
        ("hebei", Decimal("5"), "AtLeast"),  # 地区生产总值增长5%以上
        ("sichuan", Decimal("5.5"), "About"),  # 地区生产总值增长5.5%左右
        ("tibet", Decimal("7"), "AtLeast"),  # 地区生产总值增长7%以上
        # the list stands in part 二 (“十五五”时期目标任务和2026年工作安排): 地区生产总值增长4.5%左右
        ("liaoning", Decimal("4.5"), "About"),
        # the list stands in the opening, before part 一: 地区生产总值增长5%左右
        ("inner-mongolia", Decimal("5"), "About"),
    ],
)
def test_gdp_growth_target_of_2026(key: str, value: Decimal, comparator: str) -> None:
    d = doc(key)
    report = parsed(key)
    found = [
        s
        for s in statements(d, report, reference())
        if s.cls == "Target" and s.indicator == "gdp-growth" and s.period == 2026
    ]
    assert (found[0].match.value, found[0].match.comparator) == (value, comparator)


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [
        ("anhui", Decimal("5"), Decimal("5.5")),  # 全省地区生产总值增长5%—5.5%
        ("guangdong", Decimal("4.5"), Decimal("5")),  # 地区生产总值增长4.5%—5%
        ("heilongjiang", Decimal("4.5"), Decimal("5")),  # 地区生产总值增长4.5-5% (the first unit left out)
        ("xinjiang", Decimal("5.5"), Decimal("6")),  # 地区生产总值增长5.5%—6%
    ],
)
def test_a_range_target_is_one_target_with_two_bounds(key: str, low: Decimal, high: Decimal) -> None:
    d = doc(key)
    found = [
        s
        for s in statements(d, parsed(key), reference())
        if s.cls == "Target" and s.indicator == "gdp-growth" and s.period == 2026
    ]
    assert [(s.match.value, s.match.high, s.match.comparator) for s in found][:1] == [(low, high, "Between")]
    assert not any(s.match.value == high and s.match.comparator == "Exactly" for s in found)  # not a second point


HSH = Namespace("https://w3id.org/henan-gov/shapes#")


def test_the_shapes_check_ranges() -> None:
    g = map_report(doc("anhui"), reference(), Iris())
    g += reference_graph(reference(), Iris())
    ranges = sorted(t for t in g.subjects(HGV.comparator, HGV.Between))
    assert ranges and all(g.value(t, HGV.upperValue) >= g.value(t, HGV.value) for t in ranges)
    assert not {f for f in validate(g).fired() if f[0] in (HSH.RangeShape, HSH["Statement-rangeLow"])}
    first: URIRef = ranges[0]
    g.set((first, HGV.value, Literal(Decimal("9"), datatype=XSD.decimal)))  # above its upper bound
    assert (HSH["Statement-rangeLow"], first) in validate(g).fired()
    g.remove((first, HGV.upperValue, None))  # a range without its upper bound
    assert (HSH.RangeShape, first) in validate(g).fired()


@pytest.mark.parametrize(
    ("key", "stated"),
    [
        # 主要预期目标是：经济增长5%左右、在实际工作中努力争取更好结果，…，进出口稳量提质，…，
        # 居民收入增长与经济增长同步，
        # 粮食产量1300亿斤以上、力争比去年实现更多增长，单位生产总值二氧化碳排放降低目标与国家“十五五”考核目标统筹衔接。
        (
            "henan",
            [
                ("进出口稳量提质", "foreign-trade"),
                ("居民收入增长与经济增长同步", "income-growth-in-step"),
                ("单位生产总值二氧化碳排放降低目标与国家“十五五”考核目标统筹衔接", "carbon-intensity"),
            ],
        ),
        # …居民收入增长和经济增长同步，细颗粒物年均浓度控制在29微克/立方米左右、争取更优水平，
        # 能源、水资源、碳排放等指标达到国家要求。
        (
            "beijing",
            [
                ("居民收入增长和经济增长同步", "income-growth-in-step"),
                ("能源、水资源、碳排放等指标达到国家要求", "national-energy-carbon-tasks"),
            ],
        ),
        # …城镇调查失业率控制在5%以内，居民消费价格合理回升。 (CPI, stated without a number)
        ("tibet", [("居民消费价格合理回升", "cpi-increase")]),
        # …固定资产投资实现正增长；…居民收入增速高于经济增速；…节能减排和碳排放强度下降完成国家下达任务。
        # (faster than the economy is not "in step": a wording the table does not know, kept, no indicator)
        (
            "hunan",
            [
                ("固定资产投资实现正增长", "fixed-asset-investment"),
                ("居民收入增速高于经济增速", None),
                ("节能减排和碳排放强度下降完成国家下达任务", "national-energy-carbon-tasks"),
            ],
        ),
        # …居民人均可支配收入增长与经济增长基本同步，完成国家下达的单位地区生产总值二氧化碳排放降低任务。
        (
            "liaoning",
            [
                ("居民人均可支配收入增长与经济增长基本同步", "income-growth-in-step"),
                ("完成国家下达的单位地区生产总值二氧化碳排放降低任务", "national-energy-carbon-tasks"),
            ],
        ),
    ],
)
def test_qualitative_main_targets(key: str, stated: list[tuple[str, str | None]]) -> None:
    assert [(c.text, c.indicator) for c in commitments(doc(key), parsed(key), reference())] == stated


def test_each_report_cites_its_page_its_publication_date_and_its_file() -> None:
    import csv
    import hashlib

    from rdflib.namespace import DCTERMS

    from mappings.document import document_graph

    with (REPORTS / "manifest.csv").open(encoding="utf-8") as f:
        manifest = {r["file"]: r for r in csv.DictReader(f)}
    for key in ("beijing", "guangdong", "henan"):
        d = doc(key)
        g = document_graph(d, reference(), Iris())
        node = Iris()(f"doc/{key}/work-report/2026")  # unnumbered: jurisdiction, genre word, plan year
        row = manifest[d.meta["file"]]
        assert g.value(node, DCTERMS.source) == URIRef(row["source_url"])
        assert str(g.value(node, DCTERMS.available)) == row["publish_date"]
        assert str(g.value(node, HGV.sourceSha256)) == hashlib.sha256(d.path.read_bytes()).hexdigest()


def test_one_query_compares_the_provinces(corpus: b.Release) -> None:
    """The 2026 GDP growth target of every province, by the cube's dimensions (area, period, indicator)
    and the main-target flag (key-work sections restate and add to the main list)."""
    from pyoxigraph import Store

    store = Store.read_only(str(corpus.path / "store"))
    rows = store.query(
        """
        PREFIX hgv: <https://w3id.org/henan-gov/def#>
        SELECT ?code ?value ?high ?comparator WHERE {
          ?t a hgv:Target ; hgv:indicator <https://w3id.org/henan-gov/id/indicator/gdp-growth> ;
             hgv:refPeriod "2026"^^<http://www.w3.org/2001/XMLSchema#gYear> ; hgv:refArea ?area ;
             hgv:value ?value ; hgv:comparator ?comparator ; hgv:mainTarget true .
          ?area hgv:adminCode ?code .
          OPTIONAL { ?t hgv:upperValue ?high }
        }""",
        use_default_graph_as_union=True,
    )
    found: dict[str, set] = {}
    for r in rows:
        high = r["high"].value if r["high"] is not None else None
        found.setdefault(r["code"].value, set()).add((r["value"].value, high, r["comparator"].value.rsplit("#", 1)[-1]))
    assert ("5", None, "About") in found["410000"]  # Henan: 经济增长5%左右
    assert ("7", None, "AtLeast") in found["540000"]  # Tibet: 地区生产总值增长7%以上
    assert ("5", "5.5", "Between") in found["340000"]  # Anhui: 地区生产总值增长5%—5.5%
    assert ("4.5", "5", "Between") in found["440000"]  # Guangdong: 地区生产总值增长4.5%—5%
    assert ("4.5", "5", "Between") in found["140000"]  # Shanxi: 今年经济社会发展主要目标是：地区生产总值增长4.5%—5%
    assert ("5", None, "About") in found["520000"]  # Guizhou (not its 下降至13.8%, which is no GDP target)
    assert len(found) == 29 and all(len(v) == 1 for v in found.values())  # one main GDP target per province


@pytest.mark.parametrize(
    ("header", "query", "shows"),
    [
        (
            "province,value,upper,comparator",
            "corpus-gdp-targets-2026.rq",
            ["Henan Province,5,,about", "Guangdong Province,4.5,5,between"],
        ),
        (
            "code,province,instead",
            "queries/17-provinces-without-a-cpi-target.rq",
            ["540000,Tibet Autonomous Region,居民消费价格合理回升", "500000,Chongqing,"],
        ),
    ],
)
def test_the_readme_shows_the_report_queries_with_their_real_output(
    release: b.Release, header: str, query: str, shows: list[str]
) -> None:
    """The README's two queries on the 29 reports, run on the default build: the output shown is
    what they give (and holds what the texts say: Henan 经济增长5%左右, Guangdong 4.5%—5%; Tibet
    居民消费价格合理回升 instead of a number, Chongqing no consumer prices at all)."""
    from kg.query import run_query

    readme = (DATA_ROOT.parent / "README.md").read_text(encoding="utf-8")
    shown = readme.split(f"```text\n{header}\n", 1)[1].split("```", 1)[0].strip().splitlines()
    sparql = (DATA_ROOT.parent / "examples" / query).read_text(encoding="utf-8")
    got = run_query(release.path / "store", sparql, "csv").decode("utf-8").strip().splitlines()
    assert [line.strip() for line in got[1:]] == shown
    assert all(line in shown for line in shows)
