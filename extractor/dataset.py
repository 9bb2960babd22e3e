"""The research dataset: SQLite as the source of truth, CSV / JSONL / Parquet exported from it.

``OUTDIR/dataset.sqlite`` (WAL journal) holds every result of ``extractor run``. Each
finished file is one transaction (written by the worker that parsed it, see
:class:`Store`), so a run killed at any moment loses at most the files in flight and never
half a file. The flat files are exported from
SQLite at the end of a run (and periodically during long runs): each is written to a
temporary file first and then moved into place with :func:`os.replace`, so a reader never
sees a half-written file. See ``docs/dataset.md`` for every file and column.

Tables (and files):

* ``reports``  — one row per input file (``reports.csv``)
* ``values``   — one row per table cell read (``values.csv``); keyed by report ``sha256``
* ``issues``   — one row per issue (``issues.csv``)
* ``sections`` — one row per section (``sections.jsonl``)
* ``wide``     — one row per distinct ok report, one column per field id (``wide.csv``)
* ``codebook`` — one row per field id (``codebook.csv``)
* ``runs``, ``meta`` — bookkeeping (not exported)

CSV files are UTF-8 without BOM, comma separated, ``\\n`` line ends, RFC 4180 quoting
(fields holding commas, quotes or line breaks are double-quoted), a header row, and an
empty field for a missing value.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .templates import CODEBOOK_COLUMNS, FIELD_IDS, codebook_rows

SCHEMA_VERSION = "1"

#: reports.csv columns (the first twelve are the contract of output.md)
REPORT_COLUMNS: tuple[str, ...] = (
    "path", "sha256", "format", "status", "error", "issuer", "year", "published", "template",
    "confidence", "n_values", "n_issues",
    "error_type", "n_errors", "n_warnings", "bytes", "parse_seconds", "extractor_version", "parsed_at",
)
#: the per-content part of a reports row (shared by every path with the same bytes)
CONTENT_COLUMNS: tuple[str, ...] = tuple(c for c in REPORT_COLUMNS if c not in ("path", "sha256"))
VALUE_COLUMNS: tuple[str, ...] = ("sha256", "field", "value", "kind", "raw", "unit", "confidence", "where")
ISSUE_COLUMNS: tuple[str, ...] = ("sha256", "code", "severity", "message", "fields", "where")
SECTION_COLUMNS: tuple[str, ...] = ("sha256", "number", "title", "text")
WIDE_META_COLUMNS: tuple[str, ...] = ("sha256", "path", "issuer", "year", "published", "template", "confidence")
WIDE_COLUMNS: tuple[str, ...] = WIDE_META_COLUMNS + tuple(FIELD_IDS)
STATUSES = ("ok", "failed", "skipped")

#: files written by :func:`export`, in the order they are written
DATASET_FILES = ("reports.csv", "values.csv", "wide.csv", "issues.csv", "sections.jsonl", "codebook.csv")
PARQUET_FILES = ("reports.parquet", "values.parquet", "wide.parquet", "issues.parquet", "sections.parquet")

_REPORT_TYPES = {
    "year": "INTEGER", "confidence": "REAL", "n_values": "INTEGER", "n_issues": "INTEGER",
    "n_errors": "INTEGER", "n_warnings": "INTEGER", "bytes": "INTEGER", "parse_seconds": "REAL",
}


def q(name: str) -> str:
    """Quote an SQL identifier (``values``, ``where`` and the dotted field ids need it)."""
    return '"' + name.replace('"', '""') + '"'


def _ddl() -> list[str]:
    rep_cols = ",\n  ".join(
        f"{q(c)} {_REPORT_TYPES.get(c, 'TEXT')}" + (" PRIMARY KEY" if c == "path" else "")
        + (" NOT NULL" if c == "status" else "")
        for c in REPORT_COLUMNS
    )
    return [
        f"CREATE TABLE IF NOT EXISTS reports (\n  {rep_cols}\n)",
        "CREATE INDEX IF NOT EXISTS reports_sha256 ON reports(sha256)",
        'CREATE TABLE IF NOT EXISTS "values" (sha256 TEXT NOT NULL, field TEXT NOT NULL, value NUMERIC, '
        'kind TEXT, raw TEXT, unit TEXT, confidence REAL, "where" TEXT)',
        "CREATE TABLE IF NOT EXISTS issues (sha256 TEXT NOT NULL, code TEXT NOT NULL, severity TEXT, "
        'message TEXT, fields TEXT, "where" TEXT)',
        "CREATE TABLE IF NOT EXISTS sections (sha256 TEXT NOT NULL, number INTEGER, title TEXT, text TEXT)",
        "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, started TEXT, finished TEXT, "
        "extractor_version TEXT, argv TEXT, n_files INTEGER, n_parsed INTEGER, n_cached INTEGER, "
        "n_ok INTEGER, n_failed INTEGER, n_skipped INTEGER, interrupted INTEGER)",
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
    ]


#: indexes on the per-content tables: dropped while a run inserts (cheaper inserts), built again
#: when needed (a result to replace) and at every export, so the final dataset has them
CONTENT_INDEXES = (
    'CREATE INDEX IF NOT EXISTS values_sha256 ON "values"(sha256)',
    "CREATE INDEX IF NOT EXISTS issues_sha256 ON issues(sha256)",
    "CREATE INDEX IF NOT EXISTS sections_sha256 ON sections(sha256)",
)


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# --------------------------------------------------------------------------- rows


@dataclass
class ContentRows:
    """Everything one parsed file contributes, as rows ready for ``executemany``.

    Built in the worker process (:func:`rows_from_record`), so the parent only writes.
    """

    sha256: str
    content: dict[str, Any]  # CONTENT_COLUMNS -> value
    values: list[tuple[Any, ...]] = field(default_factory=list)
    issues: list[tuple[Any, ...]] = field(default_factory=list)
    sections: list[tuple[Any, ...]] = field(default_factory=list)


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _json(obj: Any) -> str:
    return _ENCODER.encode(obj)


def rows_from_record(record: dict[str, Any], *, version: str = "", seconds: float | None = None,
                     size: int | None = None) -> ContentRows:
    """Turn the JSON record of one report (``Report.to_dict()``) into dataset rows."""
    src = record.get("source") or {}
    meta = record.get("metadata") or {}
    sha = src.get("sha256") or ""
    issues = record.get("issues") or []
    values = record.get("values") or []
    content = {
        "format": src.get("format"),
        "status": "ok",
        "error": None,
        "issuer": meta.get("issuer"),
        "year": meta.get("year"),
        "published": meta.get("published"),
        "template": meta.get("template"),
        "confidence": record.get("confidence"),
        "n_values": len(values),
        "n_issues": len(issues),
        "error_type": None,
        "n_errors": sum(1 for i in issues if i.get("severity") == "error"),
        "n_warnings": sum(1 for i in issues if i.get("severity") == "warning"),
        "bytes": size,
        "parse_seconds": None if seconds is None else round(seconds, 4),
        "extractor_version": version,
        "parsed_at": now_iso(),
    }
    rows = ContentRows(sha, content)
    for v in values:
        val = v.get("value")
        if isinstance(val, bool):
            val = int(val)
        rows.values.append((sha, v.get("field"), val, v.get("kind"), v.get("raw"), v.get("unit"),
                            v.get("confidence"), _json(v.get("where") or {})))
    for i in issues:
        where = i.get("where")
        rows.issues.append((sha, i.get("code"), i.get("severity"), i.get("message"),
                            ";".join(i.get("fields") or ()), _json(where) if where else None))
    secs = list(record.get("sections") or [])
    numbers = {s.get("number") for s in secs}
    if record.get("preamble") and 0 not in numbers:
        secs.insert(0, {"number": 0, "title": "", "text": record["preamble"]})
    if record.get("signature") and -1 not in numbers:
        secs.append({"number": -1, "title": "", "text": record["signature"]})
    for s in secs:
        rows.sections.append((sha, s.get("number"), s.get("title"), s.get("text")))
    return rows


def failure_content(status: str, error_type: str, error: str, *, fmt: str | None = None,
                    version: str = "", seconds: float | None = None, size: int | None = None) -> dict[str, Any]:
    """The per-content columns of a ``failed`` or ``skipped`` row."""
    content: dict[str, Any] = dict.fromkeys(CONTENT_COLUMNS)
    content.update(status=status, error_type=error_type, error=error, format=fmt, bytes=size,
                   parse_seconds=None if seconds is None else round(seconds, 4),
                   extractor_version=version, parsed_at=now_iso())
    return content


# --------------------------------------------------------------------------- store


_INSERT_VALUES = f'INSERT INTO "values" VALUES ({", ".join("?" * len(VALUE_COLUMNS))})'
_INSERT_ISSUES = f"INSERT INTO issues VALUES ({', '.join('?' * len(ISSUE_COLUMNS))})"
_INSERT_SECTIONS = f"INSERT INTO sections VALUES ({', '.join('?' * len(SECTION_COLUMNS))})"


class Store:
    """The SQLite store of one OUTDIR.

    In a local batch run the parent and its worker processes write it: each worker records
    the files it parsed (one transaction per file, :meth:`write_result`), the parent the rest
    (files that crashed or timed out, cached copies, the run log) and the export. SQLite's
    write lock serialises them. ``setup=False`` (a worker) skips the schema set-up, which
    the parent has done; ``timeout`` is how long a write waits for the lock.
    """

    def __init__(self, path: str | os.PathLike[str], *, setup: bool = True, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=timeout)
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=OFF")
        self.group_commit = False
        self._group_open = False
        self._group_n = 0
        self._group_t0 = 0.0
        self._insert_report = (
            f"INSERT OR REPLACE INTO reports ({', '.join(q(c) for c in REPORT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(REPORT_COLUMNS))})"
        )
        if not setup:
            self.indexed = False  # the parent may have dropped them: built again before a delete
            return
        self.conn.execute("PRAGMA journal_mode=WAL")
        with self.transaction():
            for stmt in _ddl():
                self.conn.execute(stmt)
            for stmt in CONTENT_INDEXES:
                self.conn.execute(stmt)
            self.conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
                              (SCHEMA_VERSION,))
        self.indexed = True

    # -- transactions
    # Group commit: with ``group_commit`` on, the writes of several finished files share one
    # SQLite transaction (each file in its own SAVEPOINT, so a failed write rolls back just
    # that file), committed by :meth:`maybe_flush` every ``GROUP_FILES`` files or
    # ``GROUP_SECONDS`` seconds and by :meth:`flush`. A kill -9 loses at most the files of
    # the open group (they are parsed again on the next run), never half a file.
    GROUP_FILES = 64
    GROUP_SECONDS = 0.25

    class _Tx:
        def __init__(self, store: Store) -> None:
            self.store = store
            self.conn = store.conn

        def __enter__(self) -> sqlite3.Connection:
            st = self.store
            if st.group_commit:
                if not st._group_open:
                    self.conn.execute("BEGIN IMMEDIATE")
                    st._group_open = True
                    st._group_t0 = time.monotonic()
                self.conn.execute("SAVEPOINT one_file")
            else:
                self.conn.execute("BEGIN IMMEDIATE")
            return self.conn

        def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
            st = self.store
            if st.group_commit:
                if exc_type is not None:
                    self.conn.execute("ROLLBACK TO one_file")
                self.conn.execute("RELEASE one_file")
                st._group_n += exc_type is None
            elif exc_type is None:
                self.conn.execute("COMMIT")
            else:
                self.conn.execute("ROLLBACK")

    def transaction(self) -> Store._Tx:
        return Store._Tx(self)

    def flush(self) -> None:
        """Commit the open group of file writes, if any."""
        if self._group_open:
            self.conn.execute("COMMIT")
            self._group_open = False
            self._group_n = 0

    def maybe_flush(self) -> None:
        if self._group_open and (self._group_n >= self.GROUP_FILES
                                 or time.monotonic() - self._group_t0 >= self.GROUP_SECONDS):
            self.flush()

    def close(self) -> None:
        try:
            self.flush()
        except sqlite3.Error:
            pass
        try:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        self.conn.close()

    # -- reading
    def path_row(self, path: str) -> dict[str, Any] | None:
        cur = self.conn.execute("SELECT * FROM reports WHERE path = ?", (path,))
        row = cur.fetchone()
        return None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))

    def content_row(self, sha256: str) -> dict[str, Any] | None:
        """Any reports row with these bytes (to copy onto a new path without parsing)."""
        cur = self.conn.execute(
            "SELECT * FROM reports WHERE sha256 = ? ORDER BY (status = 'failed'), path LIMIT 1", (sha256,))
        row = cur.fetchone()
        return None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))

    def statuses(self, paths: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        paths = list(paths)
        for i in range(0, len(paths), 500):
            chunk = paths[i:i + 500]
            cur = self.conn.execute(
                f"SELECT path, status FROM reports WHERE path IN ({', '.join('?' * len(chunk))})", chunk)
            out.update(dict(cur.fetchall()))
        return out

    # -- writing (one transaction each)
    def _report_tuple(self, path: str, sha256: str | None, content: dict[str, Any]) -> tuple[Any, ...]:
        row = {"path": path, "sha256": sha256, **content}
        return tuple(row.get(c) for c in REPORT_COLUMNS)

    def drop_content_indexes(self) -> None:
        """Make the inserts of a run cheaper; :meth:`ensure_content_indexes` builds them again."""
        with self.transaction() as c:
            for name in ("values_sha256", "issues_sha256", "sections_sha256"):
                c.execute(f"DROP INDEX IF EXISTS {name}")
        self.indexed = False

    def ensure_content_indexes(self) -> None:
        if not self.indexed:
            for stmt in CONTENT_INDEXES:
                self.conn.execute(stmt)
            self.indexed = True

    def _delete_content(self, c: sqlite3.Connection, sha256: str) -> None:
        self.ensure_content_indexes()
        c.execute('DELETE FROM "values" WHERE sha256 = ?', (sha256,))
        c.execute("DELETE FROM issues WHERE sha256 = ?", (sha256,))
        c.execute("DELETE FROM sections WHERE sha256 = ?", (sha256,))

    def _release_old(self, c: sqlite3.Connection, paths: Sequence[str], keep: str | None) -> None:
        """Paths about to point at new bytes: drop the content of bytes no other path holds.

        Keeps the invariant the inserts rely on: values/issues/sections hold rows for a
        sha256 only while some reports row with that sha256 is ``ok``.
        """
        olds = {r[0] for p in paths for r in c.execute("SELECT sha256 FROM reports WHERE path = ?", (p,))}
        for old in olds - {None, keep}:
            still = c.execute("SELECT 1 FROM reports WHERE sha256 = ? AND status = 'ok' AND path NOT IN "
                              f"({', '.join('?' * len(paths))}) LIMIT 1", (old, *paths)).fetchone()
            if still is None:
                self._delete_content(c, old)

    def write_result(self, paths: Sequence[str], sha256: str | None, content: dict[str, Any],
                     rows: ContentRows | None = None, *, unseen: bool = False) -> None:
        """Record one finished file (and the other paths with the same bytes) atomically.

        ``unseen``: the caller knows that no row holds these paths or these bytes yet (a new
        file in a run), so the look-ups that keep older rows consistent are skipped."""
        with self.transaction() as c:
            if not unseen:
                self._release_old(c, paths, sha256)
            if sha256 and not unseen:
                # every other path that holds these bytes gets the new result too
                others = [r for r in c.execute("SELECT path, status FROM reports WHERE sha256 = ?", (sha256,))]
                if any(status == "ok" for _, status in others):
                    self._delete_content(c, sha256)
                paths = list(dict.fromkeys([*paths, *(p for p, _ in others)]))
            if rows is not None:
                c.executemany(_INSERT_VALUES, rows.values)
                if rows.issues:
                    c.executemany(_INSERT_ISSUES, rows.issues)
                c.executemany(_INSERT_SECTIONS, rows.sections)
            c.executemany(self._insert_report, [self._report_tuple(p, sha256, content) for p in paths])

    def copy_content(self, path: str, sha256: str, source_row: dict[str, Any]) -> None:
        """Give ``path`` the result already stored for the same bytes (no parsing)."""
        content = {k: source_row.get(k) for k in CONTENT_COLUMNS}
        with self.transaction() as c:
            self._release_old(c, [path], sha256)
            c.execute(self._insert_report, self._report_tuple(path, sha256, content))

    def begin_run(self, argv: Sequence[str], version: str) -> int:
        with self.transaction() as c:
            cur = c.execute("INSERT INTO runs(started, extractor_version, argv) VALUES (?, ?, ?)",
                            (now_iso(), version, _json(list(argv))))
            return int(cur.lastrowid or 0)

    def end_run(self, run_id: int, counts: dict[str, int], interrupted: bool) -> None:
        with self.transaction() as c:
            c.execute(
                "UPDATE runs SET finished=?, n_files=?, n_parsed=?, n_cached=?, n_ok=?, n_failed=?, "
                "n_skipped=?, interrupted=? WHERE id=?",
                (now_iso(), counts.get("files", 0), counts.get("parsed", 0), counts.get("cached", 0),
                 counts.get("ok", 0), counts.get("failed", 0), counts.get("skipped", 0), int(interrupted),
                 run_id))


# --------------------------------------------------------------------------- export


def _iter_query(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
    cur = conn.execute(sql, params)
    while True:
        batch = cur.fetchmany(2000)
        if not batch:
            return
        yield from batch


class _AtomicFiles:
    """Write several files to temporaries, then move them all into place at once."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.pending: list[tuple[Path, Path]] = []

    def open(self, name: str) -> io.TextIOWrapper:
        final = self.outdir / name
        tmp = self.outdir / f".{name}.{os.getpid()}.tmp"
        self.pending.append((tmp, final))
        return open(tmp, "w", encoding="utf-8", newline="")  # noqa: SIM115

    def tmp_path(self, name: str) -> Path:
        final = self.outdir / name
        tmp = self.outdir / f".{name}.{os.getpid()}.tmp"
        if (tmp, final) not in self.pending:
            self.pending.append((tmp, final))
        return tmp

    def commit(self) -> None:
        for tmp, _ in self.pending:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        for tmp, final in self.pending:
            os.replace(tmp, final)
        self.pending.clear()

    def abort(self) -> None:
        for tmp, _ in self.pending:
            try:
                tmp.unlink()
            except FileNotFoundError:
                pass
        self.pending.clear()


def remove_stale_temporaries(outdir: str | os.PathLike[str]) -> None:
    """Delete ``.NAME.PID.tmp`` files left by an export that was killed."""
    for p in Path(outdir).glob(".*.tmp"):
        try:
            p.unlink()
        except OSError:
            pass


def _csv_writer(fh: io.TextIOWrapper) -> Any:
    return csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def _wide_rows(conn: sqlite3.Connection) -> list[list[Any]]:
    """One row per distinct ok report (bytes), the first path (sorted) standing for it."""
    index = {f: i for i, f in enumerate(FIELD_IDS)}
    n_meta = len(WIDE_META_COLUMNS)
    rows: dict[str, list[Any]] = {}
    for sha, path, issuer, year, published, template, conf in _iter_query(
        conn,
        "SELECT sha256, MIN(path), issuer, year, published, template, confidence FROM reports "
        "WHERE status = 'ok' AND sha256 IS NOT NULL GROUP BY sha256 ORDER BY MIN(path)",
    ):
        rows[sha] = [sha, path, issuer, year, published, template, conf] + [None] * len(FIELD_IDS)
    unset = object()  # the first value of a field in a report wins, even a blank one
    for row in rows.values():
        row[n_meta:] = [unset] * len(FIELD_IDS)
    for sha, fid, value in _iter_query(conn, 'SELECT sha256, field, value FROM "values" ORDER BY rowid'):
        row = rows.get(sha)
        i = index.get(fid)
        if row is not None and i is not None and row[n_meta + i] is unset:
            row[n_meta + i] = None if isinstance(value, str) else value
    for row in rows.values():
        row[n_meta:] = [None if v is unset else v for v in row[n_meta:]]
    return list(rows.values())


def _rebuild_wide(conn: sqlite3.Connection, rows: list[list[Any]]) -> None:
    """The tables ``wide`` and ``codebook`` (inside the caller's transaction)."""
    cols = ", ".join(
        f"{q(c)} {'INTEGER' if c == 'year' else 'REAL' if c == 'confidence' else 'TEXT' if c in WIDE_META_COLUMNS else 'NUMERIC'}"
        for c in WIDE_COLUMNS
    )
    conn.execute("DROP TABLE IF EXISTS wide")
    conn.execute(f"CREATE TABLE wide ({cols})")
    conn.executemany(f"INSERT INTO wide VALUES ({', '.join('?' * len(WIDE_COLUMNS))})", rows)
    conn.execute("DROP TABLE IF EXISTS codebook")
    conn.execute(f"CREATE TABLE codebook ({', '.join(q(c) + ' TEXT' for c in CODEBOOK_COLUMNS)})")
    conn.executemany(f"INSERT INTO codebook VALUES ({', '.join('?' * len(CODEBOOK_COLUMNS))})",
                     [tuple(r[c] for c in CODEBOOK_COLUMNS) for r in codebook_rows()])


def _rebuild_panel_issues(conn: sqlite3.Connection) -> None:
    """Cross-year checks (extractor.panel) over the ok reports of the store, recomputed at
    every export into the table ``panel_issues`` (the same columns as ``issues``; inside the
    caller's transaction)."""
    from .panel import body_key, cross_year_issues

    recs: dict[str, dict[str, Any]] = {}
    for sha, issuer, year, template, conf in conn.execute(
            "SELECT DISTINCT sha256, issuer, year, template, confidence FROM reports WHERE status = 'ok' "
            "AND sha256 IS NOT NULL AND issuer IS NOT NULL AND year IS NOT NULL "
            "AND template IN ('2019', '2021')"):
        recs[sha] = {"source": {"sha256": sha}, "confidence": conf, "values": [],
                     "metadata": {"issuer": issuer, "year": int(year), "template": template}}
    # only a body with reports of two years or more can have a cross-year issue; the values
    # are loaded a few hundred reports at a time, whole bodies together (memory stays small)
    bodies: dict[str, list[str]] = {}
    years: dict[str, set[int]] = {}
    for sha, rec in recs.items():
        key = body_key(rec["metadata"]["issuer"])
        bodies.setdefault(key, []).append(sha)
        years.setdefault(key, set()).add(rec["metadata"]["year"])
    rows: list[tuple[Any, ...]] = []
    batch: list[str] = []

    def check(shas: list[str]) -> None:
        for i in range(0, len(shas), 500):
            chunk = shas[i:i + 500]
            for sha, fid, value, kind in conn.execute(
                    f'SELECT sha256, field, value, kind FROM "values" WHERE sha256 IN ({", ".join("?" * len(chunk))}) '
                    "ORDER BY rowid", chunk):
                recs[sha]["values"].append({"field": fid, "value": value, "kind": kind})
        rows.extend((sha, i.code, i.severity, i.message, ";".join(i.fields), None)
                    for sha, i in cross_year_issues(recs[sha] for sha in shas))
        for sha in shas:
            recs[sha]["values"] = []

    for key, shas in bodies.items():
        if len(years[key]) < 2:
            continue
        batch += shas
        if len(batch) >= 500:
            check(batch)
            batch = []
    if batch:
        check(batch)
    conn.execute("DROP TABLE IF EXISTS panel_issues")
    conn.execute("CREATE TABLE panel_issues AS SELECT * FROM issues WHERE 0")
    conn.executemany(f"INSERT INTO panel_issues VALUES ({', '.join('?' * len(ISSUE_COLUMNS))})", rows)


def _prune_orphans(conn: sqlite3.Connection) -> None:
    """Drop values/issues/sections of bytes no path points to any more (a file that changed);
    inside the caller's transaction."""
    for table in ('"values"', "issues", "sections"):
        conn.execute(f"DELETE FROM {table} WHERE sha256 NOT IN "
                     "(SELECT sha256 FROM reports WHERE sha256 IS NOT NULL AND status = 'ok')")


# --- the files of the dataset: one writer each, (conn, temporary path) -> None

_REPORTS_SQL = f"SELECT {', '.join(q(c) for c in REPORT_COLUMNS)} FROM reports ORDER BY path"
_VALUES_SQL = f'SELECT {", ".join(q(c) for c in VALUE_COLUMNS)} FROM "values" ORDER BY sha256, rowid'
_ISSUES_SQL = (f"SELECT {', '.join(q(c) for c in ISSUE_COLUMNS)} FROM (SELECT *, 0 AS k, rowid AS r FROM issues "
               "UNION ALL SELECT *, 1, rowid FROM panel_issues) ORDER BY sha256, k, r")
_SECTIONS_SQL = "SELECT sha256, number, title, text FROM sections ORDER BY sha256, rowid"
_WIDE_SQL = f"SELECT {', '.join(q(c) for c in WIDE_COLUMNS)} FROM wide"


def _write_csv(conn: sqlite3.Connection, path: Path, header: Sequence[str], sql: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = _csv_writer(fh)
        w.writerow(header)
        w.writerows(_iter_query(conn, sql))


def _write_sections_jsonl(conn: sqlite3.Connection, path: Path) -> None:
    enc = json.JSONEncoder(ensure_ascii=False)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for r in _iter_query(conn, _SECTIONS_SQL):
            fh.write(enc.encode(dict(zip(SECTION_COLUMNS, r, strict=True))) + "\n")


def _write_codebook(conn: sqlite3.Connection, path: Path) -> None:
    from .codebook import write_codebook_csv

    with open(path, "w", encoding="utf-8", newline="") as fh:
        write_codebook_csv(fh)


def _write_review(conn: sqlite3.Connection, path: Path) -> None:
    from . import review

    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(review.render_review(conn))


def _parquet_types() -> dict[str, list[tuple[str, Any]]]:
    import pyarrow as pa

    str_t, int_t, f_t = pa.string(), pa.int64(), pa.float64()
    rep = [(c, int_t if _REPORT_TYPES.get(c) == "INTEGER" else f_t if _REPORT_TYPES.get(c) == "REAL" else str_t)
           for c in REPORT_COLUMNS]
    wide = [(c, int_t if c == "year" else f_t if (c == "confidence" or c not in WIDE_META_COLUMNS) else str_t)
            for c in WIDE_COLUMNS]
    return {
        "reports": rep,
        "values": [("sha256", str_t), ("field", str_t), ("value", f_t), ("kind", str_t), ("raw", str_t),
                   ("unit", str_t), ("confidence", f_t), ("where", str_t)],
        "issues": [(c, str_t) for c in ISSUE_COLUMNS],
        "sections": [("sha256", str_t), ("number", int_t), ("title", str_t), ("text", str_t)],
        "wide": wide,
    }


def _write_parquet(conn: sqlite3.Connection, path: Path, table: str, sql: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = _parquet_types()[table]
    schema = pa.schema(cols)
    with pq.ParquetWriter(path, schema) as writer:
        cur = conn.execute(sql)
        while True:
            rows = cur.fetchmany(50_000)
            if not rows:
                break
            columns = list(zip(*rows, strict=True))
            writer.write_batch(pa.record_batch(
                [pa.array(col, type=t) for col, (_, t) in zip(columns, cols, strict=True)], schema=schema))


#: every file :func:`export` can write: name -> writer(connection, temporary path)
_WRITERS: dict[str, Callable[[sqlite3.Connection, Path], None]] = {
    "reports.csv": lambda c, p: _write_csv(c, p, REPORT_COLUMNS, _REPORTS_SQL),
    "values.csv": lambda c, p: _write_csv(c, p, VALUE_COLUMNS, _VALUES_SQL),
    "wide.csv": lambda c, p: _write_csv(c, p, WIDE_COLUMNS, _WIDE_SQL),
    "issues.csv": lambda c, p: _write_csv(c, p, ISSUE_COLUMNS, _ISSUES_SQL),
    "sections.jsonl": _write_sections_jsonl,
    "codebook.csv": _write_codebook,
    "reports.parquet": lambda c, p: _write_parquet(c, p, "reports", _REPORTS_SQL),
    "values.parquet": lambda c, p: _write_parquet(c, p, "values", _VALUES_SQL),
    "issues.parquet": lambda c, p: _write_parquet(c, p, "issues", _ISSUES_SQL),
    "sections.parquet": lambda c, p: _write_parquet(c, p, "sections", _SECTIONS_SQL),
    "wide.parquet": lambda c, p: _write_parquet(c, p, "wide", _WIDE_SQL),
    "review.html": _write_review,
}
#: the files a helper process writes when the export runs in two processes (``jobs`` > 1):
#: the biggest ones that read only tables the export does not rebuild, about half the work
HELPER_FILES = ("values.parquet", "sections.jsonl", "sections.parquet", "review.html")


def child_env() -> dict[str, str]:
    """The environment of a child process of ours (batch workers, the export helper): this
    one, with this copy of ``extractor`` first on the import path."""
    env = os.environ.copy()
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def export(store: Store, outdir: str | os.PathLike[str], *, parquet: bool | None = None,
           review: bool = True, jobs: int = 1) -> list[str]:
    """(Re)write every dataset file of ``outdir`` from the SQLite store. Returns the names written.

    ``parquet``: also write ``*.parquet`` (None: when pyarrow is installed). ``jobs`` > 1:
    a second process writes about half of the files meanwhile; only for a store that no
    other process writes during the export (the end of a run). Otherwise the export holds
    SQLite's write lock from start to end, so every file shows the same state of the store
    even while workers are adding results (they wait, or hand their rows to the parent).
    """
    store.flush()
    out = Path(outdir)
    conn = store.conn
    if parquet is None:
        parquet = _has_pyarrow()
    names = list(DATASET_FILES)
    if parquet:
        names += ["reports.parquet", "values.parquet", "issues.parquet", "sections.parquet", "wide.parquet"]
    if review:
        names.append("review.html")
    files = _AtomicFiles(out)
    helper = _ExportHelper.start(store.path) if jobs > 1 else None
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            store.indexed = False
            store.ensure_content_indexes()
            _prune_orphans(conn)
            if helper is not None:  # the helper's files read only what is committed now
                conn.execute("COMMIT")
                conn.execute("BEGIN")
                mine = [n for n in names if n not in HELPER_FILES]
                theirs = [n for n in names if n in HELPER_FILES]
                helper.go({n: str(files.tmp_path(n)) for n in theirs})
            else:
                mine, theirs = names, []
            _rebuild_wide(conn, _wide_rows(conn))
            _rebuild_panel_issues(conn)
            for n in mine:
                _WRITERS[n](conn, files.tmp_path(n))
            if helper is not None:
                failed = helper.wait()
                for n in failed:  # it could not: write them here
                    _WRITERS[n](conn, files.tmp_path(n))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        files.commit()
    except BaseException:
        files.abort()
        raise
    finally:
        if helper is not None:
            helper.close()
    return names


class _ExportHelper:
    """A child process that writes some files of an export (:data:`HELPER_FILES`).

    Started before the export rebuilds its tables, so its start-up overlaps that work; it
    then waits for the list of files and their temporary paths on stdin, writes them, and
    prints the names it wrote. A helper that cannot start or fails only costs time: the
    parent writes whatever it did not.
    """

    def __init__(self, proc: Any) -> None:
        self.proc = proc
        self.todo: list[str] = []
        self.error = ""

    @classmethod
    def start(cls, db: Path) -> _ExportHelper | None:
        import subprocess
        import sys

        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", "import sys; from extractor.dataset import _export_helper_main; "
                 "sys.exit(_export_helper_main(sys.argv[1]))", str(db)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
        except OSError:
            return None
        return cls(proc)

    def go(self, todo: dict[str, str]) -> None:
        self.todo = list(todo)
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(todo) + "\n").encode())
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.stdin = None  # closed: communicate() must not flush it

    def wait(self) -> list[str]:
        """The files of the helper's share that it did not write."""
        try:
            out, _err = self.proc.communicate(timeout=3600)
        except Exception:
            self.proc.kill()
            self.proc.wait()
            return self.todo
        done = set(out.decode("utf-8", "replace").split()) if self.proc.returncode == 0 else set()
        self.error = _err.decode("utf-8", "replace").strip()
        return [n for n in self.todo if n not in done]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for s in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass


class _NoPandas:
    """An import hook that makes ``import pandas`` fail (see :func:`_export_helper_main`)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"no module named {name!r} in the export helper", name=name)


def _export_helper_main(db: str) -> int:
    """Entry point of the export helper process (see :class:`_ExportHelper`)."""
    import sys

    # pyarrow imports pandas (0.3 s) only to ask whether its inputs are pandas objects; they
    # never are here, and this process does nothing else
    sys.meta_path.insert(0, _NoPandas())
    # import what the writers need while the parent rebuilds its tables
    from . import review  # noqa: F401

    if _has_pyarrow():
        import pyarrow.parquet  # noqa: F401
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    todo: dict[str, str] = json.loads(line)
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        conn.execute("BEGIN")  # one snapshot for every file
        for name, path in todo.items():
            _WRITERS[name](conn, Path(path))
            sys.stdout.write(name + "\n")
            sys.stdout.flush()
        conn.execute("COMMIT")
    finally:
        conn.close()
    return 0
