"""The HTML reader on small inline pages: exact grids, lines, hints and issues."""

from __future__ import annotations

import pytest

from extractor.errors import LimitExceeded
from extractor.limits import Limits
from extractor.model import Document, Grid, Text
from extractor.readers import read as read_any
from extractor.readers.html import MAX_COLSPAN, read


def page(body: str, head: str = '<meta charset="utf-8">') -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


def lines(doc: Document) -> list[str]:
    return [b.text for b in doc.blocks if isinstance(b, Text)]


def only_grid(doc: Document) -> Grid:
    grids = doc.grids()
    assert len(grids) == 1
    return grids[0]


def kinds(doc: Document) -> list[str]:
    return ["grid" if isinstance(b, Grid) else b.text for b in doc.blocks]


# ---------------------------------------------------------------- grids


def test_spans_rebuild_the_full_rectangle() -> None:
    doc = read(page(
        "<table>"
        "<tr><td rowspan=2>信息内容</td><td colspan=2>本年</td><td>总计</td></tr>"
        "<tr><td>a</td><td>b</td><td rowspan=2>9</td></tr>"
        "<tr><td>规章</td><td>1</td><td>2</td></tr>"
        "</table>"
    ))
    g = only_grid(doc)
    assert g.texts() == [
        ["信息内容", "本年", "本年", "总计"],
        ["信息内容", "a", "b", "9"],
        ["规章", "1", "2", "9"],
    ]
    assert [[c.origin for c in r] for r in g.rows] == [
        [True, True, False, True],
        [False, True, True, True],
        [True, True, True, False],
    ]
    # every covered slot holds the same copy, which names the origin's position and spans
    label, copy = g.rows[0][0], g.rows[1][0]
    assert (copy.rowspan, copy.colspan, copy.where) == (2, 1, {"table": 0, "row": 0, "column": 0})
    assert label.origin and not copy.origin
    assert g.rows[0][2] is not g.rows[0][1] and g.rows[0][2].colspan == 2
    assert g.rows[2][3] is g.rows[2][3] and g.rows[2][3].where == {"table": 0, "row": 1, "column": 3}
    assert g.rows[2][2].where == {"table": 0, "row": 2, "column": 2}
    assert g.source == "html" and g.where == {"table": 0}


def test_same_copy_object_in_every_covered_slot() -> None:
    g = only_grid(read(page("<table><tr><td colspan=3 rowspan=2>T</td><td>x</td></tr><tr><td>y</td></tr></table>")))
    covered = [g.rows[0][1], g.rows[0][2], g.rows[1][0], g.rows[1][1], g.rows[1][2]]
    assert all(c is covered[0] for c in covered)
    assert g.texts() == [["T", "T", "T", "x"], ["T", "T", "T", "y"]]


def test_word_cell_markup() -> None:
    doc = read(page(
        "<table class=MsoNormalTable>"
        "<tr><td width=64><p class=MsoNormal align=center><span style='font-family:宋体'>本年新<br>\r\n"
        "制作数量</span><span lang=EN-US><o:p></o:p></span></p></td>"
        "<td><p class=MsoNormal><span style='font-family:宋体'>申请人情</span><span>况</span></p></td>"
        "<td><p class=MsoNormal><span>第一行</span></p><p class=MsoNormal><span>第二行</span></p></td></tr>"
        "<tr><td><p class=MsoNormal><span lang=EN-US>12<o:p></o:p></span></p></td>"
        "<td><p class=MsoNormal><span lang=EN-US>&nbsp;<o:p></o:p></span></p></td>"
        "<td><p class=MsoNormal><span lang=EN-US>&nbsp;1,234&nbsp;</span><o:p>&nbsp;</o:p></p></td></tr>"
        "<![if !supportMisalignedColumns]><tr height=0><td width=64 style='border:none'></td>"
        "<td width=64 style='border:none'></td><td width=64 style='border:none'></td></tr><![endif]>"
        "</table>"
    ))
    assert only_grid(doc).texts() == [
        ["本年新\n制作数量", "申请人情况", "第一行\n第二行"],
        ["12", "", "1,234"],
    ]


def test_header_cells_as_th_or_td_alike() -> None:
    g = only_grid(read(page("<table><thead><tr><th>信息内容</th><th>本年制发件数</th></tr></thead>"
                            "<tbody><tr><td>规章</td><td>3</td></tr></tbody></table>")))
    assert g.texts() == [["信息内容", "本年制发件数"], ["规章", "3"]]


def test_ragged_rows_are_padded_with_empty_cells() -> None:
    g = only_grid(read(page("<table><tr><td>a</td><td>b</td><td>总计</td></tr><tr><td>x</td><td>1</td></tr></table>")))
    assert g.texts() == [["a", "b", "总计"], ["x", "1", ""]]
    pad = g.rows[1][2]
    assert pad.origin and pad.where == {"table": 0, "row": 1, "column": 2}


def test_cell_white_space() -> None:
    g = only_grid(read(page("<table><tr><td>  本年\n  新收 </td><td>\u3000３\u00a0</td><td>a  b\tc</td></tr></table>")))
    assert g.texts() == [["本年新收", "３", "a b c"]]


def test_nested_layout_table_does_not_swallow_the_data_table() -> None:
    doc = read(page(
        "<table class=layout><tr><td>二、主动公开政府信息情况</td><td>说明文字</td></tr>"
        "<tr><td colspan=2><table><tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td>1</td></tr>"
        "</table></td></tr>"
        "<tr><td>三、收到和处理政府信息公开申请情况</td><td>"
        "<table><tr><td>申请人情况</td><td>自然人</td></tr></table>后记</td></tr></table>"
    ))
    assert kinds(doc) == ["二、主动公开政府信息情况", "说明文字", "grid", "三、收到和处理政府信息公开申请情况", "grid", "后记"]
    a, b = doc.grids()
    assert a.texts() == [["信息内容", "本年制发件数"], ["规章", "1"]]
    assert b.texts() == [["申请人情况", "自然人"]]
    assert b.rows[0][1].where == {"table": 1, "row": 0, "column": 1}


def test_report_cell_of_a_layout_table_is_the_body() -> None:
    doc = read(page(
        "<table class=layout><tr><td><a href=/>首页</a><br><a href=/a>政务公开</a></td><td>"
        "<p>二、主动公开政府信息情况</p>"
        "<table><tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td>1</td></tr></table>"
        "<p>三、收到和处理政府信息公开申请情况</p>后记</td></tr></table>"
    ))
    assert kinds(doc) == ["二、主动公开政府信息情况", "grid", "三、收到和处理政府信息公开申请情况", "后记"]


def test_one_column_and_running_text_tables_are_text() -> None:
    long = "根据条例" * 120
    doc = read(page(f"<table><tr><td>第一段</td></tr><tr><td>第二段</td></tr></table>"
                    f"<table><tr><td>{long}</td><td>边栏</td></tr></table>"))
    assert doc.grids() == []
    assert lines(doc) == ["第一段", "第二段", long, "边栏"]


def test_caption_is_a_line_before_its_grid() -> None:
    doc = read(page("<table><caption>表一</caption><tr><td>a</td><td>b</td></tr></table>"))
    assert kinds(doc) == ["表一", "grid"]


# ---------------------------------------------------------------- lines


def test_lines_in_document_order_with_block_numbers() -> None:
    doc = read(page(
        "<div>前言<p>一、总体情况</p>第一行<br>第二行<br/><br>"
        "<table><tr><td>a</td><td>1</td></tr></table><ul><li>甲</li><li>乙</li></ul><h3>五、存在的主要问题</h3></div>"
    ))
    assert kinds(doc) == ["前言", "一、总体情况", "第一行", "第二行", "grid", "甲", "乙", "五、存在的主要问题"]
    assert [b.where for b in doc.blocks if isinstance(b, Text)] == [{"block": i} for i in (0, 1, 2, 3, 5, 6, 7)]


def test_line_white_space() -> None:
    doc = read(page("<p>&nbsp;&nbsp;根据&nbsp;&nbsp;条例，\n  本报告</p><p>2021年，全县\r\n共收到申请</p>"
                    "<p>收到\n12件</p><p><span>一、</span><span>总体情况</span></p>"))
    assert lines(doc) == ["根据 条例，本报告", "2021年，全县共收到申请", "收到 12件", "一、总体情况"]


def test_scripts_styles_and_hidden_text_are_dropped() -> None:
    doc = read(page(
        "<script>var a = '一、总体情况';</script><style>p{color:red}</style><noscript>请启用脚本</noscript>"
        "<p>正文</p><span style='display:none'>隐藏</span><iframe src='http://example.invalid/'>框架</iframe>"
        "<form><input value='输入'><select><option>选项</option></select><p>表单内文字</p></form>",
        head="<title>标题</title><script>document.write('x')</script>",
    ))
    assert lines(doc) == ["正文", "表单内文字"]


# ---------------------------------------------------------------- encodings


REPORT = "<p>一、总体情况</p><p>本机关镕堃收到申请12件。</p>"


def test_gb2312_declared_page_with_gbk_only_characters() -> None:
    data = f'<html><head><meta charset="gb2312"></head><body>{REPORT}</body></html>'.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")
    assert lines(read(data)) == ["一、总体情况", "本机关镕堃收到申请12件。"]


def test_http_equiv_content_type() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=GBK">'
    data = f"<html><head>{head}</head><body>{REPORT}</body></html>".encode("gbk")
    assert lines(read(data)) == ["一、总体情况", "本机关镕堃收到申请12件。"]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030", "utf-8-sig"])
def test_no_declaration(encoding: str) -> None:
    data = f"<html><body>{REPORT}</body></html>".encode(encoding)
    assert lines(read(data)) == ["一、总体情况", "本机关镕堃收到申请12件。"]


@pytest.mark.parametrize(("declared", "encoding"), [("utf-8", "gbk"), ("gb2312", "utf-8"), ("big5", "utf-8"),
                                                    ("latin-1", "gbk"), ("nonsense-enc", "utf-8"),
                                                    ("utf-16", "gbk"), ("windows-1252", "utf-8")])
def test_a_wrong_declaration_is_overruled_by_the_bytes(declared: str, encoding: str) -> None:
    data = f'<html><head><meta charset="{declared}"></head><body>{REPORT}</body></html>'.encode(encoding)
    assert lines(read(data)) == ["一、总体情况", "本机关镕堃收到申请12件。"]


def test_big5_declared_page() -> None:
    data = '<html><head><meta charset="big5"></head><body><p>一、總體情況</p><p>本機關收到申請12件。</p></body></html>'
    assert lines(read(data.encode("big5"))) == ["一、總體情況", "本機關收到申請12件。"]


def test_utf16_page() -> None:
    data = f'<html><head><meta charset="utf-16"></head><body>{REPORT}</body></html>'.encode("utf-16")
    assert lines(read(data)) == ["一、总体情况", "本机关镕堃收到申请12件。"]


def test_xml_declaration_and_utf8_bom() -> None:
    data = b"\xef\xbb\xbf" + f'<?xml version="1.0" encoding="gb2312"?><html><body>{REPORT}</body></html>'.encode()
    assert lines(read(data)) == ["一、总体情况", "本机关镕堃收到申请12件。"]


def test_sniffed_as_html() -> None:
    doc = read_any(page(REPORT))
    assert doc.format == "html" and lines(doc) == ["一、总体情况", "本机关镕堃收到申请12件。"]


# ---------------------------------------------------------------- body, hints


PORTAL = """<html><head><meta charset="utf-8"><title>某县2023年政府信息公开工作年度报告_某县人民政府网</title></head>
<body>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a>政务公开</a></li></ul></div>
<div class="breadcrumb">当前位置：<a>首页</a> &gt; <a>年报</a></div>
<div class="xxgk"><table>
<tr><td>索引号：</td><td>000/2024-01</td><td>主题分类：</td><td>政务公开</td></tr>
<tr><td>发布机构：</td><td>某县人民政府办公室</td><td>成文日期：</td><td>2024年01月29日</td></tr>
<tr><td>名　　称：</td><td colspan=3>某县2023年政府信息公开工作年度报告</td></tr></table></div>
<div class="detail">
<p>根据条例编制本报告。</p>
<p>一、总体情况</p><p>全年收到申请。</p>
<p>二、主动公开政府信息情况</p>
<table><tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td>0</td></tr></table>
<p>某县人民政府</p><p>2024年1月29日</p>
<div class="share">分享到：<a>微信</a></div>
</div>
<div class="related"><h4>相关链接</h4><ul><li><a>一、总体情况（往年）</a></li><li><a>某乡2023年报告</a></li></ul></div>
<div class="footer">版权所有 网站标识码 0000</div>
</body></html>"""


def test_portal_body_and_info_box_hints() -> None:
    doc = read(PORTAL.encode())
    assert doc.hints == {"title": "某县2023年政府信息公开工作年度报告", "issuer": "某县人民政府办公室",
                         "published": "2024-01-29"}
    assert kinds(doc) == ["某县2023年政府信息公开工作年度报告", "根据条例编制本报告。", "一、总体情况", "全年收到申请。",
                          "二、主动公开政府信息情况", "grid", "某县人民政府", "2024年1月29日"]
    assert doc.issues == ()


def test_info_box_as_list_and_meta_tags() -> None:
    doc = read(page(
        "<ul class=info><li><b>发布机构：</b>某市统计局</li><li><b>发布日期：</b>2023/1/6</li></ul>"
        "<div class=content><h1>某市统计局2022年政府信息公开工作年度报告</h1><p>一、总体情况</p><p>正文</p></div>"
    ))
    assert doc.hints == {"title": "某市统计局2022年政府信息公开工作年度报告", "issuer": "某市统计局", "published": "2023-01-06"}
    assert lines(doc) == ["某市统计局2022年政府信息公开工作年度报告", "一、总体情况", "正文"]
    meta = ('<meta charset="utf-8"><meta name="ArticleTitle" content="某区2021年政府信息公开工作年度报告">'
            '<meta name="PubDate" content="2022-01-28 10:30"><meta name="ContentSource" content="某区人民政府">')
    doc = read(page("<p>一、总体情况</p>", head=meta))
    assert doc.hints == {"title": "某区2021年政府信息公开工作年度报告", "published": "2022-01-28", "issuer": "某区人民政府"}
    assert lines(doc) == ["某区2021年政府信息公开工作年度报告", "一、总体情况"]


def test_info_box_wins_over_meta_tags_and_sites_are_not_issuers() -> None:
    meta = ('<meta charset="utf-8"><meta name="PubDate" content="2024-02-01 08:00">'
            '<meta name="ContentSource" content="某市人民政府门户网站">')
    doc = read(page("<div>发布时间：2024-02-01 来源：本站</div><p>一、总体情况</p>", head=meta))
    assert doc.hints == {"published": "2024-02-01"}
    doc = read(page("<ul><li>发布机构：某市财政局</li><li>成文日期：2024年1月20日</li></ul><p>一、总体情况</p>", head=meta))
    assert doc.hints == {"published": "2024-01-20", "issuer": "某市财政局"}
    assert lines(doc) == ["一、总体情况"]


def test_info_box_labels_without_colons_in_th_cells() -> None:
    doc = read(page("<table><tr><th>发布机构</th><td>某镇人民政府</td><th>发文日期</th><td>2022-02-08</td></tr></table>"
                    "<p>一、总体情况</p>"))
    assert doc.hints == {"issuer": "某镇人民政府", "published": "2022-02-08"}
    assert doc.grids() == []


# ---------------------------------------------------------------- gaps


def test_table_published_as_image() -> None:
    doc = read(page(
        "<p>一、总体情况</p><p>正文<img src='/icons/print.gif'></p>"
        "<p>二、主动公开政府信息情况</p><table><tr><td>信息内容</td><td>本年制发件数</td></tr></table>"
        "<p>三、收到和处理政府信息公开申请情况</p><p><img src='/upload/s3.png' width=600 height=400></p>"
        "<p>四、政府信息公开行政复议、行政诉讼情况</p><table><tr><td><img src='/upload/s4.jpg'></td></tr></table>"
        "<p>五、存在的主要问题及改进情况</p><p>无。</p><p><img src='/upload/seal.png'></p>"
    ))
    assert [(i.code, i.severity, i.where) for i in doc.issues] == [
        ("gap.table_image", "error", {"section": 3, "images": ["/upload/s3.png"]}),
        ("gap.table_image", "error", {"section": 4, "images": ["/upload/s4.jpg"]}),
    ]
    assert "三、收到和处理政府信息公开申请情况" in doc.issues[0].message and "/upload/s3.png" in doc.issues[0].message
    assert len(doc.grids()) == 1


def test_page_of_images_only() -> None:
    doc = read(page("<h1>某镇2023年政府信息公开工作年度报告</h1><p><img src='/a/1.jpg'></p><p><img src='/a/2.jpg'></p>"))
    assert [(i.code, i.severity) for i in doc.issues] == [("gap.table_image", "error")]
    assert "2 content image(s)" in doc.issues[0].message


def test_attachment_only_page() -> None:
    doc = read(page("<div class=content><p>附件：<a href='/u/P0201.pdf'>某镇2023年年度报告</a></p>"
                    "<p><a href='/u/x.docx?id=1'>下载</a></p></div>"))
    assert [(i.code, i.severity) for i in doc.issues] == [("gap.attachment_only", "error")]
    assert "某镇2023年年度报告" in doc.issues[0].message


def test_empty_page_is_never_a_silent_success() -> None:
    for data in (b"<html><body></body></html>", b"<html><body><script>x()</script></body></html>", b"<p>&nbsp;</p>"):
        doc = read(data)
        assert doc.blocks == ()
        assert [i.code for i in doc.issues] == ["input.no_text"]


# ---------------------------------------------------------------- hostile markup


def test_entity_declarations_are_never_resolved(tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    data = (f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY big "BIGBIG">]>'
            "<html><body><p>a&xxe;b &big;</p><!ENTITY stray 'x'></body></html>").encode()
    doc = read(data)
    assert lines(doc) == ["a&xxe;b &big;"]
    assert "TOPSECRET" not in repr(doc)


def test_very_deep_nesting_does_not_crash() -> None:
    n = 200_000
    data = ("<html><body><p>一、总体情况</p>" + "<div>" * n + "深处" + "</div>" * n + "<p>结尾</p></body></html>").encode()
    doc = read(data)
    assert lines(doc) == ["一、总体情况", "深处", "结尾"]
    assert [i.code for i in doc.issues] == ["limit.max_depth"]


def test_deep_nesting_within_libxml2_limits_keeps_tables() -> None:
    n = 1000
    data = ("<html><body>" + "<div>" * n + "<table><tr><td>a</td><td>1</td></tr></table>" + "</div>" * n
            + "</body></html>").encode()
    doc = read(data)
    assert only_grid(doc).texts() == [["a", "1"]]
    assert doc.issues == ()


def test_hostile_spans_are_bounded() -> None:
    g = only_grid(read(page("<table><tr><td colspan=99999999>x</td><td>y</td></tr>"
                            "<tr><td rowspan=50000>z</td><td rowspan=0>w</td></tr><tr><td>v</td></tr></table>")))
    assert g.width == MAX_COLSPAN + 1
    assert len(g.rows) == 3
    assert g.rows[1][0].rowspan == 2 and g.rows[1][1].rowspan == 2
    assert [(c.text, c.origin) for c in g.rows[2][:3]] == [("z", False), ("w", False), ("v", True)]
    assert g.rows[2][0].where == {"table": 0, "row": 1, "column": 0}


def test_span_attributes_as_browsers_read_them() -> None:
    g = only_grid(read(page("<table><tr><td colspan=0>a</td><td colspan='2px'>b</td><td colspan=x>c</td></tr>"
                            "<tr><td>1</td><td>2</td><td>3</td><td>4</td></tr></table>")))
    assert g.texts() == [["a", "b", "b", "c"], ["1", "2", "3", "4"]]


def test_menu_links_are_not_markers() -> None:
    doc = read(page("<table class=box><tr><td><a>自然人办事</a></td><td><a>行政复议</a></td></tr></table>"
                    "<div class=text><p>一、总体情况</p><p>正文</p><p>二、主动公开政府信息情况</p></div>"))
    assert lines(doc) == ["一、总体情况", "正文", "二、主动公开政府信息情况"]


def test_max_cells_limit() -> None:
    data = page("<table>" + "<tr><td>x</td><td colspan=999>y</td></tr>" * 30 + "</table>")
    with pytest.raises(LimitExceeded) as e:
        read(data, Limits(max_cells=20_000))
    assert e.value.limit == "max_cells" and "max_cells=20000" in str(e.value)
    assert len(only_grid(read(data, Limits(max_cells=30_000))).rows) == 30


def test_max_text_chars_limit() -> None:
    with pytest.raises(LimitExceeded) as e:
        read(page("<p>" + "字" * 2000 + "</p>"), Limits(max_text_chars=1000))
    assert e.value.limit == "max_text_chars"


def test_large_table_page() -> None:
    row = "<tr><td><p class=MsoNormal><span>行</span></p></td>" + "<td>1</td>" * 8 + "</tr>"
    data = page("<p>三、收到和处理政府信息公开申请情况</p><table>" + row * 20_000 + "</table>")
    g = only_grid(read(data))
    assert len(g.rows) == 20_000 and g.width == 9
    assert g.rows[-1][-1].where == {"table": 0, "row": 19_999, "column": 8}


def test_heading_words_are_those_of_the_sections_stage():
    # regression: the reader's own copy of the heading words lacked 总体 / 工作情况 / 其他, so a
    # report whose first heading is "一、工作情况" lost that section (the report was taken to
    # start at the next marker)
    page = ("<html><body><div class='wrap'><div class='a'><p>一、工作情况</p><p>本年度我局认真落实。</p></div>"
            "<div class='b'><p>二、主动公开政府信息情况</p><table><tr><td>信息内容</td><td>本年制发件数</td></tr>"
            "<tr><td>规章</td><td>0</td></tr></table><p>六、其他</p><p>无。</p></div></div>"
            "<div class='c'><p>热门文章</p></div></body></html>")
    doc = read(page.encode())
    assert [b.text for b in doc.lines()] == ["一、工作情况", "本年度我局认真落实。", "二、主动公开政府信息情况", "六、其他", "无。"]
