from __future__ import annotations

from dataclasses import replace as dc_replace

import pytest

import extractor
from extractor.model import Grid, Source
from extractor.pipeline import build_report
from extractor.readers import read
from extractor.values import CellValue, is_value_like, parse_value

from conftest import FIXTURES


@pytest.mark.parametrize(
    "raw,kind,value,unit",
    [
        ("12", "number", 12, None),
        ("0", "number", 0, None),
        ("", "blank", None, None),
        ("\xa0", "blank", None, None),
        ("无", "none", None, None),
        ("零", "none", None, None),
        ("-", "na", None, None),
        ("—", "na", None, None),
        ("--", "na", None, None),
        ("/", "na", None, None),
        ("不适用", "na", None, None),
        ("１２", "number", 12, None),
        ("1,234", "number", 1234, None),
        (" 5 ", "number", 5, None),
        ("+2", "number", 2, None),
        ("-11", "number", -11, None),
        ("3.52", "number", 3.52, None),
        ("3.00", "number", 3, None),
        ("160.5964万元", "number", 160.5964, "万元"),
        ("见附件", "text", None, None),
        ("约160.5964万元", "text", 160.5964, "万元"),
    ],
)
def test_cell_kinds(raw, kind, value, unit):
    cv = parse_value(raw)
    assert (cv.kind, cv.value, cv.unit) == (kind, value, unit)
    assert type(cv.value) is type(value)


def test_raw_is_kept_as_printed():
    assert parse_value(" １２ ").raw == "１２"
    assert parse_value("1\n2").raw == "1 2"


def test_default_unit_for_money_columns():
    assert parse_value("3.5", default_unit="万元").unit == "万元"


# --- two numbers in one cell (issue #10, item 7) ---------------------------------------------


@pytest.mark.parametrize(
    "raw,folded",
    [
        ("12 34", "12 34"),
        ("12\n34", "12 34"),
        ("１２\u3000３４", "１２ ３４"),
        ("1 2345", "1 2345"),  # the second group is not 3 digits: no thousands separator
        ("12 3456", "12 3456"),
        ("1234 567", "1234 567"),  # the first group is longer than 3 digits
        ("3.5 12", "3.5 12"),
        ("2.5 300", "2.5 300"),  # a decimal before the space: two numbers
        ("1 0", "1 0"),
        ("12 34万元", "12 34万元"),
        ("-1 2", "-1 2"),
        # regression (dept-2019 portal page printed by Chromium without borders, 190 mm): the
        # count 5 and the amount 160.5964万元 in one cell read as 5160.5964 projects
        ("5 160.5964", "5 160.5964"),
    ],
)
def test_two_numbers_in_one_cell_are_text_not_one_number(raw, folded):
    cv = parse_value(raw)
    assert (cv.kind, cv.value, cv.unit, cv.raw, cv.two_numbers) == ("text", None, None, folded, True)
    assert is_value_like(raw)  # a value cell (not a row label), just not one number


@pytest.mark.parametrize(
    "raw,value",
    [
        ("1 234", 1234),
        ("12 345", 12345),
        ("123 456", 123456),
        ("1 234 567", 1234567),
        ("1 234.5", 1234.5),
        ("1 234.56", 1234.56),
        ("１ ２３４", 1234),
    ],
)
def test_a_space_as_thousands_separator_reads_as_one_number(raw, value):
    cv = parse_value(raw)
    assert (cv.kind, cv.value, cv.two_numbers) == ("number", value, False)


def test_text_with_two_digit_groups_keeps_no_number():
    # the digits stand in two groups: neither is "the" number of the cell
    assert parse_value("约12 34万元") == CellValue("text", None, None, "约12 34万元")
    assert parse_value("约1 234万元") == CellValue("text", 1234, "万元", "约1 234万元")
    assert parse_value("+ 2") == CellValue("number", 2, None, "+ 2")
    assert parse_value("160.5964 万元") == CellValue("number", 160.5964, "万元", "160.5964 万元")


def _text_report(cell: str):
    data = (FIXTURES / "text" / "county-2021.tsv.txt").read_text(encoding="utf-8")
    line = "一、本年新收政府信息公开申请数量\t\t41\t9\t1\t0\t3\t2\t56"
    assert line in data
    return extractor.parse(data.replace(line, line.replace("\t41\t", f"\t{cell}\t")).encode("utf-8"))


def _html_report(cell: str):
    data = (FIXTURES / "html" / "county-2021.cms.html").read_text(encoding="utf-8")
    row = "一、本年新收政府信息公开申请数量</td><td>41</td>"
    assert row in data
    return extractor.parse(data.replace(row, row.replace(">41<", f">{cell}<")).encode("utf-8"))


def _pdf_report(cell: str):
    """The PDF fixture as its reader reads it, with the cell's text replaced (as a PDF cell
    whose two numbers stand on two lines reads)."""
    data = (FIXTURES / "pdf" / "county-2021.plain.pdf").read_bytes()
    doc = read(data, "pdf")
    blocks = []
    for b in doc.blocks:
        if isinstance(b, Grid):
            rows = tuple(tuple(dc_replace(c, text=cell) if r and "本年新收" in r[0].text and c.text == "41" else c
                               for c in r) for r in b.rows)
            b = dc_replace(b, rows=rows)
        blocks.append(b)
    return build_report(dc_replace(doc, blocks=tuple(blocks)), Source(None, "0" * 64, "pdf"))


@pytest.mark.parametrize("make,cell", [(_text_report, "12 34"), (_html_report, "12<br>34"),
                                       (_pdf_report, "12\n34"), (_html_report, "12 34")])
def test_two_numbers_in_one_cell_read_alike_in_every_format(make, cell):
    rep = make(cell)
    v = rep.value("s3.new.natural_person")
    assert (v.kind, v.value, v.raw, v.unit) == ("text", None, "12 34", None)
    two = [i for i in rep.issues if i.code == "table.two_numbers"]
    assert [(i.severity, i.fields, i.message) for i in two] == [(
        "warning", ("s3.new.natural_person",),
        "s3.new.natural_person: the cell '12 34' holds two numbers (digits on both sides of a space or "
        "line break that is no thousands separator); not read as a number")]
    # the row's identity is not checked on a cell that is not a number; the rest of the row reads
    assert "s3.row_total" not in rep.issue_codes()
    assert [rep.value(f"s3.new.{c}").value for c in ("commercial", "total")] == [9, 56]


def test_a_thousands_separator_space_reads_alike_in_text_and_html():
    for rep in (_text_report("1 041"), _html_report("1 041")):
        v = rep.value("s3.new.natural_person")
        assert (v.kind, v.value, v.raw) == ("number", 1041, "1 041")
        assert "table.two_numbers" not in rep.issue_codes()
