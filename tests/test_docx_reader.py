"""The DOCX reader on small packages built in the test (tests/docxbuild.py): body order,
merged cells, list numbering, text boxes, tracked changes, fields, what is left out, and
sniffing Word files apart from other ZIP and OLE files."""

from __future__ import annotations

import pytest
from docxbuild import document_xml, fib, lvl, num, numbering_xml, ole, p, package, styles_xml, tbl, tc, zip_of

from extractor.errors import DamagedDocument, EncryptedDocument, UnsupportedFormat
from extractor.model import Cell, Grid, Text
from extractor.readers import docx
from extractor.readers.sniff import sniff_format
from extractor.readers.wordnum import chinese_counting, format_number


def read(body: str, **parts: bytes):
    return docx.read(package(document_xml(body), {f"word/{k}.xml": v for k, v in parts.items()}))


def texts(doc) -> list[str]:
    return [b.text for b in doc.blocks if isinstance(b, Text)]


# ---------------------------------------------------------------- order and where


def test_paragraphs_and_tables_in_body_order_with_where() -> None:
    doc = read(p("标题") + p() + p("一、总体情况") + tbl(tc("a") + tc("b"), tc("1") + tc("2")) + p("二、其他"))
    assert doc.format == "docx"
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["Text", "Text", "Grid", "Text"]
    assert [b.where for b in doc.blocks if isinstance(b, Text)] == [
        {"paragraph": 0}, {"paragraph": 2}, {"paragraph": 3}]
    grid = doc.grids()[0]
    assert grid.texts() == [["a", "b"], ["1", "2"]]
    assert grid.where == {"table": 0} and grid.source == "docx"
    assert grid.rows[1][1].where == {"table": 0, "row": 1, "column": 1}


def test_line_breaks_split_a_paragraph_and_join_a_cell() -> None:
    runs = '<w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t><w:tab/><w:t>尾</w:t></w:r>'
    doc = read(p(runs=runs) + tbl(tc("x") + f"<w:tc>{p('上')}{p('下')}</w:tc>"))
    assert texts(doc) == ["第一行", "第二行 尾"]
    assert [b.where for b in doc.lines()] == [{"paragraph": 0}, {"paragraph": 0}]
    assert doc.grids()[0].texts() == [["x", "上\n下"]]


def test_ideographic_spaces_and_empty_cells_are_blank() -> None:
    doc = read(tbl(tc("规章") + tc("\u3000\u3000") + tc("")))
    assert doc.grids()[0].texts() == [["规章", "", ""]]


# ---------------------------------------------------------------- merged cells


def test_grid_span_and_vertical_merge_expand_like_the_html_reader() -> None:
    doc = read(tbl(
        tc("角", vmerge="restart") + tc("申请人情况", span=2),
        tc(vmerge="continue") + tc("自然人") + tc("法人"),
        tc("一、新收") + tc("3") + tc("4"),
    ))
    g = doc.grids()[0]
    assert g.texts() == [["角", "申请人情况", "申请人情况"], ["角", "自然人", "法人"], ["一、新收", "3", "4"]]
    corner = g.rows[0][0]
    assert (corner.rowspan, corner.colspan, corner.origin) == (2, 1, True)
    below = g.rows[1][0]
    assert (below.origin, below.rowspan, below.where) == (False, 2, {"table": 0, "row": 0, "column": 0})
    head, copy = g.rows[0][1], g.rows[0][2]
    assert (head.colspan, head.origin, copy.origin, copy.where) == (2, True, False, {"table": 0, "row": 0, "column": 1})


def test_continue_cell_without_a_restart_above_is_its_own_cell() -> None:
    doc = read(tbl(tc("甲") + tc("乙"), tc("续", vmerge="continue") + tc("丙", vmerge="restart"),
                   tc("丁") + tc(vmerge="continue")))
    g = doc.grids()[0]
    assert g.texts() == [["甲", "乙"], ["续", "丙"], ["丁", "丙"]]
    assert (g.rows[1][0].rowspan, g.rows[1][0].origin) == (1, True)
    assert (g.rows[1][1].rowspan, g.rows[2][1].origin, g.rows[2][1].where) == (
        2, False, {"table": 0, "row": 1, "column": 1})


def test_grid_before_and_short_rows_fill_the_rectangle() -> None:
    before = '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>' + tc("b") + tc("c") + "</w:tr>"
    doc = read("<w:tbl>" + "<w:tr>" + tc("a1") + tc("a2") + tc("a3") + "</w:tr>" + before
               + "<w:tr>" + tc("x") + "</w:tr></w:tbl>")
    g = doc.grids()[0]
    assert g.texts() == [["a1", "a2", "a3"], ["", "b", "c"], ["x", "", ""]]
    assert g.rows[1][1].where == {"table": 0, "row": 1, "column": 1}
    assert all(isinstance(c, Cell) and c.origin for row in g.rows for c in row)


def test_nested_and_one_column_tables_are_layout_read_as_text() -> None:
    inner = tbl(tc("内1") + tc("内2"))
    outer = f"<w:tbl><w:tr><w:tc>{p('外框文字')}{inner}<w:p/></w:tc></w:tr></w:tbl>"
    doc = read(outer + tbl(tc("单列表格")))
    assert [type(b).__name__ for b in doc.blocks] == ["Text", "Grid", "Text"]
    assert texts(doc) == ["外框文字", "单列表格"]
    assert doc.grids()[0].texts() == [["内1", "内2"]]


# ---------------------------------------------------------------- numbering


HEADINGS = {1: lvl(0, "chineseCounting", "%1、") + lvl(1, "chineseCounting", "（%2）")
            + lvl(2, "decimal", "%3.", extra='<w:lvlRestart w:val="0"/>')}


def test_auto_numbered_headings_and_sub_headings_restart() -> None:
    body = (p("总体情况", num(1)) + p("主动公开", num(1, 1)) + p("依申请公开", num(1, 1))
            + p("收到和处理", num(1)) + p("管理", num(1, 1)) + p("无编号") + p("复议诉讼", num(1)))
    doc = read(body, numbering=numbering_xml(HEADINGS, {1: (1, "")}))
    assert texts(doc) == ["一、总体情况", "（一）主动公开", "（二）依申请公开", "二、收到和处理", "（一）管理",
                          "无编号", "三、复议诉讼"]


def test_only_the_first_paragraph_properties_number_a_paragraph() -> None:
    # a second w:pPr holding a w:numPr is not the paragraph's: no label, no count
    twice = '<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:pPr>' + num(1) + '</w:pPr><w:r><w:t>居中</w:t></w:r></w:p>'
    doc = read(p("总体情况", num(1)) + twice + p("收到和处理", num(1)),
               numbering=numbering_xml(HEADINGS, {1: (1, "")}))
    assert texts(doc) == ["一、总体情况", "居中", "二、收到和处理"]


def test_numbered_headings_with_tracked_deletions_and_a_text_box_count_once() -> None:
    # the document holds parts to drop (w:del, mc:Fallback): the numbered paragraphs and
    # text boxes are those left once they are gone
    deleted = '<w:del w:id="1" w:author="a"><w:r><w:delText>旧标题</w:delText></w:r></w:del>'
    box = "<w:txbxContent>" + p("框内", num(1, 1)) + "</w:txbxContent>"
    anchor = ('<w:r><w:t>锚</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
              f'<wps:txbx>{box}</wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox>{box}'
              '</v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r>')
    body = (p(runs=deleted + '<w:r><w:t>总体情况</w:t></w:r>', ppr=num(1)) + p(runs=anchor)
            + p("收到和处理", num(1)) + tbl(tc("表头") + tc("值"), tc("a") + tc("1")))
    doc = read(body, numbering=numbering_xml(HEADINGS, {1: (1, "")}))
    assert texts(doc) == ["一、总体情况", "锚", "（一）框内", "二、收到和处理"]
    assert doc.grids()[0].texts() == [["表头", "值"], ["a", "1"]]


def test_lvl_restart_zero_never_restarts_and_lower_levels_show_their_counters() -> None:
    levels = {1: lvl(0, "decimal", "%1.") + lvl(1, "decimal", "%1.%2", extra='<w:lvlRestart w:val="0"/>')}
    body = p("a", num(1)) + p("b", num(1, 1)) + p("c", num(1)) + p("d", num(1, 1))
    doc = read(body, numbering=numbering_xml(levels, {1: (1, "")}))
    assert texts(doc) == ["1.a", "1.1b", "2.c", "2.2d"]


def test_instances_of_one_list_continue_unless_they_override_the_start() -> None:
    levels = {7: lvl(0, "decimal", "%1.")}
    nums = {1: (7, ""), 2: (7, ""), 3: (7, '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>')}
    body = p("甲", num(1)) + p("乙", num(1)) + p("丙", num(2)) + p("丁", num(3)) + p("戊", num(3)) + p("己", num(2))
    doc = read(body, numbering=numbering_xml(levels, nums))
    assert texts(doc) == ["1.甲", "2.乙", "3.丙", "1.丁", "2.戊", "4.己"]


def test_start_override_skips_a_missing_section_number() -> None:
    levels = {1: lvl(0, "chineseCounting", "%1、")}
    nums = {1: (1, ""), 2: (1, '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride>')}
    body = p("总体情况", num(1)) + p("主动公开", num(1)) + p("存在的主要问题", num(2)) + p("其他", num(2))
    doc = read(body, numbering=numbering_xml(levels, nums))
    assert texts(doc) == ["一、总体情况", "二、主动公开", "五、存在的主要问题", "六、其他"]


def test_numbering_from_the_paragraph_style_through_based_on() -> None:
    levels = {1: lvl(0, "chineseCounting", "%1、", extra='<w:pStyle w:val="H1"/>')
              + lvl(1, "chineseCounting", "（%2）", extra='<w:pStyle w:val="H2"/>')}
    styles = styles_xml(
        '<w:style w:type="paragraph" w:styleId="H1"><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="H2"><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="H1x"><w:basedOn w:val="H1"/></w:style>')
    body = (p("总体情况", '<w:pStyle w:val="H1"/>') + p("小节", '<w:pStyle w:val="H2"/>')
            + p("主动公开", '<w:pStyle w:val="H1x"/>') + p("取消编号", '<w:pStyle w:val="H1"/>' + num(0)))
    doc = read(body, numbering=numbering_xml(levels, {1: (1, "")}), styles=styles)
    assert texts(doc) == ["一、总体情况", "（一）小节", "二、主动公开", "取消编号"]


def test_suffix_space_bullets_and_legal_numbering() -> None:
    levels = {1: lvl(0, "chineseCounting", "%1、", extra='<w:suff w:val="space"/>'),
              2: lvl(0, "bullet", "\uf0b7"),
              3: lvl(0, "chineseCounting", "%1") + lvl(1, "chineseCounting", "%1.%2", extra="<w:isLgl/>")}
    body = p("总体情况", num(1)) + p("要点", num(2)) + p("章", num(3)) + p("节", num(3, 1))
    doc = read(body, numbering=numbering_xml(levels, {1: (1, ""), 2: (2, ""), 3: (3, "")}))
    assert texts(doc) == ["一、 总体情况", "要点", "一章", "1.1节"]


def test_numbered_labels_inside_table_cells() -> None:
    levels = {4: lvl(0, "decimal", "%1.")}
    cell = lambda t: f"<w:tc>{p(t, num(4))}</w:tc>"  # noqa: E731
    doc = read(tbl(tc("（三）不予公开") + cell("属于国家秘密"), tc("") + cell("其他法律行政法规禁止公开")),
               numbering=numbering_xml(levels, {4: (4, "")}))
    assert doc.grids()[0].texts() == [["（三）不予公开", "1.属于国家秘密"], ["", "2.其他法律行政法规禁止公开"]]


@pytest.mark.parametrize(("n", "fmt", "want"), [
    (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (11, "chineseCounting", "十一"),
    (20, "chineseCounting", "二十"), (105, "chineseCounting", "一百零五"), (3, "chineseCountingThousand", "三"),
    (10, "ideographDigital", "一〇"), (7, "ideographDigital", "七"), (12, "decimal", "12"),
    (3, "decimalFullWidth", "３"), (2, "ideographTraditional", "乙"), (3, "decimalEnclosedCircle", "③"),
    (4, "upperRoman", "IV"), (28, "lowerLetter", "bb"), (5, "chineseLegalSimplified", "伍"), (5, "none", ""),
    (5, "someFutureFormat", "5"),
])
def test_number_formats(n: int, fmt: str, want: str) -> None:
    assert format_number(n, fmt) == want


def test_chinese_counting_bounds() -> None:
    assert chinese_counting(9999) == "九千九百九十九"
    assert chinese_counting(1001) == "一千零一"
    assert chinese_counting(0) == "0"


# ---------------------------------------------------------------- runs and what is left out


def test_tracked_changes_fields_hyperlinks_and_symbols() -> None:
    runs = (
        '<w:del w:id="1" w:author="a"><w:r><w:delText>删掉的</w:delText></w:r></w:del>'
        '<w:ins w:id="2" w:author="a"><w:r><w:t>插入的</w:t></w:r></w:ins>'
        '<w:hyperlink w:anchor="x"><w:r><w:t>链接</w:t></w:r></w:hyperlink>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>结果</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:fldSimple w:instr=" DATE "><w:r><w:t>简单域</w:t></w:r></w:fldSimple>'
        '<w:moveFrom w:id="3"><w:r><w:t>移走</w:t></w:r></w:moveFrom>'
        '<w:r><w:noBreakHyphen/><w:sym w:font="Wingdings" w:char="F0FC"/><w:sym w:font="SimSun" w:char="2116"/></w:r>'
    )
    doc = read(p(runs=runs))
    assert texts(doc) == ["插入的链接结果简单域-№"]


def test_text_box_read_once_after_its_anchor_paragraph() -> None:
    box = f"<w:txbxContent>{p('框内标题')}</w:txbxContent>"
    runs = ('<w:r><w:t>锚</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
            f'<wps:txbx>{box}</wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox>{box}'
            '</v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>段</w:t></w:r>')
    doc = read(p(runs=runs) + p("下一段"))
    assert texts(doc) == ["锚段", "框内标题", "下一段"]


def test_content_controls_are_opened() -> None:
    body = f"<w:sdt><w:sdtPr/><w:sdtContent>{p('控件内段落')}{tbl(tc('a') + tc('b'))}</w:sdtContent></w:sdt>"
    doc = read(body)
    assert texts(doc) == ["控件内段落"] and doc.grids()[0].texts() == [["a", "b"]]


def test_headers_footers_and_comments_are_not_read() -> None:
    part = b'<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' \
           + p("二、页眉里的标题").encode() + b"</w:hdr>"
    comments = b'<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' \
               b'<w:comment w:id="0">' + p("批注文字").encode() + b"</w:comment></w:comments>"
    runs = ('<w:commentRangeStart w:id="0"/><w:r><w:t>正文</w:t></w:r><w:commentRangeEnd w:id="0"/>'
            '<w:r><w:commentReference w:id="0"/></w:r>')
    doc = docx.read(package(document_xml(p(runs=runs)), {
        "word/header1.xml": part, "word/footer1.xml": part.replace(b"hdr", b"ftr"), "word/comments.xml": comments}))
    assert texts(doc) == ["正文"]


# ---------------------------------------------------------------- sniffing


def test_sniff_docx_odt_and_other_zips() -> None:
    assert sniff_format(package(document_xml(p("x")))) == "docx"
    odt = zip_of({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
    assert sniff_format(odt) == "odt"
    cases = {
        "an Excel workbook (.xlsx)": zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<x/>"}),
        "a PowerPoint presentation (.pptx)": zip_of({"ppt/presentation.xml": b"<x/>"}),
        "a ZIP archive (not a Word document)": zip_of({"readme.txt": b"hello", "data.csv": b"a,b"}),
        "OpenDocument file of type 'application/vnd.oasis.opendocument.spreadsheet'":
            zip_of({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
    }
    for what, data in cases.items():
        with pytest.raises(UnsupportedFormat, match="not a report") as e:
            sniff_format(data)
        assert what in str(e.value)


def test_sniff_ole_word_excel_and_encrypted() -> None:
    assert sniff_format(ole({"WordDocument": fib(), "1Table": b"t"})) == "doc"
    with pytest.raises(UnsupportedFormat, match=r"Excel workbook \(\.xls\)"):
        sniff_format(ole({"Workbook": b"x"}))
    with pytest.raises(UnsupportedFormat, match=r"PowerPoint presentation \(\.ppt\)"):
        sniff_format(ole({"PowerPoint Document": b"x"}))
    with pytest.raises(EncryptedDocument, match="encrypted Office document"):
        sniff_format(ole({"EncryptionInfo": b"i", "EncryptedPackage": b"p"}))
    with pytest.raises(EncryptedDocument, match=r"encrypted Word document \(\.doc\)"):
        sniff_format(ole({"WordDocument": fib(encrypted=True)}))


def test_sniff_rtf_and_damaged_containers() -> None:
    assert sniff_format(b"{\\rtf1\\ansi \\f0 \\'d2\\'bb}") == "rtf"
    with pytest.raises(DamagedDocument, match="OLE"):
        sniff_format(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(DamagedDocument, match=r"Word document \(\.docx\)"):
        sniff_format(package(document_xml(p("x")))[:300])


def test_a_package_without_a_word_part_is_not_a_report() -> None:
    with pytest.raises(UnsupportedFormat, match="holds no Word document"):
        docx.read(zip_of({"a.txt": b"x"}))


def test_grid_cells_are_model_cells() -> None:
    g = read(tbl(tc("a") + tc("b"))).grids()[0]
    assert isinstance(g, Grid) and g.rows[0][0] == Cell("a", {"table": 0, "row": 0, "column": 0})
