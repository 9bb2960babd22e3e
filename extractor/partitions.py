"""Parquet partitioned by report year, rewritten only where the store changed.

``OUTDIR/values/year=2023/part-0.parquet`` … (hive-style): one folder per table
(``reports``, ``values``, ``wide``, ``issues``, ``sections``, ``tables``), one partition per year of
``reports.year`` (``year=__HIVE_DEFAULT_PARTITION__`` for the reports without a year), every
table with a partition for every year, an empty file when the year has no rows. The year is
the partition key, not a column of the files (hive convention: DuckDB, Polars and pyarrow
add it when they read the folder).

Incremental: triggers on ``reports`` (see :data:`TRACKING_DDL`) append the years of every
reports row written, replaced or deleted to the table ``export_dirty``. An export rewrites
the partitions of those years (and of the years whose cross-year issues changed, and of
any partition missing on disk) and deletes the partitions of years no report has any more;
the others stay as they are. A full rewrite happens when the store last wrote its Parquet
into another folder (``meta.parquet_export``), or when an export ran without Parquet.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from .dataset import (
    _REPORT_TYPES,
    ISSUE_COLUMNS,
    REPORT_COLUMNS,
    SECTION_COLUMNS,
    TABLE_COLUMNS,
    VALUE_COLUMNS,
    WIDE_COLUMNS,
    WIDE_META_COLUMNS,
    q,
)

#: the partitioned tables, in the order they are written
TABLES = ("reports", "values", "wide", "issues", "sections", "tables")
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
PART_FILE = "part-0.parquet"
#: rows per record batch (and row group) of a partition file of a narrow table (``values``):
#: the wider ``wide`` and the text-heavy ``sections`` get fewer, so that one batch holds
#: about as much memory whatever the table (a few MB) and memory stays flat in the size
#: of a partition
BATCH_ROWS = 20_000


def batch_rows(table: str) -> int:
    ncols = len(_columns(table))
    rows = BATCH_ROWS * 8 // ncols
    return max(1, rows // 10 if table == "sections" else min(BATCH_ROWS, rows))

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS export_dirty (id INTEGER PRIMARY KEY, year INTEGER)",
    "CREATE INDEX IF NOT EXISTS reports_year ON reports(year)",
    # the old year of a row that INSERT OR REPLACE replaces (before the conflict is resolved)
    "CREATE TRIGGER IF NOT EXISTS reports_dirty_replace BEFORE INSERT ON reports BEGIN "
    "INSERT INTO export_dirty(year) SELECT year FROM reports WHERE path = NEW.path; END",
    "CREATE TRIGGER IF NOT EXISTS reports_dirty_insert AFTER INSERT ON reports BEGIN "
    "INSERT INTO export_dirty(year) VALUES (NEW.year); END",
    "CREATE TRIGGER IF NOT EXISTS reports_dirty_update AFTER UPDATE ON reports BEGIN "
    "INSERT INTO export_dirty(year) VALUES (OLD.year); INSERT INTO export_dirty(year) VALUES (NEW.year); END",
    "CREATE TRIGGER IF NOT EXISTS reports_dirty_delete AFTER DELETE ON reports BEGIN "
    "INSERT INTO export_dirty(year) VALUES (OLD.year); END",
)


def ensure_tracking(conn: sqlite3.Connection) -> None:
    """Create the table and triggers that record the changed years (idempotent)."""
    for stmt in TRACKING_DDL:
        conn.execute(stmt)


def folder(year: int | None) -> str:
    return f"year={NULL_PARTITION if year is None else int(year)}"


def _columns(table: str) -> list[str]:
    cols = {"reports": REPORT_COLUMNS, "values": VALUE_COLUMNS, "wide": WIDE_COLUMNS, "issues": ISSUE_COLUMNS,
            "sections": SECTION_COLUMNS, "tables": TABLE_COLUMNS}[table]
    return [c for c in cols if c != "year"]


def arrow_types(table: str) -> list[tuple[str, Any]]:
    import pyarrow as pa

    s, i, f = pa.string(), pa.int64(), pa.float64()

    def typ(c: str) -> Any:
        if table == "reports":
            t = _REPORT_TYPES.get(c)
            return i if t == "INTEGER" else f if t == "REAL" else s
        if table == "wide":
            return f if (c == "confidence" or c not in WIDE_META_COLUMNS) else s
        if table == "values":
            return f if c in ("value", "confidence") else s
        if table == "sections":
            return i if c == "number" else s
        if table == "tables":
            return i if c in TABLE_COLUMNS[4:] else s
        return s

    return [(c, typ(c)) for c in _columns(table)]


_OK_SHAS = "SELECT sha256 FROM reports WHERE year IS ? AND status = 'ok' AND sha256 IS NOT NULL"


def partition_sql(table: str) -> str:
    """The rows of one year of ``table`` (one parameter: the year, or None), in file order."""
    cols = ", ".join(q(c) for c in _columns(table))
    if table == "reports":
        return f"SELECT {cols} FROM reports WHERE year IS ? ORDER BY path"
    if table == "wide":
        return f"SELECT {cols} FROM wide WHERE year IS ? ORDER BY rowid"
    if table == "issues":
        return (f"SELECT {cols} FROM (SELECT *, 0 AS k, rowid AS r FROM issues UNION ALL "
                f"SELECT *, 1, rowid FROM panel_issues) WHERE sha256 IN ({_OK_SHAS}) ORDER BY sha256, k, r")
    return f'SELECT {cols} FROM {q(table)} WHERE sha256 IN ({_OK_SHAS}) ORDER BY sha256, rowid'


def write_partition(conn: sqlite3.Connection, table: str, year: int | None, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = arrow_types(table)
    schema = pa.schema(cols)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(path, schema) as writer:
        cur = conn.execute(partition_sql(table), (year,))
        while True:
            rows = cur.fetchmany(batch_rows(table))
            if not rows:
                break
            columns = list(zip(*rows, strict=True))
            writer.write_batch(pa.record_batch(
                [pa.array(col, type=t) for col, (_, t) in zip(columns, cols, strict=True)], schema=schema))


# --------------------------------------------------------------------------- the plan of an export


class Plan:
    """Which partitions an export writes: ``years`` (every year of the store), ``dirty`` (the
    years to rewrite, per table), ``mark`` (the last ``export_dirty`` row it accounts for)."""

    def __init__(self, years: list[int | None], dirty: dict[str, set[int | None]], mark: int, full: bool) -> None:
        self.years = years
        self.dirty = dirty
        self.mark = mark
        self.full = full

    def manifest(self, table: str) -> str:
        return json.dumps({"table": table, "years": self.years,
                           "write": sorted(self.dirty[table], key=lambda y: (y is None, y or 0))})


def plan(conn: sqlite3.Connection, outdir: Path, *, incremental: bool = True) -> Plan:
    """The partitions to write (inside the export's transaction, after :func:`ensure_tracking`)."""
    years = [y for (y,) in conn.execute("SELECT DISTINCT year FROM reports ORDER BY year")]
    mark = conn.execute("SELECT COALESCE(MAX(id), 0) FROM export_dirty").fetchone()[0]
    row = conn.execute("SELECT value FROM meta WHERE key = 'parquet_export'").fetchone()
    full = not incremental or row is None or row[0] != str(outdir.resolve())
    if full:
        changed = set(years)
    else:
        changed = {y for (y,) in conn.execute("SELECT DISTINCT year FROM export_dirty WHERE id <= ?", (mark,))}
    dirty = {t: {y for y in years if y in changed or not (outdir / t / folder(y) / PART_FILE).is_file()}
             for t in TABLES}
    return Plan(years, dirty, mark, full)


def snapshot_panel(conn: sqlite3.Connection) -> None:
    """Keep the cross-year issues of the last export (to find the years whose issues change)."""
    conn.execute("DROP TABLE IF EXISTS temp.panel_prev")
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'panel_issues'").fetchone():
        conn.execute("CREATE TEMP TABLE panel_prev AS SELECT * FROM panel_issues")
    else:
        conn.execute("CREATE TEMP TABLE panel_prev AS SELECT * FROM issues WHERE 0")


def panel_changed_years(conn: sqlite3.Connection) -> set[int | None]:
    """The years of the reports whose cross-year issues differ from :func:`snapshot_panel`'s."""
    cols = ", ".join(q(c) for c in ISSUE_COLUMNS)
    rows = conn.execute(
        f"SELECT DISTINCT year FROM reports WHERE status = 'ok' AND sha256 IN (SELECT sha256 FROM "
        f"(SELECT {cols} FROM temp.panel_prev EXCEPT SELECT {cols} FROM panel_issues) UNION SELECT sha256 FROM "
        f"(SELECT {cols} FROM panel_issues EXCEPT SELECT {cols} FROM temp.panel_prev))").fetchall()
    conn.execute("DROP TABLE IF EXISTS temp.panel_prev")
    return {y for (y,) in rows}


def write_table(conn: sqlite3.Connection, manifest: Path) -> None:
    """Write the partitions the manifest (a file :func:`Plan.manifest` wrote) names into the
    temporary folder beside it (``MANIFEST.d/year=…/part-0.parquet``)."""
    spec = json.loads(manifest.read_text(encoding="utf-8"))
    tmp = manifest.with_name(manifest.name + ".d")
    tmp.mkdir(exist_ok=True)
    for year in spec["write"]:
        write_partition(conn, spec["table"], year, tmp / folder(year) / PART_FILE)


def commit_table(manifest: Path, dst: Path) -> None:
    """Move the partitions written by :func:`write_table` into ``dst`` (each one atomically),
    delete the partitions of years the store no longer has, remove the temporaries."""
    spec = json.loads(manifest.read_text(encoding="utf-8"))
    tmp = manifest.with_name(manifest.name + ".d")
    dst.mkdir(exist_ok=True)
    for year in spec["write"]:
        (dst / folder(year)).mkdir(exist_ok=True)
        os.replace(tmp / folder(year) / PART_FILE, dst / folder(year) / PART_FILE)
    keep = {folder(y) for y in spec["years"]}
    for d in dst.iterdir():
        if d.is_dir() and d.name.startswith("year=") and d.name not in keep:
            shutil.rmtree(d)
    shutil.rmtree(tmp, ignore_errors=True)
    manifest.unlink()
