"""Each table stage on its own, on rows built in the test (no files): exact outputs."""

from __future__ import annotations

from extractor.model import Cell, Flag, Grid, Issue
from extractor.tables import (
    Context,
    RowKind,
    TableResult,
    align_row,
    assign,
    classify_row,
    s3_colmap,
    s4_colmap,
    stitch,
)
from extractor.tables.header import Col, ColMap
from extractor.tables.labels import label_and_values


def row(*texts: str, line: int = 1) -> tuple[Cell, ...]:
    return tuple(Cell(t, {"line": line, "column": c}) for c, t in enumerate(texts))


S3_HEAD = row("申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
S4_HEAD1 = row("行政复议", "行政诉讼")
S4_HEAD2 = row("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


# ---------------------------------------------------------------- stage 1: classify


def test_classify_section2_header_and_row() -> None:
    ctx = Context(None, 2, False, "2021")
    head = classify_row(row("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"), ctx)
    assert head.kind is RowKind.S2_HEADER
    data = classify_row(row("规章", "0", "0", "5"), Context("s2", 2, False, "2021"))
    assert data.kind is RowKind.S2_DATA
    assert data.s2_row is not None and data.s2_row.stem == "regulations"
    assert [s.cell.text for s in data.values] == ["0", "0", "5"]
    assert data.label_key == "规章"


def test_classify_title_headers_and_empty_rows() -> None:
    none = Context(None, None, False, "2021")
    assert classify_row(row("第二十条第（一）项"), none).kind is RowKind.S2_TITLE
    assert classify_row(S3_HEAD, none).kind is RowKind.S3_HEADER
    assert classify_row(S4_HEAD2, none).kind is RowKind.S4_HEADER
    assert classify_row(row("", "", ""), none).kind is RowKind.SKIP
    # an all-blank row right under a section-4 header is that header's data row
    assert classify_row(row(*[""] * 5), Context("s4", 4, True, "2021")).kind is RowKind.S4_DATA
    assert classify_row(row(*[""] * 5), Context("s4", 4, False, "2021")).kind is RowKind.SKIP


def test_classify_section3_row_by_its_words_and_stray_labels() -> None:
    c = classify_row(row("一、本年新收政府信息公开申请数量", "3", "0", "0", "0", "0", "0", "3"),
                     Context(None, None, False, "2021"))
    assert c.kind is RowKind.S3_DATA
    assert c.label_key == "一.本年新收政府信息公开申请数量"
    stray = classify_row(row("其他说明事项", "1"), Context("s4", 4, False, "2021"))
    assert stray.kind is RowKind.STRAY


def test_label_and_values_split_after_the_last_label() -> None:
    labels, values = label_and_values(row("三、本年度办理结果", "（一）予以公开", "1", "", "2"))
    assert [s.cell.text for s in labels] == ["三、本年度办理结果", "（一）予以公开"]
    assert [(s.pos, s.cell.text) for s in values] == [(2, "1"), (3, ""), (4, "2")]


# ---------------------------------------------------------------- stage 2: stitch


def test_stitch_joins_values_cut_from_their_label() -> None:
    g1 = Grid((S3_HEAD, row("一、本年新收政府信息公开申请数量", line=2)))
    g2 = Grid((row("", "4", "0", "0", "0", "0", "0", "4", line=3),))
    st = stitch([(g1, 3), (g2, 3)], "2021")
    assert [(ln.s3_row.rid, [s.cell.text for s in ln.values]) for ln in st.s3_lines] == [
        ("new", ["", "4", "0", "0", "0", "0", "0", "4"])]
    assert [i.code for i in st.items if isinstance(i, Issue)] == ["table.row_joined"]
    assert st.found == {"s3"} and st.headers == {"s3"}
    assert st.s3_header is not None and st.s3_header.rows == (S3_HEAD,)


def test_stitch_keeps_a_cut_label_for_the_next_row() -> None:
    g = Grid((S3_HEAD, row("1.属于国", line=2),
              row("家秘密的信息", "1", "0", "0", "0", "0", "0", "1", line=3)))
    st = stitch([(g, 3)], "2021")
    assert [(ln.s3_row.rid, ln.name, ln.values[0].cell.text) for ln in st.s3_lines] == [
        ("denied.state_secret", "家秘密的信息", "1")]
    assert st.items == ()


def test_stitch_section4_rows_count_under_their_header() -> None:
    g = Grid((S4_HEAD2, row("0", "0", "0", "0", "0"), row("1", "0", "0", "0", "1")))
    st = stitch([(g, 4)], "2021")
    s4 = [i for i in st.items if not isinstance(i, Issue)]
    assert [(ln.before, [s.cell.text for s in ln.values]) for ln in s4] == [  # type: ignore[union-attr]
        (0, ["0", "0", "0", "0", "0"]), (1, ["1", "0", "0", "0", "1"])]


# ---------------------------------------------------------------- stage 3: header maps


def test_s3_colmap_positions() -> None:
    cm = s3_colmap([S3_HEAD], True)
    assert [(c.suffix, c.positions) for c in cm.cols] == [
        ("natural_person", (1,)), ("commercial", (2,)), ("research", (3,)), ("nonprofit", (4,)),
        ("legal_services", (5,)), ("other_org", (6,)), ("total", (7,))]
    assert cm.width == 8


def test_s4_colmap_of_a_spanned_two_row_header() -> None:
    review = Cell("行政复议", {}, 1, 5)
    suit = Cell("行政诉讼", {}, 1, 10)
    top = (review, *[Cell("行政复议", {}, 1, 5, False)] * 4, suit, *[Cell("行政诉讼", {}, 1, 10, False)] * 9)
    direct = Cell("未经复议直接起诉", {}, 1, 5)
    after = Cell("复议后起诉", {}, 1, 5)
    mid = ((Cell("", {}),) * 5 + (direct, *[Cell("未经复议直接起诉", {}, 1, 5, False)] * 4)
           + (after, *[Cell("复议后起诉", {}, 1, 5, False)] * 4))
    leaf = tuple(Cell(c.text, {}) for _ in range(3) for c in S4_HEAD2)
    cm = s4_colmap([top, mid, leaf], True)
    assert [c.suffix for c in cm.cols][:6] == [
        "review.upheld", "review.corrected", "review.other", "review.pending", "review.total",
        "suit_direct.upheld"]
    assert cm.cols[-1] == Col("suit_after_review.total", (14,))


def test_s3_header_with_its_total_label_on_the_page_before_reads_total_by_template_order() -> None:
    # regression (bureau-2021-oneline-other.chromium-borderless): 总计 printed on the page before,
    # the column of totals under no label was read as 其他 (nearest free column)
    head = row("", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "")
    cm = s3_colmap([head], True)
    assert cm.cols[-1] == Col("total", (7,)) and cm.unnamed == (Col("total", (7,)),)
    assert s3_colmap([row("", "自然人", "商业企业", "", "总计")], True).unnamed == ()  # 3 left for 2 places: none
    assert s3_colmap([head], False).unnamed == ()  # a re-flowed stream has no positions


def test_s4_header_with_its_review_labels_on_the_page_before_reads_by_template_order() -> None:
    # regression (bureau-2021-oneline-other.chromium-borderless): the review group's labels were
    # on the page before; 10 leaves over 15 positions left 5 values unread
    leaf = tuple(Cell("", {}) for _ in range(5)) + tuple(Cell(c.text, {}) for _ in range(2) for c in S4_HEAD2)
    cm = s4_colmap([leaf], True)
    assert [c.suffix for c in cm.cols][:6] == [
        "review.upheld", "review.corrected", "review.other", "review.pending", "review.total", "suit_direct.upheld"]
    assert [c.suffix for c in cm.unnamed] == [f"review.{c}" for c in ("upheld", "corrected", "other", "pending", "total")]
    shifted = tuple(Cell(c.text, {}) for c in S4_HEAD2) + tuple(Cell("", {}) for _ in range(10))
    assert s4_colmap([shifted[1:] + (Cell("", {}),)], True).unnamed == ()  # labels off their places: not guessed


def test_s4_header_row_of_one_leaf_label_and_total_is_a_header() -> None:
    # regression (county-2021.chromium-borderless): a header printed over several lines started
    # only 总计 and 结果维持 in one row; it was a stray row (table.unknown_label)
    ctx = Context("s4", 4, True, "2021")
    assert classify_row(row("", "总计", "结果维持", ""), ctx).kind is RowKind.S4_HEADER
    assert classify_row(row("", "总计", ""), ctx).kind is not RowKind.S4_HEADER


def test_a_section_heading_between_grids_ends_the_open_table() -> None:
    # regression (city-2022-bad-totals.chromium-cms-borderless): the section-3 header was printed
    # alone at the foot of a page (read as text); the rows on the next page were matched against
    # the section-2 table (table.unknown_label) and lost
    s2 = Grid((row("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"), row("规章", "3", "1", "48")), {})
    s3 = Grid((row("一、本年新收政府信息公开申请数量", "312", "58", "4", "6", "21", "9", "401"),), {})
    st = stitch([(s2, 2), (s3, 3)], "2021")
    assert [ln.s3_row.rid for ln in st.s3_lines] == ["new"]
    assert not [i for i in st.items if isinstance(i, Issue)]


def test_the_rest_of_a_label_after_its_row_values_is_dropped() -> None:
    # regression (town-2021-missing-section.chromium-word-borderless): a row cut by a page break
    # below its numbers left the rest of its label (其政府信息公开申请) for the next row, whose
    # label then matched nothing (3.其他 lost)
    rows = (row("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理", "0", "0", "0", "0", "0", "0", "0"),
            row("其政府信息公开申请", "", "", "", "", "", "", ""),
            row("3.其他", "1", "0", "0", "0", "0", "0", "1"))
    st = stitch([(Grid((S3_HEAD, *rows), {}), 3)], "2021")
    assert [ln.s3_row.rid for ln in st.s3_lines] == ["other.fee_unpaid", "other.other"]
    assert [s.cell.text for s in st.s3_lines[1].values] == ["1", "0", "0", "0", "0", "0", "1"]


# ---------------------------------------------------------------- stage 4: align


def test_align_by_position_snaps_an_orphan_to_the_nearest_free_column() -> None:
    cells = row("规章", "1", "", "7", "")  # the header has no column at position 4
    cm = ColMap((Col("issued", (1,)), Col("repealed", (2,)), Col("in_force", (3,))), 5, True)
    _labels, values = label_and_values(cells)
    field_of = {c: f"s2.regulations.{c}" for c in ("issued", "repealed", "in_force")}
    al = align_row(cells, values, cm, ["issued", "repealed", "in_force"], "r", field_of)
    assert {c: (p.cell.text if p.cell else None, set(p.flags)) for c, p in al.by_col.items()} == {
        "issued": ("1", set()), "repealed": ("", set()), "in_force": ("7", set())}
    assert al.issues == []
    cells = row("规章", "1", "", "7", "9")
    _labels, values = label_and_values(cells)
    al = align_row(cells, values, cm, ["issued", "repealed", "in_force"], "r", field_of)
    assert al.by_col["repealed"].cell == cells[4]
    assert al.by_col["repealed"].flags == {Flag.MISALIGNED}
    assert [i.code for i in al.issues] == ["table.misaligned_cell"]


def test_align_right_on_a_short_row() -> None:
    cells = row("行政许可")
    values = label_and_values(row("行政许可", "3", "4"))[1]
    cols = ["a", "b", "c"]
    al = align_row(cells, values, None, cols, "r", {c: f"x.{c}" for c in cols})
    assert {c: p.cell.text for c, p in al.by_col.items() if p.cell} == {"b": "3", "c": "4"}
    assert all(p.flags == {Flag.UNSURE} for p in al.by_col.values())
    assert [(i.code, i.severity, i.fields) for i in al.issues] == [
        ("table.short_row", "error", ("x.a", "x.b", "x.c")), ("gap.cell", "warning", ("x.a",))]


def test_align_right_drops_extra_cells_with_overflow() -> None:
    cells = row("x", "1", "2", "3", "4")
    values = label_and_values(cells)[1]
    al = align_row(cells, values, None, ["a", "b"], "r", {"a": "f.a", "b": "f.b"})
    assert {c: (p.cell.text, set(p.flags)) for c, p in al.by_col.items() if p.cell} == {
        "a": ("3", {Flag.MISALIGNED}), "b": ("4", {Flag.MISALIGNED})}
    assert [i.code for i in al.issues] == ["table.row_overflow"]


# ---------------------------------------------------------------- stage 5: assign


def test_assign_keys_cells_by_field_id() -> None:
    g = Grid((row("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"), row("规章", "0", "1", "5"),
              S4_HEAD1, S4_HEAD2, row("2", "0", "0", "0", "2")))
    res = TableResult()
    assign(stitch([(g, 2)], "2021"), res)
    assert {f: m.raw for f, m in res.cells.items()} == {
        "s2.regulations.issued": "0", "s2.regulations.repealed": "1", "s2.regulations.in_force": "5",
        "s4.review.upheld": "2", "s4.review.corrected": "0", "s4.review.other": "0",
        "s4.review.pending": "0", "s4.review.total": "2"}
    assert res.found == {"s2", "s4"}
    assert res.issues == []
