"""Normalisation: page-break repair by the genre's rules, one punctuation form, numbers without
spaces, and a faithful map back to source offsets. Expectations come from reading the sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SOURCES_DIR
from mappings.text import every_line, normalize, notice_breaks

NOTICE = (SOURCES_DIR / "henan-2026-key-tasks-notice.txt").read_text(encoding="utf-8")
FIXTURES = Path(__file__).parent / "fixtures" / "notices"


@pytest.fixture(scope="module")
def norm():
    return normalize(NOTICE)


def paragraph(norm, prefix: str) -> str:
    found = [p for p in norm.text.split("\n") if p.startswith(prefix)]
    assert len(found) == 1, prefix
    return found[0]


def test_paragraph_count(norm) -> None:
    # title, number, addressees, preamble, 10 chapters, 34 sections, 148 tasks, issuer, date
    assert len(norm.text.split("\n")) == 4 + 10 + 34 + 148 + 2


def test_head_and_signature(norm) -> None:
    lines = norm.text.split("\n")
    assert lines[0] == "河南省人民政府关于明确政府工作报告提出的2026年重点工作责任单位的通知"
    assert lines[1] == "豫政〔2026〕4号"
    assert lines[2] == "各省辖市人民政府，济源示范区、航空港区管委会，省人民政府各部门："
    assert lines[3].startswith("现将《政府工作报告》提出的2026年重点工作任务")
    assert lines[-2:] == ["河南省人民政府", "2026年2月28日"]


@pytest.mark.parametrize(
    "prefix, joined",
    [
        ("7.", "加快南阳等4个国家现代流通战略支点城市建设"),
        ("10.", "中豫航空集团、中豫港务集团，郑州市政府，航空港区管委会按职责分工负责）"),
        ("15.", "培育一批高品质消费名品"),
        ("20.", "（省发展改革委、电力公司按职责分工负责）"),
        ("31.", "向专业化和价值链高端延伸，促进生活性服务业高品质多样化便利化发展。（省发展改革委牵头"),
        ("52.", "（省交通运输厅、水利厅"),
        ("57.", "交通运输厅、商务厅、郑州海关"),
        ("62.", "郑州、开封、洛阳、三门峡、商丘市政府"),
        ("79.", "主动对接国际高标准经贸规则，加快跨境贸易便利化"),
        ("84.", "（省文化和旅游厅、文物局，郑州、开封、洛阳、安阳市政府按职责分工负责）"),
        ("96.", "农业农村厅按职责分工负责）"),
        ("101.", "生态环境厅、住房城乡建设厅"),
        ("108.", "倡导绿色低碳生产生活方式，"),
        ("113.", "深化义务教育集团化办学与城乡学校共同体建设"),
        ("120.", "医保局、药监局按职责分工负责）"),
        ("127.", "完善覆盖城乡的三级养老服务网络，推动60%以上的"),
        ("139.", "完成地方政府融资平台退出"),
        ("146.", "突出抓好数智动员、新域新质民兵力量"),
    ],
)
def test_page_breaks_repaired(norm, prefix: str, joined: str) -> None:
    assert joined in paragraph(norm, prefix)


def test_punctuation_unified(norm) -> None:
    for half in "(),:;":
        assert half not in norm.text
    assert "（四）充分激发消费潜能。" in norm.text  # written "(四) 充分激发消费潜能。"
    assert paragraph(norm, "63.").endswith(
        "（省发展改革委牵头，省交通运输厅、商务厅，安阳、三门峡、商丘、信阳市政府按职责分工负责）"
    )
    assert "1.5万家" in norm.text and "5G—A" in norm.text  # decimal point and Latin letters untouched


def test_numbers_without_spaces(norm) -> None:
    assert paragraph(norm, "17.") == "17.实施1000个以上省重点项目，年度完成投资1万亿元。（省发展改革委牵头负责）"
    assert "可再生能源发电装机突破1亿千瓦" in norm.text
    assert "推进66个粮食产能提升重点县和豫东平原200万亩整区域" in norm.text
    assert paragraph(norm, "121.").startswith("121.提升爱国卫生运动成效，广泛开展全民健身活动")


def test_offsets_point_at_the_source(norm) -> None:
    assert len(norm.offsets) == len(norm.text) + 1
    assert norm.offsets == sorted(norm.offsets)
    for i, c in enumerate(norm.text):
        if c != "\n":
            src = NOTICE[norm.offsets[i]]
            assert c == src or (src, c) in {("(", "（"), (")", "）"), (",", "，"), (":", "："), (";", "；")}, i


def test_source_span_includes_page_break_junk(norm) -> None:
    k = norm.text.index("电力公司按职责")
    assert norm.source_text(k, k + 4) == "电力公\n\n司"
    k = norm.text.index("中豫航空集团、中豫港务")
    assert norm.source_text(k, k + 6) == "中豫航\n\n空集团"
    k = norm.text.index("1万亿元")
    assert norm.source_text(k, k + 4) == "1 万亿元"
    s, e = norm.source_span(k, k + 4)
    assert NOTICE[s:e] == "1 万亿元"


def test_stray_spaces_and_thousands() -> None:
    n = normalize("1. 完成 1,000 万元投资 ,时间 10:30 。(省财政厅牵头负责)\n  2. 新增 2 万 人。(省财政厅牵头负责)")
    assert n.text == "1.完成1000万元投资，时间10:30。（省财政厅牵头负责）\n2.新增2万人。（省财政厅牵头负责）"


def test_full_width_digits_and_letters() -> None:
    assert normalize("１２３ＡＢ，５Ｇ").text == "123AB，5G"


def test_item_numbers_follow_the_sequence() -> None:
    # a continuation line that happens to start like an earlier number is not a new task
    assert notice_breaks(["5.甲。（省财政厅负责）"], "6.乙") is True
    assert notice_breaks(["5.甲，推动"], "3.5万家企业上云") is False
    assert notice_breaks(["5.甲，推动"], "2.乙") is False
    assert notice_breaks(["5.甲，推动"], "10个省级数据产业园") is False
    # numbering that restarts is still a new item after a finished task or a heading
    assert notice_breaks(["5.甲。（省财政厅负责）"], "1.乙") is True
    assert notice_breaks(["5.甲。（省财政厅负责）", "（二）标题"], "1.乙") is True


def test_genre_rules_for_the_head_and_signature() -> None:
    assert notice_breaks(["某省人民政府关于…的通知"], "某政〔2025〕1号") is True
    assert notice_breaks(["各省辖市人民政府："], "现将…") is True
    assert notice_breaks(["9.乙。（省财政厅负责）"], "某省人民政府") is True
    assert notice_breaks(["某省人民政府"], "2025年1月1日") is True
    assert notice_breaks(["9.乙，完善"], "覆盖城乡") is False


def test_line_rule_is_a_parameter() -> None:
    text = "第一行\n\n 第二行。\n第三行"
    assert normalize(text, every_line).text == "第一行\n第二行。\n第三行"

    def join_until_full_stop(paragraphs, line):
        return not paragraphs or paragraphs[-1].endswith("。")

    n = normalize(text, join_until_full_stop)
    assert n.text == "第一行第二行。\n第三行"
    assert n.source_text(0, 6) == "第一行\n\n 第二行"


def test_halfwidth_fixture_normalises_like_the_full_width_genre() -> None:
    n = normalize((FIXTURES / "halfwidth.txt").read_text(encoding="utf-8"))
    lines = n.text.split("\n")
    assert lines[3].startswith(
        "现将《政府工作报告》提出的2025年重点工作任务予以分解。各责任单位要制定落实方案，于2025年3月15日前"
    )
    assert "（一）扩大有效投资。" in lines
    assert (
        "1.实施500个以上省重点项目，年度完成投资8000亿元。（省发展改革委牵头，省财政厅，各省辖市政府按职责分工负责）"
    ) in lines


def test_pagebreak_fixture_rejoins_split_clauses() -> None:
    n = normalize((FIXTURES / "pagebreaks.txt").read_text(encoding="utf-8"))
    assert n.text.split("\n")[6:9] == [
        "1.加快高速公路建设，新、改建农村公路3000公里。（省交通运输厅、发展改革委、电力公司按职责分工负责）",
        "2.推进铁路专用线建设，10个物流园区接入铁路专用线。（省发展改革委、交通运输厅，洛阳、三门峡市政府按职责分工负责）",
        "（二）提升能源保障。",
    ]
