"""The genre engine on documents it was not written for: three real notice excerpts (Henan 2023
with no line breaks, Liaoning 2024 with labelled lines, Tongchuan 2025 with 市 units and no 牵头),
fixtures for the clause variants, an invented province added through data files only, and the
errors a curator gets. Every expectation below was written from reading the texts.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from conftest import DATA_ROOT, FIXTURES, SOURCES_DIR, reference
from kg import build as b
from mappings.genres import load_profiles
from mappings.iris import HGV, PROV, Iris
from mappings.notice import parse_notice
from mappings.source import SourceError, load_document
from mappings.writer import map_notice, profile_of
from shapes.validate import validate

IRIS = Iris()
HSH = Namespace("https://w3id.org/henan-gov/shapes#")
EXCERPTS = FIXTURES / "excerpts"
NOTICES = FIXTURES / "notices"


def mapped(path: Path, root: Path = DATA_ROOT) -> Graph:
    return map_notice(load_document(path, reference(root).names), reference(root), IRIS)


def units(g: Graph, slug: str, ordinal: int) -> tuple[list[str], list[str]]:
    """(lead, co-responsible) agency IRIs' last two segments (jurisdiction/slug), in clause order."""
    t = IRIS(f"{slug}/task/{ordinal}")
    rows = sorted(
        (
            int(g.value(a, HGV.listPosition)),
            g.value(a, PROV.hadRole) == HGV.LeadRole,
            "/".join(str(g.value(a, PROV.agent)).rsplit("/", 2)[-2:]),
        )
        for a in g.objects(t, HGV.responsibility)
    )
    assert [p for p, _, _ in rows] == list(range(1, len(rows) + 1))
    return [s for _, lead, s in rows if lead], [s for _, lead, s in rows if not lead]


def tasks(g: Graph) -> list[int]:
    return sorted(int(g.value(t, HGV.orderNumber)) for t in g.subjects(RDF.type, HGV.Task))


def targets(g: Graph, slug: str, ordinal: int) -> list[tuple[str, Decimal, str]]:
    t = IRIS(f"{slug}/task/{ordinal}")
    return sorted(
        (
            str(g.value(x, HGV.indicator)).rsplit("/", 1)[-1],
            g.value(x, HGV.value).toPython(),
            str(g.value(x, HGV.comparator)).rsplit("#", 1)[-1],
        )
        for x in g.objects(t, HGV.hasTarget)
    )


# --- Henan 2023: no line breaks ---------------------------------------------------------------

H23 = "doc/henan/yuzheng/2023/5"


@pytest.fixture(scope="module")
def henan2023() -> Graph:
    return mapped(EXCERPTS / "henan-2023-notice-excerpt.toml")


def test_henan_2023_reads_paragraphs_separated_by_spaces(henan2023: Graph) -> None:
    g = henan2023
    assert tasks(g) == [1, 2, 3, 4]  # task 5 stops at "5.鼓励新能源"
    assert g.value(IRIS(f"{H23}/chapter/1"), HGV.heading) == Literal("加快提振市场信心", lang="zh")
    assert g.value(IRIS(f"{H23}/section/1"), HGV.heading) == Literal("全面促进消费增长", lang="zh")
    assert g.value(IRIS(f"{H23}/task/3"), HGV.text).startswith("激活房地产市场，落实首套房贷款支持政策")


def test_henan_2023_units_with_the_2023_names(henan2023: Graph) -> None:
    g = henan2023
    # (省商务厅、财政厅、发展改革委、地方金融监管局、人行郑州中心支行、河南银保监局等相关部门按职责分工负责):
    # the 2023 names of bodies renamed since, which the gazetteer records as former names
    assert units(g, H23, 1) == (
        [],
        [
            "henan/commerce",
            "henan/finance",
            "henan/development-reform-commission",
            "henan/local-financial-administration",
            "henan/pboc-henan",
            "henan/nfra-henan",
        ],
    )
    a = IRIS(f"{H23}/task/1/unit/5")
    assert g.value(a, HGV.writtenAs) == Literal("人行郑州中心支行", lang="zh")
    assert g.value(a, HGV.variantOf) == Literal("人行河南省分行", lang="zh")
    # (省发展改革委牵头,省商务厅、财政厅、文化和旅游厅、工业和信息化厅、住房城乡建设厅等相关部门按职责分工负责)
    assert units(g, H23, 2) == (
        ["henan/development-reform-commission"],
        [
            "henan/commerce",
            "henan/finance",
            "henan/culture-tourism",
            "henan/industry-information-technology",
            "henan/housing-urban-rural-development",
        ],
    )
    # (省住房城乡建设厅牵头,省财政厅、自然资源厅、税务局、地方金融监管局、人行郑州中心支行、河南银保监局…)
    assert units(g, H23, 4) == (
        ["henan/housing-urban-rural-development"],
        [
            "henan/finance",
            "henan/natural-resources",
            "henan/tax-service",
            "henan/local-financial-administration",
            "henan/pboc-henan",
            "henan/nfra-henan",
        ],
    )


def test_henan_2023_reporting_dates(henan2023: Graph) -> None:
    # 于2023年3月25日、6月25日、9月25日前…报告…每季度进展情况,12月25日前报告全年落实情况
    due = sorted(
        str(g)
        for r in henan2023.objects(IRIS(H23), HGV.reportingRequirement)
        for g in henan2023.objects(r, HGV.dueDate)
    )
    assert due == ["2023-03-25", "2023-06-25", "2023-09-25", "2023-12-25"]
    assert set(henan2023.objects(IRIS(H23), HGV.addressee)) == set()  # this copy has no addressee line


def test_cut_task_is_reported_not_invented(tmp_path: Path) -> None:
    doc = load_document(EXCERPTS / "henan-2023-notice-excerpt.toml", reference().names)
    notice = parse_notice(doc, profile_of(doc, reference()))
    assert notice.cut == 5 and [t.number for t in notice.tasks] == [1, 2, 3, 4]
    # the same text, not marked partial, is an error that says so
    meta = (EXCERPTS / "henan-2023-notice-excerpt.toml").read_text(encoding="utf-8")
    (tmp_path / "x.toml").write_text(meta.replace("partial = true", "partial = false"), encoding="utf-8")
    shutil.copy(EXCERPTS / "henan-2023-notice-excerpt.txt", tmp_path)
    with pytest.raises(SourceError, match=r"excerpt\.txt:\d+: task 5 has no responsibility clause.*set partial = true"):
        map_notice(load_document(tmp_path / "x.toml", reference().names), reference(), IRIS)


# --- Liaoning 2024: labelled lines after each task --------------------------------------------

LN = "doc/liaoning/liaozhengfa/2024/3"


@pytest.fixture(scope="module")
def liaoning() -> Graph:
    return mapped(EXCERPTS / "liaoning-2024-notice-excerpt.toml")


def test_liaoning_labelled_lines(liaoning: Graph) -> None:
    g = liaoning
    assert tasks(g) == [1, 2, 3, 4]  # task 5 stops inside its 牵头领导 line
    # 牵头单位:省发展改革委 / 责任单位:省工业和信息化厅、省农业农村厅、省商务厅等,各市人民政府,省沈抚示范区管委会
    assert units(g, LN, 1) == (
        ["liaoning/development-reform-commission"],
        [
            "liaoning/industry-information-technology",
            "liaoning/agriculture-rural-affairs",
            "liaoning/commerce",
            "liaoning/all-city-governments",
            "liaoning/shenfu-zone-committee",
        ],
    )
    assert units(g, LN, 2) == (
        ["liaoning/finance"],
        ["liaoning/tax-service", "liaoning/all-city-governments", "liaoning/shenfu-zone-committee"],
    )
    assert units(g, LN, 3)[0] == ["liaoning/industry-information-technology"]
    assert units(g, LN, 3)[1][:4] == [
        "liaoning/military-civilian-integration-office",
        "liaoning/development-reform-commission",
        "liaoning/agriculture-rural-affairs",
        "liaoning/sasac",
    ]
    # 牵头领导:王 健 — a person, kept as text (the extraction's inner space removed)
    assert set(g.objects(IRIS(f"{LN}/task/1"), HGV.leadingOfficial)) == {Literal("王健", lang="zh")}
    assert set(g.objects(IRIS(f"{LN}/task/3"), HGV.leadingOfficial)) == {Literal("王利波", lang="zh")}


def test_liaoning_units_are_liaoning_agencies_not_henan(liaoning: Graph) -> None:
    agents = {str(o) for o in liaoning.objects(None, PROV.agent)}
    assert agents and all("/agency/liaoning/" in a for a in agents)
    addressees = set(liaoning.objects(None, HGV.addressee))
    assert addressees == {
        IRIS.agency("liaoning", s)
        for s in ("all-city-governments", "provincial-departments", "directly-affiliated-bodies")
    }


def test_liaoning_targets(liaoning: Graph) -> None:
    # 1.地区生产总值增长5.5%左右 2.一般公共预算收入增长5% 3.规模以上工业增加值增长5.5% 4.固定资产投资增长10%
    assert targets(liaoning, LN, 1) == [("gdp-growth", Decimal("5.5"), "About")]
    assert targets(liaoning, LN, 2) == [("general-budget-revenue", Decimal("5"), "Exactly")]
    assert targets(liaoning, LN, 3) == [("industrial-value-added", Decimal("5.5"), "Exactly")]
    assert targets(liaoning, LN, 4) == [("fixed-asset-investment", Decimal("10"), "Exactly")]


# --- Tongchuan 2025: a city, 市 units, no 牵头 ---------------------------------------------------

TC = "doc/tongchuan/tongzhengbanfa/2025/1"


@pytest.fixture(scope="module")
def tongchuan() -> Graph:
    return mapped(EXCERPTS / "tongchuan-2025-notice-excerpt.toml")


def test_tongchuan_structure_and_units(tongchuan: Graph) -> None:
    g = tongchuan
    assert tasks(g) == list(range(1, 12))  # task 12 stops inside “连点串线、连
    assert g.value(IRIS(f"{TC}/task/9"), HGV.orderNumber) == Literal(9)
    assert g.value(IRIS(f"{TC}/task/10"), rdf_part()) == IRIS(f"{TC}/section/1")  # 二、(一) holds tasks 10, 11
    assert g.value(IRIS(f"{TC}/section/1"), HGV.heading) == Literal("突出挖潜能稳增长，巩固经济回升向好态势", lang="zh")
    # (市发展改革委负责): 负责 alone names the unit that carries the task, with no lead word
    assert units(g, TC, 1) == ([], ["tongchuan/development-reform-commission"])
    assert units(g, TC, 4) == ([], ["tongchuan/human-resources-social-security"])
    assert units(g, TC, 11) == ([], ["tongchuan/commerce", "tongchuan/transport", "tongchuan/postal-administration"])
    assert (
        IRIS.agency("tongchuan", "postal-administration"),
        RDF.type,
        HGV.CentralGovernmentBranch,
    ) in reference_graph()
    assert set(g.objects(IRIS(TC), HGV.addressee)) == {
        IRIS.agency("tongchuan", s)
        for s in (
            "all-district-county-governments",
            "new-district-committee",
            "municipal-departments",
            "directly-affiliated-institutions",
        )
    }


def test_tongchuan_targets_of_its_chapter_of_targets(tongchuan: Graph) -> None:
    g = tongchuan
    assert targets(g, TC, 1) == [("gdp-growth", Decimal("6"), "About")]
    assert targets(g, TC, 6) == [("urban-new-jobs", Decimal("5000"), "AtLeast")]
    # 7. 粮食产量32万吨以上 — no commitment verb, but chapter 一 is the year's targets (年度目标)
    assert targets(g, TC, 7) == [("grain-output", Decimal("320000"), "AtLeast")]
    assert targets(g, TC, 9) == [("agriculture-value-added", Decimal("4.8"), "About")]
    assert targets(g, TC, 10) == []  # 举办…150场次 in the key work: no commitment verb, no target


def rdf_part() -> URIRef:
    return DCTERMS.isPartOf


def reference_graph() -> Graph:
    from mappings.reference import reference_graph as graph

    return graph(reference(), IRIS)


# --- the variants the excerpts do not show ----------------------------------------------------

V = "doc/henan/yuzhengban/2025/7"


def test_clause_variants() -> None:
    g = mapped(NOTICES / "variants.toml")
    # （牵头单位：省发展改革委；责任单位：省财政厅、交通运输厅）
    assert units(g, V, 1) == (["henan/development-reform-commission"], ["henan/finance", "henan/transport"])
    # （部门分工：省商务厅牵头，各地、各部门配合）
    assert units(g, V, 2) == (["henan/commerce"], ["henan/all-localities", "henan/all-departments"])
    # （国务院各部门分别负责，年内持续推进）: a national collective, found up Henan's chain; a deadline
    assert units(g, V, 3) == ([], ["national/state-council-departments"])
    assert g.value(IRIS(f"{V}/task/3"), HGV.deadlineText) == Literal("年内持续推进", lang="zh")
    # （省财政厅及各省辖市政府按职责分工负责）: 及 separates units
    assert units(g, V, 4) == ([], ["henan/finance", "henan/all-city-governments"])
    # （省教育厅牵头，省科技厅、人力资源社会保障厅等按职责分工负责）: a bare trailing 等
    assert units(g, V, 5) == (
        ["henan/education"],
        ["henan/science-technology", "henan/human-resources-social-security"],
    )
    due = [str(o) for r in g.objects(IRIS(V), HGV.reportingRequirement) for o in g.objects(r, HGV.dueDate)]
    assert due == ["2025-04-10"]


def test_tasks_without_chapters_signed_by_an_office() -> None:
    slug = "doc/tongchuan/tongzhengbanfa/2025/9"
    g = mapped(NOTICES / "flat.toml")
    assert tasks(g) == [1, 2, 3]  # 一、二、三、 are the tasks
    assert g.value(IRIS(f"{slug}/task/2"), rdf_part()) == IRIS(slug)
    assert units(g, slug, 2) == (["tongchuan/transport"], ["tongchuan/finance", "tongchuan/agriculture-rural-affairs"])
    assert targets(g, slug, 1) == [("urban-new-jobs", Decimal("5000"), "AtLeast")]


def test_tasks_numbered_per_chapter() -> None:
    slug = "doc/henan/yuzheng/2025/11"
    g = mapped(NOTICES / "per-chapter.toml")
    assert tasks(g) == [1, 1, 2, 2]
    # the IRI is the task's position in the document; the printed number stays the order number
    assert g.value(IRIS(f"{slug}/task/3"), HGV.orderNumber) == Literal(1)
    assert g.value(IRIS(f"{slug}/task/3"), rdf_part()) == IRIS(f"{slug}/chapter/2")
    assert units(g, slug, 4) == (["henan/civil-affairs"], ["henan/finance"])


def test_traditional_characters_read_with_the_simplified_gazetteer() -> None:
    g = mapped(NOTICES / "traditional.toml")
    slug = "doc/henan/yuzheng/2025/3"
    assert units(g, slug, 1) == (
        ["henan/development-reform-commission"],
        ["henan/finance", "henan/zhengzhou-municipal-government", "henan/kaifeng-municipal-government"],
    )
    assert g.value(IRIS(f"{slug}/task/1/unit/2"), HGV.writtenAs) == Literal("省財政廳", lang="zh")
    assert g.value(IRIS(f"{slug}/chapter/1"), HGV.heading) == Literal("擴大內需", lang="zh")


def test_every_fixture_builds_and_validates_beside_the_real_documents(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    for d in (EXCERPTS, NOTICES):
        for p in d.iterdir():
            shutil.copy(p, sources / p.name)
    release = b.build(tmp_path / "out", sources_dir=sources)  # raises if the shapes are violated
    assert release.validation.violations == 0
    # dataset, ontology, reference; the real documents (2 of Henan, 29 reports), 3 excerpts, 6 fixtures
    assert len(release.graphs) == 3 + 2 + 29 + 3 + 6


# --- curators' errors -------------------------------------------------------------------------


def copy_excerpt(tmp_path: Path, name: str, replace: dict[str, str]) -> Path:
    for ext in (".toml", ".txt"):
        text = (EXCERPTS / f"{name}{ext}").read_text(encoding="utf-8")
        for a, z in replace.items():
            text = text.replace(a, z)
        (tmp_path / f"{name}{ext}").write_text(text, encoding="utf-8")
    return tmp_path / f"{name}.toml"


def test_wrong_profile_names_what_it_expected_and_the_profile_that_reads_it(tmp_path: Path) -> None:
    meta = copy_excerpt(
        tmp_path, "liaoning-2024-notice-excerpt", {'genre = "task-notice-labelled"': 'genre = "task-notice-web"'}
    )
    with pytest.raises(SourceError) as e:
        map_notice(load_document(meta, reference().names), reference(), IRIS)
    message = str(e.value)
    assert "liaoning-2024-notice-excerpt.txt:30: task 1 has no responsibility clause" in message
    assert "expects a responsibility clause in brackets" in message and "牵头单位：" in message
    assert "parses with profile 'task-notice-labelled'" in message


def test_unknown_unit_is_not_taken_from_another_government(tmp_path: Path) -> None:
    # 交通运输厅 is a Henan agency; Liaoning's table does not have it, and Henan's is never searched
    meta = copy_excerpt(tmp_path, "liaoning-2024-notice-excerpt", {"牵头单位:省财政厅": "牵头单位:省交通运输厅"})
    with pytest.raises(SourceError) as e:
        map_notice(load_document(meta, reference().names), reference(), IRIS)
    message = str(e.value)
    assert "liaoning-2024-notice-excerpt.txt:36: unknown unit '省交通运输厅' in task 2" in message
    assert "searched the agencies of liaoning → national" in message
    assert "gazetteer/agencies/liaoning.csv" in message


def test_one_build_reports_every_failing_document(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    copy_excerpt(sources, "liaoning-2024-notice-excerpt", {"牵头单位:省财政厅": "牵头单位:省交通运输厅"})
    copy_excerpt(sources, "tongchuan-2025-notice-excerpt", {"(市财政局负责)": "(市天文台负责)"})
    with pytest.raises(SourceError) as e:
        b.assemble(sources)
    message = str(e.value)
    assert message.startswith("2 document(s) failed to map")
    assert "'省交通运输厅'" in message and "'市天文台'" in message


def test_an_unknown_genre_names_the_metadata_file_and_the_known_profiles(tmp_path: Path) -> None:
    wrong = {'genre = "task-notice-web"': 'genre = "city-notice"'}
    meta = copy_excerpt(tmp_path, "tongchuan-2025-notice-excerpt", wrong)
    with pytest.raises(
        SourceError,
        match=r"tongchuan-2025-notice-excerpt\.toml: genre 'city-notice' is not a profile"
        r".*known: .*task-notice-web",
    ):
        map_notice(load_document(meta, reference().names), reference(), IRIS)


def test_profiles_extend_and_a_bad_setting_names_the_file(tmp_path: Path) -> None:
    profiles = load_profiles(DATA_ROOT / "genres")
    labelled = profiles["task-notice-labelled"]
    assert labelled.clause_form == "labelled" and labelled.indent_starts  # from itself and task-notice-web
    assert labelled.endings == profiles["task-notice"].endings  # from task-notice
    (tmp_path / "bad.toml").write_text(
        'parser = "notice"\nkind = "TaskAssignmentNotice"\n[clause]\nform = "inline"\n', encoding="utf-8"
    )
    with pytest.raises(SourceError, match=r"bad\.toml: clause\.form = 'inline' \(one of bracket, labelled\)"):
        load_profiles(tmp_path)


# --- a new province through data files only ---------------------------------------------------

INVENTED = FIXTURES / "invented"


def test_an_invented_province_is_added_by_data_files_only(tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(DATA_ROOT / "gazetteer", root / "gazetteer")
    shutil.copytree(DATA_ROOT / "genres", root / "genres")
    shutil.copy(INVENTED / "zhongzhou-notice.toml", root / "genres")
    shutil.copy(INVENTED / "zhongzhou.csv", root / "gazetteer" / "agencies")
    with (root / "gazetteer" / "regions.csv").open("a", encoding="utf-8") as f:
        f.write("990000,中州省,中州,Zhongzhou Province,Province,province (invented for a test),china,,990000,,,,\n")
    with (root / "gazetteer" / "jurisdictions.csv").open("a", encoding="utf-8") as f:
        f.write("zhongzhou,中州省,Zhongzhou Province,provincial,990000,national,省,全省,invented for a test\n")
    with (root / "gazetteer" / "document-series.csv").open("a", encoding="utf-8") as f:
        f.write("zhongzhou,中政,zhongzheng,中州省人民政府文件,Zhongzhou Provincial People's Government,省政府,\n")
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    for name in ("zhongzhou-2026.txt", "zhongzhou-2026.toml"):
        shutil.copy(INVENTED / name, sources)
    release = b.build(tmp_path / "out", sources_dir=sources, data_root=root)
    assert release.validation.violations == 0
    g = Graph()
    g.parse(release.path / "henan-kg.nt", format="nt")
    slug = "doc/zhongzhou/zhongzheng/2026/1"
    assert units(g, slug, 1) == (
        ["zhongzhou/development-reform"],
        ["zhongzhou/finance", "zhongzhou/all-city-governments"],
    )
    assert units(g, slug, 2) == (["zhongzhou/human-resources"], [])
    assert (IRIS(f"{slug}/task/2"), HGV.hasTarget, None) in g
    assert len(set(g.subjects(RDF.type, HGV.Task))) == 148 + 2  # beside the real notice's 148


def test_per_chapter_numbering_is_checked_chapter_by_chapter() -> None:
    slug = "doc/henan/yuzheng/2025/11"
    g = mapped(NOTICES / "per-chapter.toml")
    g += reference_graph()
    fired = validate(g).fired()
    assert not {f for f in fired if f[0] in (HSH.TaskNumberingShape, HSH.ChapterTaskNumberingShape)}
    g.set((IRIS(f"{slug}/task/4"), HGV.orderNumber, Literal(3)))  # chapter 二 now numbers 1, 3
    assert (HSH.ChapterTaskNumberingShape, IRIS(f"{slug}/chapter/2")) in validate(g).fired()
