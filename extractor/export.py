"""Export of the dataset: the CSV / JSONL / Parquet files and ``review.html`` written from
``dataset.sqlite`` (see :mod:`extractor.dataset` for the store, ``docs/dataset.md`` for the files).

Each file is written to a temporary file first and then moved into place with
:func:`os.replace`, so a reader never sees a half-written file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .dataset import (
    CONTENT_TABLES,
    DATASET_FILES,
    ISSUE_COLUMNS,
    REPORT_COLUMNS,
    SECTION_COLUMNS,
    TABLE_COLUMNS,
    VALUE_COLUMNS,
    WIDE_COLUMNS,
    WIDE_META_COLUMNS,
    Store,
    child_env,
    q,
)
from .partitions import TABLES as PARQUET_TABLES
from .templates import CODEBOOK_COLUMNS, FIELD_IDS, codebook_rows

#: rows a fetch of a streamed query holds (sections.jsonl: about 1 MB of section text)
FETCH_ROWS = 2000
#: cells a fetch of a CSV file holds: 2000 rows of values.csv, 60 of wide.csv
FETCH_CELLS = 16_000


def _iter_query(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = (),
                size: int | None = None) -> Iterator[tuple[Any, ...]]:
    size = size or FETCH_ROWS
    cur = conn.execute(sql, params)
    while True:
        batch = cur.fetchmany(size)
        if not batch:
            return
        yield from batch


class _AtomicFiles:
    """Write several files to temporaries, then move them all into place at once.

    A name ending in ``/`` is a folder of Parquet partitions: its temporary is the manifest
    of :mod:`extractor.partitions`, the partitions go to ``MANIFEST.d/``. A writer of
    ``review.html`` also fills ``.review.html.PID.tmp.d/``, which replaces ``review/``.
    """

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.pending: list[tuple[Path, Path]] = []

    def tmp_path(self, name: str) -> Path:
        final = self.outdir / name.rstrip("/")
        tmp = self.outdir / f".{name.rstrip('/')}.{os.getpid()}.tmp"
        if (tmp, final) not in self.pending:
            self.pending.append((tmp, final))
        return tmp

    def commit(self) -> None:
        from . import partitions

        folders = [(tmp, final) for tmp, final in self.pending if companion(tmp).is_dir()]
        for tmp, final in self.pending:
            if (tmp, final) not in folders:
                with open(tmp, "rb") as fh:
                    os.fsync(fh.fileno())
        if folders:
            os.sync()
        for tmp, final in folders:  # the folders first, then the files that link into them
            if final.name in COMPANIONS:
                _replace_folder(companion(tmp), self.outdir / COMPANIONS[final.name])
                os.replace(tmp, final)
            else:
                partitions.commit_table(tmp, final)
        for tmp, final in self.pending:
            if (tmp, final) not in folders:
                os.replace(tmp, final)
        self.pending.clear()

    def abort(self) -> None:
        for tmp, _ in self.pending:
            try:
                tmp.unlink()
            except FileNotFoundError:
                pass
            shutil.rmtree(companion(tmp), ignore_errors=True)
        self.pending.clear()


#: file -> the folder a writer of that file also fills (``review.html`` -> ``review/``)
COMPANIONS = {"review.html": "review"}


def companion(tmp: Path) -> Path:
    """The temporary folder that goes with a temporary file (``.review.html.PID.tmp.d``)."""
    return tmp.with_name(tmp.name + ".d")


def _replace_folder(src: Path, dst: Path) -> None:
    """Move every file of ``src`` into ``dst`` (each :func:`os.replace`, atomic), delete the
    files of ``dst`` that ``src`` does not have, remove ``src``."""
    dst.mkdir(exist_ok=True)
    new = set()
    for f in src.iterdir():
        os.replace(f, dst / f.name)
        new.add(f.name)
    for f in dst.iterdir():
        if f.name not in new and f.is_file():
            f.unlink()
    src.rmdir()


def remove_stale_temporaries(outdir: str | os.PathLike[str]) -> None:
    """Delete ``.NAME.PID.tmp`` files left by an export that was killed."""
    for p in Path(outdir).glob(".*.tmp"):
        try:
            p.unlink()
        except OSError:
            pass
    for p in Path(outdir).glob(".*.tmp.d"):
        shutil.rmtree(p, ignore_errors=True)


def _csv_writer(fh: io.TextIOWrapper) -> Any:
    return csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


_WIDE_REPORTS = ("SELECT sha256, MIN(path), issuer, year, published, template, confidence FROM reports "
                 "WHERE status = 'ok' AND sha256 IS NOT NULL GROUP BY sha256 ORDER BY MIN(path)")


def _wide_chunk(conn: sqlite3.Connection, reports: list[tuple[Any, ...]]) -> list[list[Any]]:
    """The wide rows of a hundred reports or so: the first value of a field in a report wins,
    even a blank one (which gives an empty cell)."""
    index = {f: i for i, f in enumerate(FIELD_IDS)}
    n_meta = len(WIDE_META_COLUMNS)
    unset = object()
    rows: dict[str, list[Any]] = {r[0]: [*r, *([unset] * len(FIELD_IDS))] for r in reports}
    shas = list(rows)
    for sha, fid, value in conn.execute(
            f'SELECT sha256, field, value FROM "values" WHERE sha256 IN ({", ".join("?" * len(shas))}) '
            "ORDER BY rowid", shas):
        i = index.get(fid)
        if i is not None and rows[sha][n_meta + i] is unset:
            rows[sha][n_meta + i] = None if isinstance(value, str) else value
    return [[None if v is unset else v for v in row] for row in rows.values()]


def _wide_rows(conn: sqlite3.Connection, chunk: int = 100) -> Iterator[list[Any]]:
    """One row per distinct ok report (bytes), the first path (sorted) standing for it;
    streamed, ``chunk`` reports at a time."""
    cur = conn.cursor()
    cur.execute(_WIDE_REPORTS)
    while True:
        reports = cur.fetchmany(chunk)
        if not reports:
            return
        yield from _wide_chunk(conn, reports)


def _rebuild_wide(conn: sqlite3.Connection, rows: Iterable[list[Any]]) -> None:
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


_PANEL_REPORTS = (
    "SELECT body_key(issuer) AS bk, sha256, issuer, year, template, confidence FROM (SELECT DISTINCT sha256, issuer, "
    "year, template, confidence FROM reports WHERE status = 'ok' AND sha256 IS NOT NULL AND issuer IS NOT NULL "
    "AND year IS NOT NULL AND template IN ('2019', '2021')) ORDER BY bk, sha256")


def _panel_bodies(conn: sqlite3.Connection) -> Iterator[list[dict[str, Any]]]:
    """The ok reports of each body with reports of two years or more, one body at a time
    (the store sorts them by body; only one body is held here)."""
    from .panel import body_key

    conn.create_function("body_key", 1, body_key, deterministic=True)
    cur = conn.cursor()
    cur.execute(_PANEL_REPORTS)
    key: str | None = None
    body: list[dict[str, Any]] = []
    for bk, sha, issuer, year, template, conf in cur:
        if bk != key:
            if len({r["metadata"]["year"] for r in body}) >= 2:
                yield body
            key, body = bk, []
        body.append({"source": {"sha256": sha}, "confidence": conf, "values": [],
                     "metadata": {"issuer": issuer, "year": int(year), "template": template}})
    if len({r["metadata"]["year"] for r in body}) >= 2:
        yield body


def _panel_check(conn: sqlite3.Connection, recs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Load the values of ``recs`` and run the cross-year checks on them."""
    from .panel import cross_year_issues

    by_sha = {r["source"]["sha256"]: r for r in recs}
    shas = list(by_sha)
    for i in range(0, len(shas), 500):
        chunk = shas[i:i + 500]
        for sha, fid, value, kind in conn.execute(
                f'SELECT sha256, field, value, kind FROM "values" WHERE sha256 IN ({", ".join("?" * len(chunk))}) '
                "ORDER BY rowid", chunk):
            by_sha[sha]["values"].append({"field": fid, "value": value, "kind": kind})
    return [(sha, i.code, i.severity, i.message, ";".join(i.fields), None) for sha, i in cross_year_issues(recs)]


def _rebuild_panel_issues(conn: sqlite3.Connection) -> None:
    """Cross-year checks (extractor.panel) over the ok reports of the store, recomputed at
    every export into the table ``panel_issues`` (the same columns as ``issues``; inside the
    caller's transaction). Only a body with reports of two years or more can have a
    cross-year issue; the values are loaded about a hundred reports at a time, whole bodies
    together, so memory stays small whatever the number of reports."""
    conn.execute("DROP TABLE IF EXISTS panel_issues")
    conn.execute("CREATE TABLE panel_issues AS SELECT * FROM issues WHERE 0")
    insert = f"INSERT INTO panel_issues VALUES ({', '.join('?' * len(ISSUE_COLUMNS))})"
    batch: list[dict[str, Any]] = []
    for body in _panel_bodies(conn):
        batch += body
        if len(batch) >= 100:
            conn.executemany(insert, _panel_check(conn, batch))
            batch = []
    if batch:
        conn.executemany(insert, _panel_check(conn, batch))


def _prune_orphans(conn: sqlite3.Connection) -> None:
    """Drop values/issues/sections/tables of bytes no path points to any more (a file that
    changed); inside the caller's transaction."""
    for table in CONTENT_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE sha256 NOT IN "
                     "(SELECT sha256 FROM reports WHERE sha256 IS NOT NULL AND status = 'ok')")


# --- the files of the dataset: one writer each, (conn, temporary path) -> None

_REPORTS_SQL = f"SELECT {', '.join(q(c) for c in REPORT_COLUMNS)} FROM reports ORDER BY path"
_VALUES_SQL = f'SELECT {", ".join(q(c) for c in VALUE_COLUMNS)} FROM "values" ORDER BY sha256, rowid'
_ISSUES_SQL = (f"SELECT {', '.join(q(c) for c in ISSUE_COLUMNS)} FROM (SELECT *, 0 AS k, rowid AS r FROM issues "
               "UNION ALL SELECT *, 1, rowid FROM panel_issues) ORDER BY sha256, k, r")
_SECTIONS_SQL = "SELECT sha256, number, title, text FROM sections ORDER BY sha256, rowid"
_TABLES_SQL = f"SELECT {', '.join(q(c) for c in TABLE_COLUMNS)} FROM tables ORDER BY sha256, rowid"
_WIDE_SQL = f"SELECT {', '.join(q(c) for c in WIDE_COLUMNS)} FROM wide"


def _write_csv(conn: sqlite3.Connection, path: Path, header: Sequence[str], sql: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = _csv_writer(fh)
        w.writerow(header)
        w.writerows(_iter_query(conn, sql, size=max(20, FETCH_CELLS // len(header))))


def _write_sections_jsonl(conn: sqlite3.Connection, path: Path) -> None:
    enc = json.JSONEncoder(ensure_ascii=False)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for r in _iter_query(conn, _SECTIONS_SQL):
            fh.write(enc.encode(dict(zip(SECTION_COLUMNS, r, strict=True))) + "\n")


def _write_codebook(conn: sqlite3.Connection, path: Path) -> None:
    from .codebook import write_codebook_csv

    with open(path, "w", encoding="utf-8", newline="") as fh:
        write_codebook_csv(fh)


def _write_review(conn: sqlite3.Connection, path: Path, crops: bool = True) -> None:
    from . import review

    review.write_review_files(conn, path, companion(path), crops=crops)


def _writer(name: str, crops: bool) -> Callable[[sqlite3.Connection, Path], None]:
    """The writer of ``name``; ``crops`` False: the review without the source beside each card."""
    if name == "review.html" and not crops:
        return lambda c, p: _write_review(c, p, crops=False)
    return _WRITERS[name]


def _write_partitions(conn: sqlite3.Connection, manifest: Path) -> None:
    from . import partitions

    partitions.write_table(conn, manifest)


#: every file :func:`export` can write: name -> writer(connection, temporary path)
_WRITERS: dict[str, Callable[[sqlite3.Connection, Path], None]] = {
    "reports.csv": lambda c, p: _write_csv(c, p, REPORT_COLUMNS, _REPORTS_SQL),
    "values.csv": lambda c, p: _write_csv(c, p, VALUE_COLUMNS, _VALUES_SQL),
    "wide.csv": lambda c, p: _write_csv(c, p, WIDE_COLUMNS, _WIDE_SQL),
    "issues.csv": lambda c, p: _write_csv(c, p, ISSUE_COLUMNS, _ISSUES_SQL),
    "tables.csv": lambda c, p: _write_csv(c, p, TABLE_COLUMNS, _TABLES_SQL),
    "sections.jsonl": _write_sections_jsonl,
    "codebook.csv": _write_codebook,
    **{f"{t}/": _write_partitions for t in PARQUET_TABLES},
    "review.html": _write_review,
}
#: the files a helper process writes when the export runs in two processes (``jobs`` > 1):
#: the biggest ones that read only tables the export does not rebuild, about half the work
HELPER_FILES = ("values/", "sections.jsonl", "sections/", "review.html")


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def export(store: Store, outdir: str | os.PathLike[str], *, parquet: bool | None = None,
           review: bool = True, jobs: int = 1, incremental: bool = True, crops: bool = True) -> list[str]:
    """(Re)write every dataset file of ``outdir`` from the SQLite store. Returns the names
    written (a folder of Parquet partitions as ``values/``).

    ``parquet``: also write the Parquet folders (None: when pyarrow is installed);
    ``crops``: the review shows each flagged table's source beside its grid (PDF crops as
    PNG files in ``review/``, see :mod:`extractor.review.sources`); False: the grids only;
    ``incremental``: rewrite only the partitions of the years that changed since the last
    export into this folder (see :mod:`extractor.partitions`); False: every partition.
    ``jobs`` > 1: a second process writes about half of the files meanwhile; only for a
    store that no other process writes during the export (the end of a run). Otherwise the
    export holds SQLite's write lock from start to end, so every file shows the same state
    of the store even while workers are adding results (they wait, or hand their rows to
    the parent).
    """

    store.flush()
    out = Path(outdir)
    conn = store.conn
    if parquet is None:
        parquet = _has_pyarrow()
    names = list(DATASET_FILES)
    if parquet:
        names += [f"{t}/" for t in PARQUET_TABLES]
    if review:
        names.append("review.html")
    files = _AtomicFiles(out)
    helper = _ExportHelper.start(store.path) if jobs > 1 else None
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            plan = _export_tables(store, files, names, helper, parquet, incremental, crops)
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
    conn.execute("BEGIN IMMEDIATE")  # the changed years are in the files now
    conn.execute("DELETE FROM export_dirty WHERE id <= ?", (plan.mark,))
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('parquet_export', ?)",
                 (str(out.resolve()) if parquet else "",))
    conn.execute("COMMIT")
    return names


def _export_tables(store: Store, files: _AtomicFiles, names: list[str], helper: _ExportHelper | None,
                   parquet: bool, incremental: bool, crops: bool = True) -> Any:
    """The body of :func:`export`, inside its transaction; returns the partition plan."""
    from . import partitions

    conn = store.conn
    store.indexed = False
    store.ensure_content_indexes()
    _prune_orphans(conn)
    partitions.ensure_tracking(conn)
    plan = partitions.plan(conn, files.outdir, incremental=incremental and parquet)
    if parquet:
        for t in PARQUET_TABLES:
            files.tmp_path(f"{t}/").write_text(plan.manifest(t), encoding="utf-8")
    if helper is not None:  # the helper's files read only what is committed now
        conn.execute("COMMIT")
        conn.execute("BEGIN")
        mine = [n for n in names if n not in HELPER_FILES]
        helper.go({n: str(files.tmp_path(n)) for n in names if n in HELPER_FILES}, crops)
    else:
        mine = names
    partitions.snapshot_panel(conn)
    _rebuild_wide(conn, _wide_rows(conn))
    _rebuild_panel_issues(conn)
    changed = partitions.panel_changed_years(conn)
    if parquet and changed:
        plan.dirty["issues"] |= changed & set(plan.years)
        files.tmp_path("issues/").write_text(plan.manifest("issues"), encoding="utf-8")
    for n in mine:
        _writer(n, crops)(conn, files.tmp_path(n))
    if helper is not None:
        for n in helper.wait():  # it could not: write them here
            _writer(n, crops)(conn, files.tmp_path(n))
    return plan


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
                [sys.executable, "-c", "import sys; from extractor.export import _export_helper_main; "
                 "sys.exit(_export_helper_main(sys.argv[1]))", str(db)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
        except OSError:
            return None
        return cls(proc)

    def go(self, todo: dict[str, str], crops: bool = True) -> None:
        self.todo = list(todo)
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps({"files": todo, "crops": crops}) + "\n").encode())
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
    job = json.loads(line)
    todo: dict[str, str] = job["files"]
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        conn.execute("BEGIN")  # one snapshot for every file
        for name, path in todo.items():
            _writer(name, bool(job.get("crops", True)))(conn, Path(path))
            sys.stdout.write(name + "\n")
            sys.stdout.flush()
        conn.execute("COMMIT")
    finally:
        conn.close()
    return 0
