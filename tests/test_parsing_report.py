"""The parsing report of every standard table (issue #10, "Parsing report"): what the table
stages recorded while reading each table, in the record (``tables``) and the dataset."""

from __future__ import annotations

import json

import pytest
from test_pdf_producers import VALUES_FAIL

import extractor
from extractor.dataset import rows_from_record
from extractor.model import Cell, Grid, TableReport
from extractor.tables import extract_tables
from extractor.tables.report import parsing_report
from extractor.templates import S3_COLUMNS, s2_rows, s3_rows

from conftest import FIXTURES, load_expected

CASES = {**json.loads((FIXTURES / "pdf" / "cases.json").read_text(encoding="utf-8")),
         **json.loads((FIXTURES / "pdf" / "producers.json").read_text(encoding="utf-8"))}
S3_ROWS_2021 = len(s3_rows("2021", False))  # （六）其他处理 as one row
S3_ROWS_2021_SPLIT = len(s3_rows("2021", True))  # （六） as its three sub-rows (county-2021 prints them)


def row(*texts: str, where: dict | None = None) -> tuple[Cell, ...]:
    return tuple(Cell(t, dict(where or {})) for t in texts)


S3_HEAD = ("申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")


def _report(grids: list[Grid], section: int = 3) -> tuple[TableReport, ...]:
    res = extract_tables(grids, "2021", [section] * len(grids))
    return parsing_report(res, "2021")


def test_cells_by_header_by_position_and_inferred_are_counted_as_the_stages_placed_them():
    g = Grid((
        row(*S3_HEAD),
        row("一、本年新收政府信息公开申请数量", "1", "0", "0", "0", "0", "0", "1"),  # as wide as the header
        row("（一）予以公开", "1", "0", "0", "0", "0", "1"),  # one cell short: aligned to the right
        row("（二）部分公开", "", "", "", "", "", ""),  # one cell short, all blank: the missing one inferred
    ), {"page": 2, "bbox": [0, 0, 1, 1], "strategy": "words"}, source="pdf")
    (s3,) = _report([g])
    assert s3 == TableReport("s3", "words", (2,), 1, 3, 0, S3_ROWS_2021 - 3, 7 + 6 + 7, 6 + 6, 1)


def test_a_table_from_two_strategies_on_two_pages_and_a_grid_joined_across_a_break():
    head = Grid((row(*S3_HEAD), row("一、本年新收政府信息公开申请数量", "1", "0", "0", "0", "0", "0", "1")),
                {"page": 2, "strategy": "rules"}, source="pdf")
    tail = Grid((row("二、上年结转政府信息公开申请数量", "0", "0", "0", "0", "0", "0", "0"),),
                {"page": 3, "joined_pages": [3, 4], "strategy": "words"}, source="pdf")
    (s3,) = _report([head, tail])
    assert (s3.strategy, s3.pages, s3.fragments) == ("rules+words", (2, 3, 4), 3)
    # the second fragment's row is as wide as the header carried over the break: placed under it
    assert (s3.rows_exact, s3.cells_read, s3.cells_by_position) == (2, 14, 0)


def test_formats_without_pages_and_the_readers_as_strategy():
    g = Grid((row(*S3_HEAD), row("一、本年新收政府信息公开申请数量", "1", "0", "0", "0", "0", "0", "1")),
             {"table": 0}, source="html")
    (s3,) = _report([g])
    assert (s3.strategy, s3.pages, s3.fragments, s3.cells_by_position) == ("html", None, 1, 0)
    assert s3.to_dict() == {"strategy": "html", "pages": None, "fragments": 1,
                            "rows": {"exact": 1, "approximate": 0, "missing": S3_ROWS_2021 - 1},
                            "cells": {"read": 7, "by_position": 0, "inferred": 0}}


def test_only_the_tables_shown_are_reported():
    rep = extractor.parse(FIXTURES / "text" / "town-2021-missing-section.tsv.txt")
    assert "gap.table" in rep.issue_codes()
    assert list(rep.to_dict()["tables"]) == ["s2", "s3"]
    assert extractor.parse(FIXTURES / "text" / "county-2017-pre2019.tsv.txt").to_dict()["tables"] == {}


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c["expect"] == "values" and c.get("split")))
def test_a_table_split_by_a_page_break_reports_its_pages_and_two_fragments(name):
    split = CASES[name]["split"]
    t = extractor.parse(FIXTURES / "pdf" / name).to_dict()["tables"][split["table"]]
    assert (t["pages"], t["fragments"]) == (split["pages"], 2)


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=VALUES_FAIL[n])) if n in VALUES_FAIL else n
    for n in sorted(n for n, c in CASES.items() if c["expect"] == "values" and c.get("styles"))])
def test_the_strategy_is_words_exactly_for_tables_without_vertical_rules(name):
    styles = CASES[name]["styles"]
    tables = extractor.parse(FIXTURES / "pdf" / name).to_dict()["tables"]
    want = "words" if {"borderless", "hrules-only"} & set(styles) else "rules"
    shown = sorted({f.split(".")[0] for f in load_expected(CASES[name]["report"])["values"]})  # town-2021: no s4
    assert {t: d["strategy"] for t, d in tables.items()} == dict.fromkeys(shown, want)


def test_damaged_labels_are_the_approximate_rows():
    rep = extractor.parse(FIXTURES / "pdf" / "county-2021.label-typos.pdf")
    fuzzy = [i for i in rep.issues if i.code == "table.fuzzy_label"]
    s3 = rep.to_dict()["tables"]["s3"]
    assert s3["rows"] == {"exact": S3_ROWS_2021_SPLIT - len(fuzzy), "approximate": len(fuzzy), "missing": 0}
    assert len(fuzzy) == 1


def test_fused_cells_are_inferred_and_rows_left_out_are_missing():
    oneline = extractor.parse(FIXTURES / "text" / "shapes" / "county-2021.oneline.txt").to_dict()
    fused = [i for i in oneline["issues"] if i["code"] == "table.fused_cells"]
    recovered = {f for i in fused if i["severity"] == "info" for f in i["fields"]}
    for t, d in oneline["tables"].items():
        assert d["strategy"] == "fused"
        assert d["cells"]["inferred"] == d["cells"]["read"]
        if any(f.startswith(t + ".") for f in recovered):
            assert d["cells"]["read"] == sum(1 for f in recovered if f.startswith(t + "."))
    fragment = extractor.parse(FIXTURES / "text" / "shapes" / "county-2021.fragment.txt")
    s2 = fragment.to_dict()["tables"]["s2"]
    shown = {v.field.split(".")[1] for v in fragment.values if v.field.startswith("s2.")}
    required = [r.stem for r in s2_rows("2021") if not r.optional]
    assert s2["rows"]["missing"] == len([s for s in required if s not in shown]) == 3


COUNTY = ["text/county-2021.tsv.txt", "text/county-2021.cells.txt", "html/county-2021.cms.html",
          "docx/county-2021.plain.docx", "pdf/county-2021.plain.pdf", "pdf/county-2021.borderless.pdf",
          "text/shapes/county-2021.oneline.txt", "pdf/county-2021.split-results.pdf"]


@pytest.mark.parametrize("name", COUNTY)
def test_the_report_adds_up_to_the_values_and_their_flags(name):
    rep = extractor.parse(FIXTURES / name)
    tables = rep.to_dict()["tables"]
    assert sum(t["cells"]["read"] for t in tables.values()) == len(rep.values)
    assert sum(t["cells"]["inferred"] for t in tables.values()) == sum(1 for v in rep.values if v.where.get("inferred"))
    split = any(v.field.startswith("s3.other.") for v in rep.values)
    for t, d in tables.items():
        assert d["rows"]["exact"] + d["rows"]["approximate"] + d["rows"]["missing"] == {
            "s2": len([r for r in s2_rows("2021") if not r.optional]), "s3": len(s3_rows("2021", split)), "s4": 3}[t]
        assert d["cells"]["by_position"] + d["cells"]["inferred"] <= d["cells"]["read"]


def test_the_same_report_in_every_format_matches_its_rows_and_cells():
    seen = {}
    for name in ("html/county-2021.cms.html", "docx/county-2021.plain.docx", "pdf/county-2021.plain.pdf"):
        tables = extractor.parse(FIXTURES / name).to_dict()["tables"]
        seen[name] = {t: (d["rows"], d["cells"]) for t, d in tables.items()}
    assert len({json.dumps(v, sort_keys=True) for v in seen.values()}) == 1
    assert seen["html/county-2021.cms.html"]["s3"] == (
        {"exact": S3_ROWS_2021_SPLIT, "approximate": 0, "missing": 0}, {"read": S3_ROWS_2021_SPLIT * len(S3_COLUMNS), "by_position": 0, "inferred": 0})


def test_the_dataset_row_of_a_table():
    rec = extractor.parse(FIXTURES / "pdf" / "county-2021.split-s4-header.pdf").to_dict()
    rows = rows_from_record(rec)
    sha = rec["source"]["sha256"]
    assert [r[:2] for r in rows.tables] == [(sha, "s2"), (sha, "s3"), (sha, "s4")]
    assert rows.tables[2] == (sha, "s4", "rules", "3;4", 2, 3, 0, 0, 15, 0, 0)
    html = rows_from_record(extractor.parse(FIXTURES / "html" / "county-2021.cms.html").to_dict())
    assert html.tables[1][2:] == ("html", None, 1, S3_ROWS_2021_SPLIT, 0, 0, S3_ROWS_2021_SPLIT * len(S3_COLUMNS), 0, 0)


def test_section_2_printed_as_four_small_tables_is_four_fragments():
    grids = [
        Grid((row("第二十条第（一）项"), row("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
              row("规章", "0", "0", "5"), row("规范性文件", "1", "0", "7")), {"table": 0}, source="html"),
        Grid((row("第二十条第（五）项"), row("信息内容", "本年处理决定数量"), row("行政许可", "12")),
             {"table": 1}, source="html"),
        Grid((row("第二十条第（六）项"), row("信息内容", "本年处理决定数量"), row("行政处罚", "3"), row("行政强制", "0")),
             {"table": 2}, source="html"),
        Grid((row("第二十条第（八）项"), row("信息内容", "本年收费金额（单位：万元）"), row("行政事业性收费", "1.5")),
             {"table": 3}, source="html"),
    ]
    (s2,) = _report(grids, section=2)
    required = len([r for r in s2_rows("2021") if not r.optional])
    assert s2 == TableReport("s2", "html", None, 4, 6, 0, required - 6, 3 * 2 + 1 + 2 + 1, 0, 0)
