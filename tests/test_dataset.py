"""The dataset files: exact columns, loadable by pandas / DuckDB / pyarrow, SQLite = CSV."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from extractor import batch, dataset
from extractor import export as exporting
from extractor.codebook import write_codebook_csv
from extractor.dataset import (
    ISSUE_COLUMNS,
    REPORT_COLUMNS,
    SECTION_COLUMNS,
    TABLE_COLUMNS,
    VALUE_COLUMNS,
    WIDE_COLUMNS,
    WIDE_META_COLUMNS,
    Store,
    rows_from_record,
)
from extractor.export import export
from extractor.limits import Limits
from extractor.templates import CODEBOOK_COLUMNS, FIELD_IDS, codebook_rows

from conftest import FIXTURES

pd = pytest.importorskip("pandas")

CSV_TABLES = {  # file -> (sqlite table, columns, ORDER BY of the export)
    "reports.csv": ("reports", REPORT_COLUMNS, "path"),
    "values.csv": ('"values"', VALUE_COLUMNS, "sha256, rowid"),
    "issues.csv": ("issues", ISSUE_COLUMNS, "sha256, rowid"),
    "tables.csv": ("tables", TABLE_COLUMNS, "sha256, rowid"),
    "wide.csv": ("wide", WIDE_COLUMNS, "rowid"),
    "codebook.csv": ("codebook", CODEBOOK_COLUMNS, "rowid"),
}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ds")
    corpus = root / "in"
    for kind, pat in (("text", "*.txt"), ("html", "*.html"), ("pdf", "*.pdf")):
        (corpus / kind).mkdir(parents=True)
        for p in sorted((FIXTURES / kind).glob(pat)):
            shutil.copy(p, corpus / kind / p.name)
    (corpus / "text" / "duplicate.txt").write_bytes((FIXTURES / "text" / "county-2021.tsv.txt").read_bytes())
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    # OCR off: the two scanned PDFs stay gaps here (their OCR: tests/test_ocr.py)
    s = batch.run([str(corpus)], root / "out", workers=2, progress=False, limits=Limits(ocr=False))
    assert s.counts["failed"] >= 1 and s.counts["not_a_report"] == 1 + 5
    return root / "out"


def _csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _as_csv_text(v: object) -> str:
    return "" if v is None else str(v)


def test_files_written(out):
    names = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert names >= {"reports.csv", "values.csv", "wide.csv", "issues.csv", "sections.jsonl", "codebook.csv",
                     "dataset.sqlite", "review.html", "worker.log"}
    for name in dataset.DATASET_FILES:
        assert not (out / name).read_bytes().startswith(b"\xef\xbb\xbf"), "UTF-8 without BOM"
    assert not list(out.glob(".*.tmp"))


@pytest.mark.parametrize("name", list(CSV_TABLES))
def test_sqlite_holds_the_same_rows_as_the_csv(out, name):
    table, columns, order = CSV_TABLES[name]
    header, rows = _csv_rows(out / name)
    assert header == list(columns)
    conn = sqlite3.connect(out / "dataset.sqlite")
    sql_cols = [d[1] for d in conn.execute(f"PRAGMA table_info({table})")]
    assert sql_cols == list(columns)
    db = conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
    conn.close()
    assert rows == [[_as_csv_text(v) for v in r] for r in db]
    assert len(rows) > 0


def test_sections_jsonl_matches_sqlite(out):
    lines = [json.loads(x) for x in (out / "sections.jsonl").read_text(encoding="utf-8").splitlines()]
    conn = sqlite3.connect(out / "dataset.sqlite")
    db = conn.execute("SELECT sha256, number, title, text FROM sections ORDER BY sha256, rowid").fetchall()
    conn.close()
    assert [tuple(d[c] for c in SECTION_COLUMNS) for d in lines] == db
    assert all(list(d) == list(SECTION_COLUMNS) for d in lines)


def test_reports_one_row_per_input_file(out):
    r = pd.read_csv(out / "reports.csv")
    n_inputs = sum(1 for p in (out.parent / "in").rglob("*") if p.is_file())
    assert len(r) == r["path"].nunique() == n_inputs
    assert set(r["status"]) == {"ok", "failed", "not_a_report"}
    ok = r[r["status"] == "ok"]
    assert ok["error"].isna().all() and ok["template"].notna().all()
    bad = r[r["status"] != "ok"]
    assert bad["error"].notna().all() and bad["error_type"].notna().all()
    assert r.loc[r["path"].str.endswith("empty.txt"), "error_type"].tolist() == ["EmptyInput"]
    assert r.loc[r["path"].str.endswith("county-2021.encrypted-password.pdf"), "error_type"].tolist() == \
        ["EncryptedDocument"]


def test_wide_csv_in_pandas_one_column_per_field_id(out):
    wide = pd.read_csv(out / "wide.csv")
    assert list(wide.columns) == list(WIDE_META_COLUMNS) + list(FIELD_IDS)
    assert len(wide.columns) == len(WIDE_META_COLUMNS) + len(FIELD_IDS)
    reports = pd.read_csv(out / "reports.csv")
    ok = reports[reports["status"] == "ok"]
    assert len(wide) == ok["sha256"].nunique() == len(ok) - 1  # duplicate.txt: same bytes, one row
    assert wide["sha256"].is_unique
    for fid in FIELD_IDS:
        assert wide[fid].dtype.kind in "if", fid
    # every number of values.csv is in its wide cell, and nothing else is
    values = pd.read_csv(out / "values.csv")
    numeric = values[values["value"].notna()].drop_duplicates(["sha256", "field"])
    assert int(wide[list(FIELD_IDS)].notna().sum().sum()) == len(numeric)
    w = wide.set_index("sha256")
    for row in numeric.sample(n=min(300, len(numeric)), random_state=1).itertuples():
        assert w.at[row.sha256, row.field] == pytest.approx(row.value)
    city = w[w["path"].str.endswith("city-2022-bad-totals.md.txt")].iloc[0]
    assert (city["year"], city["template"], city["s3.new.total"], city["issuer"]) == (2022, "2021", 401, "东陵市人民政府")


def test_values_and_issues_columns_in_pandas(out):
    values = pd.read_csv(out / "values.csv")
    assert list(values.columns) == list(VALUE_COLUMNS)
    assert set(values["kind"]) <= {"number", "blank", "none", "na", "text"}
    assert values["value"].dtype.kind == "f" and values["confidence"].between(0, 1).all()
    assert all(isinstance(json.loads(w), dict) for w in values["where"])
    issues = pd.read_csv(out / "issues.csv", keep_default_na=False)
    assert list(issues.columns) == list(ISSUE_COLUMNS)
    row = issues[issues["code"] == "s3.row_total"].iloc[0]
    assert row["fields"].split(";")[-1] == "s3.new.total"
    reports = pd.read_csv(out / "reports.csv")
    ok = reports[reports["status"] == "ok"].drop_duplicates("sha256")
    assert len(values) == ok["n_values"].sum()
    assert len(issues) == ok["n_issues"].sum()


def test_codebook_csv_is_the_codebook(out):
    buf = io.StringIO()
    write_codebook_csv(buf)
    assert (out / "codebook.csv").read_text(encoding="utf-8") == buf.getvalue()
    assert len(codebook_rows()) == len(FIELD_IDS)


def test_duckdb_loads_the_csv(out):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    for name, (_, columns, _) in CSV_TABLES.items():
        rel = con.sql(f"SELECT * FROM read_csv_auto('{out / name}', header=true)")
        assert rel.columns == list(columns), name
        assert rel.shape[0] == len(_csv_rows(out / name)[1]), name
    got = con.sql(f"SELECT COUNT(*), COUNT(DISTINCT sha256) FROM read_csv_auto('{out / 'wide.csv'}')").fetchall()
    n = len(pd.read_csv(out / "wide.csv"))
    assert got == [(n, n)]


def test_parquet_files_match_the_csv(out):
    pytest.importorskip("pyarrow")
    from pyarrow.dataset import HivePartitioning

    hive = HivePartitioning.discover(infer_dictionary=False)
    for name in ("reports", "values", "wide", "issues", "sections", "tables"):
        pq = pd.read_parquet(out / name, partitioning=hive)  # year=…/part-0.parquet
        if name == "sections":
            assert len(pq) == len((out / "sections.jsonl").read_text(encoding="utf-8").splitlines())
            continue
        c = pd.read_csv(out / f"{name}.csv")
        assert list(pq.columns) == [col for col in c.columns if col != "year"] + ["year"], name
        assert len(pq) == len(c), name
    wide = pd.read_parquet(out / "wide", partitioning=hive)
    assert all(wide[f].dtype == "float64" for f in FIELD_IDS)


def _record(sha: str, raw: str, message: str) -> dict:
    return {
        "source": {"path": "x", "sha256": sha, "format": "text"},
        "metadata": {"issuer": 'A "quoted", issuer', "year": 2023, "published": None, "template": "2021"},
        "sections": [{"number": 1, "title": "一、总体情况", "text": "line one\nline, two\r\n\"three\""}],
        "preamble": "", "signature": "署名\n2024年1月1日",
        "values": [
            {"field": "s2.regulations.issued", "value": 3, "kind": "number", "raw": raw, "unit": None,
             "confidence": 0.99, "where": {"line": 3, "column": 1}},
            {"field": "s2.fees.amount" if "s2.fees.amount" in FIELD_IDS else FIELD_IDS[5], "value": 160.5964,
             "kind": "number", "raw": "160.5964万元", "unit": "万元", "confidence": 0.9, "where": {"page": 2,
                                                                                               "bbox": [1.5, 2, 3, 4]}},
            {"field": "s3.new.total", "value": None, "kind": "none", "raw": "无", "unit": None,
             "confidence": 0.95, "where": {}},
        ],
        "issues": [{"code": "s3.balance", "severity": "error", "message": message,
                    "fields": ["s3.new.total", "s3.total.total"]}],
        "tables": {"s3": {"strategy": "rules+words", "pages": [2, 3], "fragments": 2,
                          "rows": {"exact": 24, "approximate": 1, "missing": 0},
                          "cells": {"read": 175, "by_position": 7, "inferred": 1}}},
        "confidence": 0.5,
    }


def test_tricky_text_round_trips_through_csv(tmp_path):
    raw = '=1+2, "3"\n4\t5'
    message = 'a, "b"\nc;d'
    store = Store(tmp_path / "dataset.sqlite")
    rows = rows_from_record(_record("a" * 64, raw, message), version="t")
    store.write_result(["in/a,b \"c\".txt"], "a" * 64, rows.content, rows)
    export(store, tmp_path, parquet=False, review=True)
    store.close()
    v = pd.read_csv(tmp_path / "values.csv", keep_default_na=False)
    assert v["raw"].tolist()[0] == raw
    assert json.loads(v["where"].tolist()[1]) == {"page": 2, "bbox": [1.5, 2, 3, 4]}
    assert v["value"].tolist() == ["3", "160.5964", ""]
    i = pd.read_csv(tmp_path / "issues.csv", keep_default_na=False)
    assert (i["message"][0], i["fields"][0]) == (message, "s3.new.total;s3.total.total")
    r = pd.read_csv(tmp_path / "reports.csv", keep_default_na=False)
    assert (r["path"][0], r["issuer"][0], r["n_values"][0], r["n_errors"][0]) == \
        ('in/a,b "c".txt', 'A "quoted", issuer', 3, 1)
    secs = [json.loads(x) for x in (tmp_path / "sections.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(s["number"], s["text"]) for s in secs] == [(1, "line one\nline, two\r\n\"three\""),
                                                       (-1, "署名\n2024年1月1日")]
    w = pd.read_csv(tmp_path / "wide.csv")
    assert (len(w), w["s2.regulations.issued"][0], w["s3.new.total"].isna()[0]) == (1, 3, True)
    duckdb = pytest.importorskip("duckdb")
    got = duckdb.sql(f"SELECT raw FROM read_csv_auto('{tmp_path / 'values.csv'}')").fetchall()
    assert got[0][0] == raw


def test_rows_from_record_exact():
    rows = rows_from_record(_record("b" * 64, "3", "m"), version="9.9", seconds=0.123456, size=10)
    assert rows.values[0] == ("b" * 64, "s2.regulations.issued", 3, "number", "3", None, 0.99,
                              '{"column":1,"line":3}')
    assert rows.issues == [("b" * 64, "s3.balance", "error", "m", "s3.new.total;s3.total.total", None)]
    assert [s[1] for s in rows.sections] == [1, -1]
    assert rows.tables == [("b" * 64, "s3", "rules+words", "2;3", 2, 24, 1, 0, 175, 7, 1)]
    c = rows.content
    assert (c["status"], c["format"], c["year"], c["template"], c["n_values"], c["n_issues"], c["n_errors"],
            c["n_warnings"], c["bytes"], c["parse_seconds"], c["extractor_version"]) == \
        ("ok", "text", 2023, "2021", 3, 1, 1, 0, 10, 0.1235, "9.9")
    assert set(c) == set(dataset.CONTENT_COLUMNS)


def test_a_failed_export_leaves_the_previous_files_untouched(tmp_path, monkeypatch):
    store = Store(tmp_path / "dataset.sqlite")
    rows = rows_from_record(_record("c" * 64, "3", "m"))
    store.write_result(["a.txt"], "c" * 64, rows.content, rows)
    export(store, tmp_path, parquet=False)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.suffix in (".csv", ".jsonl", ".html")}
    rows2 = rows_from_record(_record("d" * 64, "4", "n"))
    store.write_result(["b.txt"], "d" * 64, rows2.content, rows2)

    def boom(conn):  # the last file of the export fails
        raise RuntimeError("disk full")

    monkeypatch.setattr("extractor.review.render_review", boom)
    with pytest.raises(RuntimeError):
        export(store, tmp_path, parquet=False)
    store.close()
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.suffix in (".csv", ".jsonl", ".html")}
    assert after == before
    assert not list(tmp_path.glob(".*.tmp"))


def test_rewriting_a_result_never_duplicates_rows(tmp_path):
    store = Store(tmp_path / "dataset.sqlite")
    rows = rows_from_record(_record("e" * 64, "3", "m"))
    for _ in range(3):
        store.write_result(["a.txt", "b.txt"], "e" * 64, rows.content, rows)
    store.write_result(["c.txt"], "e" * 64, rows.content, rows)  # a third path with the same bytes
    conn = store.conn
    assert conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 3
    assert conn.execute('SELECT COUNT(*) FROM "values"').fetchone()[0] == 3
    assert conn.execute("SELECT COUNT(*) FROM issues").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM tables").fetchone()[0] == 1
    store.close()


def test_changed_file_then_its_old_bytes_again_never_duplicates_rows(tmp_path):
    store = Store(tmp_path / "dataset.sqlite")
    store.drop_content_indexes()  # as during a run
    one, two = "1" * 64, "2" * 64
    r1, r2 = rows_from_record(_record(one, "3", "m")), rows_from_record(_record(two, "4", "n"))
    store.write_result(["p.txt"], one, r1.content, r1)
    store.write_result(["p.txt"], two, r2.content, r2)  # p.txt changed: its old content goes
    conn = store.conn

    def count(sha):
        return conn.execute('SELECT COUNT(*) FROM "values" WHERE sha256 = ?', (sha,)).fetchone()[0]

    def tables(sha):
        return conn.execute("SELECT COUNT(*) FROM tables WHERE sha256 = ?", (sha,)).fetchone()[0]

    assert (count(one), count(two), tables(one), tables(two)) == (0, 3, 0, 1)
    store.write_result(["q.txt"], one, r1.content, r1)  # the old bytes come back under another name
    store.copy_content("r.txt", two, store.content_row(two))
    assert (count(one), count(two)) == (3, 3)
    store.write_result(["r.txt"], one, r1.content, r1)  # r.txt changed to bytes already stored
    assert (count(one), count(two)) == (3, 3)
    export(store, tmp_path, parquet=False)
    store.close()
    assert len(pd.read_csv(tmp_path / "values.csv")) == 6
    assert sorted(pd.read_csv(tmp_path / "tables.csv", dtype=str)["sha256"]) == [one, two]
    assert sorted(pd.read_csv(tmp_path / "reports.csv")["path"]) == ["p.txt", "q.txt", "r.txt"]
    assert len(pd.read_csv(tmp_path / "wide.csv")) == 2


def test_cross_year_checks_land_in_issues_csv_and_sqlite(tmp_path):
    # the same body two years running: the 2022 report repeats every number of 2021
    src = (FIXTURES / "text" / "county-2021.tsv.txt").read_text(encoding="utf-8")
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "2021.txt").write_text(src, encoding="utf-8")
    (corpus / "2022.txt").write_text(src.replace("2021年", "2022年").replace("2022年1月", "2023年1月"),
                                     encoding="utf-8")
    from extractor.batch import run

    run([str(corpus)], tmp_path / "out", workers=1, progress=False)
    import csv
    import sqlite3

    with open(tmp_path / "out" / "issues.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    copied = [r for r in rows if r["code"] == "check.copied_report"]
    assert len(copied) == 1 and "repeats the 2021 report" in copied[0]["message"]
    conn = sqlite3.connect(tmp_path / "out" / "dataset.sqlite")
    assert conn.execute("SELECT count(*) FROM panel_issues WHERE code = 'check.copied_report'").fetchone() == (1,)
    conn.close()


ALL_EXPORT_FILES = [*dataset.DATASET_FILES, "reports/", "values/", "wide/", "issues/", "sections/", "tables/",
                    "review.html"]


def _read_export(dst: Path, names: list[str]) -> dict[str, bytes]:
    """name -> bytes; a folder of partitions (``values/``) as its files, ``values/year=…/part-0.parquet``."""
    got = {}
    for n in names:
        if n.endswith("/"):
            got.update({str(p.relative_to(dst)): p.read_bytes() for p in sorted((dst / n).rglob("*.parquet"))})
        else:
            got[n] = (dst / n).read_bytes()
    return got


def _export_copy(src: Path, dst: Path, **kw) -> tuple[list[str], dict[str, bytes]]:
    dst.mkdir()
    shutil.copy(src / "dataset.sqlite", dst / "dataset.sqlite")
    store = Store(dst / "dataset.sqlite")
    try:
        names = export(store, dst, **kw)
    finally:
        store.close()
    return names, _read_export(dst, names)


def test_export_in_two_processes_writes_the_same_files(out, tmp_path, monkeypatch):
    pytest.importorskip("pyarrow")
    names1, one = _export_copy(out, tmp_path / "one", parquet=True, jobs=1)
    left: list[list[str]] = []
    wait = exporting._ExportHelper.wait
    monkeypatch.setattr(exporting._ExportHelper, "wait", lambda self: left.append(wait(self)) or left[-1])
    names2, two = _export_copy(out, tmp_path / "two", parquet=True, jobs=2)
    assert left == [[]]  # the helper wrote its whole share
    assert names1 == names2 == ALL_EXPORT_FILES
    assert set(exporting.HELPER_FILES) < set(names2)
    assert one.keys() == two.keys()
    for n in one:
        assert one[n] == two[n], n
    assert not list((tmp_path / "two").glob(".*.tmp"))


def test_export_helper_that_fails_costs_nothing_but_time(out, tmp_path, monkeypatch):
    _, one = _export_copy(out, tmp_path / "one", parquet=False, jobs=1)
    started = []

    def broken_helper(db):  # a helper process that dies before writing anything
        import subprocess
        import sys

        started.append(db)
        return exporting._ExportHelper(subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.stdin.readline(); sys.exit(3)"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE))

    monkeypatch.setattr(exporting._ExportHelper, "start", staticmethod(broken_helper))
    names, two = _export_copy(out, tmp_path / "two", parquet=False, jobs=2)
    assert len(started) == 1
    assert "review.html" in names and two == one
    assert not list((tmp_path / "two").glob(".*.tmp"))


def test_cross_year_issues_at_export_only_within_one_body(tmp_path):
    import extractor

    base = extractor.parse(FIXTURES / "text" / "county-2021.tsv.txt").to_dict()
    store = Store(tmp_path / "dataset.sqlite")
    store.drop_content_indexes()  # as during a run
    for sha, issuer, year in (("a" * 64, "甲县人民政府", 2021), ("b" * 64, "甲县人民政府", 2022),
                              ("c" * 64, "乙县人民政府", 2022)):
        rec = json.loads(json.dumps(base))
        rec["source"]["sha256"] = sha
        rec["metadata"].update(issuer=issuer, year=year)
        rows = rows_from_record(rec)
        store.write_result([f"{sha[0]}.txt"], sha, rows.content, rows, unseen=True)
    export(store, tmp_path, parquet=False, review=False)
    panel = store.conn.execute("SELECT sha256, code FROM panel_issues").fetchall()
    store.close()
    # the 2022 report of 甲县 repeats its 2021 numbers; 乙县 has one year only, same numbers
    assert ("b" * 64, "check.copied_report") in panel
    assert {sha for sha, _ in panel} == {"b" * 64}
    with open(tmp_path / "issues.csv", encoding="utf-8", newline="") as fh:
        issues = list(csv.DictReader(fh))
    assert [r["code"] for r in issues if r["sha256"] == "b" * 64][-len(panel):] == [c for _, c in panel]


def test_r_loads_the_csv_as_documented(out, tmp_path):
    """docs/dataset.md's R line: read.csv keeps the dotted field ids, numbers stay numbers,
    Chinese text survives, and R reads as many rows as pandas."""
    import subprocess

    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("R is not installed (.ci/run installs Debian's r-base-core)")
    script = tmp_path / "load.R"
    script.write_text(R_LOAD, encoding="utf-8")
    p = subprocess.run([rscript, "--vanilla", str(script), str(out)], capture_output=True, text=True,
                       encoding="utf-8", timeout=120)
    assert p.returncode == 0, p.stderr
    got = dict(line.split("\t", 1) for line in p.stdout.splitlines())
    wide = pd.read_csv(out / "wide.csv")
    issues = pd.read_csv(out / "issues.csv", keep_default_na=False)
    assert got["names"].split("\t") == list(WIDE_META_COLUMNS) + list(FIELD_IDS)
    assert [int(n) for n in got["rows"].split("\t")] == [
        len(wide), len(pd.read_csv(out / "values.csv")), len(pd.read_csv(out / "reports.csv")), len(issues)]
    # every field column with a value is numeric; one with no value at all is logical NA in R
    assert got["numeric"] == "TRUE"
    assert got["empty"].split("\t") == [f for f in FIELD_IDS if wide[f].isna().all()]
    assert got["city"].split("\t") == ["2022", "401", "东陵市人民政府"]
    assert float(got["total"]) == pytest.approx(wide["s3.new.total"].sum())


R_LOAD = r"""
args <- commandArgs(trailingOnly = TRUE)
rd <- function(n) read.csv(file.path(args[1], n), encoding = "UTF-8", check.names = FALSE,
                           stringsAsFactors = FALSE)
w <- rd("wide.csv"); v <- rd("values.csv"); r <- rd("reports.csv"); i <- rd("issues.csv")
f <- w[, 8:ncol(w)]
filled <- sapply(f, function(x) any(!is.na(x)))
city <- w[endsWith(w$path, "city-2022-bad-totals.md.txt"), ]
emit <- function(key, values) cat(paste(c(key, values), collapse = "\t"), "\n", sep = "")
emit("names", names(w))
emit("rows", c(nrow(w), nrow(v), nrow(r), nrow(i)))
emit("numeric", all(sapply(f[filled], is.numeric)))
emit("empty", names(f)[!filled])
emit("city", c(city$year, city[["s3.new.total"]], city$issuer))
emit("total", sum(w[["s3.new.total"]], na.rm = TRUE))
"""


def test_cross_year_issues_at_export_equal_the_checks_over_all_reports(tmp_path):
    """Many bodies (values loaded a few hundred reports at a time): the same issues as one
    call of the checks over every record."""
    import extractor
    from extractor.panel import cross_year_issues

    base = extractor.parse(FIXTURES / "text" / "county-2021.tsv.txt").to_dict()
    fwd = next(v["value"] for v in base["values"] if v["field"] == "s3.carried_forward.total")
    store = Store(tmp_path / "dataset.sqlite")
    store.drop_content_indexes()
    records = []
    for b in range(320):  # 320 bodies x 2 years: 640 reports, more than one batch
        for year in (2021, 2022):
            rec = json.loads(json.dumps(base))
            sha = f"{b:04d}{year}".ljust(64, "0")
            rec["source"]["sha256"] = sha
            rec["metadata"].update(issuer=f"第{b}号县人民政府", year=year)
            if year == 2022 and b % 3:  # two bodies in three: a new report, its chain broken
                for v in rec["values"]:
                    if v["field"] == "s3.carried_over.total":
                        v["value"], v["kind"] = fwd + 1 + b, "number"
            rows = rows_from_record(rec)
            store.write_result([f"{sha}.txt"], sha, rows.content, rows, unseen=True)
            records.append(rec)
    export(store, tmp_path, parquet=False, review=False)
    got = store.conn.execute("SELECT sha256, code, message FROM panel_issues").fetchall()
    store.close()
    want = [(sha, i.code, i.message) for sha, i in cross_year_issues(records)]
    assert sorted(got) == sorted(want)
    codes = Counter(code for _, code, _ in got)
    # the fixture carries over 4 and forward 3, so every 2022 report breaks the chain; the
    # unchanged third (b % 3 == 0) are copies of their 2021 report
    assert codes["check.carry_over_chain"] == 320 and codes["check.copied_report"] == 107


@pytest.mark.parametrize(("name", "not_report"), [
    # nothing of an annual report: a notice, a README that quotes template labels, a script
    ("text/not-a-report.tsv.txt", True),
    ("html/not-a-report.portal.html", True),
    ("docx/not-a-report.plain.docx", True),
    ("README.md", True),
    ("make_text.py", True),
    # may be a report the reader could not read: ok, with its gap issue
    ("html/attachment-only.html", False),
    ("html/images-only.html", False),
    ("pdf/county-2021-scanned.image-only.pdf", False),
    # reports (pre-2019: sections, no values; a bad one: errors)
    ("text/county-2017-pre2019.tsv.txt", False),
    ("text/city-2022-bad-totals.pipes.txt", False),
])
def test_not_a_report_reason_decides_from_template_sections_values_and_gap_issues(name, not_report):
    import extractor

    why = dataset.not_a_report_reason(extractor.parse(FIXTURES / name, limits=Limits(ocr=False)).to_dict())
    if not not_report:
        assert why is None
    else:
        assert why == ("not a report: no section and no table of a 政府信息公开工作年度报告 was found "
                       "(template unknown)")


def test_a_dataset_of_schema_1_has_its_skipped_rows_become_not_a_report(tmp_path):
    db = tmp_path / "dataset.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE reports (path TEXT PRIMARY KEY, sha256 TEXT, status TEXT NOT NULL)")
    conn.executemany("INSERT INTO reports VALUES (?, ?, ?)",
                     [("a.png", "aa", "skipped"), ("b.txt", "bb", "ok"), ("c.pdf", "cc", "failed")])
    conn.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, started TEXT, finished TEXT, extractor_version TEXT, "
                 "argv TEXT, n_files INTEGER, n_parsed INTEGER, n_cached INTEGER, n_ok INTEGER, "
                 "n_failed INTEGER, n_skipped INTEGER, interrupted INTEGER)")
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.commit()
    conn.close()
    store = Store(db)
    try:
        assert store.conn.execute("SELECT path, status FROM reports ORDER BY path").fetchall() == [
            ("a.png", "not_a_report"), ("b.txt", "ok"), ("c.pdf", "failed")]
        assert store.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("3",)
        assert store.conn.execute("SELECT count(*) FROM tables").fetchone() == (0,)
        run_id = store.begin_run(["run"], "0")
        store.end_run(run_id, Counter(files=3, ok=1, failed=1, not_a_report=1), False)
        assert store.conn.execute("SELECT n_ok, n_failed, n_not_a_report FROM runs").fetchall() == [(1, 1, 1)]
    finally:
        store.close()
    Store(db).close()  # opening a dataset of the present schema changes nothing
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status FROM reports ORDER BY path").fetchall() == \
        [("not_a_report",), ("ok",), ("failed",)]
    conn.close()


def test_review_locates_word_tables_and_paragraphs():
    from extractor.review.pages import _location

    assert _location("docx", [{"table": 1, "row": 2, "column": 3}, {"table": 1, "row": 4, "column": 1}]) == \
        "Word table 2"
    assert _location("doc", [{"table": 0, "row": 1, "column": 1}, {"table": 2, "row": 1, "column": 1}]) == \
        "Word tables 1, 3"
    assert _location("html", [{"table": 0, "row": 1, "column": 1}]) == "HTML table 1"
    assert _location("odt", [{"paragraph": 4}]) == "paragraph 5"
    assert _location("docx", [{"paragraph": 4}, {"paragraph": 9}, {"paragraph": 6}]) == "paragraphs 5–10"
    assert _location("text", [{"line": 3, "column": 1}]) == "line 3"


def test_a_page_titled_as_a_report_whose_body_is_missing_stays_ok():
    import extractor

    stub = "2023年政府信息公开工作年度报告\n\n（正文加载中）\n".encode()
    rec = extractor.parse(stub).to_dict()
    assert (rec["metadata"]["template"], rec["sections"], rec["values"]) == ("unknown", [], [])
    assert dataset.not_a_report_reason(rec) is None
    # the same words in a long line of prose are no title: README.md of this repository
    prose = ("Turns Chinese government information-disclosure annual reports (政府信息公开工作年度报告) "
             "into research datasets.\n").encode()
    assert dataset.not_a_report_reason(extractor.parse(prose).to_dict()) == (
        "not a report: no section and no table of a 政府信息公开工作年度报告 was found (template unknown)")
