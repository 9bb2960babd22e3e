"""Tables ruled by horizontal lines only (issue 10), the rules of
``extractor/readers/pdf/hrules.py``: one rule per row boundary however many pieces draw it,
the joints of its pieces as column boundaries, words cut at joints, underlines that are no
rules, tables closed at a page break, an info box ruled by horizontal lines. A small synthetic
case for each rule, then regressions on the Chromium prints of fixtures/pdf/producers.json."""

from __future__ import annotations

from functools import cache

import pytest

import extractor
from extractor.model import Cell, Document, Grid, Text
from extractor.readers import pdf as pdf_reader
from extractor.readers.pdf.chrome import drop_chrome
from extractor.readers.pdf.hrules import box_edges, closed, joints_part_numbers, row_rules, split_at_joints
from extractor.readers.pdf.scan import Char
from extractor.readers.pdf.stream import Word, _is_data, words_of

from conftest import FIXTURES

PDF = FIXTURES / "pdf"


def bar(x0: float, x1: float, y: float, thick: float = 0.55) -> list[dict]:
    """A rule drawn as a filled bar: its top and bottom edges."""
    return [{"object_type": "line", "orientation": "h", "x0": x0, "x1": x1, "top": t, "bottom": t,
             "doctop": t, "width": x1 - x0, "height": 0.0} for t in (y, y + thick)]


def chars(text: str, x0: float, top: float, size: float = 9.0, gap: float = 0.0) -> list[Char]:
    return [Char(ch, x0 + i * (size + gap), top, x0 + i * (size + gap) + size, top + size) for i, ch in enumerate(text)]


# --------------------------------------------------------------------------- synthetic


def test_separate_borders_between_two_rows_are_one_rule_with_its_joints():
    # the cells above: bottom borders 10-50 and 51.1-90 (a cell spacing of 1.1 between them);
    # the cells below: top borders 1.1 lower, the same pieces; each a bar of two edges
    edges = bar(10, 50, 100) + bar(51.1, 90, 100) + bar(10, 50, 101.66) + bar(51.1, 90, 101.66)
    rules = row_rules(edges)
    assert [(r["x0"], r["x1"], round(r["top"], 2), r["joints"]) for r in rules] == [(10, 90, 101.1, (50.55,))]


def test_collapsed_pieces_end_to_end_are_one_rule_and_far_pieces_two():
    touching = row_rules(bar(10, 50, 100) + bar(50, 90, 100))
    assert [(r["x0"], r["x1"], r["joints"]) for r in touching] == [(10, 90, (50.0,))]
    apart = row_rules(bar(10, 50, 100) + bar(60, 90, 100))  # 10 points apart: two tables
    assert [(r["x0"], r["x1"], r["joints"]) for r in apart] == [(10, 50, ()), (60, 90, ())]
    rows = row_rules(bar(10, 90, 100) + bar(10, 90, 112))  # a row of text between them: two rules
    assert [round(r["top"], 3) for r in rows] == [100.275, 112.275]


def test_an_underline_through_its_text_is_no_rule():
    text = chars("政府信息公开指南", 50, 100)  # characters 100-109
    underline = bar(50, 122, 107.5)  # through their lower half
    rule = bar(50, 122, 111)  # under them: a table's rule
    assert row_rules(underline, text) == []
    assert [round(r["top"], 3) for r in row_rules(rule, text)] == [111.275]


def test_joints_between_every_two_number_columns_are_the_column_boundaries():
    stack = [{"x0": 0, "x1": 100, "top": 0, "joints": (30.0, 60.0)}]
    assert joints_part_numbers(stack, [(31, 35), (61, 65), (66, 70)]) is False  # 61-65 | 66-70: no joint
    assert joints_part_numbers(stack, [(31, 35), (61, 65)]) is True
    assert joints_part_numbers([{"x0": 0, "x1": 100, "top": 0, "joints": ()}], [(31, 35), (61, 65)]) is False


def test_a_word_is_cut_where_a_joint_falls_between_two_of_its_characters():
    cs = chars("社会公益", 10, 100) + chars("法律服务", 48.8, 100)  # 46-48.8: a gap of 2.8 at the joint
    assert [w.text for w in words_of(cs)] == ["社会公益法律服务"]  # close enough to read as one word
    split = split_at_joints(words_of(cs), cs, [47.4])
    assert [(w.text, w.x0, w.x1) for w in split] == [("社会公益", 10, 46), ("法律服务", 48.8, 84.8)]
    # a joint through a character (a label over two cells of a collapsed table) cuts nothing
    assert [w.text for w in split_at_joints(words_of(cs), cs, [20.0])] == ["社会公益法律服务"]


def _word(text: str, x0: float, top: float) -> Word:
    return Word(text, x0, top, x0 + 9 * len(text), top + 9)


def test_a_table_is_closed_across_its_width_and_under_a_row_cut_by_the_page_break():
    stack = [{"x0": 10, "x1": 100, "top": 700, "joints": ()}, {"x0": 40, "x1": 100, "top": 720, "joints": ()}]
    cut_row = [_word("1.申请人", 12, 722), _word("6", 60, 722), _word("2", 80, 722), _word("无正当理", 12, 733)]
    out = closed(stack, cut_row, _is_data)
    assert [(e["x0"], e["x1"], e["top"]) for e in out[2:]] == [(10, 100, 700), (10, 100, 720), (10, 100, 743.0)]
    # a heading under the table (no number) is no cut row; nor are numbers under the next rule
    assert len(closed(stack, [_word("四、政府信息公开", 12, 722)], _is_data)) == 4
    later = [{"x0": 10, "x1": 100, "top": 724, "joints": ()}]  # the next table's first rule
    assert len(closed(stack, cut_row, _is_data, later)) == 4


def test_an_info_box_ruled_by_horizontal_lines_is_cut_at_its_joints():
    rules = [{"orientation": "h", "x0": 0, "x1": 300, "top": y, "joints": (80.0, 150.0, 230.0)} for y in (0, 12, 24)]
    words = [_word("索引号：", 2, 2), _word("11000000/2022", 82, 2), _word("发布机构：", 2, 14),
             _word("临江县人民政府", 82, 14)]
    edges = box_edges(rules, words)
    assert edges is not None
    assert sorted((e["x0"], e["top"]) for e in edges if e["orientation"] == "v") == [
        (0, 0), (80.0, 0), (80.0, 12), (150.0, 12), (230.0, 0), (230.0, 12), (300, 0)]
    assert box_edges(rules, [_word("规章", 2, 2), _word("信息内容", 2, 14)]) is None  # no box labels


def test_a_browser_header_given_one_character_a_piece_is_chrome():
    from extractor.readers.pdf.lines import _Line  # the pieces drop_chrome is given

    stamp = [_Line(ch, 1, 24 + 5 * i, 15, 29 + 5 * i, 24) for i, ch in enumerate("12/1/26, 11:42 PM")]
    body = _Line("一、总体情况", 1, 50, 300, 110, 310)
    assert drop_chrome([(595.0, 842.0, [*stamp, body])]) == [[body]]


def test_a_row_continued_at_the_top_of_a_page_is_opened_and_a_blank_row_cut_at_its_end_closed():
    stack = [{"x0": 10, "x1": 100, "top": 60, "joints": ()}, {"x0": 10, "x1": 100, "top": 80, "joints": ()}]
    page = (24.4, 817.6)  # between the browser's header and footer
    rest = [_word("政机关", 12, 35), _word("不再处理", 12, 47)]  # a cut label's rest, no rule above it
    assert [e["top"] for e in closed(stack, rest, _is_data, (), page)[4:]] == [34.0]
    # a section heading over the table is no row; nor is anything without the page's span
    assert len(closed(stack, [_word("三、收到和处理政府信息公开申请情况", 12, 47)], _is_data, (), page)) == 4
    lower = [dict(e, top=e["top"] + 20) for e in stack]  # text above the lines: a caption and more
    assert len(closed(lower, [_word("说明文字", 12, 30), _word("政机关", 12, 56), _word("不再处理", 12, 68)],
                      _is_data, (), page)) == 4
    assert len(closed(stack, rest, _is_data)) == 4
    # a blank row (no number) cut at the page's end: its lines reach the footer's height
    low = [{"x0": 10, "x1": 100, "top": 780, "joints": ()}, {"x0": 10, "x1": 100, "top": 790, "joints": ()}]
    blank = [_word("5.要求行政机关", 12, 792), _word("确认或重", 12, 803)]
    assert [e["top"] for e in closed(low, blank, _is_data, (), page)[4:]] == [813.0]
    assert len(closed(low, blank, _is_data, (), (24.4, 840.0))) == 4  # 28 points above the page's end: no cut


def test_the_page_text_span_lies_between_the_browser_header_and_footer():
    from extractor.readers.pdf.chrome import text_span

    header = chars("12/1/26, 11:42 PM", 24, 15, size=5)
    footer = chars("http://www.example.gov.cn/a.html 2/3", 24, 817.6, size=5)
    assert text_span([*header, *footer, *chars("正文", 50, 300)], 842.0) == (20.0, 817.6)
    assert text_span(chars("正文", 50, 30), 842.0) == (0.0, 842.0)  # no browser header: the page's edges


def test_two_rules_around_a_wide_row_of_numbers_are_a_table():
    from extractor.readers.pdf.stream import rule_edges

    edges = bar(30, 560, 27.75) + bar(30, 560, 48)  # a section-4 data row continued on its own page
    row = [c for i, n in enumerate("9 3 2 4 18 5 1 0 3 9 2 0 1 1 4".split()) for c in chars(n, 35 + 35 * i, 33, size=5)]
    tables = rule_edges(edges, row, [])
    assert len(tables) == 1
    assert sorted({round(e["x0"], 1) for e in tables[0] if e["orientation"] == "v"})[:3] == [30.0, 55.0, 90.0]
    assert rule_edges(edges, chars("结转下年度继续办理", 35, 33), []) == []  # two rules around a label: no table


def test_a_table_header_cut_from_its_rows_is_cut_at_its_joints():
    joints = (97.5, 158.2, 349.5, 381.0)
    rules = [{"orientation": "h", "x0": 33.8, "x1": 578.2, "top": y, "joints": joints} for y in (667, 688, 759)]
    words = [_word("自然人", 352, 700), _word("申请人情况", 360, 672), _word("商业企业", 383, 700)]
    edges = box_edges(rules, words)
    assert edges is not None
    assert sorted((e["x0"], e["top"]) for e in edges if e["orientation"] == "v") == [
        (33.8, 667), (97.5, 667), (97.5, 688), (158.2, 667), (158.2, 688), (349.5, 667), (349.5, 688),
        (381.0, 688), (578.2, 667)]
    no_joints = [dict(r, joints=()) for r in rules]
    assert box_edges(no_joints, words) is None  # no cell borders to cut it by


def test_a_row_label_beside_its_first_sub_row_is_no_heading_between_tables():
    from extractor.readers.pdf.stream import _split_at_headings

    stack = [{"x0": 30, "x1": 560, "top": y} for y in (100, 120, 140, 160)]
    row = [_word("三、本年度办", 32, 123), _word("（一）予以公开", 100, 123)]  # an all-blank row
    assert len(_split_at_headings(stack, row)) == 1
    heading = [_word("三、收到和处理政府信息公开申请情况", 32, 123)]
    assert [len(p) for p in _split_at_headings(stack, heading)] == [2, 2]


def test_a_cut_row_rest_joins_a_grid_lacking_the_first_columns():
    from extractor.readers.pdf.stitch import join_cut_headers

    def cell(text: str, x0: float, x1: float, top: float, page: int) -> Cell:
        return Cell(text, {"page": page, "bbox": [x0, top, x1, top + 10]})

    cols = [(30, 80), (80, 140), (140, 200), (200, 250)]

    def row(texts: list[str], top: float, page: int) -> tuple[Cell, ...]:
        return tuple(cell(t, x0, x1, top, page) for t, (x0, x1) in zip(texts, cols[len(cols) - len(texts):], strict=True))

    a = Grid(rows=(row(["三、", "（三）", "2.其他法律行政法", "0"], 700, 1),), where={"page": 1, "bbox": [30, 700, 250, 710]},
             source="pdf")
    b = Grid(rows=(row(["", "规禁止公开", ""], 30, 2), row(["", "3.危及", "1"], 40, 2)),
             where={"page": 2, "bbox": [80, 30, 250, 50]}, source="pdf")
    joined = join_cut_headers([a, b])
    assert len(joined) == 1 and isinstance(joined[0], Grid)
    assert [[c.text for c in r] for r in joined[0].rows] == [["三、", "（三）", "2.其他法律行政法规禁止公开", "0"],
                                                            ["", "", "3.危及", "1"]]
    assert joined[0].where["joined_pages"] == [1, 2]


def test_two_rules_around_a_row_first_on_its_page_are_a_table_and_its_value_word_no_search_box():
    from extractor.readers.pdf.layout import grid_kind
    from extractor.readers.pdf.stream import rule_edges

    edges = bar(30, 560, 28) + bar(30, 560, 41.25)  # the last row of a table, alone on a new page
    row = chars("四、结转下年度继续办理", 55, 29, size=10) + chars("无", 530, 29, size=10)
    assert len(rule_edges(edges, row, [], (24.4, 817.6))) == 1
    header = chars("12/1/26, 11:59 PM", 24, 15, size=5)
    assert len(rule_edges(edges, [*header, *row], [], (24.4, 817.6))) == 1  # the browser's header is above the page's text
    assert rule_edges(edges, [*chars("正文", 55, 5, size=10), *row], [], (0.0, 842.0)) == []  # text above: not first
    fragment = Grid(rows=((Cell("四、结转下年度继续办理"), Cell("无")),), where={"page": 4, "bbox": [30, 28, 560, 41]})
    assert grid_kind(fragment) == "table"
    search = Grid(rows=((Cell("请输入关键字"), Cell("搜索")),), where={"page": 1, "bbox": [30, 28, 200, 41]})
    assert grid_kind(search) == "layout"


def test_a_whole_header_is_not_joined_to_the_body_rows_on_the_next_page():
    # regression (a Word web page printed by Chromium, seed-halazhigou-2023): once the browser's
    # header and footer no longer stood between them, the header fragment ending page 2 was
    # joined as a cut header to the body starting page 3 (its first row's label glued to the
    # leaf labels): a body row starts with its item number or holds a value word (无)
    from extractor.readers.pdf.stitch import join_cut_headers

    def grid(rows: list[list[str]], page: int, top: float) -> Grid:
        xs = [30, 200, 250, 300]
        return Grid(rows=tuple(tuple(Cell(t, {"page": page, "bbox": [xs[j], top + 10 * i, xs[j + 1], top + 10 * i + 10]})
                                     for j, t in enumerate(r)) for i, r in enumerate(rows)),
                    where={"page": page, "bbox": [30, top, 300, top + 10 * len(rows)]}, source="pdf")

    head = grid([["（本列数据的勾稽关系）", "商业企业", "总计"]], 2, 780)
    body = grid([["一、本年新收政府信息公开申请数量", "", "无"], ["二、上年结转政府信息公开申请数量", "", "无"]], 3, 28)
    assert join_cut_headers([head, body]) == [head, body]
    rest = grid([["", "企业", ""]], 3, 28)  # the rest of a cut header label joins
    assert len(join_cut_headers([head, rest])) == 1


# --------------------------------------------------------------------------- fixtures


@cache
def doc(name: str) -> Document:
    return pdf_reader.read((PDF / f"{name}.pdf").read_bytes())


def grids(d: Document) -> list[Grid]:
    return [b for b in d.blocks if isinstance(b, Grid)]


def texts(d: Document) -> list[str]:
    return [b.text for b in d.blocks if isinstance(b, Text)]


def test_portal_page_with_separate_borders_reads_its_columns_from_the_cells_borders():
    # regression (county-2021.chromium-portal-hrules): each cell drew its own doubled rule
    # pieces; the first value column's numbers fell into the label cell, 社会公益组织 and
    # 法律服务机构 were one column, page 2's continuation was two overlapping grids
    d = doc("county-2021.chromium-portal-hrules")
    assert [(g.where["page"], g.width, g.where["strategy"]) for g in grids(d)] == [
        (1, 4, "words"), (1, 10, "words"), (2, 10, "words"), (2, 15, "words")]
    s3 = grids(d)[1]
    assert [c.text for c in s3.rows[2] if c.origin] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    row = next(r for r in s3.rows if r[0].text.startswith("一、本年新收"))
    assert [c.text for c in row[3:]] == ["41", "9", "1", "0", "3", "2", "56"]
    page2 = grids(d)[2]
    assert [c.text for c in page2.rows[0]] == ["", "", "3.危及“三安全一稳定”", "0", "0", "0", "0", "0", "0", "0"]


def test_portal_page_info_box_ruled_by_horizontal_lines_gives_the_hints():
    # regression (county-2021.chromium-portal-hrules): the box had no vertical rule, its
    # publication date was lost (metadata.published None), and the site's underlined menu links
    # were stacked with its rules
    d = doc("county-2021.chromium-portal-hrules")
    assert d.hints == {"issuer": "临江县人民政府", "published": "2022-01-25",
                       "title": "临江县人民政府2021年政府信息公开工作年度报告"}
    assert not any("索引号" in t or "12/1/26" in t or "http://" in t for t in texts(d))


def test_word_page_hrules_row_cut_by_the_page_break_is_read():
    # regression (city-2022-bad-totals.chromium-word-hrules): abutting rule pieces were never
    # stacked (touching is no overlap), the vertical label 三、本年度办理结果 (no rule on page 2)
    # was left out, the row cut by the page break had no rule under it, and the rest of its
    # label at the top of page 3 (no rule above it) was read as paragraphs
    d = doc("city-2022-bad-totals.chromium-word-hrules")
    s3 = next(g for g in grids(d) if g.where["page"] == 2)
    assert s3.where["joined_pages"] == [2, 3]
    assert s3.rows[0][0].text == "三、本年度办理结果" and s3.rows[0][0].rowspan == 18
    row = next(r for r in s3.rows if r[1].text == "（六）其他处理")
    assert [c.text for c in row] == ["", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                                     "6", "2", "0", "0", "1", "0", "9"]
    assert not any("12/1/26" in t or "linjiang.gov.cn" in t or t == "政机关" for t in texts(d))


@pytest.mark.parametrize("name", ["county-2021.chromium-portal-hrules", "county-2021.chromium-cms-hrules",
                                  "city-2022-bad-totals.chromium-word-hrules"])
def test_chromium_hrules_prints_read_every_value(name):
    from conftest import load_expected

    rep = extractor.parse(PDF / f"{name}.pdf")
    exp = load_expected(name.split(".")[0])
    assert {v.field: (v.kind, v.value) for v in rep.values} == {f: (e["kind"], e["value"]) for f, e in exp["values"].items()}
    assert (rep.metadata.issuer, rep.metadata.published) == (exp["issuer"], exp["published"])


def _page_of(lines: list[tuple[str, float, float]]) -> list[Char]:
    return [c for text, x, top in lines for c in chars(text, x, top)]


# a header in three columns at the foot of page 1 (no number under it), the table's rows on page 2
_FOOT = [("说明", 40, 700), ("申请人情况", 200, 700), ("总", 300, 700), ("自然人", 180, 712), ("法人", 240, 712), ("计", 300, 712)]
_ROWS = [(f"{k}.第{k}行", 40, 40 + 14 * k) for k in range(1, 5)]
_BODY = _ROWS + [(str(k), 185, 40 + 14 * k) for k in range(1, 5)] + [(str(k + 1), 245, 40 + 14 * k) for k in range(1, 5)] \
    + [(str(2 * k + 1), 300, 40 + 14 * k) for k in range(1, 5)]


def test_borderless_header_alone_at_a_page_foot_is_offered_to_the_next_page():
    from extractor.readers.pdf.borderless import CutHeader, text_edges

    cut = CutHeader()
    page1 = _page_of([("一、正文第一段落的文字很长很长很长很长很长很长很长很长", 40, 600), ("123", 40, 620), ("456", 40, 640),
                      *_FOOT])
    assert text_edges(page1, [], [], cut, 1) == []
    assert cut.page == 1 and "".join(c.text for c in cut.chars) == "说明申请人情况总自然人法人计"
    found = text_edges(_page_of(_BODY), [], [], cut, 2)
    assert len(found) == 1 and cut.boundary is not None and 0 < cut.boundary < 54
    assert min(c.top for c in cut.laid) < cut.boundary < 54  # laid above the first row, cut from it there
    assert any(e["orientation"] == "h" and e["top"] == cut.boundary for e in found[0])
    assert min(e["top"] for e in found[0]) < min(c.top for c in cut.laid)  # the table starts with the header


def test_borderless_foot_header_is_not_taken_by_a_page_that_starts_with_prose_or_skips_a_page():
    from extractor.readers.pdf.borderless import CutHeader, text_edges

    prose = _page_of([("这是一段很长的正文文字，没有表格，也没有任何数字出现在这里面。", 40, 40), *[(f"{k}、事项", 40, 60 + 14 * k) for k in range(6)]])
    for page, nxt in ((prose, 2), (_page_of(_BODY), 3)):
        cut = CutHeader()
        text_edges(_page_of([("123", 40, 600), ("456", 40, 620), ("789", 40, 640), *_FOOT]), [], [], cut, 1)
        assert cut.chars
        assert text_edges(page, [], [], cut, nxt) == [] if nxt == 2 else len(text_edges(page, [], [], cut, nxt)) == 1
        assert cut.boundary is None  # the table on page 3 starts without it
    cut = CutHeader()  # a signature at the page's foot is no header
    text_edges(_page_of([("123", 40, 600), ("456", 40, 620), ("789", 40, 640), ("某某人民政府", 400, 700), ("2024年1月29日", 400, 712)]),
               [], [], cut, 1)
    assert cut.chars == []


def test_touching_header_labels_are_cut_at_the_characters_centred_on_their_leaves():
    from extractor.readers.pdf.borderless import _split_touching

    def w(text: str, x0: float, top: float) -> Word:
        return Word(text, x0, top, x0 + 8 * len(text), top + 8)

    line = [w("社会公益组法律服务机", 458, 97)]
    parts = _split_touching(line, [w("织", 474, 106), w("构", 514, 106)])
    assert [(p.text, p.x0, p.x1) for p in parts] == [("社会公益组", 458, 497.5), ("法律服务机", 498.5, 538)]
    # labels left-aligned in their cells: each part starts where the leaf under it starts
    assert [p.text for p in _split_touching([w("科研机社会公益", 400, 97)], [w("构", 400, 106), w("组织", 424, 106)])] == [
        "科研机", "社会公益"]
    # a title over labels that go on below (本年新 / 制作数量): not the last lines of leaves, no cut
    below = [w("本年新", 100, 106), w("本年新", 136, 106), w("制作数量", 96, 115), w("公开数量", 132, 115)]
    assert _split_touching([w("第二十条第（一）项", 96, 97)], below) == [w("第二十条第（一）项", 96, 97)]
    # a group title centred over leaves whose parts would not be centred on them: no cut
    assert len(_split_touching([w("法人或其他组织", 450, 97)], [w("构", 452, 106), w("织", 500, 106)])) == 1


def test_long_row_label_first_on_a_continued_page_is_no_prose():
    # a table left open on the page before goes on with a long label (20 characters and more,
    # one word) before any number on this page: it ends left of the table's columns, so it is
    # the table's row, not a line of prose ending the table
    from extractor.readers.pdf.borderless import _runs

    long_label = [Word("5.要求行政机关确认或重新出具已获取信息", 40, 30, 40 + 9 * 20, 39)]
    rows = [[Word(f"{k}.第{k}行", 40, 30 + 14 * k, 76, 39 + 14 * k), Word("0", 300, 30 + 14 * k, 305, 39 + 14 * k),
             Word("1", 350, 30 + 14 * k, 355, 39 + 14 * k)] for k in range(1, 4)]
    lines = [long_label, *rows]
    assert _runs(lines, long_label, rows[-1], [(300.0, 305.0), (350.0, 355.0)])[0][0] is long_label
    assert _runs(lines, long_label, rows[-1], None)[0][0] is rows[0]  # no table open before: prose


def _line(*words: tuple[str, float, float]) -> list[Word]:
    return [Word(t, x, top, x + 9 * len(t), top + 9) for t, x, top in words]


def test_number_alone_between_two_lines_of_its_label_joins_them():
    from extractor.readers.pdf.borderless import _with_lone_numbers

    label1, number, label2 = _line(("一、本年新收政府信息公开申请", 40, 100)), _line(("无", 300, 105)), _line(("数量", 90, 111))
    out = _with_lone_numbers([label1, number, label2])
    assert [[w.text for w in ln] for ln in out] == [["一、本年新收政府信息公开申请", "无"], ["数量"]]
    assert _is_data(out[0])
    # a year printed in a larger font in a title (words right of it), under a menu item: alone
    title, year, menu = _line(("某某局", 133, 124), ("年度报告", 271, 124)), _line(("2020", 248, 128)), _line(("年报", 45, 134))
    assert [[w.text for w in ln] for ln in _with_lone_numbers([title, year, menu])] == [["某某局", "年度报告"], ["2020"], ["年报"]]


def test_table_start_at_a_page_end_with_one_number_per_row_is_a_table():
    # seed-style sparse rows (only the totals hold 无): two rows of one number under a header
    # of three columns or more, ending the page, start a table; a label and a number alone do not
    from extractor.readers.pdf.borderless import _runs

    head = _line(("说明", 40, 100), ("自然人", 200, 100), ("商业企业", 260, 100), ("总计", 330, 100))
    rows = [_line((f"{k}、第{k}行", 40, 100 + 14 * k), ("无", 335, 100 + 14 * k)) for k in (1, 2)]
    assert _runs([head, *rows], head, rows[-1]) == [[head, *rows]]
    assert _runs([head, rows[0]], head, rows[0]) == []
    assert _runs([head, *rows, _line(("其后的文字", 40, 150))], head, None) == []  # not at the page's end
