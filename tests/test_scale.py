"""Exports at scale: Parquet partitioned by year, read back by DuckDB; the incremental export
rewrites only the partitions that changed and gives the same files as a full one; the
parent's memory in an export does not grow with the number of reports."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

import extractor
from extractor.dataset import Store, rows_from_record
from extractor.export import _wide_rows, export

from conftest import FIXTURES

pytest.importorskip("pyarrow")
duckdb = pytest.importorskip("duckdb")

TABLES = ("reports", "values", "wide", "issues", "sections", "tables")
BASE = extractor.parse(FIXTURES / "text" / "county-2021.tsv.txt").to_dict()


def _sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _add(store: Store, path: str, issuer: str, year: int | None, bump: int = 0) -> str:
    """A report of ``issuer`` and ``year`` under ``path``; ``bump`` changes its numbers."""
    rec = json.loads(json.dumps(BASE))
    sha = _sha(f"{path}|{issuer}|{year}|{bump}")
    rec["source"]["sha256"] = sha
    rec["metadata"].update(issuer=issuer, year=year)
    for v in rec["values"]:
        if v["kind"] == "number" and v["field"].startswith("s2."):
            v["value"] = v["value"] + bump
    rows = rows_from_record(rec)
    store.write_result([path], sha, rows.content, rows)
    return sha


def _corpus(store: Store) -> None:
    for year in range(2019, 2024):
        for b in range(4):
            _add(store, f"{year}/body{b}.txt", f"第{b}县人民政府", year, bump=year - 2019)
    _add(store, "unknown.txt", "某县人民政府", None)


def _files(out: Path) -> dict[str, tuple[int, int, bytes]]:
    """partition file -> (inode, mtime_ns, bytes)."""
    got = {}
    for t in TABLES:
        for p in sorted((out / t).rglob("*.parquet")):
            st = p.stat()
            got[str(p.relative_to(out))] = (st.st_ino, st.st_mtime_ns, p.read_bytes())
    return got


def _full_copy(src: Store, dst: Path) -> dict[str, tuple[int, int, bytes]]:
    """A full export of a copy of the store ``src`` into ``dst``."""
    dst.mkdir()
    copy = sqlite3.connect(dst / "dataset.sqlite")
    src.conn.backup(copy)
    copy.close()
    store = Store(dst / "dataset.sqlite")
    try:
        export(store, dst, parquet=True, review=False, incremental=False)
    finally:
        store.close()
    return _files(dst)


def _duck(out: Path, table: str) -> list[tuple]:
    return sorted(duckdb.sql(f"SELECT * FROM read_parquet('{out}/{table}/*/*.parquet', hive_partitioning=true)")
                  .fetchall(), key=repr)


def _changed(before: dict, after: dict) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k, (0, 0))[:2] != after.get(k, (0, 0))[:2]}


@pytest.fixture
def store(tmp_path):
    (tmp_path / "out").mkdir()
    s = Store(tmp_path / "out" / "dataset.sqlite")
    yield s
    s.close()


def test_partitions_read_back_by_duckdb_equal_the_store(store, tmp_path):
    out = tmp_path / "out"
    _corpus(store)
    store.write_result(["broken.pdf"], _sha("broken"), {"status": "failed", "error": "x", "format": "pdf"})
    names = export(store, out, parquet=True, review=False)
    assert [n for n in names if n.endswith("/")] == [f"{t}/" for t in TABLES]
    years = ["year=2019", "year=2020", "year=2021", "year=2022", "year=2023", "year=__HIVE_DEFAULT_PARTITION__"]
    for t in TABLES:
        assert sorted(p.name for p in (out / t).iterdir()) == years, t
    conn = sqlite3.connect(out / "dataset.sqlite")
    want = sorted(conn.execute(
        'SELECT v.sha256, v.field, v.value, v.kind, v.raw, v.unit, v.confidence, v."where", r.year FROM "values" v '
        "JOIN (SELECT DISTINCT sha256, year FROM reports) r USING (sha256)").fetchall(), key=repr)
    got = _duck(out, "values")
    assert len(got) == len(want) == 21 * len(BASE["values"])
    assert got == [tuple(float(x) if isinstance(x, int) and i in (2,) else x for i, x in enumerate(r)) for r in want]
    reports = {r[0]: r for r in duckdb.sql(
        f"SELECT path, status, year, issuer FROM read_parquet('{out}/reports/*/*.parquet', hive_partitioning=true)"
    ).fetchall()}
    assert reports["2021/body3.txt"] == ("2021/body3.txt", "ok", 2021, "第3县人民政府")
    assert reports["unknown.txt"][2] is None and reports["broken.pdf"] == ("broken.pdf", "failed", None, None)
    wide = duckdb.sql(f"SELECT year, COUNT(*) FROM read_parquet('{out}/wide/*/*.parquet', hive_partitioning=true) "
                      "GROUP BY year ORDER BY year NULLS LAST").fetchall()
    assert wide == [(2019, 4), (2020, 4), (2021, 4), (2022, 4), (2023, 4), (None, 1)]
    conn.close()


def test_incremental_export_rewrites_only_the_touched_year_and_equals_a_full_one(store, tmp_path):
    out = tmp_path / "out"
    _corpus(store)
    export(store, out, parquet=True, review=False)
    before = _files(out)
    _add(store, "2022/new-body.txt", "新县人民政府", 2022)  # one new report, of 2022
    export(store, out, parquet=True, review=False)
    after = _files(out)
    assert _changed(before, after) == {f"{t}/year=2022/part-0.parquet" for t in TABLES}
    full = _full_copy(store, tmp_path / "full")
    assert {k: v[2] for k, v in full.items()} == {k: v[2] for k, v in after.items()}
    for t in TABLES:
        assert _duck(out, t) == _duck(tmp_path / "full", t), t
    # nothing changed since: nothing rewritten
    export(store, out, parquet=True, review=False)
    assert _changed(after, _files(out)) == set()


def test_incremental_export_follows_changed_years_and_cross_year_issues(store, tmp_path):
    out = tmp_path / "out"
    _corpus(store)
    _add(store, "x/2022.txt", "乙县人民政府", 2022)
    export(store, out, parquet=True, review=False)
    before = _files(out)
    # a 2021 report of 乙县 with the same numbers: its 2022 report becomes a copy (an issue of
    # the 2022 report, whose reports row did not change); 2020/body0.txt now holds a 2023 report
    _add(store, "x/2021.txt", "乙县人民政府", 2021)
    _add(store, "2020/body0.txt", "第0县人民政府", 2023, bump=99)
    export(store, out, parquet=True, review=False)
    after = _files(out)
    changed = _changed(before, after)
    assert {k for k in changed if k.startswith("issues/")} == {
        "issues/year=2020/part-0.parquet", "issues/year=2021/part-0.parquet", "issues/year=2022/part-0.parquet",
        "issues/year=2023/part-0.parquet"}
    assert {k for k in changed if k.startswith("reports/")} == {
        "reports/year=2020/part-0.parquet", "reports/year=2021/part-0.parquet", "reports/year=2023/part-0.parquet"}
    copied = duckdb.sql(f"SELECT year FROM read_parquet('{out}/issues/*/*.parquet', hive_partitioning=true) "
                        "WHERE code = 'check.copied_report' AND sha256 = ?", params=[_sha("x/2022.txt|乙县人民政府|2022|0")])
    assert copied.fetchall() == [(2022,)]
    full = _full_copy(store, tmp_path / "full")
    assert {k: v[2] for k, v in full.items()} == {k: v[2] for k, v in after.items()}


def test_a_year_that_disappears_loses_its_partitions(store, tmp_path):
    out = tmp_path / "out"
    _corpus(store)
    export(store, out, parquet=True, review=False)
    for b in range(4):  # every 2019 file now holds a 2020 report
        _add(store, f"2019/body{b}.txt", f"第{b}县人民政府", 2020, bump=50 + b)
    export(store, out, parquet=True, review=False)
    for t in TABLES:
        assert not (out / t / "year=2019").exists(), t
    full = _full_copy(store, tmp_path / "full")
    assert {k: v[2] for k, v in full.items()} == {k: v[2] for k, v in _files(out).items()}


def test_an_export_without_parquet_makes_the_next_one_full(store, tmp_path):
    out = tmp_path / "out"
    _corpus(store)
    export(store, out, parquet=True, review=False)
    export(store, out, parquet=False, review=False)
    _add(store, "2019/body0.txt", "第0县人民政府", 2019, bump=7)
    before = _files(out)
    export(store, out, parquet=True, review=False)
    assert _changed(before, _files(out)) == set(before)  # every partition written again


def test_wide_rows_stream_in_chunks_and_match_one_chunk(store, tmp_path):
    _corpus(store)
    store.ensure_content_indexes()
    one = list(_wide_rows(store.conn, chunk=10_000))
    three = list(_wide_rows(store.conn, chunk=3))
    assert one == three and len(one) == 21
    row = next(r for r in one if r[1] == "2021/body1.txt")
    base = {v["field"]: v["value"] for v in BASE["values"] if v["kind"] == "number"}
    from extractor.dataset import WIDE_COLUMNS

    got = dict(zip(WIDE_COLUMNS, row, strict=True))
    assert got["year"] == 2021 and got["issuer"] == "第1县人民政府"
    assert got["s2.regulations.issued"] == base["s2.regulations.issued"] + 2
    assert got["s3.new.total"] == base["s3.new.total"]


def _peak_of_export(tmp: Path, n: int) -> int:
    """tracemalloc's peak while exporting a store of ``n`` reports (every file, the review too)."""
    import tracemalloc

    (tmp / "out").mkdir(parents=True)
    store = Store(tmp / "out" / "dataset.sqlite")
    for i in range(n):  # one in three with a bad total: flagged, a card in the review
        rec = json.loads(json.dumps(BASE))
        rec["source"]["sha256"] = _sha(f"{n}-{i}")
        rec["metadata"].update(issuer=f"第{i % (n // 3)}县人民政府", year=2019 + i % 5)
        if i % 3 == 0:
            rec["issues"].append({"code": "s3.balance", "severity": "error", "message": "off by one",
                                  "fields": ["s3.new.total", "s3.total.total"]})
        rows = rows_from_record(rec)
        store.write_result([f"{i:05d}.txt"], rec["source"]["sha256"], rows.content, rows, unseen=True)
    export(store, tmp / "out", parquet=True, review=True)  # the modules it needs are imported now
    tracemalloc.start()
    try:
        export(store, tmp / "out", parquet=True, review=True, incremental=False)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        store.close()


def test_the_export_holds_no_per_report_state(tmp_path, monkeypatch):
    """Five times the reports, about the same peak of Python memory in the export: the review
    pages, the wide rows, the cross-year checks and the partitions are streamed. (Small
    pages and batches, so that both sizes fill them; before, the review held every card.)"""
    monkeypatch.setattr("extractor.review.pages.PAGE_CARDS", 20)
    monkeypatch.setattr("extractor.review.pages.LIST_ROWS", 50)
    monkeypatch.setattr("extractor.review.pages.BODIES_PER_PAGE", 50)
    monkeypatch.setattr("extractor.partitions.BATCH_ROWS", 2000)
    monkeypatch.setattr("extractor.export.FETCH_ROWS", 500)  # sections.jsonl: 6 sections a report
    monkeypatch.setattr("extractor.export.FETCH_CELLS", 2000)  # reports.csv, tables.csv: rows of 11-30 cells
    small = _peak_of_export(tmp_path / "small", 300)
    big = _peak_of_export(tmp_path / "big", 1500)
    assert big < 1.3 * small, (small, big)
