"""The PDF reader's layout rules (issue 10): layout boxes are not tables, a web page's chrome
is not report text and its info box gives the metadata hints, each grid records the strategy
that read it, rows and headers cut by a page break are joined. Regression tests on the
producer fixtures (fixtures/pdf/producers.json)."""

from __future__ import annotations

from functools import cache

import pytest

from extractor.model import Document, Grid, Text
from extractor.readers import pdf as pdf_reader

from conftest import FIXTURES

PDF = FIXTURES / "pdf"


@cache
def doc(name: str) -> Document:
    return pdf_reader.read((PDF / f"{name}.pdf").read_bytes())


def texts(d: Document) -> list[str]:
    return [b.text for b in d.blocks if isinstance(b, Text)]


def grids(d: Document) -> list[Grid]:
    return [b for b in d.blocks if isinstance(b, Grid)]


def test_shaded_heading_boxes_are_headings_not_a_table():
    # regression: the grey paragraph boxes of 一、总体情况 … 二、主动公开政府信息情况 were one
    # 6x1 grid; section 2's heading was lost
    d = doc("county-2021.wps-shaded")
    assert "二、主动公开政府信息情况" in texts(d)
    assert any(t.startswith("（一）主动公开。全年通过县政府门户网站") for t in texts(d))
    assert [g.width for g in grids(d)] == [4, 10, 15]
    assert {g.where["strategy"] for g in grids(d)} == {"rules"}


def test_printed_portal_page_info_box_gives_the_hints_and_chrome_is_dropped():
    d = doc("county-2021.chromium-portal")
    assert d.hints == {"issuer": "临江县人民政府", "published": "2022-01-25",
                       "title": "临江县人民政府2021年政府信息公开工作年度报告"}
    lines = texts(d)
    assert not any("索引号" in t or "http://" in t or "PM" in t for t in lines)
    assert not any(t.startswith(("信息公开目录", "政府信息公开指南", "打印", "门户网站")) for t in lines)
    assert "临江县人民政府2021年政府信息公开工作年度报告" in lines


def test_browser_header_and_footer_are_not_report_text():
    # regression: the footer (address, 1/4) and the next page's header (date, title) were joined
    # into one paragraph between the tables
    lines = texts(doc("county-2021.chromium-word"))
    assert not any("linjiang.gov.cn" in t or "12/1/26" in t for t in lines)
    assert lines[-2:] == ["临江县人民政府", "2022年1月25日"]


def test_horizontal_rules_only_table_is_read_by_word_positions():
    d = doc("county-2021.vertical-groups-hrules")
    s3 = next(g for g in grids(d) if g.width == 10)
    assert s3.where["strategy"] == "words"
    # the vertical group label stays in its own tall cell, never in the rows beside it
    row = next(r for r in s3.rows if r[2].text == "1.属于国家秘密")
    assert [c.text for c in row[3:]] == ["0"] * 7
    assert row[1].text == "（三）不予公开" and row[1].rowspan == 8


def test_row_cut_by_a_page_break_in_a_browser_print_is_joined():
    # regression: Chromium leaves the cut row open (no rule under it): the row was lost
    d = doc("county-2021.chromium-word")
    s3 = next(g for g in grids(d) if g.width == 10)
    row = next(r for r in s3.rows if r[2].text.startswith("2.没有现成"))
    assert row[2].text == "2.没有现成信息需要另行制作"
    assert [c.text for c in row[3:]] == ["1", "0", "0", "0", "0", "0", "1"]
    assert s3.where["joined_pages"] == [2, 3]


def test_borderless_header_over_several_lines_gets_its_group_labels_over_the_leaf_columns():
    # regression (bureau-2021-oneline-other.borderless): the section-3 header printed over five
    # lines without rules was one band: 申请人情况, 法人或其他组织 and the leaf labels 科研机构,
    # 社会公益组织, 法律服务机构 were one merged cell, so the three blank columns had no header
    d = doc("bureau-2021-oneline-other.borderless")
    s3 = next(g for g in grids(d) if any(c.text == "自然人" for r in g.rows for c in r))
    assert s3.where["strategy"] == "words"
    # three label columns, as in the Word table: 三、本年度办理结果 (one character per line), the
    # group labels （三）不予公开…, the row labels
    assert s3.width == 10
    head = [[(c.text, c.rowspan, c.colspan) for c in r if c.origin] for r in s3.rows[:3]]
    assert head == [
        [("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3), ("自然人", 3, 1),
         ("商业企业", 3, 1), ("申请人情况", 1, 3), ("其他", 3, 1), ("总计", 3, 1)],
        [("法人或其他组织", 1, 3)],
        [("科研机构", 1, 1), ("社会公益组织", 1, 1), ("法律服务机构", 1, 1)],
    ]
    assert [c.text for c in s3.rows[3][3:]] == ["6", "3", "", "", "", "", "9"]


def test_the_boxes_left_out_as_layout_are_told_with_why():
    from extractor.readers.pdf.layout import LAYOUT_OBSERVER, LayoutBox

    told: list[LayoutBox] = []
    token = LAYOUT_OBSERVER.set(told.append)
    try:
        d = pdf_reader.read((PDF / "county-2021.chromium-portal.pdf").read_bytes())
    finally:
        LAYOUT_OBSERVER.reset(token)
    # the site's search box (one row of two words) and the info box (索引号, 发布机构 …)
    assert [(b.page, b.why) for b in told] == [(1, "one-row"), (1, "infobox")]
    # no box left out is a grid of the document
    assert not {b.bbox for b in told} & {tuple(g.where["bbox"]) for g in grids(d)}


def test_merged_cell_side_drawn_in_pieces_is_not_a_cut_row():
    # regression (county-2021.chromium-word): Chromium draws the sides of a merged cell once per
    # row it spans; where one piece ends and the next starts, a rule was added as if a page
    # break had cut the row there, and 三、本年度办理结果 (one character per line) was cut in two
    s3 = next(g for g in grids(doc("county-2021.chromium-word")) if g.width == 10)
    label = next(c for r in s3.rows for c in r if c.origin and c.text.startswith("三、"))
    assert (label.text, label.rowspan) == ("三、本年度办理结果", 12)


def test_section4_header_cut_by_chromium_inside_its_merged_labels_is_joined():
    # regression (county-2021.chromium-split-s4-cut-2): the first page's fragment already has the
    # 15 columns, and the review labels (结果 / 维持) start a row above the cut and span down to it
    for name, cut in (("county-2021.chromium-split-s4-cut-2", 2), ("county-2021.chromium-split-s4-cut-3", 3)):
        s4 = next(g for g in grids(doc(name)) if g.width == 15)
        assert s4.where["joined_pages"] == [4, 5]
        leaves = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
        assert [c.text for c in s4.rows[1][:5]] == leaves, cut
        assert [c.text for c in s4.rows[2][5:]] == leaves * 2
        assert [c.text for c in s4.rows[3]] == ["2", "1", "0", "1", "4", "1", "0", "0", "1", "2", "1", "0", "0", "0", "1"]
        assert len(s4.rows) == 4  # no row of nothing but the cut labels' rests


def test_borderless_section4_header_one_character_per_line_leaves_no_hollow_rows():
    # regression (county-2021.borderless, bureau-2021-oneline-other.borderless): the section-4
    # header printed one character per line got a row per line; the rows below the short labels
    # (总计) held only slices of the tall ones and were read as data rows (table.short_row
    # errors, blanks read from header cells)
    import extractor

    for name in ("county-2021.borderless", "bureau-2021-oneline-other.borderless"):
        s4 = next(g for g in grids(doc(name)) if g.width == 15)
        assert len(s4.rows) == 4, name  # 行政复议 / 行政诉讼, their groups, the leaves, the data row
        assert [c.text for c in s4.rows[2][5:10]] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
        assert [(c.text, c.rowspan) for c in s4.rows[1][:5]] == [
            ("结果维持", 2), ("结果纠正", 2), ("其他结果", 2), ("尚未审结", 2), ("总计", 2)]
        assert extractor.parse(PDF / f"{name}.pdf").issues == ()


# ---------------------------------------------------------------- borderless prints of web pages


def _row(g: Grid, start: str) -> list[str]:
    return [c.text for c in next(r for r in g.rows if any(c.text.startswith(start) for c in r))]


def test_chromium_borderless_wrapped_label_with_numbers_centred_below_its_first_line_is_one_row():
    # regression (county-2021.chromium-borderless): the numbers of 2.申请人逾期未按收费通知… stand on
    # the label's second line; a row rule above them left the label's first line a row of its own
    # and the numbers a row without a label (s3.other.fee_unpaid lost)
    s3 = next(g for g in grids(doc("county-2021.chromium-borderless")) if g.width == 10)
    cells = _row(s3, "2.申请人逾期未按")
    assert cells[2:] == ["2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"] + ["0"] * 7


def test_chromium_borderless_group_labels_beside_their_rows_are_tall_cells():
    # regression (county-2021.chromium-borderless): （三）不予公开 printed over two lines beside its
    # sub-rows ran into their labels ("（三）不 4.保护第三方合法权益")
    s3 = next(g for g in grids(doc("county-2021.chromium-borderless")) if g.width == 10)
    group = next(c for r in s3.rows for c in r if c.origin and c.text.startswith("（三）"))
    assert (group.text, group.rowspan) == ("（三）不予公开", 2)
    assert _row(s3, "4.保护")[2] == "4.保护第三方合法权益"


def test_numbers_flush_left_in_their_cells_join_the_centred_leaf_labels():
    # regression (county-2021.chromium-borderless): each section-4 number stands at its cell's left
    # edge, its label centred; a label (行政复议) with labels under it was taken for a leaf, and
    # columns merged ("1 0" in one cell)
    s4 = next(g for g in grids(doc("county-2021.chromium-borderless")) if g.width == 15)
    assert [c.text for c in s4.rows[-1]] == ["2", "1", "0", "1", "4", "1", "0", "0", "1", "2", "1", "0", "0", "0", "1"]
    assert not any("PM" in c.text or "报告" in c.text for r in s4.rows for c in r)  # the browser's header


def test_borderless_table_left_open_at_a_page_end_continues_on_the_next_page():
    # regression (dept-2019.chromium-word-borderless): the last section-2 row (政府集中采购) stood
    # alone at the top of page 2, its numbers on two lines (5 / 160.5964 万元): not a table
    d = doc("dept-2019.chromium-word-borderless")
    first = next(g for g in grids(d) if g.where["page"] == 2)
    assert [[c.text for c in r] for r in first.rows] == [["政府集中采购", "5", "160.5964万元"]]


def test_borderless_row_label_like_a_heading_with_its_numbers_below_stays_in_the_table():
    # regression (dept-2019.chromium-word-borderless): 二、上年结转政府信息公开申请 / numbers / 数量
    # ended the table as if 二、 were a section heading
    s3 = next(g for g in grids(doc("dept-2019.chromium-word-borderless")) if g.width >= 10)
    assert _row(s3, "二、上年结转")[-7:] == ["1", "0", "0", "0", "0", "0", "1"]


def test_info_box_printed_without_rules_gives_the_hints_and_is_not_report_text():
    # regression (seed-halazhigou-2023.chromium-portal-borderless): the portal's info box printed
    # without borders is text lines, not a grid: 发文日期 was not read (published None)
    d = doc("seed-halazhigou-2023.chromium-portal-borderless")
    assert (d.hints["issuer"], d.hints["published"]) == ("哈拉直沟乡人民政府", "2024-01-29")
    assert not any(t.startswith(("索引号", "发布机构")) for t in texts(d))
    assert "published" not in doc("county-2021.plain").hints  # no box, no hint


def test_borderless_header_label_wrapped_under_a_title_stays_one_header_row():
    # regression (county-2021.chromium-word-borderless): 本年处 / 理决定数量, a header label wrapped
    # over two lines with 信息内容 centred between them, was cut in two rows: the second line
    # crosses a column boundary like a title (table.unknown_label, table.header_mismatch)
    d = doc("county-2021.chromium-word-borderless")
    s2 = next(g for g in grids(d) if g.where["page"] == 2)
    heads = [[c.text for c in r if c.origin and c.text] for r in s2.rows]
    assert ["信息内容", "本年处理决定数量"] in heads and ["理决定数量"] not in heads
    import extractor

    assert extractor.parse(PDF / "county-2021.chromium-word-borderless.pdf").issues == ()


def test_a_lone_header_label_over_merged_value_cells_heads_them_all():
    # regression (town-2021-missing-section.chromium-word-borderless): 本年处理决定数量, centred
    # over three merged cells, was given the middle column only; the number standing flush left
    # in the first was "misaligned" (table.misaligned_cell)
    import extractor

    rep = extractor.parse(PDF / "town-2021-missing-section.chromium-word-borderless.pdf")
    assert "table.misaligned_cell" not in rep.issue_codes()


def test_borderless_header_alone_at_a_page_foot_heads_the_rows_on_the_next_page():
    # regression (seed-halazhigou-2023.chromium-portal-borderless): the section-3 header stood
    # alone at the foot of page 1 (no rule, no number under it) and was read as text; its 自然人
    # column, blank in every row, had no column on page 2 (gap.column, 88 cells lost)
    d = doc("seed-halazhigou-2023.chromium-portal-borderless")
    s3 = next(g for g in grids(d) if g.width == 11)
    assert s3.where["joined_pages"] == [1, 2] and s3.where["page"] == 1 and s3.where["bbox"][1] > 700
    assert [c.text for c in s3.rows[2]][4:] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert [c.text for c in s3.rows[3]][4:] == [""] * 6 + ["无"]
    assert not any("申请人情况" in t or "法人或其他组织" in t for t in texts(d))


def test_borderless_section4_row_of_value_words_under_a_wide_header_is_a_table():
    # regression (seed-halazhigou-2023.chromium-portal-borderless): one row of 无 under the three
    # totals, under a header over four lines with two-line leaves (结果维 / 持), was no table
    # (gap.table); its first five columns, blank, have no number to place them
    s4 = next(g for g in grids(doc("seed-halazhigou-2023.chromium-portal-borderless")) if g.width == 15)
    assert [c.text for c in s4.rows[2]] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3
    assert [c.text for c in s4.rows[-1]] == (["", "", "", "", "无"]) * 3


def test_a_header_label_printed_one_character_per_line_over_values_cuts_no_column():
    # regression (bureau-2021-oneline-other.chromium-borderless): the section-4 header cut by the
    # page break is read with the rows on the next page; 总 / 计 of the review group, a label
    # printed one character per line, set a column boundary beside it as a tall row label does,
    # through the next group's first column
    s4 = next(g for g in grids(doc("bureau-2021-oneline-other.chromium-borderless")) if g.width == 15)
    assert s4.where["joined_pages"] == [2, 3]
    assert [c.text for c in s4.rows[-1]] == ["1", "0", "0", "0", "1", "/", "/", "/", "/", "/", "", "", "", "", "无"]


@pytest.mark.parametrize(("name", "width"), [
    ("city-2022-bad-totals.chromium-word-borderless-foot-header", 10),
    ("dept-2019.chromium-cms-borderless-foot-header", 11),
    ("town-2021-missing-section.chromium-cms-borderless-foot-header", 10),
    ("city-2022-bad-totals.chromium-cms-borderless-foot-s4-header", 15),
    ("seed-halazhigou-2023.chromium-portal-borderless", 11),
])
def test_borderless_header_at_a_page_foot_is_one_grid_with_its_rows(name, width):
    # the header printed alone at the foot of a page is read with the rows on the next page and
    # given on its own page (where it stands), joined again to its rows
    import pdfplumber

    d = doc(name)
    g = next(g for g in grids(d) if g.where.get("joined_pages"))
    page, nxt = g.where["joined_pages"]
    with pdfplumber.open(PDF / f"{name}.pdf") as pdf:
        height = float(pdf.pages[page - 1].height)
    assert (nxt, g.where["page"], g.width) == (page + 1, page, width)
    assert g.where["bbox"][1] > 0.6 * height  # at the page's foot


def test_borderless_header_labels_printed_edge_to_edge_head_their_own_columns():
    # regression (bureau-2021-oneline-other.chromium-portal-borderless-touching): in narrow cells
    # the first lines of two labels touch and read as one word (社会公益组法律服务机 over 织 and
    # 构); it was a title over four columns, 科研机构…其他 lost their labels (63 cells short)
    d = doc("bureau-2021-oneline-other.chromium-portal-borderless-touching")
    s3 = next(g for g in grids(d) if g.width == 11 and g.where["page"] == 2)
    assert [c.text for c in s3.rows[3]][-5:] == ["科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert [c.text for c in s3.rows[4]][-7:] == ["6", "3", "", "", "", "", "9"]


def test_headings_left_of_one_line_indented_paragraphs_are_not_site_chrome():
    # regression (town-2021-missing-section.chromium-portal-borderless): every paragraph of the
    # report is one indented line, so the article's edge found from the wide lines is the indent;
    # the section headings, three characters left of it, were dropped with the site's menu
    # (sections 2, 3, 5 and 6 not found)
    t = texts(doc("town-2021-missing-section.chromium-portal-borderless"))
    assert {"一、总体情况", "二、主动公开政府信息情况", "五、存在的主要问题和改进措施", "六、其他需要报告的事项"} <= set(t)
    assert not any(x.startswith(("政府信息公开指南", "法定主动公开内容", "信息公开目录")) for x in t)  # the menu


def test_borderless_table_continued_with_blank_rows_keeps_its_rows_and_columns():
    # regression (seed-halazhigou-2023.chromium-cms-borderless-blank-rows): section 3 goes on at
    # the top of page 3 with sixteen rows of blank cells before a row with a number (无 in the
    # totals); lines more than eight above it were dropped as a "header" and the rest ran
    # together in one row, and the page's only column of numbers stood for the whole table
    # (the columns of page 2 were not taken: its first line is no row of numbers)
    d = doc("seed-halazhigou-2023.chromium-cms-borderless-blank-rows")
    s3 = next(g for g in grids(d) if g.where["page"] == 3 and g.width == 9)
    labels = [next(c.text for c in r if c.origin and c.text) for r in s3.rows]
    assert labels[:3] == ["1.属于国家秘密", "2.其他法律法规禁止公开", "3.危及“三安全一稳定”"]
    assert len(s3.rows) == 19 and "5.要求行政机关确认或重新出具已获取信息" in labels
    assert [c.text for c in s3.rows[-1]][-7:] == [""] * 6 + ["无"]


def test_borderless_sub_table_title_over_its_header_starts_a_row():
    # regression (dept-2019.chromium-portal-borderless): the last row of the 第二十条第（五）项
    # sub-table (其他对外管理服务事项 18 -11 96) was followed by the next title, about as wide as its
    # label, and that title's header: both were read as the rest of the row's wrapped label
    s2 = next(g for g in grids(doc("dept-2019.chromium-portal-borderless")) if g.where["page"] == 1 and g.width == 4)
    rows = [[c.text for c in r] for r in s2.rows]
    assert ["其他对外管理服务事项", "18", "-11", "96"] in rows
    assert ["第二十条第（六）项", "", "", ""] in rows


def test_borderless_number_alone_between_the_two_lines_of_its_label_is_its_rows():
    # regression (county-2021.chromium-word-borderless-lone-number): the fees row first on page 3
    # prints 行政事业 / 3.52 / 性收费, the number centred on a line of its own: no line held a
    # label and a number, the row was no table (s2.fees.amount lost)
    fees = next(g for g in grids(doc("county-2021.chromium-word-borderless-lone-number")) if g.where["page"] == 3)
    assert [[c.text for c in r] for r in fees.rows] == [["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费", "3.52"]]


@pytest.mark.parametrize(("name", "pages", "width"), [
    ("town-2021-missing-section.chromium-cms-hrules-foot-header", [1, 2], 10),
    ("county-2021.chromium-cms-hrules-foot-s4-header", [2, 3], 15),
])
def test_hrules_header_cut_at_a_page_foot_is_closed_there_and_joined(name, pages, width):
    # regression (the two files): a header printed with horizontal rules only, cut by the page's
    # end, has no rule under its last line; its box covered only the columns its lower rules
    # span (the section-3 label and 总计 columns left out), its lattice did not match the next
    # page's and the two were not joined (the 自然人 / review columns unread). The page's end
    # closes it, as it closes a table's rows.
    g = next(g for g in grids(doc(name)) if g.where.get("joined_pages") == pages)
    assert g.width == width and g.where["page"] == pages[0]


def test_table_row_alone_on_a_page_without_table_words_is_read_under_the_header_before():
    # regression (bureau-2021-oneline-other.chromium-cms-borderless-s4-row-alone): the section-4
    # header stood at the foot of page 2 and its one row at the top of page 3, a page with no
    # table word; that page was not searched for tables (gap.table)
    d = doc("bureau-2021-oneline-other.chromium-cms-borderless-s4-row-alone")
    head = next(g for g in grids(d) if g.where["page"] == 2 and g.width == 15)
    row = next(g for g in grids(d) if g.where["page"] == 3)
    assert [c.text for c in head.rows[-1]][5:10] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert [c.text for c in row.rows[0]] == ["1", "0", "0", "0", "1", "/", "/", "/", "/", "/", "", "", "", "", "无"]


@pytest.mark.parametrize("name", ["county-2021.chromium-portal", "dept-2019.chromium-portal"])
def test_ruled_row_of_slices_of_merged_cells_is_no_row(name):
    # regression (both files): the browser drew a rule piece under 3.其他's row of merged cells,
    # making a row of their slices over an empty strip; it was read as a second 3.其他 row with
    # no value (error table.short_row on a report whose values are all right)
    import extractor

    assert [i.code for i in extractor.parse(PDF / f"{name}.pdf").issues if i.severity != "info"] == []
    s3 = next(g for g in grids(doc(name)) if g.width >= 10)
    assert all(any(c.origin and c.text for c in r) for r in s3.rows)


def test_ruled_row_of_empty_cells_drawn_as_such_stays():
    # a hollow row of a ruled grid is dropped only when it holds slices of taller cells
    from extractor.model import Cell
    from extractor.readers.pdf.grids import _without_hollow_rows

    top = Cell("3.其他", {"bbox": [0, 0, 10, 20]}, rowspan=2)
    rows = ((top, Cell("0", {"bbox": [10, 0, 20, 10]})), (Cell("3.其他", {"bbox": [0, 0, 10, 20]}, rowspan=2, origin=False),
                                                        Cell("", {"bbox": [10, 10, 20, 20]})))
    g = Grid(rows=rows, where={"page": 1}, source="pdf")
    assert len(_without_hollow_rows(g, ruled=True).rows) == 1
    blank = Grid(rows=(rows[0], (Cell("", {"bbox": [0, 20, 10, 30]}), Cell("", {"bbox": [10, 20, 20, 30]}))), where={"page": 1},
                 source="pdf")
    assert len(_without_hollow_rows(blank, ruled=True).rows) == 2
    assert len(_without_hollow_rows(blank).rows) == 1  # positioned words: an empty row is no row
