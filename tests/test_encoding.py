"""Encoding detection (extractor/readers/encoding.py): Big5 and Big5-HKSCS next to the fast
UTF-8 / GB18030 path, on real report text (the fixtures' Traditional renderings)."""

from __future__ import annotations

import pytest

import extractor
from extractor.readers.encoding import cjk_plausibility, decode_text
from extractor.readers.sniff import sniff_format

from conftest import FIXTURES

SHAPES = FIXTURES / "text" / "shapes"
TIDY = (FIXTURES / "text" / "county-2021.tsv.txt").read_bytes().decode("utf-8")


def big5_text() -> str:
    return (SHAPES / "county-2021.trad-big5.txt").read_bytes().decode("big5")


def test_big5_report_decodes_as_big5_although_it_decodes_as_gb18030_too():
    data = (SHAPES / "county-2021.trad-big5.txt").read_bytes()
    garbage = data.decode("gb18030")  # no error: Big5 bytes are valid GBK pairs
    assert garbage != big5_text()
    d = decode_text(data)
    assert (d.encoding, d.quality) == ("big5", 1.0)
    assert d.text == big5_text()
    assert d.text.splitlines()[1] == "臨江縣人民政府2021年政府信息公開工作年度報告"


def test_big5_with_taiwan_vocabulary():
    d = decode_text((SHAPES / "county-2021.trad-tw-big5.txt").read_bytes())
    assert d.encoding == "big5"
    assert "臨江縣人民政府2021年政府資訊公開工作年度報告" in d.text


def test_big5_hkscs_report_needs_the_hkscs_table():
    data = (SHAPES / "county-2021.trad-hkscs.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("big5")
    d = decode_text(data)
    assert d.encoding == "big5hkscs"
    assert d.text == data.decode("big5hkscs")


def test_hong_kong_characters():
    text = "香港嘅政府資訊公開報告，啲數據喺附件。" * 3
    d = decode_text(text.encode("big5hkscs"))
    assert (d.encoding, d.text) == ("big5hkscs", text)


def test_gb18030_report_that_also_decodes_as_big5_stays_gb18030():
    data = (FIXTURES / "text" / "county-2021.tsv-gb18030.txt").read_bytes()
    d = decode_text(data)
    assert d.encoding == "gb18030"
    assert d.text == TIDY


def test_declared_big5_overruled_by_gb_bytes_and_honoured_for_big5_bytes():
    gb = TIDY.encode("gb18030")
    assert decode_text(gb, declared="big5").encoding == "gb18030"
    b5 = (SHAPES / "county-2021.trad-big5.txt").read_bytes()
    assert decode_text(b5, declared="big5").encoding == "big5"
    assert decode_text(b5, declared="gb2312").encoding == "big5"


def test_utf8_still_first_and_partial_prefix():
    assert decode_text(TIDY.encode("utf-8")).encoding == "utf-8"
    b5 = (SHAPES / "county-2021.trad-big5.txt").read_bytes()
    d = decode_text(b5[:1001], partial=True)  # a prefix may cut a character in two
    assert d.encoding == "big5" and big5_text().startswith(d.text)


def test_plausibility_separates_text_from_mis_decoded_bytes():
    b5 = (SHAPES / "county-2021.trad-big5.txt").read_bytes()
    gb = TIDY.encode("gb18030")
    assert cjk_plausibility(TIDY) > 0.95
    assert cjk_plausibility(big5_text()) > 0.95
    assert cjk_plausibility(b5.decode("gb18030")) < 0.5
    assert cjk_plausibility(gb.decode("big5", errors="replace")) < 0.5
    assert cjk_plausibility("plain ASCII text") == 1.0


def test_sniff_accepts_big5_text_and_html():
    b5 = (SHAPES / "county-2021.trad-big5.txt").read_bytes()
    assert sniff_format(b5) == "text"
    page = ('<html><head><meta charset="big5"><title>報告</title></head><body><p>' + big5_text()[:400]
            + "</p></body></html>").encode("big5")
    assert sniff_format(page) == "html"


def test_big5_text_end_to_end(tmp_path):
    rep = extractor.parse(SHAPES / "county-2021.trad-big5.txt")
    assert rep.metadata.template == "2021"
    assert rep.value("s3.new.natural_person").value == 41
    assert rep.value("s2.licensing.decisions").value == 2318


TRAD_HTML = FIXTURES / "traditional"


@pytest.mark.parametrize("name", [
    "county-2021.cms-trad.html",
    "county-2021.word-trad.html",
    "county-2021.portal-trad.html",
    "county-2021.cms-tw-nodecl.html",
])
def test_traditional_html_reads_the_same_values(name):
    rep = extractor.parse(TRAD_HTML / name)
    twin = extractor.parse(FIXTURES / "html" / "county-2021.cms.html")
    assert [(v.field, v.kind, v.value) for v in rep.values] == [(v.field, v.kind, v.value) for v in twin.values]
    assert [s.number for s in rep.sections] == [1, 2, 3, 4, 5, 6]
    assert rep.metadata.issuer == "臨江縣人民政府"


def test_big5_hkscs_page_decodes_by_its_declaration():
    data = (TRAD_HTML / "county-2021.portal-trad.html").read_bytes()
    assert b'<meta charset="big5-hkscs">' in data
    assert "國家秘密" in decode_text(data, declared="big5-hkscs").text


def test_undeclared_big5_page_decodes_as_big5():
    d = decode_text((TRAD_HTML / "county-2021.cms-tw-nodecl.html").read_bytes())
    assert d.encoding == "big5" and "政府資訊公開" in d.text


def test_damaged_gb18030_stays_gb18030_with_a_replacement():
    data = (FIXTURES / "text" / "county-2021.tsv-gb18030.txt").read_bytes()
    cut = data.index(b"\n", 500) + 1  # between two lines, not inside a character
    d = decode_text(data[:cut] + b"\xff" + data[cut:])
    assert d.encoding == "gb18030"
    assert d.text.count("\ufffd") == 1 and d.quality < 1.0
    assert d.text.replace("\ufffd", "") == TIDY
