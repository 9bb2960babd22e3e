"""Deviations real reports show (docs/report-formats.md, Deviations), applied to a fixture: the values
must not change."""

from __future__ import annotations

import pytest

import extractor

from conftest import FIXTURES, load_expected

BASE = (FIXTURES / "text" / "county-2021.tsv.txt").read_text(encoding="utf-8")
EXP = {f: (e["kind"], e["value"]) for f, e in load_expected("county-2021")["values"].items()}

VARIANTS = {
    "spaces inside labels": lambda t: t.replace("本年新收", "本 年 新 收").replace("予以公开", "予以 公开"),
    "truncated header 现行有效件": lambda t: t.replace("现行有效件数", "现行有效件"),
    "ascii brackets": lambda t: t.replace("（", "(").replace("）", ")"),
    "numbering 1、 instead of 1.": lambda t: t.replace("1.属于", "1、属于").replace("2.其他", "2、其他"),
    "heading 第一部分": lambda t: t.replace("一、总体情况", "第一部分 总体情况"),
    "header cut 申请人情": lambda t: t.replace("申请人情况", "申请人情"),
    "typo 三类内容事务": lambda t: t.replace("三类内部事务", "三类内容事务"),
    "full-width digits": lambda t: t.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "heading ends in a colon": lambda t: t.replace("二、主动公开政府信息情况", "二、主动公开政府信息情况："),
    "blank line inside a table": lambda t: t.replace("\n\t（二）", "\n\n\t（二）"),
    "CRLF line ends": lambda t: t.replace("\n", "\r\n"),
    "2019 row label 规范性文件 under 2021 columns": lambda t: t.replace("行政规范性文件", "规范性文件"),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_reads_the_same_values(name):
    rep = extractor.parse(VARIANTS[name](BASE).encode("utf-8"))
    assert rep.metadata.template == "2021"
    assert [s.number for s in rep.sections] == [1, 2, 3, 4, 5, 6]
    assert {v.field: (v.kind, v.value) for v in rep.values} == EXP


def test_a_table_without_the_total_column_is_a_column_gap_not_short_rows():
    lines, out, in_s3 = BASE.split("\n"), [], False
    for t in lines:
        in_s3 = (in_s3 or t.startswith("（本列数据")) and "\t" in t
        if in_s3:
            cells = t.split("\t")
            t = "\t".join([c for c in cells if c != "总计"] if t.startswith("（本列数据") else cells[:-1])
        out.append(t)
    rep = extractor.parse("\n".join(out).encode("utf-8"))
    assert rep.value("s3.new.total") is None
    assert rep.value("s3.new.natural_person").value == EXP["s3.new.natural_person"][1]
    codes = rep.issue_codes()
    assert "gap.column" in codes and "table.short_row" not in codes
    assert not [i for i in rep.issues if i.severity == "error"]


def _spaced(sep: str) -> str:
    return "\n".join(sep.join(c for c in line.split("\t") if c) if "\t" in line else line
                     for line in BASE.splitlines())


@pytest.mark.parametrize("sep", ["   ", " "], ids=["layout-columns", "single-spaces"])
def test_tables_printed_as_space_separated_text(sep):
    # pdftotext -layout, or a PDF whose tables have no ruling lines: no grid, cells apart by spaces
    rep = extractor.parse(_spaced(sep).encode("utf-8"))
    assert {v.field: (v.kind, v.value) for v in rep.values} == EXP
    assert "table.reflowed" in rep.issue_codes()
    assert all(v.confidence < 0.9 for v in rep.values)  # rebuilt rows are less certain
