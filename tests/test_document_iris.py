"""Document IRIs: derived from the metadata by one rule (jurisdiction, series, year, number; or the
genre's word and the plan year), errors that say which row to add where, and the IRIs of releases
up to 0.2 answered with 301 by the real server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from conftest import DATA_ROOT, FIXTURES, SOURCES_DIR, Server, reference, thread_server
from endpoint.redirects import moved
from mappings.series import DocumentNames, parse_number
from mappings.source import SourceError, load_document, load_documents, redirects

NOTICE_TOML = SOURCES_DIR / "henan-2026-key-tasks-notice.toml"


def names() -> DocumentNames:
    return reference().names


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "parts"),
    [
        ("豫政〔2026〕4号", ("豫政", 2026, 4)),
        ("豫政办〔2026〕12号", ("豫政办", 2026, 12)),
        ("豫政办[2026]12号", ("豫政办", 2026, 12)),  # half-width brackets
        ("辽政发［2024］3号", ("辽政发", 2024, 3)),  # full-width square brackets
        ("豫政〔2025〕3號", ("豫政", 2025, 3)),  # traditional 號 (tests/fixtures/notices/traditional.toml)
        ("豫政 〔2026〕 4 号", ("豫政", 2026, 4)),
    ],
)
def test_a_number_is_read_as_series_year_and_serial(number: str, parts: tuple[str, int, int]) -> None:
    n = parse_number(number)
    assert n is not None and (n.prefix, n.year, n.n) == parts


@pytest.mark.parametrize("number", ["豫政2026-4", "豫政〔26〕4号", "〔2026〕4号", "豫政〔2026〕号"])
def test_what_is_not_a_number_is_none(number: str) -> None:
    assert parse_number(number) is None


def test_every_document_of_the_build_has_the_iri_its_metadata_gives() -> None:
    """Read off the metadata files: the notice 豫政〔2026〕4号 of Henan, and each work report by its
    jurisdiction and plan year (2024 for Henan's older one, 2026 for the 29 others)."""
    docs = {d.meta_path.name: d.iri_path for d in load_documents(SOURCES_DIR, names())}
    assert docs["henan-2026-key-tasks-notice.toml"] == "doc/henan/yuzheng/2026/4"
    assert docs["henan-2024-government-work-report.toml"] == "doc/henan/work-report/2024"
    assert docs["2026-hebei-government-work-report.toml"] == "doc/hebei/work-report/2026"
    assert docs["2026-inner-mongolia-government-work-report.toml"] == "doc/inner-mongolia/work-report/2026"
    assert len(set(docs.values())) == len(docs) == 31


@pytest.mark.parametrize(
    ("toml", "path"),
    [
        ("excerpts/henan-2023-notice-excerpt.toml", "doc/henan/yuzheng/2023/5"),
        ("excerpts/liaoning-2024-notice-excerpt.toml", "doc/liaoning/liaozhengfa/2024/3"),
        ("excerpts/tongchuan-2025-notice-excerpt.toml", "doc/tongchuan/tongzhengbanfa/2025/1"),
        ("notices/variants.toml", "doc/henan/yuzhengban/2025/7"),  # 豫政办: the general office's series
        ("notices/traditional.toml", "doc/henan/yuzheng/2025/3"),
    ],
)
def test_the_series_tells_the_issuers_documents_apart(toml: str, path: str) -> None:
    assert load_document(FIXTURES / toml, names()).iri_path == path


def _notice_with(tmp_path: Path, old: str, new: str) -> Path:
    shutil.copy(SOURCES_DIR / "henan-2026-key-tasks-notice.txt", tmp_path)
    text = NOTICE_TOML.read_text(encoding="utf-8")
    assert old in text
    meta = tmp_path / NOTICE_TOML.name
    meta.write_text(text.replace(old, new), encoding="utf-8")
    return meta


def test_an_unknown_series_names_the_toml_and_the_row_to_add(tmp_path: Path) -> None:
    meta = _notice_with(tmp_path, 'number = "豫政〔2026〕4号"', 'number = "豫政函〔2026〕4号"')
    with pytest.raises(SourceError) as err:
        load_document(meta, names())
    message = str(err.value)
    assert message.startswith(f"{meta}: the series 豫政函 of number 豫政函〔2026〕4号 is not a series of henan")
    assert "add a row (henan,豫政函,<pinyin slug>,…)" in message
    assert message.endswith(str(DATA_ROOT / "gazetteer" / "document-series.csv"))


def test_a_series_of_another_government_is_not_borrowed(tmp_path: Path) -> None:
    """辽政发 is Liaoning's series: a Henan document numbered with it is refused, not named after it."""
    meta = _notice_with(tmp_path, 'number = "豫政〔2026〕4号"', 'number = "辽政发〔2026〕4号"')
    with pytest.raises(SourceError, match="the series 辽政发 .* is not a series of henan"):
        load_document(meta, names())


def test_a_series_names_its_issuer(tmp_path: Path) -> None:
    meta = _notice_with(tmp_path, 'number = "豫政〔2026〕4号"', 'number = "豫政办〔2026〕4号"')
    with pytest.raises(SourceError, match="is of the series of 省政府办公厅 .*but issuer = '省政府'"):
        load_document(meta, names())


def test_the_old_slug_key_is_refused_with_the_migration(tmp_path: Path) -> None:
    meta = _notice_with(tmp_path, "former_slug =", "slug =")
    with pytest.raises(SourceError, match="'slug' is no longer read.*rename the key to former_slug"):
        load_document(meta, names())


def test_a_malformed_number_says_the_form(tmp_path: Path) -> None:
    meta = _notice_with(tmp_path, 'number = "豫政〔2026〕4号"', 'number = "豫政2026-4"')
    with pytest.raises(SourceError, match=r"number = '豫政2026-4' is not of the form \{series\}〔\{year\}〕\{n\}号"):
        load_document(meta, names())


def test_two_documents_with_one_iri_fail_the_build_naming_both(tmp_path: Path) -> None:
    """A document number is unique within its series: two metadata files giving the same number
    would merge two documents into one node, so the build refuses the second."""
    from kg.build import assemble

    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(SOURCES_DIR / "henan-2026-key-tasks-notice.txt", sources)
    text = NOTICE_TOML.read_text(encoding="utf-8").replace('assigns = "doc/henan/work-report/2026"', "")
    (sources / "a.toml").write_text(text, encoding="utf-8")
    (sources / "b.toml").write_text(text.replace('former_slug = "notice/2026-4"', ""), encoding="utf-8")
    with pytest.raises(SourceError, match=r"b\.toml: its IRI path doc/henan/yuzheng/2026/4 is also .*a\.toml's"):
        assemble(sources, DATA_ROOT)


def test_a_duplicate_series_row_names_the_line(tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(DATA_ROOT / "gazetteer", root / "gazetteer")
    with (root / "gazetteer" / "document-series.csv").open("a", encoding="utf-8") as f:
        f.write("henan,豫政,yuzheng2,,,省政府,\n")
    with pytest.raises(SourceError, match=r"document-series\.csv:\d+: duplicate series 豫政 of henan"):
        DocumentNames.load(root / "gazetteer", {})


# --- the redirects ------------------------------------------------------------------------------


def test_moved_replaces_whole_segments_only() -> None:
    table = {"notice/2026-4": "doc/henan/yuzheng/2026/4", "report/2024": "doc/henan/work-report/2024"}
    assert moved(table, "notice/2026-4") == "doc/henan/yuzheng/2026/4"
    assert moved(table, "notice/2026-4/task/17/target/2") == "doc/henan/yuzheng/2026/4/task/17/target/2"
    assert moved(table, "notice/2026-40") is None
    assert moved(table, "report/2024x/part/1") is None
    assert moved(table, "doc/henan/yuzheng/2026/4") is None


def test_the_redirect_table_holds_every_former_slug_and_graph() -> None:
    table = redirects(load_documents(SOURCES_DIR, names()))
    assert table["notice/2026-4"] == "doc/henan/yuzheng/2026/4"
    assert table["graph/notice-2026-4"] == "graph/doc/henan/yuzheng/2026/4"
    assert table["report/2024"] == "doc/henan/work-report/2024"
    assert table["report/henan-2026"] == "doc/henan/work-report/2026"
    assert table["graph/report-guangdong-2026"] == "graph/doc/guangdong/work-report/2026"
    assert len(table) == 2 * 31  # each published document and its graph


@pytest.fixture(scope="module")
def server(release: Any) -> Iterator[Server]:
    """The endpoint over the real build, on a real port."""
    with thread_server(RELEASE_DIR=str(release.path), THREADS=2, ACCESS_LOG=False, QUERY_TIMEOUT_S=30) as s:
        yield s


def test_the_release_manifest_carries_the_redirects(release: Any) -> None:
    manifest = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["redirects"]["notice/2026-4"] == "doc/henan/yuzheng/2026/4"


def test_an_old_iri_redirects_permanently_to_the_new_one_which_answers(server: Server) -> None:
    old = requests.get(
        server.url + "/id/notice/2026-4/task/17", headers={"Accept": "text/turtle"}, allow_redirects=False, timeout=30
    )
    assert old.status_code == 301
    assert old.headers["Location"].endswith("/id/doc/henan/yuzheng/2026/4/task/17")
    new = requests.get(
        server.url + "/id/doc/henan/yuzheng/2026/4/task/17", headers={"Accept": "text/turtle"}, timeout=30
    )
    assert new.status_code == 200
    # task 17 of the notice: 实施 1000 个以上省重点项目 … （省发展改革委牵头负责）
    assert "<https://w3id.org/henan-gov/id/doc/henan/yuzheng/2026/4/task/17>" in new.text
    assert "<https://w3id.org/henan-gov/id/agency/henan/development-reform-commission>" in new.text
    followed = requests.get(server.url + "/id/notice/2026-4/task/17", headers={"Accept": "text/turtle"}, timeout=30)
    assert followed.status_code == 200 and followed.url.endswith("/id/doc/henan/yuzheng/2026/4/task/17")
    assert [r.status_code for r in followed.history] == [301]


def test_old_report_and_graph_iris_redirect_and_keep_the_query(server: Server) -> None:
    report = requests.get(server.url + "/id/report/hebei-2026?format=ttl", allow_redirects=False, timeout=30)
    assert report.status_code == 301
    assert report.headers["Location"].endswith("/id/doc/hebei/work-report/2026?format=ttl")
    graph = requests.get(server.url + "/id/graph/report-2024", allow_redirects=False, timeout=30)
    assert graph.status_code == 301 and graph.headers["Location"].endswith("/id/graph/doc/henan/work-report/2024")


def test_what_never_existed_is_still_404(server: Server) -> None:
    for path in ("/id/notice/2026-5/task/1", "/id/doc/henan/yuzheng/2026/5", "/id/notice/2026-4/task/999"):
        response = requests.get(server.url + path, headers={"Accept": "text/turtle"}, timeout=30)
        assert response.status_code == 404, path
