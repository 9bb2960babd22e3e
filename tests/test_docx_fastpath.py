"""The DOCX reader's one-pass fast path (extractor/readers/docxflat.py) against its full
walker: the same blocks, labels, counters and limits on documents built to sit at the
edges of the fast path, and the fast path taken (or left) where it should be."""

from __future__ import annotations

import pytest
from docxbuild import document_xml, lvl, num, numbering_xml, p, package, tbl, tc

from extractor.errors import LimitExceeded
from extractor.limits import Limits
from extractor.model import Cell, Text
from extractor.readers import docx, docxflat

LEVELS = numbering_xml({1: lvl(0, "chineseCounting", "%1、") + lvl(1, "decimal", "%2.", extra='<w:suff w:val="space"/>')},
                       {1: (1, "")})
BOX = ('<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>{}'
       '</w:txbxContent></wps:txbx></w:drawing></mc:Choice></mc:AlternateContent></w:r>')


def both(body: str, limits: Limits | None = None, monkeypatch: pytest.MonkeyPatch | None = None):
    """(fast path result, full walker result, whether the fast path was taken: its blocks
    built from the last call of ``flatten``; the first call is the scanning pass, a second
    one the pass over a body prepared by the full path's scan)."""
    assert monkeypatch is not None
    data = package(document_xml(body), {"word/numbering.xml": LEVELS})
    taken: list[bool] = []
    real = docx.flatten

    def spy(*args):
        out = real(*args)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(docx, "flatten", spy)
    fast = docx.read(data, limits or Limits())
    monkeypatch.setattr(docx, "flatten", lambda *args: None)
    full = docx.read(data, limits or Limits())
    return fast, full, taken[-1:] == [True]


def test_plain_document_takes_the_fast_path_with_labels_spans_and_where(monkeypatch) -> None:
    body = (p("总体情况", num(1)) + p("说明") + p("主动公开", num(1, 1))
            + tbl(tc("项目", span=2) + tc("数量"), tc("规章", vmerge="restart") + tc("本年") + tc("3"),
                  tc(vmerge="continue") + tc("累计") + tc("7"))
            + p("收到和处理", num(1)))
    fast, full, taken = both(body, monkeypatch=monkeypatch)
    assert taken and fast == full
    assert [(b.text, b.where) for b in fast.lines()] == [
        ("一、总体情况", {"paragraph": 0}), ("说明", {"paragraph": 1}), ("1. 主动公开", {"paragraph": 2}),
        ("二、收到和处理", {"paragraph": 3})]
    g = fast.grids()[0]
    assert g.texts() == [["项目", "项目", "数量"], ["规章", "本年", "3"], ["规章", "累计", "7"]]
    assert g.rows[1][0] == Cell("规章", {"table": 0, "row": 1, "column": 0}, 2, 1)
    assert g.rows[2][0] == Cell("规章", {"table": 0, "row": 1, "column": 0}, 2, 1, False)


def test_runs_inside_hyperlinks_fields_and_insertions_of_a_cell(monkeypatch) -> None:
    runs = ('<w:hyperlink><w:r><w:t>链接</w:t></w:r></w:hyperlink><w:ins w:id="1"><w:r><w:t>插入</w:t></w:r></w:ins>'
            '<w:fldSimple w:instr="X"><w:r><w:t>域</w:t></w:r></w:fldSimple><w:r><w:t>尾</w:t><w:tab/><w:t>x</w:t></w:r>')
    fast, full, taken = both(tbl(f"<w:tc>{p(runs=runs)}</w:tc>" + tc("b")), monkeypatch=monkeypatch)
    assert taken and fast == full
    assert fast.grids()[0].texts() == [["链接插入域尾 x", "b"]]


def test_text_outside_any_paragraph_is_not_read(monkeypatch) -> None:
    stray = f"<w:tc>{p('a')}<w:t>不在段落里</w:t></w:tc>" + tc("b")
    fast, full, taken = both(tbl(stray) + p("正文") + "<w:r><w:t>也不在</w:t></w:r>", monkeypatch=monkeypatch)
    assert taken and fast == full
    assert fast.grids()[0].texts() == [["a", "b"]] and [t.text for t in fast.lines()] == ["正文"]


@pytest.mark.parametrize("body", [
    f"<w:sdt><w:sdtContent>{p('控件里')}</w:sdtContent></w:sdt>" + p("后"),
    tbl(f"<w:tc><w:sdt><w:sdtContent>{p('格里的控件')}</w:sdtContent></w:sdt></w:tc>" + tc("b")),
    tbl("<w:customXml>" + tc("a") + "</w:customXml>" + tc("b")),
    tbl(tc("外") + f"<w:tc>{tbl(tc('内a') + tc('内b'))}<w:p/></w:tc>"),
    tbl(tc("a") + f"<w:tc>{p(runs=BOX.format(p('格里的框')))}</w:tc>"),
], ids=["paragraph-in-content-control", "cell-content-control", "row-custom-xml", "nested-table",
        "text-box-in-cell"])
def test_anything_placed_otherwise_goes_to_the_full_walker(body: str, monkeypatch) -> None:
    fast, full, taken = both(body, monkeypatch=monkeypatch)
    assert not taken and fast == full
    assert fast.blocks  # each one reads something


def test_text_box_of_a_body_paragraph_stays_on_the_fast_path(monkeypatch) -> None:
    body = p(runs='<w:r><w:t>锚</w:t></w:r>' + BOX.format(p("框内", num(1)) + tbl(tc("x") + tc("y")))) + p("下一段", num(1))
    fast, full, taken = both(body, monkeypatch=monkeypatch)
    assert taken and fast == full
    assert [(b.text, b.where) for b in fast.lines()] == [
        ("锚", {"paragraph": 0}), ("一、框内", {"paragraph": 1}), ("二、下一段", {"paragraph": 2})]
    assert fast.grids()[0].texts() == [["x", "y"]]


def test_legacy_horizontal_merge_never_takes_the_label_of_the_merged_away_cell(monkeypatch) -> None:
    merged = f'<w:tc><w:tcPr><w:hMerge/></w:tcPr>{p("并入", num(1))}</w:tc>'
    body = tbl(f"<w:tc>{p('甲', num(1))}</w:tc>" + merged + tc("乙"), tc("1") + tc("2") + tc("3")) + p("后", num(1))
    fast, full, taken = both(body, monkeypatch=monkeypatch)
    assert taken and fast == full
    assert fast.grids()[0].texts() == [["一、甲", "一、甲", "乙"], ["1", "2", "3"]]
    assert [t.text for t in fast.lines()] == ["二、后"]


def test_grid_before_multi_paragraph_cells_and_white_space(monkeypatch) -> None:
    before = '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>' + tc("b") + tc("c") + "</w:tr>"
    two = "<w:tc>" + p("第一段") + p(" 第二\u3000段 ") + "<w:p/></w:tc>"
    body = "<w:tbl>" + f"<w:tr>{tc('a')}{two}{tc('c')}</w:tr>" + before + "</w:tbl>"
    fast, full, taken = both(body, monkeypatch=monkeypatch)
    assert taken and fast == full
    assert fast.grids()[0].texts() == [["a", "第一段\n第二 段", "c"], ["", "b", "c"]]


def test_one_column_table_is_read_as_numbered_body_paragraphs(monkeypatch) -> None:
    body = p("前") + tbl(f"<w:tc>{p('框题', num(1))}{p('说明')}</w:tc>", tc("第二行")) + p("后", num(1))
    fast, full, taken = both(body, monkeypatch=monkeypatch)
    assert taken and fast == full
    assert [(b.text, b.where) for b in fast.blocks if isinstance(b, Text)] == [
        ("前", {"paragraph": 0}), ("一、框题", {"paragraph": 1}), ("说明", {"paragraph": 2}),
        ("第二行", {"paragraph": 3}), ("二、后", {"paragraph": 4})]


def test_limits_end_the_fast_path_as_they_end_the_full_walker(monkeypatch) -> None:
    body = "".join(p(f"第{i}段") for i in range(10)) + tbl(tc("很长的单元格文字" * 5) + tc("b"))
    fast, full, taken = both(body, Limits(max_lines=3), monkeypatch=monkeypatch)
    assert taken and fast == full and [t.text for t in fast.lines()] == ["第0段", "第1段", "第2段"]
    assert [i.code for i in fast.issues] == ["limit.max_lines"]
    for fast_path in (True, False):
        if not fast_path:
            monkeypatch.setattr(docx, "flatten", lambda *args: None)
        with pytest.raises(LimitExceeded, match="max_text_chars=50"):
            docx.read(package(document_xml(body)), Limits(max_text_chars=50))


def test_flatten_segments_of_a_small_body() -> None:
    from lxml import etree

    root = etree.fromstring(document_xml(p("标题") + tbl(tc("a", span=2), tc("b") + tc("c"))))
    segs, nps, props, anchors = docxflat.flatten(root[0], set(), {}, docx._before, docx._first)
    assert segs == ["", "P标题", "T\x01\x02\x04\x03a\x01\x02\x03b\x02\x03c"]
    assert nps == [] and anchors == [] and [[(t.split("}")[1], v) for t, v in x] for x in props] == [[("gridSpan", "2")]]


def test_cells_and_lines_made_without_init_are_the_model_objects() -> None:
    import dataclasses

    made, plain = docx._cell("a", {"table": 0}), Cell("a", {"table": 0})
    assert made == plain and type(made) is Cell
    assert list(vars(made).items()) == list(vars(plain).items()) and repr(made) == repr(plain)
    line = docx._text("一、总体情况", {"paragraph": 3})
    assert line == Text("一、总体情况", {"paragraph": 3})
    assert list(vars(line).items()) == list(vars(Text("一、总体情况", {"paragraph": 3})).items())
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.text = "x"  # type: ignore[misc]


def test_cell_properties_written_after_the_cells_paragraph(monkeypatch) -> None:
    """Regression: a w:tcPr after the cell's paragraph once left its mark in the cell text
    and shifted the span properties of every later cell of the row."""
    late = '<w:tc><w:p><w:r><w:t>甲</w:t></w:r></w:p><w:tcPr><w:gridSpan w:val="2"/></w:tcPr></w:tc>'
    body = tbl(late + tc("乙", span=2), tc("1") + tc("2") + tc("3") + tc("4"))
    fast, full, taken = both(body, monkeypatch=monkeypatch)
    assert taken and fast == full
    assert fast.grids()[0].texts() == [["甲", "甲", "乙", "乙"], ["1", "2", "3", "4"]]


def calls_of_flatten(data: bytes, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Per call of ``docx.flatten`` while reading ``data``: whether it was the scanning pass
    (``numbered`` None) and whether it gave segments."""
    calls: list[bool] = []
    real = docx.flatten

    def spy(body, numbered, *rest):
        out = real(body, numbered, *rest)
        calls.extend([numbered is None, out is not None])
        return out

    monkeypatch.setattr(docx, "flatten", spy)
    docx.read(data)
    return calls


def test_usual_body_is_read_by_the_scanning_pass_alone(monkeypatch) -> None:
    runs = '<w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:sym w:char="2605"/><w:noBreakHyphen/></w:r>'
    body = (p("标题", num(1)) + p(runs=runs) + p("有样式", '<w:pStyle w:val="Heading1"/>')
            + '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs></w:pPr><w:r><w:t>制表位</w:t></w:r></w:p>'
            + tbl(f"<w:tc>{p(runs=runs)}</w:tc>" + f"<w:tc>{p('格', num(1, 1))}</w:tc>", tc("1") + tc("2")))
    data = package(document_xml(body), {"word/numbering.xml": LEVELS})
    assert calls_of_flatten(data, monkeypatch) == [True, True]  # one pass: scanning, and taken
    monkeypatch.undo()
    fast, full, taken = both(body, monkeypatch=monkeypatch)
    assert taken and fast == full
    assert [t.text for t in fast.lines()] == ["一、标题", "甲 乙", "★-", "有样式", "制表位"]
    assert fast.grids()[0].texts() == [["甲 乙\n★-", "1. 格"], ["1", "2"]]


@pytest.mark.parametrize("extra", [
    '<w:del w:id="9"><w:r><w:delText>删</w:delText></w:r></w:del>',
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r>',
])
def test_element_to_drop_sends_the_body_to_the_prepared_pass(extra: str, monkeypatch) -> None:
    body = p("前", num(1)) + p(runs=f'<w:r><w:t>留</w:t></w:r>{extra}') + tbl(tc("a") + tc("b"))
    data = package(document_xml(body), {"word/numbering.xml": LEVELS})
    # the scanning pass gives up; the pass over the prepared body is taken
    assert calls_of_flatten(data, monkeypatch) == [True, False, False, True]
    monkeypatch.undo()
    fast, full, taken = both(body, monkeypatch=monkeypatch)
    assert taken and fast == full
    assert [t.text for t in fast.lines()] == ["一、前", "留"]


def test_internal_dtd_sends_the_body_to_the_prepared_pass(monkeypatch) -> None:
    data = package(document_xml(p("文&x;字"), prolog='<!DOCTYPE w:document [<!ENTITY x "X">]>'))
    assert calls_of_flatten(data, monkeypatch) == [False, True]
    assert [t.text for t in docx.read(data).lines()] == ["文字"]
