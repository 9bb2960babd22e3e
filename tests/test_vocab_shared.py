"""One vocabulary (extractor.vocab) for every reader and stage: the PDF and HTML readers take their
report words from it, so they cannot drift apart again, and raw page text is matched the way
match_key folds it (Traditional spellings, spaces between characters)."""

from extractor import vocab
from extractor.readers import shapes
from extractor.readers.html import page as html_page
from extractor.readers.pdf import scan, words


def test_pdf_and_html_readers_take_their_words_from_the_shared_vocabulary():
    assert words.TABLE_WORDS is vocab.PAGE_TABLE_WORDS
    assert words.HEADING_RE is vocab.NUMBERED_LINE
    assert words.BOX_ISSUER_KEYS is vocab.BOX_ISSUER_KEYS is html_page._ISSUER_KEYS
    assert words.BOX_DATE_KEYS is html_page._DATE_KEYS
    assert html_page._BOX_WORDS is vocab.BOX_MARKERS


def test_a_traditional_pdf_page_with_spaced_characters_is_a_table_page():
    rx = scan._TABLE_WORDS_RX
    assert rx.search("三、收到和處理政府資訊公開申請情況\n申 請 人 情 況 自然人") is not None
    assert rx.search("本年度辦理結果") is not None  # 办理结果 in Traditional
    assert rx.search("一、總體情況 全年主動公開政府資訊 4,862 條") is None


def test_box_labels_need_a_colon_in_pdf_text_but_not_in_html_cells():
    assert words.BOX_LABEL_RE.match("发布机构：临江县人民政府").group(1) == "发布机构"
    assert words.BOX_LABEL_RE.match("发布机构 临江县人民政府") is None
    assert html_page._BOX_LABEL_RE.match("发 布 机 构 临江县人民政府").group(1) == "发 布 机 构"


def test_the_one_line_reader_folds_taiwan_words_with_the_shared_table():
    assert shapes.TAIWAN_WORDS is vocab.TAIWAN_WORDS
    # the table the text reader's fold needed of its own: the Simplified spellings too
    assert ("档案", "文件") in vocab.TAIWAN_WORDS and ("资料", "数据") in vocab.TAIWAN_WORDS
    for tw, cn in vocab.TAIWAN_WORDS:
        assert len(tw) == len(cn) == 2  # fold keeps offsets: one character for one character
        assert shapes.fold("行政规范性" + tw) == "行政规范性" + cn
        assert vocab.match_key("行政规范性" + tw) == "行政规范性" + cn
    assert vocab.match_key("行政規範性档案") == shapes.fold("行政規範性档案") == "行政规范性文件"
    assert vocab.raw_pattern(["政府信息"]).search("主动公开政府资讯") is not None
