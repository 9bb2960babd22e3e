"""The research dataset: SQLite as the source of truth, CSV / JSONL / Parquet exported from it.

``OUTDIR/dataset.sqlite`` (WAL journal) holds every result of ``extractor run``. Each
finished file is one transaction (written by the worker that parsed it, see
:class:`Store`), so a run killed at any moment loses at most the files in flight and never
half a file. The flat files are exported from
SQLite at the end of a run (and periodically during long runs) by :mod:`extractor.export`.
See ``docs/dataset.md`` for every file and column.

Tables (and files):

* ``reports``  — one row per input file (``reports.csv``)
* ``values``   — one row per table cell read (``values.csv``); keyed by report ``sha256``
* ``issues``   — one row per issue (``issues.csv``)
* ``tables``   — one row per standard table of a report: its parsing report (``tables.csv``)
* ``sections`` — one row per section (``sections.jsonl``)
* ``wide``     — one row per distinct ok report, one column per field id (``wide.csv``)
* ``codebook`` — one row per field id (``codebook.csv``)
* ``runs``, ``meta`` — bookkeeping (not exported)

CSV files are UTF-8 without BOM, comma separated, ``\\n`` line ends, RFC 4180 quoting
(fields holding commas, quotes or line breaks are double-quoted), a header row, and an
empty field for a missing value.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .templates import FIELD_IDS

#: 2: the status ``skipped`` became ``not_a_report``; ``runs.n_not_a_report``
#: 3: the table ``tables`` (the parsing report of every standard table)
SCHEMA_VERSION = "3"

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
#: tables.csv: the parsing report of each standard table (``Report.to_dict()["tables"]``)
TABLE_COLUMNS: tuple[str, ...] = (
    "sha256", "table", "strategy", "pages", "fragments", "rows_exact", "rows_approximate", "rows_missing",
    "cells_read", "cells_by_position", "cells_inferred",
)
WIDE_META_COLUMNS: tuple[str, ...] = ("sha256", "path", "issuer", "year", "published", "template", "confidence")
WIDE_COLUMNS: tuple[str, ...] = WIDE_META_COLUMNS + tuple(FIELD_IDS)
#: ``ok``: parsed (look at its issues); ``failed``: could not be parsed (see ``error``);
#: ``not_a_report``: a file that is not an annual report at all (:func:`not_a_report_reason`)
STATUSES = ("ok", "failed", "not_a_report")

#: files written by :func:`export`, in the order they are written
DATASET_FILES = ("reports.csv", "values.csv", "wide.csv", "issues.csv", "tables.csv", "sections.jsonl",
                 "codebook.csv")

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
        'CREATE TABLE IF NOT EXISTS tables (sha256 TEXT NOT NULL, "table" TEXT NOT NULL, strategy TEXT, pages TEXT, '
        + ", ".join(f"{c} INTEGER" for c in TABLE_COLUMNS[4:]) + ")",
        "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, started TEXT, finished TEXT, "
        "extractor_version TEXT, argv TEXT, n_files INTEGER, n_parsed INTEGER, n_cached INTEGER, "
        "n_ok INTEGER, n_failed INTEGER, n_not_a_report INTEGER, interrupted INTEGER)",
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
    ]


#: indexes on the per-content tables: dropped while a run inserts (cheaper inserts), built again
#: when needed (a result to replace) and at every export, so the final dataset has them
CONTENT_INDEXES = (
    'CREATE INDEX IF NOT EXISTS values_sha256 ON "values"(sha256)',
    "CREATE INDEX IF NOT EXISTS issues_sha256 ON issues(sha256)",
    "CREATE INDEX IF NOT EXISTS sections_sha256 ON sections(sha256)",
    "CREATE INDEX IF NOT EXISTS tables_sha256 ON tables(sha256)",
)
#: the tables that hold rows per content (``sha256``), each with its index of :data:`CONTENT_INDEXES`
CONTENT_TABLES = ('"values"', "issues", "sections", "tables")


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
    tables: list[tuple[Any, ...]] = field(default_factory=list)


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
    for name, t in (record.get("tables") or {}).items():
        rows.tables.append(table_row(sha, name, t))
    return rows


def table_row(sha: str, name: str, t: dict[str, Any]) -> tuple[Any, ...]:
    """One row of ``tables`` (:data:`TABLE_COLUMNS`) from a table of ``Report.to_dict()["tables"]``;
    ``pages`` joined by ``;`` (empty when the format has no pages)."""
    rows, cells = t.get("rows") or {}, t.get("cells") or {}
    pages = t.get("pages")
    return (sha, name, t.get("strategy"), None if pages is None else ";".join(str(p) for p in pages),
            t.get("fragments"), rows.get("exact"), rows.get("approximate"), rows.get("missing"),
            cells.get("read"), cells.get("by_position"), cells.get("inferred"))


#: issue codes that say a document could not be read in full (a scan, tables as images, a page
#: that only links to or redirects to the report, a limit that cut it short): such a document
#: may well be a report, so it stays ``ok`` with that issue rather than ``not_a_report``
UNREAD_CODES = frozenset({
    "gap.no_text_layer", "gap.table_image", "gap.attachment_only", "gap.redirect", "input.no_text",
    "input.no_body", "limit.max_pages", "limit.max_lines", "limit.max_elements", "limit.max_depth",
})


#: a title line near the start that names a 政府信息公开 report (``2023年政府信息公开工作年度报告``)
_REPORT_TITLE = re.compile(r"信息公开.{0,6}报告")
_TITLE_LINES, _TITLE_CHARS = 5, 60


def _titled_as_report(preamble: str) -> bool:
    """True when one of the first non-empty lines is a short title naming a 信息公开 report."""
    lines = [t for t in (ln.strip(" \t#*=") for ln in preamble.splitlines()) if t][:_TITLE_LINES]
    return any(len(t) <= _TITLE_CHARS and _REPORT_TITLE.search(t.replace(" ", "")) for t in lines)


def not_a_report_reason(record: dict[str, Any]) -> str | None:
    """Why the parsed document of ``record`` (``Report.to_dict()``) is not an annual report at
    all, or None when it is one (or may be one).

    Not a report: no template table (``template`` ``unknown``, issue ``gap.template``), no
    numbered section, no value, no issue of :data:`UNREAD_CODES`, and no title naming a
    信息公开 report among its first lines. A README, a script, a notice (通知) or any other
    page that reads as text but shows nothing of a 政府信息公开工作年度报告 is one; a scanned
    report, a page that links to the report's attachment, or a page titled as a report whose
    body is missing is not (it is ``ok`` with its ``gap`` issues): when in doubt, ``ok``."""
    meta = record.get("metadata") or {}
    codes = {i.get("code") for i in record.get("issues") or ()}
    if (meta.get("template") != "unknown" or record.get("sections") or record.get("values")
            or "gap.template" not in codes or codes & UNREAD_CODES
            or _titled_as_report(record.get("preamble") or "")):
        return None
    return ("not a report: no section and no table of a 政府信息公开工作年度报告 was found "
            "(template unknown)")


def failure_content(status: str, error_type: str, error: str, *, fmt: str | None = None,
                    version: str = "", seconds: float | None = None, size: int | None = None) -> dict[str, Any]:
    """The per-content columns of a ``failed`` or ``not_a_report`` row."""
    content: dict[str, Any] = dict.fromkeys(CONTENT_COLUMNS)
    content.update(status=status, error_type=error_type, error=error, format=fmt, bytes=size,
                   parse_seconds=None if seconds is None else round(seconds, 4),
                   extractor_version=version, parsed_at=now_iso())
    return content


# --------------------------------------------------------------------------- store


_INSERT_VALUES = f'INSERT INTO "values" VALUES ({", ".join("?" * len(VALUE_COLUMNS))})'
_INSERT_ISSUES = f"INSERT INTO issues VALUES ({', '.join('?' * len(ISSUE_COLUMNS))})"
_INSERT_SECTIONS = f"INSERT INTO sections VALUES ({', '.join('?' * len(SECTION_COLUMNS))})"
_INSERT_TABLES = f"INSERT INTO tables VALUES ({', '.join('?' * len(TABLE_COLUMNS))})"


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
            self._migrate()
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                              (SCHEMA_VERSION,))
        self.indexed = True

    def _migrate(self) -> None:
        """Bring a dataset of an earlier schema up to this one (inside the set-up transaction)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or row[0] == SCHEMA_VERSION:
            return
        # 2 -> 3: the table ``tables`` is created empty by the set-up; the reports parsed before
        # get their parsing report when they are parsed again (``--force``)
        if row[0] == "1":  # the status ``skipped`` (images, archives, web assets) is now ``not_a_report``
            self.conn.execute("UPDATE reports SET status = 'not_a_report' WHERE status = 'skipped'")
            cols = {r[1] for r in self.conn.execute("PRAGMA table_info(runs)")}
            if "n_not_a_report" not in cols:
                self.conn.execute("ALTER TABLE runs ADD COLUMN n_not_a_report INTEGER")

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
            for name in ("values_sha256", "issues_sha256", "sections_sha256", "tables_sha256"):
                c.execute(f"DROP INDEX IF EXISTS {name}")
        self.indexed = False

    def ensure_content_indexes(self) -> None:
        if not self.indexed:
            for stmt in CONTENT_INDEXES:
                self.conn.execute(stmt)
            self.indexed = True

    def _delete_content(self, c: sqlite3.Connection, sha256: str) -> None:
        self.ensure_content_indexes()
        for table in CONTENT_TABLES:
            c.execute(f"DELETE FROM {table} WHERE sha256 = ?", (sha256,))

    def _release_old(self, c: sqlite3.Connection, paths: Sequence[str], keep: str | None) -> None:
        """Paths about to point at new bytes: drop the content of bytes no other path holds.

        Keeps the invariant the inserts rely on: values/issues/sections/tables hold rows for a
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
                if rows.tables:
                    c.executemany(_INSERT_TABLES, rows.tables)
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
                "n_not_a_report=?, interrupted=? WHERE id=?",
                (now_iso(), counts.get("files", 0), counts.get("parsed", 0), counts.get("cached", 0),
                 counts.get("ok", 0), counts.get("failed", 0), counts.get("not_a_report", 0), int(interrupted),
                 run_id))


def child_env() -> dict[str, str]:
    """The environment of a child process of ours (batch workers, the export helper): this
    one, with this copy of ``extractor`` first on the import path."""
    env = os.environ.copy()
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env
