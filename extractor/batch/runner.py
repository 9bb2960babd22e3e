"""The run: inputs in, every file accounted for in the dataset, a summary out."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .. import __version__
from ..dataset import (
    CONTENT_COLUMNS,
    STATUSES,
    ContentRows,
    Store,
    failure_content,
)
from ..export import export, remove_stale_temporaries
from ..limits import DEFAULT_LIMITS, Limits
from .dask_engine import DaskEngine
from .errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_SOME_FAILED, BatchError, UsageError
from .inputs import InputFile, InputSpool, _hashed, spool_inputs
from .local import LocalEngine
from .progress import Progress
from .worker import EngineConfig, Task


@dataclass
class RunSummary:
    """What a run did. ``counts``: files, ok, failed, not_a_report (over every input file of
    the run, including files done by an earlier run), not_reached (input files an interrupted
    run never got to), parsed (parsed now), cached (done before), with_errors (ok files with
    at least one error issue), converter_missing (failed files that need LibreOffice);
    ``templates``: ok files per template. ``seconds``: the whole run;
    ``rate``: files parsed now per second of parsing (from the first file handed out to the
    last result, the export not counted), the measure the progress bar shows."""

    outdir: Path
    counts: Counter[str]
    templates: Counter[str]
    interrupted: bool = False
    seconds: float = 0.0
    files_written: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rate: float = 0.0
    #: ``extractor run --strict``: a complete run with failed files exits with 9, not 0
    strict: bool = False

    @property
    def exit_code(self) -> int:
        """The exit code of ``extractor run`` for this run: 130 interrupted; 9 with ``strict``
        when some file failed (files that are not reports do not count); else 0 (failed files
        are rows of the dataset)."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_SOME_FAILED if self.strict and self.counts["failed"] else EXIT_OK

    def text(self) -> str:
        c = self.counts
        rate = self.rate
        lines = [
            f"{c['files']} files: {c['ok']} ok ({c['with_errors']} with errors), {c['failed']} failed, "
            f"{c['not_a_report']} not reports; {c['parsed']} parsed now ({rate:.1f} files/s), "
            f"{c['cached']} already done",
        ]
        if self.templates:
            lines.append("templates: " + ", ".join(f"{k} {v}" for k, v in sorted(
                self.templates.items(), key=lambda kv: (-kv[1], kv[0]))))
        if c["converter_missing"]:
            from ..readers.office import INSTALL_HINT

            lines.append(f"{c['converter_missing']} failed for want of LibreOffice (.doc, .wps, .odt, .rtf): "
                         f"{INSTALL_HINT}, then run again with --retry-failed")
        if self.strict and not self.interrupted:
            verdict = f"exit 9: {c['failed']} failed" if c["failed"] else "exit 0: none failed"
            lines.append(f"--strict: {verdict}; {c['not_a_report']} not reports (they do not fail a run)")
        if self.interrupted:
            lines.append(f"interrupted: {c['not_reached']} files not reached; the dataset holds every file "
                         "finished so far; run again to resume")
        lines.append(f"dataset: {self.outdir}")
        return "\n".join(lines)


class _Run:
    """The books of a run: which input to parse next, what came back. Per input file it holds
    nothing once the file is done (what the store holds is asked of the store, an indexed
    look-up per file), except with ``force`` / ``retry_failed``: then the digest of every
    file parsed in this run (33 bytes and a set slot, about 0.1 KB per file), so that
    the same bytes under a second path are not parsed twice."""

    def __init__(self, store: Store, files: Iterable[InputFile], *, retry_failed: bool, force: bool,
                 progress: Progress) -> None:
        self.store = store
        self.retry_failed = retry_failed
        self.force = force
        self.progress = progress
        self.counts: Counter[str] = Counter()
        self.stop = threading.Event()
        self._hashed = _hashed(files, self.stop)  # in the order given: largest first
        self.inflight: dict[str, Task] = {}
        self.fresh: set[bytes] = set()  # bytes parsed in this run (only kept when they matter)
        self._next_id = 0

    def _stored(self, path: str) -> tuple[str | None, str] | None:
        """(sha256, status) of the store's row for ``path``."""
        return self.store.conn.execute("SELECT sha256, status FROM reports WHERE path = ?", (path,)).fetchone()

    def _is_fresh(self, sha: str) -> bool:
        return bytes.fromhex(sha) in self.fresh

    def _redo(self, status: str | None) -> bool:
        return self.force or (self.retry_failed and status == "failed")

    def _count(self, status: str | None, n: int = 1) -> None:
        if status in STATUSES:
            self.counts[status] += n

    def next_task(self) -> Task | None:
        for f, sha, err in self._hashed:
            if sha is None:
                self.store.write_result([f.name], None, failure_content(
                    "failed", "InputNotFound", err or "cannot read", version=__version__))
                self._count("failed")
                continue
            row = self._stored(f.name)
            if row is not None and row[0] == sha and (self._is_fresh(sha) or not self._redo(row[1])):
                self.counts["cached"] += 1
                self._count(row[1])
                continue
            if sha in self.inflight:
                self.inflight[sha].paths.append(f.name)
                continue
            content = self.store.content_row(sha)
            if content is not None and (self._is_fresh(sha) or not self._redo(content["status"])):
                self.store.copy_content(f.name, sha, content)
                self.counts["cached"] += 1
                self._count(content["status"])
                continue
            self._next_id += 1
            task = Task(self._next_id, f.path, sha, f.size, [f.name], unseen=content is None and row is None)
            self.inflight[sha] = task
            self.progress.update(self.counts)
            return task
        return None

    def on_result(self, task: Task, result: dict[str, Any]) -> None:
        rows: ContentRows | None = result.get("rows")
        content = result["content"]
        sha = task.sha256
        written = result.get("written")
        if content.get("error_type") == "crashed" and task.unseen and sha:
            # the worker may have died after writing the file and before saying so: then
            # the file is done (a new file: no row held its path before this task)
            row = self.store.path_row(task.paths[0])
            if row is not None and row["sha256"] == sha:
                content = {k: row[k] for k in CONTENT_COLUMNS}
                written = [task.paths[0]]
        if written is not None and sha is not None:  # the worker wrote it
            for p in task.paths:  # same bytes found under another path while it was parsed
                if p not in written:
                    self.store.copy_content(p, sha, content)
        else:
            # no row holds these bytes or paths (the paths added while it was parsed too)
            unseen = task.unseen and sha is not None and not any(self._stored(p) for p in task.paths[1:])
            self.store.write_result(task.paths, sha, content, rows, unseen=unseen)
        self.store.maybe_flush()
        if sha:
            self.inflight.pop(sha, None)
            if self.force or self.retry_failed:
                self.fresh.add(bytes.fromhex(sha))
        self.counts["parsed"] += 1
        self._count(content.get("status"), len(task.paths))
        self.progress.update(self.counts)


def _acquire_lock(outdir: Path) -> Any:
    import fcntl

    fh = open(outdir / ".extractor.lock", "a+")  # noqa: SIM115
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise BatchError(f"another `extractor run` is writing {outdir}") from None
    return fh


def run(
    inputs: Sequence[str],
    outdir: str | os.PathLike[str] = "output",
    *,
    workers: int | None = None,
    timeout: float | None = None,
    max_memory_mb: int = 4096,
    engine: str = "local",
    scheduler: str | None = None,
    retry_failed: bool = False,
    force: bool = False,
    progress: bool | None = None,
    export_every: float | None = None,
    parquet: bool | None = None,
    review: bool = True,
    crops: bool = True,
    strict: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    stream: TextIO | None = None,
    argv: Sequence[str] = (),
) -> RunSummary:
    """Parse every input file into the dataset in ``outdir``; see :mod:`extractor.batch`.

    Library form of ``extractor run`` (each option of the command is an argument here); the
    summary's ``exit_code`` is the command's. ``progress`` None: a bar when ``stream`` is a
    terminal. ``export_every``: seconds between the exports during the run (0: only at the
    end; None: ``auto``, see :func:`_exporter`). Raises :class:`UsageError` for bad arguments
    and :class:`BatchError` when the run cannot start.
    """
    stream = stream or sys.stderr
    t0 = time.monotonic()
    out = Path(outdir)
    _check_options(out, workers, timeout, max_memory_mb, engine, scheduler)
    lock = _acquire_lock(out)
    store: Store | None = None
    eng: LocalEngine | DaskEngine | None = None
    spool: InputSpool | None = None
    if timeout is not None:
        # the library's own deadline matches the watchdog's (0: no limit)
        limits = dataclasses.replace(limits, time_s=timeout)
    try:
        cfg = EngineConfig(
            workers=workers or os.cpu_count() or 1,
            timeout=limits.time_s,
            max_memory_mb=max_memory_mb,
            limits=limits,
            log_path=out / "worker.log",
            store_path=str(out / "dataset.sqlite") if engine == "local" else None,
        )
        eng = _engine(cfg, engine, scheduler)
        remove_stale_temporaries(out)
        store = Store(out / "dataset.sqlite")
        run_id = store.begin_run(list(argv), __version__)
        # the parent writes every result only with Dask: then one transaction per few files
        # (see Store); with local workers it must not hold the write lock they need
        store.group_commit = engine == "dask"
        store.drop_content_indexes()  # built again by every export
        spool = InputSpool(out / ".run-inputs.sqlite")
        missing, warnings = _inputs(store, inputs, spool, out, stream)
        show = stream.isatty() if progress is None else progress
        bar = Progress(spool.count + len(missing), stream, show)
        state = _Run(store, spool.by_size(), retry_failed=retry_failed, force=force, progress=bar)
        state.counts["failed"] += len(missing)
        interrupted = _drive(eng, state, _exporter(store, out, export_every, parquet, review, crops), out)
        if interrupted:
            stream.write("extractor: interrupted; writing the dataset of the files done so far\n")
        written = _final_export(store, out, parquet, review, cfg.workers, crops)
        counts, templates = _final_counts(store, _pages(spool.names(), missing))
        counts["parsed"] = state.counts["parsed"]
        counts["cached"] = state.counts["cached"]
        store.end_run(run_id, counts, interrupted)
        return RunSummary(out, counts, templates, interrupted, time.monotonic() - t0, written, warnings,
                          rate=bar.rate(counts["parsed"]), strict=strict)
    finally:
        if isinstance(eng, LocalEngine):
            eng.shutdown()
        if store is not None:
            store.close()
        if spool is not None:
            spool.close()
        lock.close()


def _check_options(out: Path, workers: int | None, timeout: float | None, max_memory_mb: int, engine: str,
                   scheduler: str | None) -> None:
    """Raise :class:`UsageError` for options no run can use; create the output folder."""
    if workers is not None and workers < 1:
        raise UsageError("--workers must be at least 1")
    if (timeout is not None and timeout < 0) or max_memory_mb < 0:
        raise UsageError("--timeout and --max-memory-mb must not be negative")
    if engine not in ("local", "dask"):
        raise UsageError(f"unknown engine {engine!r} (local or dask)")
    if engine == "dask" and not scheduler:
        raise UsageError("--engine dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
    if out.exists() and not out.is_dir():
        raise UsageError(f"-o {out}: is a file; the output must be a folder (new or from an earlier run)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"-o {out}: cannot create the folder: {e.strerror or e}") from None


def _engine(cfg: EngineConfig, engine: str, scheduler: str | None) -> LocalEngine | DaskEngine:
    if engine == "dask":
        return DaskEngine(cfg, scheduler or "")
    eng = LocalEngine(cfg)
    eng.prestart()  # their start-up overlaps the parent's own (hashing, SQLite)
    return eng


def _inputs(store: Store, inputs: Sequence[str], spool: InputSpool, out: Path, stream: TextIO) -> tuple[
        list[str], list[str]]:
    """The run's input files into ``spool``; a failed row for each input that does not exist."""
    missing, warnings = spool_inputs(inputs, spool, exclude=[out])
    for w in warnings:
        stream.write(f"extractor: warning: {w}\n")
    for m in missing:
        store.write_result([m], None, failure_content(
            "failed", "InputNotFound", f"no such file or folder: {m}", version=__version__))
    return missing, warnings


def _pages(pages: Iterator[list[str]], last: list[str]) -> Iterator[list[str]]:
    yield from pages
    yield last


#: ``export_every=None`` (``--export-every auto``): the first export during a run after this
#: many seconds, and never two closer together than this
EXPORT_EVERY_MIN = 300.0
#: ``export_every=None``: the share of the run's time the exports during it may take; the
#: wait after an export is its own time over this share (20 times as long), at least
#: :data:`EXPORT_EVERY_MIN`
EXPORT_SHARE = 0.05


def _exporter(store: Store, out: Path, every: float | None, parquet: bool | None, review: bool,
              crops: bool = True, clock: Callable[[], float] = time.monotonic) -> Callable[[], None]:
    """What the engine calls between results: flush, and export now and then: every ``every``
    seconds, never (``every`` 0), or (None) at a pace that keeps the exports under
    :data:`EXPORT_SHARE` of the run, whatever its size (an export's time grows with the
    dataset; a fixed period would spend most of a million-report run exporting)."""
    wait = [EXPORT_EVERY_MIN if every is None else every]
    last = [clock()]

    def tick() -> None:
        store.maybe_flush()
        if wait[0] > 0 and clock() - last[0] > wait[0]:
            t = clock()
            export(store, out, parquet=parquet, review=review, crops=crops)
            store.drop_content_indexes()
            last[0] = clock()
            if every is None:
                wait[0] = max(EXPORT_EVERY_MIN, (last[0] - t) / EXPORT_SHARE)

    return tick


def _drive(eng: LocalEngine | DaskEngine, state: _Run, tick: Callable[[], None], out: Path) -> bool:
    """Run the engine over every task; True when interrupted (Ctrl-C, SIGTERM)."""
    prev_term = None
    if threading.current_thread() is threading.main_thread():
        def _on_term(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt

        prev_term = signal.signal(signal.SIGTERM, _on_term)

    def on_tick() -> None:
        tick()
        state.progress.update(state.counts)

    try:
        eng.run(state.next_task, state.on_result, on_tick)
    except KeyboardInterrupt:
        return True
    except sqlite3.Error as e:
        raise BatchError(f"cannot write the dataset in {out}: {e}") from None
    finally:
        state.stop.set()
        state.progress.finish(state.counts)
        if prev_term is not None:
            signal.signal(signal.SIGTERM, prev_term)
    return False


def _final_export(store: Store, out: Path, parquet: bool | None, review: bool, jobs: int,
                  crops: bool = True) -> list[str]:
    """Export at the end; a second Ctrl-C must not cut it short."""
    prev_int = None
    if threading.current_thread() is threading.main_thread():
        prev_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        # no worker writes any more: the export may use a second process
        return export(store, out, parquet=parquet, review=review, jobs=jobs, crops=crops)
    finally:
        if prev_int is not None:
            signal.signal(signal.SIGINT, prev_int)


def _final_counts(store: Store, pages: Iterable[list[str]]) -> tuple[Counter[str], Counter[str]]:
    """The run's counts over every input path (given a page at a time)."""
    counts: Counter[str] = Counter()
    templates: Counter[str] = Counter()
    n = 0
    for page in pages:
        n += len(page)
        for i in range(0, len(page), 500):
            chunk = page[i:i + 500]
            cur = store.conn.execute(
                "SELECT status, template, n_errors, error_type FROM reports "
                f"WHERE path IN ({', '.join('?' * len(chunk))})", chunk)
            for status, template, n_errors, error_type in cur:
                counts[status] += 1
                if status == "ok":
                    templates[template or "unknown"] += 1
                    if n_errors:
                        counts["with_errors"] += 1
                elif error_type == "ConverterMissing":
                    counts["converter_missing"] += 1
    counts["files"] = n
    # an input not in the store at all (interrupted before it was reached) counts as not done
    counts["not_reached"] = n - sum(counts[s] for s in STATUSES)
    return counts, templates
