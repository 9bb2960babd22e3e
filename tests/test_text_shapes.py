"""Scraped-text shapes (extractor/readers/shapes.py) on the fixtures of fixtures/text/shapes/:
exact rows and runs against the report specs (fixtures/reports.py), fused recovery against the
generator's independent brute force (fixtures/expected/<name>.oneline.json), and end to end."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fused import _s3_table

import extractor
from extractor.fused import recover_s2, recover_s3, recover_s4
from extractor.readers.encoding import decode_text
from extractor.readers.shapes import (
    CellRows,
    TextLine,
    detect_shape,
    find_headings,
    fold,
    oneline_runs,
    pipecell_blocks,
    split_oneline,
)
from extractor.templates import s3_rows

from conftest import FIXTURES

sys.path.insert(0, str(FIXTURES))
import reports  # noqa: E402

SHAPES = FIXTURES / "text" / "shapes"
ONELINE = ["county-2021", "dept-2019", "city-2022-bad-totals"]
PIPECELLS = ["county-2021", "bureau-2021-oneline-other", "dept-2019"]


def lines_of(path: Path) -> list[str]:
    return decode_text(path.read_bytes()).text.splitlines()


def expected_for(path: Path) -> dict:
    name, rendering = path.name.split(".")[:2]
    own = FIXTURES / "expected" / f"{name}.{rendering}.json"
    return json.loads((own if own.exists() else FIXTURES / "expected" / f"{name}.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- detection


@pytest.mark.parametrize("name", PIPECELLS)
def test_pipecells_detected(name):
    assert detect_shape(lines_of(SHAPES / f"{name}.pipecells.txt")) == "pipecells"


@pytest.mark.parametrize("name", ONELINE)
def test_oneline_detected(name):
    assert detect_shape(lines_of(SHAPES / f"{name}.oneline.txt")) == "oneline"


@pytest.mark.parametrize("path", sorted((FIXTURES / "text").glob("*.txt")), ids=lambda p: p.name)
def test_tidy_renderings_are_plain_lines(path):
    assert detect_shape(lines_of(path)) == "lines"


def test_traditional_and_fragment_are_plain_lines():
    for rendering in ("trad-tw", "trad-big5", "trad-hkscs", "fragment"):
        assert detect_shape(lines_of(SHAPES / f"county-2021.{rendering}.txt")) == "lines", rendering


# ---------------------------------------------------------------- pipecells


@pytest.mark.parametrize("name", PIPECELLS)
def test_pipecell_tables_are_the_logical_tables(name):
    spec = reports.REPORTS[name]
    blocks = pipecell_blocks(lines_of(SHAPES / f"{name}.pipecells.txt"))
    tables = [b for b in blocks if isinstance(b, CellRows)]
    want = [reports.table_rows_s2(spec), reports.table_rows_s3(spec), reports.table_rows_s4(spec)]
    assert [[[c.text for c in row] for row in t.rows] for t in tables] == [
        [[text for text, _, _ in row] for row in rows] for rows in want]


def test_pipecell_blank_cells_and_row_ends():
    blocks = pipecell_blocks(lines_of(SHAPES / "bureau-2021-oneline-other.pipecells.txt"))
    s3 = [b for b in blocks if isinstance(b, CellRows)][1]
    # 一、本年新收: 6 3 blank blank blank blank 9
    assert [c.text for c in s3.rows[3]] == ["一、本年新收政府信息公开申请数量", "6", "3", "", "", "", "", "9"]
    assert s3.rows[3][0].line + 9 == s3.rows[4][0].line  # 8 cell lines and one "||" line
    texts = [b.text for b in blocks if isinstance(b, TextLine)]
    assert texts[0] == "江州市生态环境局2022年政府信息公开工作年度报告"
    assert "二、行政机关主动公开政府信息情况" in texts


def test_pipecells_unit_cases():
    lines = ["标题", "", "自然人 |", "|", "41 |", "||", "总计 |", "3 |", "|||", "", "正文"]
    assert pipecell_blocks(lines) == [
        TextLine("标题", 1),
        CellRows(((CellTextT("自然人", 3), CellTextT("", 4), CellTextT("41", 5)),
                  (CellTextT("总计", 7), CellTextT("3", 8))), 3),
        TextLine("正文", 11),
    ]
    assert detect_shape(lines) == "lines"  # too few cells to call it a shape
    assert detect_shape(lines[2:9] * 3) == "pipecells"
    assert detect_shape(["a|b|c", "1|2|3", "x |", "||"]) == "lines"


def CellTextT(text: str, line: int):  # noqa: N802 - reads like the class it builds
    from extractor.readers.shapes import CellText

    return CellText(text, line)


# ---------------------------------------------------------------- oneline


def _spec_runs(spec) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    t = spec.codebook_template
    s2 = {r.stem: "".join(spec.s2[f"s2.{r.stem}.{c.suffix}"] for c in r.columns)
          for r in reports.s2_rows(t) if f"s2.{r.stem}.{r.columns[0].suffix}" in spec.s2}
    s3 = {r.rid: "".join(spec.s3[f"s3.{r.rid}.{c}"] for c in reports.S3_COLS) for r in reports.s3_row_defs(spec)}
    s4 = {"row": "".join(spec.s4[f"s4.{g}.{c}"] for g in reports.S4_GROUP_IDS for c in reports.S4_COLS)}
    return {"s2": s2, "s3": s3, "s4": s4}


@pytest.mark.parametrize("name", ONELINE)
def test_oneline_headings_and_runs_are_the_specs(name):
    spec = reports.REPORTS[name]
    (line,) = lines_of(SHAPES / f"{name}.oneline.txt")
    pieces = split_oneline(line)
    assert [(p.number, p.text) for p in pieces if p.kind == "heading"] == [(n, h) for n, h, _ in spec.sections]
    assert oneline_runs(pieces) == _spec_runs(spec)
    # every row piece is named, and the labels are the printed labels (no digits swallowed)
    rows = [p for p in pieces if p.kind == "row"]
    assert all(p.key for p in rows)
    assert [p.text for p in rows if p.table == "s3"][4].endswith("不予公开1.属于国家秘密")
    # the pieces tile the line
    assert "".join(p.text + (p.run or "") for p in pieces) == line


@pytest.mark.parametrize("name", ONELINE)
def test_oneline_fused_recovery_matches_the_independent_brute_force(name):
    spec = reports.REPORTS[name]
    exp = json.loads((FIXTURES / "expected" / f"{name}.oneline.json").read_text(encoding="utf-8"))
    (line,) = lines_of(SHAPES / f"{name}.oneline.txt")
    runs = oneline_runs(split_oneline(line))
    t = spec.codebook_template
    got: dict[str, str | None] = {}
    for stem, row in recover_s2(runs["s2"], t).rows.items():
        cols = next(r for r in reports.s2_rows(t) if r.stem == stem).columns
        got.update({f"s2.{stem}.{c.suffix}": (x.raw if x else None) for c, x in zip(cols, row.cells, strict=True)})
    rids = [r.rid for r in s3_rows(t, spec.other_split)]
    for rid, row in recover_s3(runs["s3"], rids).rows.items():
        got.update({f"s3.{rid}.{c}": (x.raw if x else None) for c, x in zip(reports.S3_COLS, row.cells, strict=True)})
    (s4,) = recover_s4([runs["s4"]["row"]]).rows.values()
    fids = [f"s4.{g}.{c}" for g in reports.S4_GROUP_IDS for c in reports.S4_COLS]
    got.update({f: (x.raw if x else None) for f, x in zip(fids, s4.cells, strict=True)})
    assert {f: v for f, v in got.items() if v is not None} == {f: v["raw"] for f, v in exp["values"].items()}
    assert sorted(f for f, v in got.items() if v is None) == sorted(exp["fused_gaps"])


def test_oneline_issue_example_and_section2_gap():
    line = ("二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件1524301"
            "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）申请人情况"
            "一、本年新收政府信息公开申请数量15620002160二、上年结转政府信息公开申请数量0000000")
    runs = oneline_runs(split_oneline(line))
    assert runs == {"s2": {"regulations": "000", "normative": "1524301"},
                    "s3": {"new": "15620002160", "carried_over": "0000000"}, "s4": {}}
    new = recover_s3(runs["s3"]).rows["new"]
    assert [c.raw for c in new.cells if c] == ["156", "2", "0", "0", "0", "2", "160"]
    assert recover_s2(runs["s2"], "2021").rows["normative"].cells == (None, None, None)


def test_headings_traditional_and_taiwan_vocabulary():
    line = "一、總體情況本年度…二、主動公開政府資訊情況…三、收到和處理政府資訊公開申請情況…四、政府資訊公開行政複議、行政訴訟情況…"
    assert [n for n, _, _ in find_headings(line)] == [1, 2, 3, 4]
    assert fold("行政規範性檔案") == "行政规范性文件"
    assert len(fold(line)) == len(line)


def test_prose_numbers_before_a_table_are_not_cells():
    line = "二、主动公开政府信息情况全年主动公开信息1,026条，行政处罚等37件。第二十条第（六）项信息内容本年处理决定数量行政处罚37"
    pieces = split_oneline(line)
    assert [(p.table, p.key, p.run) for p in pieces if p.kind == "row"] == [("s2", "penalty", "37")]


def test_long_parenthetical_label_is_not_the_rows_it_mentions():
    line = ("二、主动公开政府信息情况第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量"
            "其他对外管理服务事项（指行政许可证以外的行政处罚、行政强制）18-1196")
    rows = [p for p in split_oneline(line) if p.kind == "row"]
    assert [(p.key, p.run) for p in rows] == [("other_services", "18-1196")]


# ---------------------------------------------------------------- end to end


E2E = [
    pytest.param("county-2021.trad-big5.txt", id="trad-big5"),
    pytest.param("county-2021.trad-hkscs.txt", id="trad-hkscs"),
    pytest.param("dept-2019.trad-big5.txt", id="dept-trad-big5"),
    pytest.param("county-2021.trad-tw.txt", id="trad-tw"),
    pytest.param("county-2021.trad-tw-big5.txt", id="trad-tw-big5"),
    pytest.param("county-2021.fragment.txt", id="fragment"),
    *[pytest.param(f"{n}.pipecells.txt", id=f"{n}-pipecells") for n in PIPECELLS],
    *[pytest.param(f"{n}.oneline.txt", id=f"{n}-oneline") for n in ONELINE],
]


@pytest.mark.parametrize("fname", E2E)
def test_shape_reads_as_expected(fname):
    path = SHAPES / fname
    exp = expected_for(path)
    rep = extractor.parse(path)
    assert {v.field: (v.kind, v.value) for v in rep.values} == {
        f: (e["kind"], e["value"]) for f, e in exp["values"].items()}
    assert [(s.number, s.title) for s in rep.sections] == [(s["number"], s["title"]) for s in exp["sections"]]
    assert (rep.metadata.template, rep.metadata.issuer) == (exp["template"], exp["issuer"])
    assert set(exp["issues"]) <= set(rep.issue_codes())


def test_big5_reads_the_same_values_as_the_tidy_twin():
    rep = extractor.parse(SHAPES / "county-2021.trad-big5.txt")
    twin = extractor.parse(FIXTURES / "text" / "county-2021.tsv.txt")
    assert [(v.field, v.kind, v.value) for v in rep.values] == [(v.field, v.kind, v.value) for v in twin.values]
    assert rep.metadata.issuer == "臨江縣人民政府"
    assert not [i for i in rep.issues if i.code.startswith("input.")]


def test_a_lone_line_ending_in_a_pipe_is_text():
    lines = ["联系电话：0000-0000000 |", "", "正文"]
    assert pipecell_blocks(lines) == [TextLine("联系电话：0000-0000000 |", 1), TextLine("正文", 3)]


def test_hubei_parenthetical_label_reads_its_own_row():
    """Regression: the Hubei label 其他对外管理服务事项（指行政许可证以外的…行政处罚、行政强制…）
    was read as the 行政许可 row its explanation mentions (a duplicate row, other_services lost)."""
    header = "信息内容\t上一年项目数量\t本年增/减\t处理决定数量"
    text = "\n".join([
        "二、主动公开政府信息情况", "第二十条第（五）项", header,
        "行政许可\t45\t+2\t1523",
        "其他对外管理服务事项（指行政许可证以外的行政处罚、行政强制等对外管理服务事项）\t18\t-1\t196",
        "第二十条第（六）项", header, "行政处罚\t21\t0\t387", "行政强制\t6\t-1\t14",
    ])
    rep = extractor.parse(text.encode("utf-8"))
    assert rep.metadata.template == "2019"
    got = {v.field: v.value for v in rep.values}
    assert got == {
        "s2.licensing.prior_items": 45, "s2.licensing.change": 2, "s2.licensing.decisions": 1523,
        "s2.other_services.prior_items": 18, "s2.other_services.change": -1, "s2.other_services.decisions": 196,
        "s2.penalty.prior_items": 21, "s2.penalty.change": 0, "s2.penalty.decisions": 387,
        "s2.coercion.prior_items": 6, "s2.coercion.change": -1, "s2.coercion.decisions": 14,
    }
    assert "table.duplicate_row" not in rep.issue_codes()


def test_oneline_values_are_inferred_with_lower_confidence():
    path = SHAPES / "county-2021.oneline.txt"
    (line,) = lines_of(path)
    rep = extractor.parse(path)
    label = "一、本年新收政府信息公开申请数量"
    at = line.index(label + "419103256") + len(label)  # cells 41 9 1 0 3 2 56
    v = rep.value("s3.new.total")
    assert v is not None
    assert (v.kind, v.value, v.raw, v.confidence) == ("number", 56, "56", 0.792)
    assert v.where == {"line": 1, "offset": at + 7, "inferred": True}
    fee = rep.value("s2.fees.amount")
    assert fee is not None and (fee.value, fee.unit, fee.raw) == (3.52, "万元", "3.52")
    assert all(x.where.get("inferred") is True for x in rep.values)


def test_oneline_fused_cells_issue_counts_splits_and_quotes_ambiguous_digits():
    rep = extractor.parse(SHAPES / "county-2021.oneline.txt")
    fused = [i for i in rep.issues if i.code == "table.fused_cells"]
    assert [(i.severity, len(i.fields)) for i in fused] == [("warning", 3), ("info", 175), ("info", 15)]
    s2 = fused[0]
    assert s2.fields == ("s2.normative.issued", "s2.normative.repealed", "s2.normative.in_force")
    assert '行政规范性文件: the digits "12357" cut into 3 cells 6 ways; no cell can be told' in s2.message
    assert "checked against s3.row_total, s3.balance, s3.results_total" in fused[1].message
    assert rep.value("s2.normative.issued") is None
    gap = next(i for i in rep.issues if i.code == "gap.cell")
    assert gap.fields == s2.fields


def test_pipecell_cells_keep_their_own_lines():
    path = SHAPES / "county-2021.pipecells.txt"
    lines = lines_of(path)
    rep = extractor.parse(path)
    v = rep.value("s3.new.natural_person")
    assert v is not None and v.value == 41 and "inferred" not in v.where
    assert lines[v.where["line"] - 1] == "41 |"


@st.composite
def _s3_drawn(draw):  # type: ignore[no-untyped-def]
    return _s3_table(draw, [r.rid for r in s3_rows("2021", True)])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_s3_drawn())
def test_random_fused_tables_read_end_to_end(table):  # type: ignore[no-untyped-def]
    """A random consistent section-3 table rendered into a one-line body: every value read is
    right, inferred, and exactly the cells extractor.fused recovers (the recovery itself is
    checked against brute force in tests/test_fused.py); every other cell is a gap."""
    (line,) = lines_of(SHAPES / "county-2021.oneline.txt")
    runs = {rid: "".join(str(v) for v in cells) for rid, cells in table.items()}
    body = "".join(p.text + (runs[p.key] if p.table == "s3" and p.key else (p.run or "")) for p in split_oneline(line))
    rep = extractor.parse(body.encode("utf-8"))
    cols = [c for c in reports.S3_COLS]
    truth = {f"s3.{rid}.{c}": v for rid, cells in table.items() for c, v in zip(cols, cells, strict=True)}
    got = {v.field: v for v in rep.values if v.field.startswith("s3.")}
    assert all(got[f].value == truth[f] and got[f].where["inferred"] is True for f in got)
    rec = recover_s3(runs, [r.rid for r in s3_rows("2021", True)])
    recovered = {f"s3.{rid}.{c}" for rid, row in rec.rows.items() for c, x in zip(cols, row.cells, strict=True)
                 if x is not None}
    assert set(got) == recovered
    gaps = set(truth) - recovered
    (s3_issue,) = [i for i in rep.issues if i.code == "table.fused_cells" and "section-3" in i.message]
    assert (s3_issue.severity, set(s3_issue.fields)) == (("warning", gaps) if gaps else ("info", recovered))


def test_oneline_body_followed_by_ordinary_lines():
    """Only the one-line body is cut into parts: lines after it (here section 4 on as a
    tab-separated rendering) read as usual, their cells not inferred."""
    (line,) = lines_of(SHAPES / "county-2021.oneline.txt")
    tidy = lines_of(FIXTURES / "text" / "county-2021.tsv.txt")
    head = "四、政府信息公开行政复议、行政诉讼情况"
    text = "\n".join([line[: line.index(head)], *tidy[tidy.index(head):]])
    rep = extractor.parse(text.encode("utf-8"))
    exp = load_expected_for("county-2021")
    s4 = {v.field: v for v in rep.values if v.field.startswith("s4.")}
    assert {f: v.value for f, v in s4.items()} == {f: e["value"] for f, e in exp.items() if f.startswith("s4.")}
    assert not any(v.where.get("inferred") for v in s4.values())
    assert all(v.where.get("inferred") for v in rep.values if v.field.startswith("s3."))
    assert [s.number for s in rep.sections] == [1, 2, 3, 4, 5, 6]


def load_expected_for(name: str) -> dict:
    return json.loads((FIXTURES / "expected" / f"{name}.json").read_text(encoding="utf-8"))["values"]
