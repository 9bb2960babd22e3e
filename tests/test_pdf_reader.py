"""The PDF reader on the PDF fixtures (fixtures/pdf, made by fixtures/make_pdf.py): exact grids with
their spans rebuilt, table fragments split by page breaks, text lines without page numbers, and
the encrypted / damaged / image-only outcomes."""

from __future__ import annotations

import json
import re
import sys
import zlib
from functools import cache

import pytest

from extractor.errors import DamagedDocument, EncryptedDocument, ExtractorError
from extractor.limits import Limits
from extractor.model import Cell, Document, Grid, Text
from extractor.readers import pdf as pdf_reader
from extractor.readers import read

from conftest import FIXTURES

sys.path.insert(0, str(FIXTURES))
import reports  # noqa: E402

PDF = FIXTURES / "pdf"
CASES = json.loads((PDF / "cases.json").read_text(encoding="utf-8"))
PAGE_NUMBER = re.compile(r"^[-—–\s]*\d+[-—–\s]*$|第\s*\d+\s*页")


# the reader's own stages: pages without a text layer stay gaps here (their OCR: tests/test_ocr.py)
NO_OCR = Limits(ocr=False)


@cache
def doc(name: str) -> Document:
    return pdf_reader.read((PDF / f"{name}.pdf").read_bytes(), NO_OCR)


def printed(g: Grid) -> list[list[tuple[str, bool]]]:
    """A grid as reports.grid gives a logical table: (text, is_origin), '' on covered positions."""
    return [[(c.text if c.origin else "", c.origin) for c in row] for row in g.rows]


def spans(g: Grid) -> list[list[tuple[str, int, int]]]:
    """Origin cells only, row by row: (text, rowspan, colspan) — like <td> elements."""
    return [[(c.text, c.rowspan, c.colspan) for c in row if c.origin] for row in g.rows]


def values_of(row: tuple[Cell, ...]) -> list[str]:
    return [c.text for c in row[-7:]]


def table_grids(d: Document, first_label: str) -> list[Grid]:
    """The grids from the one whose first cell starts with ``first_label`` up to the next table."""
    grids = d.grids()
    start = next(i for i, g in enumerate(grids) if g.rows[0][0].text.startswith(first_label))
    return grids[start:]


SPEC = reports.REPORTS["county-2021"]
S3 = reports.grid(reports.table_rows_s3(SPEC))  # 28 x 10 (text, is_origin)
S3_SPANS = reports.table_rows_s3(SPEC)


# ---------------------------------------------------------------- whole tables, spans rebuilt


def test_plain_report_gives_the_three_tables_exactly():
    d = doc("county-2021.plain")
    s2, s3, s4 = d.grids()
    assert printed(s2) == reports.grid(reports.table_rows_s2(SPEC))
    assert printed(s3) == S3
    assert printed(s4) == reports.grid(reports.table_rows_s4(SPEC))
    assert spans(s3) == [list(r) for r in S3_SPANS]
    assert all(g.source == "pdf" for g in (s2, s3, s4))
    assert [g.where["page"] for g in (s2, s3, s4)] == [1, 2, 3]


def test_merged_cells_are_one_cell_object_repeated_with_origin_false_on_copies():
    s3 = doc("county-2021.plain").grids()[1]
    results = s3.rows[5][0]
    assert (results.text, results.rowspan, results.colspan, results.origin) == ("三、本年度办理结果", 22, 1, True)
    copies = [s3.rows[r][0] for r in range(6, 27)]
    assert all(c is copies[0] for c in copies)
    assert (copies[0].origin, copies[0].text, copies[0].rowspan) == (False, "三、本年度办理结果", 22)
    corner = s3.rows[0][0]
    assert (corner.rowspan, corner.colspan) == (3, 3)
    assert corner.text == reports.S3_CORNER
    assert {id(s3.rows[r][c]) for r in range(3) for c in range(3)} - {id(corner)} == {id(s3.rows[0][1])}
    assert s3.rows[0][1].origin is False


def test_every_cell_keeps_page_and_bbox_inside_its_grid():
    for name in ("county-2021.plain", "county-2021.split-results", "dept-2019.split-repeat-header"):
        for g in doc(name).grids():
            x0, top, x1, bottom = g.where["bbox"]
            for row in g.rows:
                for c in row:
                    assert c.where["page"] == g.where["page"]
                    cx0, ctop, cx1, cbottom = c.where["bbox"]
                    assert x0 - 0.5 <= cx0 < cx1 <= x1 + 0.5 and top - 0.5 <= ctop < cbottom <= bottom + 0.5


def test_vertical_label_and_wrapped_labels_come_out_as_one_string():
    s3 = doc("county-2021.plain").grids()[1]
    # column 0 is one character wide: 三、本年度办理结果 is printed one character per line
    assert s3.rows[5][0].text == "三、本年度办理结果"
    assert s3.rows[6][1].text == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert s3.rows[23][2].text == "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    s4 = doc("county-2021.plain").grids()[2]
    assert [c.text for c in s4.rows[1][:5]] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def test_digits_in_another_font_still_read():
    import pdfplumber

    with pdfplumber.open(PDF / "county-2021.plain.pdf") as pdf:
        page = pdf.pages[1]
        fonts = {c["text"]: c["fontname"] for c in page.chars}
        page.close()
    assert "DejaVu" in fonts["4"] and "WenQuanYi" in fonts["自"]
    s3 = doc("county-2021.plain").grids()[1]
    assert values_of(s3.rows[3]) == ["41", "9", "1", "0", "3", "2", "56"]


# ---------------------------------------------------------------- tables split by page breaks


def test_split_inside_the_results_rowspan():
    d = doc("county-2021.split-results")
    first, second = table_grids(d, "（本列")[:2]
    assert (first.where["page"], second.where["page"]) == (2, 3)
    # page 2: the label area has no inner rule between columns 1 and 2 -> 9 columns
    assert spans(first) == [
        [(reports.S3_CORNER, 3, 2), ("申请人情况", 1, 6), ("总计", 3, 1)],
        [("自然人", 2, 1), ("法人或其他组织", 1, 5)],
        [("商业企业", 1, 1), ("科研机构", 1, 1), ("社会公益组织", 1, 1), ("法律服务机构", 1, 1), ("其他", 1, 1)],
        [("一、本年新收政府信息公开申请数量", 1, 2)] + [(v, 1, 1) for v in ("41", "9", "1", "0", "3", "2", "56")],
        [("二、上年结转政府信息公开申请数量", 1, 2)] + [(v, 1, 1) for v in ("3", "1", "0", "0", "0", "0", "4")],
        [("三", 1, 1), ("（一）予以公开", 1, 1)] + [(v, 1, 1) for v in ("20", "4", "1", "0", "1", "1", "27")],
    ]
    # page 3: the merged label continues ("、本年度办理结果"), the rows after the break
    assert second.width == 10 and len(second.rows) == 22
    assert (second.rows[0][0].text, second.rows[0][0].rowspan) == ("、本年度办理结果", 21)
    assert printed(second)[1:] == S3[7:]
    assert printed(second)[0][1:] == S3[6][1:]
    assert {c.where["page"] for row in second.rows for c in row} == {3}
    assert {c.where["page"] for row in first.rows for c in row} == {2}


def test_split_inside_a_group():
    first, second = table_grids(doc("county-2021.split-group"), "（本列")[:2]
    assert (first.where["page"], second.where["page"]) == (2, 3)
    assert len(first.rows) == 11 and len(second.rows) == 17
    assert [c.text for c in first.rows[-1][-8:]] == ["4.保护第三方合法权益", "2", "1", "0", "0", "0", "0", "3"]
    # the group label （三）不予公开 sits in the first fragment; its cell continues, empty, on page 3
    assert (first.rows[7][1].text, first.rows[7][1].rowspan) == ("（三）不予公开", 4)
    assert (second.rows[0][1].text, second.rows[0][1].rowspan) == ("", 4)
    assert [c.text for c in second.rows[0][2:]] == ["5.属于三类内部事务信息", "1", "0", "0", "0", "0", "0", "1"]
    assert printed(second)[4:] == S3[15:]


def test_split_right_after_the_header():
    first, second = table_grids(doc("county-2021.split-header"), "（本列")[:2]
    assert (first.where["page"], second.where["page"]) == (2, 3)
    # the header alone: the 3-column label area has no inner rule on this page -> 8 columns
    assert spans(first) == [
        [(reports.S3_CORNER, 3, 1), ("申请人情况", 1, 6), ("总计", 3, 1)],
        [("自然人", 2, 1), ("法人或其他组织", 1, 5)],
        [("商业企业", 1, 1), ("科研机构", 1, 1), ("社会公益组织", 1, 1), ("法律服务机构", 1, 1), ("其他", 1, 1)],
    ]
    assert first.width == 8
    assert len(second.rows) == 25 and second.width == 10
    assert printed(second)[0] == S3[3]
    assert spans(second)[2][:2] == [("三、本年度办理结果", 22, 1), ("（一）予以公开", 1, 2)]


def test_split_cutting_a_two_line_row():
    first, second = table_grids(doc("county-2021.split-cut-row"), "（本列")[:2]
    assert (first.where["page"], second.where["page"]) == (2, 3)
    assert [c.text for c in first.rows[-1][-8:]] == ["（二）部分公开（区分处理的，只计", "5", "2", "0", "0", "1", "0", "8"]
    # the rest of the label on the next page, with empty value cells
    assert [c.text for c in second.rows[0][1:]] == ["这一情形，不计其他情形）", "这一情形，不计其他情形）"] + [""] * 7
    assert second.rows[0][1].colspan == 2
    assert printed(second)[1:] == S3[7:]


def test_section4_header_and_data_row_on_two_pages():
    d = doc("county-2021.split-s4-header")
    first, second = table_grids(d, "行政复议")[:2]
    assert (first.where["page"], second.where["page"]) == (3, 4)
    assert printed(first) == reports.grid(reports.table_rows_s4(SPEC))[:3]
    assert [c.text for c in second.rows[0]] == ["2", "1", "0", "1", "4", "1", "0", "0", "1", "2", "1", "0", "0", "0", "1"]
    assert len(second.rows) == 1


def test_section4_split_inside_its_two_row_labels():
    # page 3 draws 7 columns (the 行政诉讼 columns without inner rules) and the labels' first
    # character (结 / 其 / 总 ...), page 4 the rest (果维持 ...) above 15 columns: the reader
    # joins the two fragments into the uncut header on page 4's 15 columns
    grids = table_grids(doc("county-2021.split-s4-label-cut"), "行政复议")
    assert len(grids) == 1
    g = grids[0]
    assert (g.where["page"], g.where["joined_pages"]) == (3, [3, 4])
    labels = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert spans(g) == [
        [("行政复议", 1, 5), ("行政诉讼", 1, 10)],
        [(t, 2, 1) for t in labels] + [("未经复议直接起诉", 1, 5), ("复议后起诉", 1, 5)],
        [(t, 1, 1) for t in labels * 2],
        [(v, 1, 1) for v in ["2", "1", "0", "1", "4", "1", "0", "0", "1", "2", "1", "0", "0", "0", "1"]],
    ]
    assert [c.where["page"] for c in g.rows[1][:5]] == [3] * 5 and g.rows[3][0].where["page"] == 4


@pytest.mark.parametrize("name", ["county-2021.split-s4-cut-2", "county-2021.split-s4-cut-3"])
def test_section4_header_cut_at_its_2nd_and_3rd_character_is_joined(name):
    # regression (issue 10): cut after 结果 / 结果维, the header was left in two fragments of
    # 7 and 15 columns and 10 section-4 cells were lost
    d = pdf_reader.read((FIXTURES / "pdf" / f"{name}.pdf").read_bytes())
    g = table_grids(d, "行政复议")[0]
    assert g.where["joined_pages"] == [3, 4]
    assert [c.text for c in g.rows[1][:5]] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert g.width == 15 and len(g.rows) == 4


def test_split_with_the_header_repeated_2019_template():
    spec = reports.REPORTS["dept-2019"]
    full = reports.grid(reports.table_rows_s3(spec))
    first, second = table_grids(doc("dept-2019.split-repeat-header"), "(本列")[:2]
    assert (first.where["page"], second.where["page"]) == (2, 3)
    assert len(first.rows) == 16
    assert printed(second)[:3] == full[:3]  # the header again
    assert [c.text for c in second.rows[3][2:]] == ["2.没有现成信息需要另行制作", "0", "1", "0", "0", "0", "0", "1"]
    assert len(second.rows) == 3 + len(full) - 16


def test_manifest_matches_the_fragments_read():
    for name, case in CASES.items():
        split = case["split"]
        if not split:
            continue
        d = doc(name.removesuffix(".pdf"))
        label = "行政复议" if split["table"] == "s4" else ("(本列" if case["report"] in ("dept-2019",) else "")
        grids = [g for g in d.grids() if g.where["page"] in split["pages"]]
        if label:
            grids = table_grids(d, label)
        if any(g.where.get("joined_pages") == split["pages"] for g in grids):
            continue  # a header cut by the break: joined by the reader (test above)
        frags = [g for g in grids if len(g.rows) in split["rows"]][:2]
        assert [len(g.rows) for g in frags] == split["rows"], name
        assert [g.where["page"] for g in frags] == split["pages"], name


@pytest.mark.parametrize("name", [n.removesuffix(".pdf") for n, c in CASES.items() if c["expect"] != "encrypted"])
def test_both_engines_give_the_same_document(name):
    """pdfium geometry (default) and pdfplumber/pdfminer (reference) agree exactly."""
    fast = doc(name)
    ref = pdf_reader.read((PDF / f"{name}.pdf").read_bytes(), NO_OCR, engine="pdfplumber")
    assert fast == ref


# ---------------------------------------------------------------- text lines


def test_no_page_number_lines_and_no_table_text_as_lines():
    for name, case in CASES.items():
        if case["expect"] in ("encrypted", "no_text_layer"):
            continue
        d = doc(name.removesuffix(".pdf"))
        lines = [b.text for b in d.blocks if isinstance(b, Text)]
        assert lines, name
        assert not [t for t in lines if PAGE_NUMBER.search(t)], name
        assert not [t for t in lines if any(w in t for w in ("本年新收政府信息", "法人或其他组织", "尚未审结", "信息内容"))], name


def test_text_lines_in_reading_order_with_page_and_bbox():
    d = doc("county-2021.plain")
    texts = [b for b in d.blocks if isinstance(b, Text)]
    assert texts[0].text == "临江县人民政府2021年政府信息公开工作年度报告"
    assert texts[0].where["page"] == 1 and len(texts[0].where["bbox"]) == 4
    assert [t.text for t in texts[-2:]] == ["临江县人民政府", "2022年1月25日"]
    assert texts[-1].where["page"] == 3
    # the wrapped preamble paragraph is one Text, exactly as written
    assert texts[1].text == SPEC.preamble[0]
    headings = [t.text for t in texts if re.match(r"^[一二三四五六]、", t.text)]
    assert headings == [h for _, h, _ in SPEC.sections]
    # order of blocks: heading 二 before the section-2 grid, heading 三 before the section-3 grid
    kinds = ["G" if isinstance(b, Grid) else b.text[:2] for b in d.blocks if isinstance(b, Grid) or b.text[:2] in ("二、", "三、", "四、", "五、")]
    assert kinds == ["二、", "G", "三、", "G", "四、", "G", "五、"]


def test_paragraph_cut_by_a_page_break_is_rejoined():
    spec = reports.REPORTS["seed-halazhigou-2023"]
    want = next(p for p in spec.sections[0][2] if p.startswith("（三）拓宽公开渠道"))
    d = doc("seed-halazhigou-2023.paragraph-break")
    got = [b for b in d.blocks if isinstance(b, Text) and b.text.startswith("（三）拓宽公开渠道")]
    assert [b.text for b in got] == [want]
    assert got[0].where["page"] == 1
    assert [c["page"] for c in got[0].where["continued"]] == [2]
    # the paragraph after it starts a new Text
    after = d.blocks[d.blocks.index(got[0]) + 1]
    assert isinstance(after, Text) and after.text.startswith("（四）加强监督检查")


# ---------------------------------------------------------------- encrypted, damaged, scanned, limits


def test_encrypted_with_empty_user_password_opens():
    d = doc("county-2021.encrypted-empty-password")
    assert [printed(g) for g in d.grids()] == [printed(g) for g in doc("county-2021.plain").grids()]
    assert [b.text for b in d.lines()] == [b.text for b in doc("county-2021.plain").lines()]


def test_encrypted_with_a_user_password_raises_a_clear_error():
    with pytest.raises(EncryptedDocument, match="password"):
        pdf_reader.read((PDF / "county-2021.encrypted-password.pdf").read_bytes())


@pytest.mark.parametrize("fraction", [0.01, 0.2, 0.5, 0.8, 0.99])
def test_truncated_pdf_raises_damaged(fraction):
    data = (PDF / "county-2021.plain.pdf").read_bytes()
    with pytest.raises(DamagedDocument):
        pdf_reader.read(data[: int(len(data) * fraction)])


def test_garbage_after_the_pdf_magic_raises_damaged():
    with pytest.raises(DamagedDocument):
        read(b"%PDF-1.7\n" + b"\x00garbage" * 200)


def test_corrupted_bytes_never_escape_as_a_traceback():
    import random

    data = (PDF / "county-2021.plain.pdf").read_bytes()
    rnd = random.Random(7)
    for _ in range(15):
        d = bytearray(data)
        at = rnd.randrange(len(d))
        d[at : at + 500] = bytes(rnd.randrange(256) for _ in range(len(d[at : at + 500])))
        try:
            result = pdf_reader.read(bytes(d))
        except ExtractorError:
            continue
        assert isinstance(result, Document)


def test_image_only_pdf_is_an_error_issue_not_an_empty_success():
    d = doc("county-2021-scanned.image-only")
    assert d.blocks == ()
    assert [(i.code, i.severity) for i in d.issues] == [("gap.no_text_layer", "error")]
    assert "no text layer" in d.issues[0].message and "OCR" in d.issues[0].message


def test_one_scanned_page_is_a_warning_and_the_other_pages_read():
    d = doc("county-2021-part-scanned.first-page-image")
    assert [(i.code, i.severity, i.where) for i in d.issues] == [("gap.no_text_layer", "warning", {"pages": [1]})]
    assert min(b.where["page"] for b in d.blocks) == 2
    assert printed(d.grids()[0]) == S3


def test_max_pages_limit_reads_the_first_pages_and_says_so():
    d = pdf_reader.read((PDF / "county-2021.plain.pdf").read_bytes(), Limits(max_pages=1))
    assert [i.code for i in d.issues] == ["limit.max_pages"]
    assert "max_pages" in d.issues[0].message
    assert {b.where["page"] for b in d.blocks} == {1}


def test_max_cells_limit_raises():
    from extractor.errors import LimitExceeded

    with pytest.raises(LimitExceeded) as e:
        pdf_reader.read((PDF / "county-2021.plain.pdf").read_bytes(), Limits(max_cells=100))
    assert e.value.limit == "max_cells"


# ---------------------------------------------------------------- fake bold (doubled glyphs)


def _tiny_pdf(content: bytes) -> bytes:
    """A one-page PDF (Helvetica) with the given content stream; xref offsets computed."""
    stream = zlib.compress(content)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_fake_bold_doubled_glyphs_are_read_once(engine):
    lines = []
    for x in (50, 120, 190, 260):  # a 3 x 3 ruled grid, one path per rule
        lines.append(b"%d 60 m %d 240 l S" % (x, x))
    for y in (60, 120, 180, 240):
        lines.append(b"50 %d m 260 %d l S" % (y, y))
    texts = []
    for dx in (0, 0.4):  # every glyph drawn twice, 0.4 pt apart (fake bold)
        texts.append(b"BT /F1 10 Tf %.1f 200 Td (Total) Tj ET" % (60 + dx))
        texts.append(b"BT /F1 10 Tf %.1f 200 Td (1234) Tj ET" % (130 + dx))
        texts.append(b"BT /F1 12 Tf %.1f 270 Td (Annual report) Tj ET" % (50 + dx))
    d = pdf_reader.read(_tiny_pdf(b"\n".join(lines + texts)), engine=engine)
    (g,) = d.grids()
    assert [c.text for c in g.rows[0]] == ["Total", "1234", ""]
    assert len(g.rows) == 3 and g.width == 3
    assert [b.text for b in d.lines()] == ["Annual report"]


def test_page_size_picture_with_a_stamped_page_number_has_no_text_layer():
    picture = b"q 300 0 0 300 0 0 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x00\xff\xff\x00 EI Q"
    stamp = b"BT /F1 10 Tf 145 10 Td (- 1 -) Tj ET"
    d = pdf_reader.read(_tiny_pdf(picture + b"\n" + stamp), NO_OCR)
    assert [(i.code, i.severity) for i in d.issues] == [("gap.no_text_layer", "error")]
    assert d.blocks == ()  # the page number line is dropped too


def test_memory_does_not_grow_with_the_number_of_documents_read():
    import gc
    import tracemalloc

    data = (PDF / "county-2021.split-results.pdf").read_bytes()
    tracemalloc.start()
    try:
        for _ in range(3):
            pdf_reader.read(data)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(12):
            pdf_reader.read(data)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 64 * 1024


# ---------------------------------------------------------------- rotated pages


def test_rotated_pages_read_as_displayed():
    """/Rotate 90/180/270 with the content drawn turned, page boxes off the origin: the same
    values as the upright file, and the same bboxes (points from the top-left corner of the
    page as displayed)."""
    import extractor

    def values(name: str) -> list[tuple]:
        rec = extractor.parse(PDF / f"{name}.pdf").to_dict()
        return [(v["field"], v["value"], v["kind"], v["raw"], v["where"]) for v in rec["values"]]

    assert CASES["county-2021.rotated.pdf"]["rotate"] == [[0, 90]]
    assert values("county-2021.rotated") == values("county-2021.plain")
    upright = values("dept-2019.split-s4-header")
    turned = values("dept-2019.rotated-s4-pages")
    assert [v[:4] for v in turned] == [v[:4] for v in upright]
    s4 = [v[4] for v in turned if v[0].startswith("s4.")]
    assert {w["page"] for w in s4} == {4}  # the data row, on the page turned upside down
    assert s4 == [v[4] for v in upright if v[0].startswith("s4.")]


# ---------------------------------------------------------------- our bugs are not damaged files


def _page_that_is_a_font() -> bytes:
    """A PDF whose only page is a font dictionary: pdfium opens it and fails on the page."""
    return _tiny_pdf(b"BT /F1 10 Tf 50 200 Td (Total) Tj ET").replace(b"/Kids [3 0 R]", b"/Kids [5 0 R]")


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_a_type_error_in_the_grid_stage_is_not_a_damaged_pdf(engine, monkeypatch):
    from extractor.readers.pdf import grids

    def broken(*_args, **_kwargs):
        raise TypeError("a bug in our code")

    monkeypatch.setattr(grids, "_grid_of", broken)
    with pytest.raises(TypeError, match="a bug in our code"):
        pdf_reader.read((PDF / "county-2021.plain.pdf").read_bytes(), engine=engine)


def test_an_attribute_error_in_the_page_scan_is_not_a_damaged_pdf(monkeypatch):
    from extractor.readers.pdf import scan

    def broken(*_args, **_kwargs):
        raise AttributeError("a bug in our code")

    monkeypatch.setattr(scan, "_page_chars", broken)
    with pytest.raises(AttributeError, match="a bug in our code"):
        pdf_reader.read((PDF / "county-2021.plain.pdf").read_bytes())


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_a_page_pdfium_cannot_load_is_a_damaged_pdf(engine):
    with pytest.raises(DamagedDocument, match="page 1 cannot be read"):
        pdf_reader.read(_page_that_is_a_font(), engine=engine)


def test_a_pdfminer_error_on_a_table_page_is_a_damaged_pdf(monkeypatch):
    from pdfminer.psparser import PSSyntaxError
    from pdfplumber.page import Page

    def syntax_error(*_args, **_kwargs):
        raise PSSyntaxError("bad content stream")

    monkeypatch.setattr(Page, "find_tables", syntax_error)
    with pytest.raises(DamagedDocument, match="page 1 cannot be parsed .*PSSyntaxError"):
        pdf_reader.read((PDF / "county-2021.plain.pdf").read_bytes(), engine="pdfplumber")


# ---------------------------------------------------------------- the table finder


def _plumber_tables(edges: list[dict]) -> list:
    from pdfplumber.table import TableFinder

    class EdgePage:  # what TableFinder reads of a page with the "lines" strategy
        def __init__(self) -> None:
            self.edges, self.bbox = edges, (0.0, 0.0, 1000.0, 1000.0)

    return [(t.cells, t.bbox) for t in TableFinder(EdgePage()).tables]  # type: ignore[arg-type]


def _our_tables(edges: list[dict]) -> list:
    from extractor.readers.pdf.finder import find_tables

    return [(t.cells, t.bbox) for t in find_tables(edges)]


def test_table_finder_gives_pdfplumbers_cells_on_every_fixture_page():
    from extractor.limits import DEFAULT_LIMITS
    from extractor.readers.pdf.grids import _closing_rules
    from extractor.readers.pdf.scan import scan_document

    pages = 0
    for path in sorted(PDF.glob("*.pdf")):
        try:
            scans, _ = scan_document(path.read_bytes(), DEFAULT_LIMITS, True)
        except ExtractorError:
            continue
        for s in scans:
            if s.edges:
                edges = s.edges + _closing_rules(s.edges)
                assert _our_tables(edges) == _plumber_tables(edges), (path.name, s.number)
                pages += 1
    assert pages > 80


def test_table_finder_gives_pdfplumbers_cells_on_random_lattices():
    """Rules on a jittered lattice (snapped, joined, some missing, some stopping short): the same
    cells and tables as pdfplumber's TableFinder, in the same order."""
    import random

    rnd = random.Random(10)

    def edge(orientation: str, at: float, lo: float, hi: float) -> dict:
        if orientation == "v":
            return {"object_type": "line", "orientation": "v", "x0": at, "x1": at, "top": lo, "bottom": hi,
                    "doctop": lo, "width": 0.0, "height": hi - lo}
        return {"object_type": "line", "orientation": "h", "x0": lo, "x1": hi, "top": at, "bottom": at,
                "doctop": at, "width": hi - lo, "height": 0.0}

    found = 0
    for _ in range(400):
        xs = sorted(rnd.sample(range(20, 500, 7), rnd.randint(2, 8)))
        ys = sorted(rnd.sample(range(20, 700, 9), rnd.randint(2, 8)))
        edges = []
        for orientation, lines, across in (("v", xs, ys), ("h", ys, xs)):
            for at in lines:
                for a, b in zip(across, across[1:], strict=False):  # a segment per cell side, some left out
                    if rnd.random() < 0.85:
                        jitter = rnd.choice([0.0, 0.0, 0.4, 1.7, 3.5])
                        edges.append(edge(orientation, at + jitter, a + rnd.choice([0.0, 2.0, -1.0]),
                                          b - rnd.choice([0.0, 0.0, 2.5, 4.0])))
        rnd.shuffle(edges)
        ours = _our_tables(edges)
        assert ours == _plumber_tables(edges)
        found += bool(ours)
    assert found > 100  # (162 of the 400 lattices hold a table)
