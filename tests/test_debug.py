"""extractor.debug: the picture of a PDF page and the text dump of any report (docs/debug.md)."""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image

import extractor
from extractor.debug import (
    GRID_COLOUR,
    LAYOUT_COLOUR,
    DebugUsageError,
    annotate,
    debug_file,
    debug_pdf_page,
    debug_text_dump,
)
from extractor.readers import read
from extractor.readers.pdf.layout import LAYOUT_OBSERVER, LayoutBox
from extractor.tables.stitch import ROW_OBSERVER

FIX = Path(__file__).resolve().parent.parent / "fixtures"
PLAIN_PDF = FIX / "pdf" / "county-2021.plain.pdf"

# a cell annotation of the dump: 「text」field-id (several ids joined by commas)
_ANNOTATION = re.compile(r"」([a-z0-9_.,]+)")


def _plumber_page_size(pdf: Path, page: int) -> tuple[float, float]:
    with pdfplumber.open(io.BytesIO(pdf.read_bytes())) as doc:
        p = doc.pages[page - 1]
        return float(p.width), float(p.height)


def _reader_bboxes(pdf: Path, page: int) -> list[tuple[float, ...]]:
    doc = read(pdf.read_bytes())
    return [tuple(g.where["bbox"]) for g in doc.grids() if g.where["page"] == page]


# --------------------------------------------------------------------------- the picture


def test_pdf_page_picture_size_and_grid_boxes(tmp_path: Path) -> None:
    out = tmp_path / "p2.png"
    info = debug_pdf_page(PLAIN_PDF, 2, out, scale=1.5)
    img = Image.open(out)
    w, h = _plumber_page_size(PLAIN_PDF, 2)
    # pypdfium2 renders ceil(points × scale) pixels: 595.3 × 841.9 pt (A4) at 1.5
    assert img.size == info.image_size == (math.ceil(w * 1.5), math.ceil(h * 1.5)) == (893, 1263)
    assert info.page == 2 and info.pages == 3 and info.scale == 1.5
    # the drawn grid boxes are the reader's grids on that page, exactly
    assert [g.bbox for g in info.grids] == _reader_bboxes(PLAIN_PDF, 2) == [(72.0, 72.25, 523.3, 686.45)]
    g = info.grids[0]
    assert g.number == 2 and g.strategy == "rules"  # the reader's strategy (ruling lines)
    assert g.box_px == (108, 108, 785, 1030)  # the bbox × 1.5, rounded
    assert g.row_classes == ("header",) * 3 + ("data",) * 25
    # 7 value columns × 25 data rows carry a field id; 215 cell boxes (merged cells once)
    assert (g.cells, g.fields) == (215, 175)


def test_pdf_page_picture_pixels_on_the_grid_border(tmp_path: Path) -> None:
    out = tmp_path / "p2.png"
    info = debug_pdf_page(PLAIN_PDF, 2, out, scale=2.0)
    img = Image.open(out).convert("RGB")
    x0, y0, x1, y1 = info.grids[0].box_px
    ym, xm = (y0 + y1) // 2, (x0 + x1) // 2
    for xy in [(x0, ym), (x1, ym), (xm, y0), (xm, y1), (x0 - 1, ym), (x1 + 1, y1)]:
        assert img.getpixel(xy) == GRID_COLOUR, xy
    # away from the outline the page is not painted in the grid colour
    assert img.getpixel((x1 - 30, y0 - 10)) == (255, 255, 255)
    assert img.getpixel((x0 + 5, ym)) != GRID_COLOUR


def test_pdf_page_picture_ruling_lines_are_pdfplumbers_edges(tmp_path: Path) -> None:
    info = debug_pdf_page(PLAIN_PDF, 1, tmp_path / "p1.png")
    with pdfplumber.open(io.BytesIO(PLAIN_PDF.read_bytes())) as doc:
        assert info.ruling_lines == len(doc.pages[0].edges) == 23
    assert [g.bbox for g in info.grids] == _reader_bboxes(PLAIN_PDF, 1)
    # the text lines the reader kept on page 1: every Text block of the page
    doc = read(PLAIN_PDF.read_bytes())
    assert info.text_lines == sum(1 for b in doc.lines() if b.where.get("page") == 1) > 5
    assert info.layout_boxes == ()  # the plain export draws no box around text


def _reader_dropped(pdf: Path) -> list[LayoutBox]:
    """The boxes the PDF reader itself tells its layout observer, reading the file alone."""
    told: list[LayoutBox] = []
    token = LAYOUT_OBSERVER.set(told.append)
    try:
        read(pdf.read_bytes())
    finally:
        LAYOUT_OBSERVER.reset(token)
    return told


def test_pdf_page_picture_draws_the_layout_boxes_the_reader_left_out(tmp_path: Path) -> None:
    """The shaded paragraph boxes of county-2021.wps-shaded (a boxed note, the grey box around
    section 1's paragraphs and section 2's heading) are drawn where the reader dropped them."""
    pdf = FIX / "pdf" / "county-2021.wps-shaded.pdf"
    out = tmp_path / "s1.png"
    info = debug_pdf_page(pdf, 1, out, scale=2.0)
    dropped = [b for b in _reader_dropped(pdf) if b.page == 1]
    assert [(d.bbox, d.why) for d in info.layout_boxes] == [(b.bbox, b.why) for b in dropped]
    assert [d.why for d in info.layout_boxes] == ["single-column", "single-column"]
    # the box around section 2's heading: its text was given back as a line inside it
    x0, y0, x1, y1 = info.layout_boxes[1].bbox
    heading = next(t for t in read(pdf.read_bytes()).lines() if t.text == "二、主动公开政府信息情况")
    hx0, hy0, hx1, hy1 = heading.where["bbox"]
    assert x0 <= hx0 and hx1 <= x1 and y0 <= hy0 and hy1 <= y1
    img = Image.open(out).convert("RGB")
    for d in info.layout_boxes:
        px0, py0, px1, py1 = d.box_px
        assert img.getpixel((px0, (py0 + py1) // 2)) == LAYOUT_COLOUR
        assert img.getpixel(((px0 + px1) // 2, py1)) == LAYOUT_COLOUR


def test_pdf_page_picture_of_a_page_turned_by_rotate(tmp_path: Path) -> None:
    """Page 3 of dept-2019.rotated-s4-pages.pdf has /Rotate 270: drawn upright, boxes on the grid."""
    pdf = FIX / "pdf" / "dept-2019.rotated-s4-pages.pdf"
    out = tmp_path / "r3.png"
    info = debug_pdf_page(pdf, 3, out, scale=2.0)
    assert info.image_size == Image.open(out).size == (1191, 1684)  # portrait, as displayed
    assert [g.bbox for g in info.grids] == _reader_bboxes(pdf, 3) == [(72.3, 680.05, 523.1, 766.85)]
    x0, y0, x1, y1 = info.grids[0].box_px
    img = Image.open(out).convert("RGB")
    assert img.getpixel((x0, (y0 + y1) // 2)) == GRID_COLOUR


def test_pdf_page_picture_errors(tmp_path: Path) -> None:
    with pytest.raises(DebugUsageError, match="page 4 is not in the document: it has 3 page"):
        debug_pdf_page(PLAIN_PDF, 4, tmp_path / "x.png")
    with pytest.raises(DebugUsageError, match="only PDF pages are drawn; this is html"):
        debug_pdf_page(FIX / "html" / "county-2021.cms.html", 1, tmp_path / "x.png")
    for scale in (0.0, -1.0, float("nan"), 9.0):
        with pytest.raises(DebugUsageError, match="scale must be above 0 and at most 8"):
            debug_pdf_page(PLAIN_PDF, 1, tmp_path / "x.png", scale=scale)
    assert DebugUsageError("x").exit_code == 2
    assert not (tmp_path / "x.png").exists()


def test_debug_file_pdf_default_page_and_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run = debug_file(PLAIN_PDF)
    assert run.picture is not None and run.picture.page == 1  # the first page with a grid
    assert run.picture.path == Path("county-2021.plain.p1.debug.png") and (tmp_path / run.picture.path).is_file()
    assert run.dump.startswith(f"extractor debug: {PLAIN_PDF}\n")


def test_debug_file_html_prints_the_dump_and_refuses_a_page(tmp_path: Path) -> None:
    html = FIX / "html" / "county-2021.cms.html"
    run = debug_file(html)
    assert run.picture is None and run.dump == debug_text_dump(html)
    with pytest.raises(DebugUsageError, match="only PDF pages are drawn"):
        debug_file(html, page=1)
    with pytest.raises(DebugUsageError, match="only PDF pages are drawn"):
        debug_file(html, out_png=tmp_path / "x.png")
    with pytest.raises(DebugUsageError, match="only PDF pages are drawn"):
        debug_file(html, scale=3.0)


# --------------------------------------------------------------------------- the dump


def _annotations(dump: str) -> Counter[str]:
    """The field ids on the grid rows and in the list of values on no cell (not the issues)."""
    body = dump.split("\nsections (")[0].split("\n")
    lines = [ln for ln in body if ln.startswith(("  row ", "  「"))]
    return Counter(f for ln in lines for m in _ANNOTATION.finditer(ln) for f in m.group(1).split(","))


@pytest.mark.parametrize("path", [
    "html/county-2021.cms.html", "html/dept-2019.word.html", "text/county-2021.tsv.txt",
    "text/county-2021.cells.txt", "text/seed-halazhigou-2023.tsv.txt", "pdf/county-2021.plain.pdf",
    "docx/county-2021.plain.docx",
])
def test_dump_names_every_field_once(path: str) -> None:
    report = extractor.parse(FIX / path)
    dump = debug_text_dump(FIX / path)
    fields = Counter(v.field for v in report.values)
    assert max(fields.values()) == 1 and len(fields) >= 150
    assert _annotations(dump) == fields


HTML_S3 = [
    "grid 2 · html · strategy html · {\"table\": 1} · section 3 · 28 rows × 10 columns",
    "  row  1  header s3_header  ~  ~  ~  「自然人」-[2×1]  「法人或其他组织」-[1×5]  ~  ~  ~  ~  ~",
    "  row  3  data   s3_data    「一、本年新收政府信息公开申请数量」-[1×3]  ~  ~  「41」s3.new.natural_person  "
    "「9」s3.new.commercial  「1」s3.new.research  「0」s3.new.nonprofit  「3」s3.new.legal_services  "
    "「2」s3.new.other_org  「56」s3.new.total",
    "  row 13  data   s3_data    ~  ~  「7.属于行政执法案卷」-  「0」s3.denied.enforcement_files.natural_person  "
    "「0」s3.denied.enforcement_files.commercial  「0」s3.denied.enforcement_files.research  "
    "「0」s3.denied.enforcement_files.nonprofit  「0」s3.denied.enforcement_files.legal_services  "
    "「0」s3.denied.enforcement_files.other_org  「0」s3.denied.enforcement_files.total",
]


def test_dump_html_section3_rows() -> None:
    lines = debug_text_dump(FIX / "html" / "county-2021.cms.html").splitlines()
    for expected in HTML_S3:
        assert expected in lines


TSV_S3 = [
    "grid 2 · tsv · strategy text · {\"line\": 41} · section 3 · 28 rows × 10 columns",
    "  row  0  header s3_header  「（本列数据的勾稽关系为：第一项加第二项之和，等…」-  「」-  「申请人情况」-  "
    "「」-  「」-  「」-  「」-  「」-  「总计」-",
    "  row 27  data   s3_data    「四、结转下年度继续办理」-  「」-  「2」s3.carried_forward.natural_person  "
    "「1」s3.carried_forward.commercial  「0」s3.carried_forward.research  「0」s3.carried_forward.nonprofit  "
    "「0」s3.carried_forward.legal_services  「0」s3.carried_forward.other_org  「3」s3.carried_forward.total",
]


def test_dump_text_section3_rows() -> None:
    lines = debug_text_dump(FIX / "text" / "county-2021.tsv.txt").splitlines()
    for expected in TSV_S3:
        assert expected in lines


def test_dump_reflowed_cells_and_label_rows() -> None:
    """county-2021.cells.txt: no grid, the stages re-flow the lines; the section heading
    and the lone 总计 header cell are label rows (no value, no field id)."""
    lines = debug_text_dump(FIX / "text" / "county-2021.cells.txt").splitlines()
    assert ("re-flowed grid 2 · cells · strategy reflowed · text lines 55–271 · section 3 · "
            "29 rows × 9 columns") in lines
    assert "  row  0  label  s3_data    「三、收到和处理政府信息公开申请情况」-" in lines
    assert "  row  2  label  s3_data    「总计」-" in lines
    assert "  row  0  prose  other      「二、主动公开政府信息情况」-" in lines


def test_dump_lists_inferred_values_on_no_cell() -> None:
    dump = debug_text_dump(FIX / "text" / "seed-halazhigou-2023.tsv.txt")
    lines = dump.splitlines()
    assert "values on no cell above (15):" in lines
    assert '  「」s3.denied.state_secret.natural_person  where {"line": 52, "inferred": true}' in lines
    assert "issues (" in dump and "  warning table.short_row: section-3 row 4.保护第三方合法权益" in dump


def test_dump_of_a_cut_pdf_row_is_a_label_row() -> None:
    """county-2021.split-cut-row.pdf: the row （二）部分公开 is cut by the page break; its values
    are read on page 2, the tail of its label opens page 3's grid over empty cells (a label row)."""
    a = annotate(FIX / "pdf" / "county-2021.split-cut-row.pdf")
    g2, g3 = (next(g for g in a.grids if g.number == n) for n in (2, 3))
    assert g2.rows[-1].cls == "data" and g2.rows[-1].cells[1].text == "（二）部分公开（区分处理的，只计"
    assert [c.fields for c in g2.rows[-1].cells[2:4]] == [("s3.partly_granted.natural_person",),
                                                          ("s3.partly_granted.commercial",)]
    assert [r.cls for r in g3.rows[:2]] == ["label", "data"]
    assert g3.rows[0].kind == "s3_data" and g3.rows[0].cells[1].text == "这一情形，不计其他情形）"
    assert not any(c.fields for c in g3.rows[0].cells)


def test_dump_of_a_document_that_is_not_a_report() -> None:
    dump = debug_text_dump(FIX / "html" / "not-a-report.cms.html")
    assert "rows unread: the template is not 2019 or 2021, so the table stages did not run" in dump
    assert "  error gap.template: no table of the 2019 or 2021 template was found" in dump


def test_annotate_gives_the_same_report_as_parse_and_leaves_no_hook() -> None:
    for path in (PLAIN_PDF, FIX / "text" / "county-2021.cells.txt"):
        a = annotate(path)
        assert a.report == extractor.parse(path)
        assert ROW_OBSERVER.get() is None


def test_pdf_page_picture_of_a_borderless_table(tmp_path: Path) -> None:
    """county-2021.borderless.pdf: no ruling line; the reader places the words by their positions
    (strategy ``words``). The picture outlines that grid where the reader put it and counts the
    field ids of every value the report reads on the page."""
    pdf = FIX / "pdf" / "county-2021.borderless.pdf"
    info = debug_pdf_page(pdf, 2, tmp_path / "b2.png")
    assert info.ruling_lines == 0
    assert [g.bbox for g in info.grids] == _reader_bboxes(pdf, 2) != []
    assert {g.strategy for g in info.grids} == {"words"}
    report = extractor.parse(pdf)
    on_page = sum(1 for v in report.values if v.where.get("page") == 2)
    assert sum(g.fields for g in info.grids) + sum(d.fields for d in info.reflowed) == on_page > 50


def test_row_observer_sees_every_row_once_with_its_kind() -> None:
    """The hook in extractor/tables/stitch.py: called once per grid row, in order, with the
    stage's own classification; unset, stitch gives the same result."""
    from extractor.model import Cell, Grid
    from extractor.tables import RowKind, stitch

    def row(*texts: str) -> tuple[Cell, ...]:
        return tuple(Cell(t) for t in texts)

    g = Grid((row("第二十条第（一）项"), row("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
              row("规章", "1", "0", "5"), row("", "", "", "")), source="tsv")
    seen: list[tuple[int, RowKind]] = []
    token = ROW_OBSERVER.set(lambda grid, sec, ri, c: seen.append((ri, c.kind)) if grid is g and sec == 2 else None)
    try:
        observed = stitch([(g, 2)], "2021")
    finally:
        ROW_OBSERVER.reset(token)
    assert seen == [(0, RowKind.S2_TITLE), (1, RowKind.S2_HEADER), (2, RowKind.S2_DATA), (3, RowKind.SKIP)]
    assert stitch([(g, 2)], "2021") == observed
