"""A Traditional-Chinese mirror of a report (docs/report-formats.md, Deviations) reads the same values;
what the report prints (issuer, headings) stays as printed."""

from __future__ import annotations

import sys

import pytest

import extractor
from extractor.readers.html import read as html_read
from extractor.text_norm import match_key

from conftest import FIXTURES, load_expected

sys.path.insert(0, str(FIXTURES))
import reports  # noqa: E402


def test_traditional_mirror_reads_the_same_values():
    rep = extractor.parse(FIXTURES / "traditional" / "county-2021.tsv-traditional.txt")
    exp = load_expected("county-2021")
    assert {v.field: (v.kind, v.value) for v in rep.values} == {
        f: (e["kind"], e["value"]) for f, e in exp["values"].items()}
    assert rep.metadata.template == "2021"
    assert (rep.metadata.issuer, rep.metadata.year, rep.metadata.published) == ("臨江縣人民政府", 2021, "2022-01-25")
    assert [(s.number, s.title) for s in rep.sections][:2] == [(1, "一、總體情況"), (2, "二、主動公開政府信息情況")]
    assert rep.issues == ()


def test_match_keys_fold_traditional_variants():
    assert match_key("三、本年度辦理結果") == match_key("三、本年度办理结果")
    assert match_key("行政複議") == match_key("行政復議") == match_key("行政复议") == "行政复议"
    assert match_key("（七）總計") == "(七)总计"


# ---------------------------------------------------------------- Traditional portal pages

_S2T = {}
for _t, _s in sorted(__import__("extractor.t2s_data", fromlist=["T2S"]).T2S.items()):
    _S2T.setdefault(_s, _t)
# Taiwan vocabulary as mirrors write it, then every character of our vocabulary Traditional
_TW = (("信息", "資訊"), ("文件", "檔案"), ("数据", "資料"))


def traditional(text: str) -> str:
    for cn, tw in _TW:
        text = text.replace(cn, tw)
    return "".join(_S2T.get(ch, ch) for ch in text)


@pytest.mark.parametrize("style", ["cms", "word", "portal"])
def test_traditional_portal_page_finds_its_sections_and_values(style: str) -> None:
    import make_html

    spec = reports.REPORTS["county-2021"]
    page = make_html.RENDER[style](spec)
    enc = "gb18030" if style == "portal" else "utf-8"
    page_t = traditional(page.decode(enc)).encode(enc)
    rep = extractor.parse(page_t)
    want = extractor.parse(page)
    assert [s.number for s in rep.sections] == [s.number for s in want.sections] == [1, 2, 3, 4, 5, 6]
    assert [s.title for s in rep.sections][:2] == ["一、總體情況", "二、主動公開政府資訊情況"]
    assert {v.field: (v.kind, v.value) for v in rep.values} == {
        f: (e["kind"], e["value"]) for f, e in load_expected("county-2021")["values"].items()}
    assert rep.issue_codes() == want.issue_codes()


def test_html_reader_finds_traditional_headings_as_markers() -> None:
    # the report is the part of the page around its markers: the sibling box is not read
    doc = html_read("<html><body><div class='x'>"
                    "<p>一、總體情況</p><p>本年度……</p><p>二、主動公開政府資訊情況</p>"
                    "<table><tr><td>資訊內容</td><td>本年制發件數</td></tr><tr><td>規章</td><td>0</td></tr></table>"
                    "</div><div class='y'><p>熱門文章</p><p>某某縣召開會議</p></div></body></html>".encode())
    assert [b.text for b in doc.lines()] == ["一、總體情況", "本年度……", "二、主動公開政府資訊情況"]
    assert [g.texts() for g in doc.grids()] == [[["資訊內容", "本年制發件數"], ["規章", "0"]]]


def test_match_key_folds_taiwan_vocabulary() -> None:
    assert match_key("二、主動公開政府資訊情況") == "二.主动公开政府信息情况"
    assert match_key("行政規範性檔案") == "行政规范性文件"
    assert match_key("資料") == "数据"
    assert match_key("（一）予以公開") == "(一)予以公开"
    assert match_key(" 第 二 十 條 ") == "第二十条"


def test_traditional_unit_wan_yuan_reads_as_the_unit() -> None:
    from extractor.values import parse_value

    got = parse_value("160.5964萬元")
    assert (got.kind, got.value, got.unit, got.raw) == ("number", 160.5964, "万元", "160.5964萬元")
    assert parse_value("3億元").unit == "亿元"
