"""``extractor run``: parse many files in parallel, isolated, resumable, into a dataset.

Design (see ``docs/dataset.md`` for what is written):

* **Workers are plain child processes** (``python -c ...``) that the parent talks to over
  their stdin/stdout pipes with :class:`multiprocessing.connection.Connection`. Each worker
  has its own pipe, so one worker dying (segfault, ``os._exit``, OOM kill) breaks nothing
  but itself: the parent sees end-of-file, records the file in flight as ``failed``
  (``error_type`` ``crashed``) and starts a replacement. A file past ``--timeout`` gets
  its worker killed (``timeout``); each worker caps its address space with
  ``RLIMIT_AS`` (``--max-memory-mb``; a :class:`MemoryError` gives ``memory``).
* **Each worker writes the files it parsed** into ``OUTDIR/dataset.sqlite`` itself, one
  transaction per file (its reports row with its values, issues and sections), before it
  reports the file done; so the inserts run in parallel and the parent stays light (it
  hands out files, keeps the books and writes only what no worker can: files that crashed
  or timed out, copies of bytes already parsed, and a result whose worker could not get
  the write lock in time, which it sends back as rows instead). Killing the run (Ctrl-C,
  ``kill -9``) loses at most the files in flight; the next run on the same OUTDIR skips
  every file whose bytes (sha256) are already done. With ``--engine dask`` the results
  come back as rows and the parent writes them, a short window of files per transaction
  (Store.group_commit).
* The CSV / JSONL / Parquet files and ``review.html`` are exported from SQLite at the end
  (and every ``--export-every`` seconds), each written to a temporary file and moved into
  place, so no reader ever sees a half-written file.
* ``--engine dask --scheduler ADDRESS`` runs the same per-file work on a Dask cluster;
  there too each file is parsed in an isolated child process of the Dask worker.

Faults (crashes, hangs, memory blow-ups) are injected by the tests from outside: see
``tests/faults/sitecustomize.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import fnmatch
import glob
import hashlib
import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .dataset import (
    CONTENT_COLUMNS,
    ContentRows,
    Store,
    child_env,
    export,
    failure_content,
    remove_stale_temporaries,
    rows_from_record,
)
from .errors import ExtractorError
from .limits import DEFAULT_LIMITS, Limits

EXIT_OK = 0
EXIT_SOME_FAILED = 9
EXIT_INTERRUPTED = 130

#: text-like files that a scraper saves next to reports but that are never reports
NON_REPORT_TEXT_EXTS = frozenset({
    ".css", ".js", ".mjs", ".map", ".json", ".xml", ".svg", ".rss", ".atom", ".webmanifest",
})
#: binary files that are never reports (skipped even when the magic number is unknown)
NON_REPORT_BINARY_EXTS = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".ico", ".woff", ".woff2",
    ".ttf", ".otf", ".eot", ".zip", ".rar", ".7z", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".exe", ".dll",
    ".mp3", ".mp4", ".avi", ".mov", ".wav", ".swf", ".flv",
})


class BatchError(ExtractorError):
    """The run could not start or continue (output busy, workers cannot start...)."""

    exit_code = 1


class UsageError(ExtractorError):
    """Bad options for ``run``."""

    exit_code = 2


# =========================================================================== per-file work


def _classify_unsupported(path: str, data: bytes, message: str) -> tuple[str, str]:
    """(status, reason) of a file the sniffer rejected: ``skipped`` when it is a known
    non-report type (image, archive, font...), ``failed`` when it may be a broken report."""
    from .readers import sniff

    magic = getattr(sniff, "_BINARY_MAGIC", {})
    if any(data.startswith(m) for m in magic):
        return "skipped", message
    ext = os.path.splitext(path)[1].lower()
    if ext in NON_REPORT_BINARY_EXTS or ext in NON_REPORT_TEXT_EXTS:
        return "skipped", f"not a report: a {ext} file ({message})"
    return "failed", message


def process_file(path: str, data: bytes | None = None, expected_sha256: str | None = None, *,
                 limits: Limits = DEFAULT_LIMITS, max_memory_mb: int = 0) -> dict[str, Any]:
    """The per-file work of a batch run (in a worker process): read, sniff, parse, make rows.

    Returns a picklable dict: ``sha256``, ``content`` (the per-content columns of the
    reports row), ``rows`` (:class:`ContentRows` or None) and ``retire`` (True when the
    worker should be replaced, e.g. after a MemoryError). Never raises for a bad file.
    """
    import extractor

    from .errors import EmptyInput, UnsupportedFormat
    from .readers.sniff import sniff_format

    t0 = time.perf_counter()
    version = extractor.__version__

    def fail(error_type: str, message: str, status: str = "failed", fmt: str | None = None,
             retire: bool = False, sha: str | None = None) -> dict[str, Any]:
        return {
            "sha256": sha if sha is not None else expected_sha256,
            "content": failure_content(status, error_type, message, fmt=fmt, version=version,
                                       seconds=time.perf_counter() - t0,
                                       size=None if data is None else len(data)),
            "rows": None,
            "retire": retire,
        }

    if data is None:
        try:
            size = os.stat(path).st_size
            if size > limits.max_bytes:
                return fail("LimitExceeded", f"the file is {size} bytes, over the limit max_bytes={limits.max_bytes}")
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as e:
            return fail("InputNotFound", f"cannot read {display_path(path)}: {e.strerror or e}")
    sha = hashlib.sha256(data).hexdigest()
    if expected_sha256 and sha != expected_sha256:
        return fail("changed", "the file changed while the run was reading it; run again")
    try:
        try:
            fmt = sniff_format(data)
        except UnsupportedFormat as e:
            status, reason = _classify_unsupported(path, data, str(e))
            return fail(type(e).__name__, reason, status=status, sha=sha)
        except EmptyInput as e:
            return fail(type(e).__name__, "the file is empty", sha=sha)
        ext = os.path.splitext(path)[1].lower()
        if fmt != "pdf" and ext in NON_REPORT_TEXT_EXTS:
            return fail("UnsupportedFormat", f"not a report: a {ext} file (web page asset)",
                        status="skipped", fmt=fmt, sha=sha)
        report = extractor.parse(data, format=fmt, limits=limits)
        record = report.to_dict()
        record["source"]["path"] = path
        record["source"]["sha256"] = sha
        rows = rows_from_record(record, version=version, seconds=time.perf_counter() - t0, size=len(data))
        return {"sha256": sha, "content": rows.content, "rows": rows, "retire": False}
    except MemoryError:
        limit = f" (--max-memory-mb {max_memory_mb})" if max_memory_mb else ""
        return fail("memory", f"ran out of memory while parsing{limit}", retire=True, sha=sha)
    except ExtractorError as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        return fail(type(e).__name__, msg, sha=sha)
    except RecursionError as e:
        return fail("internal", f"RecursionError: {e}", sha=sha)
    except Exception as e:  # a bug in extractor: keep going, record it
        import traceback

        tb = traceback.extract_tb(e.__traceback__)
        at = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        return fail("internal", f"{type(e).__name__}: {e}{at}", sha=sha)


# =========================================================================== worker processes

_CHILD_CODE = "import sys; from extractor.batch import _child_main; sys.exit(_child_main())"


def _set_memory_limit(mb: int) -> None:
    if mb <= 0:
        return
    try:
        import resource

        limit = mb * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on this platform
        pass


def _watch_parent(ppid: int) -> None:
    """Exit when the parent dies (kill -9): the worker must not outlive the run."""
    while True:
        time.sleep(0.5)
        if os.getppid() != ppid:
            os._exit(0)


def _child_main() -> int:
    """Entry point of a worker process: config, then tasks, over stdin/stdout pipes."""
    rconn = Connection(os.dup(0), writable=False)
    wconn = Connection(os.dup(1), readable=False)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # stray prints from libraries go to the log, not into the protocol
    sys.stdout = sys.stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    import faulthandler

    faulthandler.enable()
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    try:
        kind, cfg = rconn.recv()
    except EOFError:
        return 0
    assert kind == "config"
    _set_memory_limit(int(cfg.get("max_memory_mb") or 0))
    limits = Limits(**cfg["limits"])
    max_tasks = int(cfg.get("max_tasks") or 0)
    writer = _WorkerWriter(cfg.get("store"))
    try:  # warm up: import the whole pipeline once, before the first deadline starts
        import extractor
        import extractor.pipeline  # noqa: F401
        import extractor.readers.html  # noqa: F401
        import extractor.readers.pdf  # noqa: F401
        import extractor.readers.text  # noqa: F401
    except Exception:
        pass
    wconn.send(("ready", os.getpid()))
    done = 0
    while True:
        try:
            msg = rconn.recv()
        except (EOFError, OSError):
            return 0
        if msg[0] != "task":
            return 0
        _, task_id, path, data, sha, paths, unseen = msg
        result = process_file(path, data, sha, limits=limits, max_memory_mb=int(cfg.get("max_memory_mb") or 0))
        writer.write(result, paths, unseen)
        done += 1
        if max_tasks and done >= max_tasks:
            result["retire"] = True
        try:
            wconn.send(("result", task_id, result))
        except (BrokenPipeError, OSError):
            return 0
        if result.get("retire"):
            return 0


class _WorkerWriter:
    """A worker's own connection to the dataset: it records each file it parsed."""

    #: how long a worker waits for SQLite's write lock (held by the parent during an export)
    #: before it gives up and sends the rows to the parent instead
    LOCK_TIMEOUT = 2.0

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.store: Store | None = None

    def write(self, result: dict[str, Any], paths: Sequence[str], unseen: bool) -> None:
        """Write ``result`` for ``paths``; on success its rows are dropped and ``written``
        names the paths. On any SQLite error the result is left for the parent to write."""
        if not self.path or not paths:
            return
        try:
            if self.store is None:
                self.store = Store(self.path, setup=False, timeout=self.LOCK_TIMEOUT)
            self.store.write_result(paths, result.get("sha256"), result["content"], result.get("rows"),
                                    unseen=unseen)
        except sqlite3.Error as e:
            sys.stderr.write(f"extractor worker {os.getpid()}: {paths[0]}: not written here ({e}); "
                             "the parent writes it\n")
            return
        result["rows"] = None
        result["written"] = list(paths)


def _signal_name(code: int) -> str:
    """``SIGKILL (signal 9)``: the name and the number, nothing guessed about who sent it."""
    try:
        return f"{signal.Signals(code).name} (signal {code})"
    except ValueError:
        return f"signal {code}"


@dataclass
class Task:
    """One file to parse. ``paths``: every input path with these bytes in this run."""

    id: int
    path: str
    sha256: str | None
    size: int
    paths: list[str] = field(default_factory=list)
    data: bytes | None = None
    #: no row of the store holds these paths or bytes yet (the writer may skip its look-ups)
    unseen: bool = False


class Worker:
    """Parent-side handle of one worker process."""

    def __init__(self, cfg: dict[str, Any], stderr: TextIO | int | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD_CODE],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
            env=child_env(), close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.wconn = Connection(os.dup(self.proc.stdin.fileno()), readable=False)
        self.rconn = Connection(os.dup(self.proc.stdout.fileno()), writable=False)
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.state = "starting"
        self.started = time.monotonic()
        self.task: Task | None = None
        self.deadline = float("inf")
        try:
            self.wconn.send(("config", cfg))
        except OSError:  # died at once: the parent sees end-of-file on rconn and says why
            pass

    def assign(self, task: Task, timeout: float) -> None:
        self.task = task
        self.state = "busy"
        self.deadline = time.monotonic() + timeout if timeout > 0 else float("inf")
        self.wconn.send(("task", task.id, task.path, task.data, task.sha256, list(task.paths), task.unseen))

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        self._reap(5)
        self.state = "dead"

    def _reap(self, timeout: float) -> None:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for c in (self.rconn, self.wconn):
            try:
                c.close()
            except OSError:
                pass

    def stop(self, wait: bool = True) -> None:
        """Ask an idle worker to exit; kill it if it does not within 3 s. ``wait`` False: only
        ask (state ``stopping``); a later ``stop()`` waits for it."""
        if self.state == "dead":
            return
        if self.state != "stopping":
            try:
                self.wconn.send(("stop",))
            except OSError:
                pass
            self.state = "stopping"
        if wait:
            self._reap(3)
            self.state = "dead"

    def death_reason(self, doing: str = "parsing this file") -> str:
        """Why the process ended, ``doing`` what (``parsing this file``, ``starting``)."""
        self._reap(5)
        self.state = "dead"
        rc = self.proc.returncode
        if rc is None:
            return "the worker process stopped answering"
        if rc < 0:
            # who sent the signal is not known here (a SIGKILL may come from a user, a job
            # manager or the kernel's OOM killer); the memory cap shows as a MemoryError
            return f"the worker process crashed while {doing}: killed by {_signal_name(-rc)}"
        return f"the worker process crashed while {doing}: it exited with code {rc}"

    def call(self, task: Task, timeout: float, startup_timeout: float = 120.0) -> dict[str, Any]:
        """Synchronous use (Dask engine): run one task and return its result (a ``failed``
        result when the worker crashed or ran past ``timeout``; the worker is then dead).
        Raises :class:`BrokenPipeError` when the worker was already gone before the task."""
        if self.state == "starting":
            if not self.rconn.poll(startup_timeout):
                self.kill()
                raise BatchError("a worker process did not start in time")
            try:
                msg = self.rconn.recv()
            except EOFError:
                raise BatchError(f"a worker process could not start ({self.death_reason('starting')})") from None
            self.state = "idle"
            assert msg[0] == "ready"
        self.assign(task, timeout)
        if not self.rconn.poll(timeout if timeout > 0 else None):
            self.kill()
            return _timeout_result(task, timeout)
        try:
            msg = self.rconn.recv()
        except (EOFError, OSError):
            return _crash_result(task, self.death_reason())
        self.state = "idle"
        self.task = None
        result = msg[2]
        if result.get("retire"):
            self.stop()
        return result


def _timeout_result(task: Task, timeout: float) -> dict[str, Any]:
    return {"sha256": task.sha256, "rows": None, "retire": True,
            "content": failure_content("failed", "timeout",
                                       f"parsing took longer than the time limit ({timeout:g} s, --timeout)",
                                       version=__version__, seconds=timeout, size=task.size)}


def _crash_result(task: Task, reason: str) -> dict[str, Any]:
    return {"sha256": task.sha256, "rows": None, "retire": True,
            "content": failure_content("failed", "crashed", reason, version=__version__, size=task.size)}


# =========================================================================== engines

Source = Callable[[], "Task | None"]
OnResult = Callable[[Task, dict[str, Any]], None]
OnTick = Callable[[], None]


@dataclass
class EngineConfig:
    workers: int
    timeout: float
    max_memory_mb: int
    limits: Limits = DEFAULT_LIMITS
    max_tasks: int = 1000
    log_path: Path | None = None
    #: the dataset the workers write their results into (None: they send rows back)
    store_path: str | None = None

    def worker_cfg(self) -> dict[str, Any]:
        return {"max_memory_mb": self.max_memory_mb, "limits": dataclasses.asdict(self.limits),
                "max_tasks": self.max_tasks, "store": self.store_path}


class LocalEngine:
    """A pool of worker processes on this machine that survives any worker dying."""

    startup_timeout = 120.0

    def __init__(self, cfg: EngineConfig) -> None:
        self.cfg = cfg
        self.workers: list[Worker] = []
        self.pending: deque[Task] = deque()
        self._log: TextIO | None = None
        self._failed_starts = 0

    def prestart(self) -> None:
        """Start the workers now, so their start-up overlaps the parent's own (hashing, SQLite)."""
        while len(self.workers) < max(1, self.cfg.workers):
            self._start_worker()

    def _start_worker(self) -> Worker:
        if self._log is None and self.cfg.log_path is not None:
            self._log = open(self.cfg.log_path, "a", encoding="utf-8")  # noqa: SIM115
        w = Worker(self.cfg.worker_cfg(), stderr=self._log)
        self.workers.append(w)
        return w

    def run(self, source: Source, on_result: OnResult, on_tick: OnTick) -> None:
        n = max(1, self.cfg.workers)
        pending = self.pending = deque()
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < n:
                    t = source()
                    if t is None:
                        exhausted = True
                    else:
                        pending.append(t)
                self.workers = [w for w in self.workers if w.state != "dead"]
                busy = [w for w in self.workers if w.state == "busy"]
                idle = [w for w in self.workers if w.state == "idle"]
                starting = [w for w in self.workers if w.state == "starting"]
                want = min(n, len(busy) + len(pending))
                while len(self.workers) < want:
                    starting.append(self._start_worker())
                for w in idle:
                    if not pending:
                        break
                    task = pending.popleft()
                    try:
                        w.assign(task, self.cfg.timeout)
                    except OSError:  # died while idle: put the task back, replace it
                        pending.appendleft(task)
                        w.kill()
                if exhausted and not pending and not any(w.state == "busy" for w in self.workers):
                    break
                live = [w for w in self.workers if w.state != "dead"]
                now = time.monotonic()
                next_deadline = min((w.deadline for w in live if w.state == "busy"), default=now + 0.2)
                ready = wait([w.rconn for w in live], timeout=max(0.0, min(0.2, next_deadline - now)))
                ready_set = set(ready)
                for w in live:
                    if w.rconn in ready_set:
                        self._receive(w, on_result)
                now = time.monotonic()
                for w in self.workers:
                    if w.state == "busy" and now >= w.deadline and w.task is not None:
                        task = w.task
                        w.kill()
                        on_result(task, _timeout_result(task, self.cfg.timeout))
                    elif w.state == "starting" and now - w.started > self.startup_timeout:
                        w.kill()
                        self._startup_failed("it did not start within "
                                             f"{self.startup_timeout:g} s")
                on_tick()
        finally:
            # the workers exit while the parent goes on (the export); shutdown() reaps them
            self.shutdown(wait=False)

    def _receive(self, w: Worker, on_result: OnResult) -> None:
        try:
            msg = w.rconn.recv()
        except (EOFError, OSError):
            was = w.state
            task = w.task
            reason = w.death_reason("starting" if was == "starting" else "parsing this file")
            if was == "busy" and task is not None:
                on_result(task, _crash_result(task, reason))
            elif was == "starting":
                self._startup_failed(reason)
            return
        if msg[0] == "ready":
            w.state = "idle"
            self._failed_starts = 0
            return
        task = w.task
        w.state = "idle"
        w.task = None
        w.deadline = float("inf")
        result = msg[2]
        if result.get("retire"):
            w.stop()
        elif self.pending:  # keep the worker busy while the parent writes the result
            nxt = self.pending.popleft()
            try:
                w.assign(nxt, self.cfg.timeout)
            except OSError:
                self.pending.appendleft(nxt)
                w.kill()
        if task is not None:
            on_result(task, result)

    def _startup_failed(self, reason: str) -> None:
        self._failed_starts += 1
        if self._failed_starts >= 3:
            where = f"; see {self.cfg.log_path}" if self.cfg.log_path else ""
            raise BatchError(f"worker processes cannot start ({reason}){where}")

    def shutdown(self, wait: bool = True) -> None:
        """Stop every worker: kill the busy ones, ask the idle ones to exit. ``wait`` False:
        do not wait for them to exit (a later ``shutdown()`` does)."""
        for w in self.workers:
            if w.state in ("busy", "starting"):
                w.kill()
        for w in self.workers:
            w.stop(wait=False)
        if not wait:
            return
        for w in self.workers:
            w.stop()
        self.workers = []
        if self._log is not None:
            self._log.close()
            self._log = None


# --- Dask: the same per-file work, each file in an isolated child of the Dask worker

_POOL_LOCK = threading.Lock()
_POOL: dict[str, list[Worker]] = {}


def _dask_task(path: str, data: bytes, sha256: str | None, size: int, cfg: dict[str, Any],
               timeout: float) -> dict[str, Any]:
    """Run on a Dask worker: parse one file in an isolated worker process."""
    import json

    key = json.dumps(cfg, sort_keys=True)
    with _POOL_LOCK:
        idle = _POOL.setdefault(key, [])
        worker = idle.pop() if idle else None
    if worker is None or worker.proc.poll() is not None:
        worker = Worker(cfg)
    task = Task(id=0, path=path, sha256=sha256, size=size, data=data)
    try:
        try:
            result = worker.call(task, timeout)
        except BrokenPipeError:  # the pooled worker died while idle: once more with a new one
            worker.kill()
            worker = Worker(cfg)
            result = worker.call(task, timeout)
    except BaseException:
        worker.kill()
        raise
    if worker.state != "dead":
        with _POOL_LOCK:
            _POOL.setdefault(key, []).append(worker)
    return result


def shutdown_dask_pool() -> None:
    """Stop the isolated worker processes this process keeps for Dask tasks."""
    with _POOL_LOCK:
        workers = [w for ws in _POOL.values() for w in ws]
        _POOL.clear()
    for w in workers:
        w.stop()


class DaskEngine:
    """Run the per-file work on a Dask distributed cluster (``extractor[dask]``)."""


    def __init__(self, cfg: EngineConfig, scheduler: str) -> None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UsageError("--engine dask needs the dask extra: pip install 'extractor[dask]'") from None
        self.cfg = cfg
        self.scheduler = scheduler

    def run(self, source: Source, on_result: OnResult, on_tick: OnTick) -> None:
        from distributed import Client

        try:
            client = Client(self.scheduler, set_as_default=False, timeout=60)
        except (OSError, TimeoutError, ValueError) as e:
            raise BatchError(f"cannot reach the Dask scheduler at {self.scheduler}: {e}") from None
        futures: dict[Any, Task] = {}
        try:
            nthreads = max(1, sum(client.nthreads().values()))
            limit = 2 * nthreads
            wcfg = self.cfg.worker_cfg()
            exhausted = False
            while True:
                while not exhausted and len(futures) < limit:
                    t = source()
                    if t is None:
                        exhausted = True
                        break
                    try:
                        with open(t.path, "rb") as fh:
                            data = fh.read()
                    except OSError as e:
                        on_result(t, {"sha256": t.sha256, "rows": None, "retire": False,
                                      "content": failure_content("failed", "InputNotFound",
                                                                 f"cannot read {display_path(t.path)}: "
                                                                 f"{e.strerror or e}",
                                                                 version=__version__)})
                        continue
                    fut = client.submit(_dask_task, t.path, data, t.sha256, t.size, wcfg, self.cfg.timeout,
                                        pure=False, retries=0)
                    futures[fut] = t
                if not futures:
                    if exhausted:
                        break
                    continue
                done = [f for f in futures if f.done()]
                if not done:  # the in-flight buffer keeps the cluster busy meanwhile
                    time.sleep(0.02)
                    on_tick()
                    continue
                for fut in done:
                    task = futures.pop(fut)
                    try:
                        result = fut.result()
                    except Exception as e:
                        result = {"sha256": task.sha256, "rows": None, "retire": False,
                                  "content": failure_content("failed", "dask", f"{type(e).__name__}: {e}",
                                                             version=__version__, size=task.size)}
                    fut.release()
                    on_result(task, result)
                on_tick()
        finally:
            if futures:
                try:
                    client.cancel(list(futures))
                except Exception:
                    pass
            client.close()


# =========================================================================== inputs


@dataclass(frozen=True)
class InputFile:
    """``path`` opens the file; ``name`` is how the dataset records it (:func:`display_path`)."""

    path: str
    size: int
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", display_path(self.path))


def display_path(path: str) -> str:
    """The path as text that UTF-8 can store: a file name that is not valid UTF-8 (GBK names
    from Windows zips are common) is decoded as GB18030, else its bad bytes are escaped."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        raw = os.fsencode(path)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace")


def _has_magic(s: str) -> bool:
    return any(ch in s for ch in "*?[")


def collect_inputs(inputs: Sequence[str], exclude: Sequence[str | os.PathLike[str]] = ()) -> tuple[
        list[InputFile], list[str], list[str]]:
    """Expand files, folders (recursively, hidden entries skipped) and globs.

    Returns ``(files, missing, warnings)``: files deduplicated by real path, the inputs that
    do not exist, and messages about globs that matched nothing.
    """
    excluded = {os.path.realpath(p) for p in exclude}
    seen: set[str] = set()
    files: list[InputFile] = []
    missing: list[str] = []
    warnings: list[str] = []

    def add(path: str) -> None:
        path = os.path.normpath(path)
        try:
            real = os.path.realpath(path)
            if real in seen:
                return
            st = os.stat(path)
        except OSError:
            missing.append(display_path(path))
            return
        if not os.path.isfile(path):
            return
        seen.add(real)
        files.append(InputFile(path, st.st_size, display_path(path)))

    def walk(top: str) -> None:
        for root, dirs, names in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                             and os.path.realpath(os.path.join(root, d)) not in excluded)
            for name in sorted(names):
                if not name.startswith("."):
                    add(os.path.join(root, name))

    for inp in inputs:
        if os.path.isdir(inp):
            if os.path.realpath(inp) not in excluded:
                walk(inp)
        elif os.path.lexists(inp):
            add(inp)
        elif _has_magic(inp):
            matches = sorted(glob.glob(inp, recursive=True))
            if not matches:
                warnings.append(f"no file matches {inp}")
            for m in matches:
                if os.path.isdir(m):
                    walk(m)
                elif not any(fnmatch.fnmatch(os.path.basename(part), ".*") for part in Path(m).parts[:-1]):
                    add(m)
        else:
            missing.append(display_path(os.path.normpath(inp)))
    return files, list(dict.fromkeys(missing)), warnings


def _hash_file(path: str) -> tuple[str | None, str | None]:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                h.update(chunk)
    except OSError as e:
        return None, f"cannot read {display_path(path)}: {e.strerror or e}"
    return h.hexdigest(), None


def _hashed(files: Sequence[InputFile], stop: threading.Event) -> Iterator[tuple[InputFile, str | None, str | None]]:
    """Hash files in a background thread, a little ahead of the consumer."""
    q: queue.Queue[Any] = queue.Queue(maxsize=256)
    end = object()

    def producer() -> None:
        for f in files:
            if stop.is_set():
                break
            sha, err = _hash_file(f.path)
            while not stop.is_set():
                try:
                    q.put((f, sha, err), timeout=0.2)
                    break
                except queue.Full:
                    continue
        q.put(end)

    threading.Thread(target=producer, name="extractor-hash", daemon=True).start()
    while True:
        item = q.get()
        if item is end:
            return
        yield item


# =========================================================================== progress


def _fmt_duration(s: float) -> str:
    s = int(max(0, s))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


class Progress:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, total: int, stream: TextIO, enabled: bool) -> None:
        self.total = total
        self.stream = stream
        self.enabled = enabled
        self.t0 = time.monotonic()
        self.last = 0.0
        self.shown = False

    def update(self, counts: Counter[str], force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.1:
            return
        self.last = now
        done = counts["ok"] + counts["failed"] + counts["skipped"]
        parsed = counts["parsed"]
        elapsed = now - self.t0
        rate = parsed / elapsed if elapsed > 0 else 0.0
        remaining = self.total - done
        eta = _fmt_duration(remaining / rate) if rate > 0 and remaining > 0 else "--:--"
        frac = done / self.total if self.total else 1.0
        width = shutil.get_terminal_size((100, 20)).columns
        tail = (f" {done}/{self.total}  ok {counts['ok']}  failed {counts['failed']}  "
                f"skipped {counts['skipped']}  {rate:.1f} files/s  ETA {eta}")
        barw = max(10, min(40, width - len(tail) - 8))
        filled = int(barw * frac)
        line = f"{frac * 100:3.0f}% |{'█' * filled}{'░' * (barw - filled)}|{tail}"
        self.stream.write("\r" + line[: width - 1] + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\n")
            self.stream.flush()


# =========================================================================== the run


@dataclass
class RunSummary:
    """What a run did. ``counts``: files, ok, failed, skipped (over every input file of the
    run, including files done by an earlier run), parsed (parsed now), cached (done before),
    with_errors (ok files with at least one error issue); ``templates``: ok files per template."""

    outdir: Path
    counts: Counter[str]
    templates: Counter[str]
    interrupted: bool = False
    seconds: float = 0.0
    files_written: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_SOME_FAILED if self.counts["failed"] else EXIT_OK

    def text(self) -> str:
        c = self.counts
        rate = c["parsed"] / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"{c['files']} files: {c['ok']} ok ({c['with_errors']} with errors), {c['failed']} failed, "
            f"{c['skipped']} skipped; {c['parsed']} parsed now ({rate:.1f} files/s), "
            f"{c['cached']} already done",
        ]
        if self.templates:
            lines.append("templates: " + ", ".join(f"{k} {v}" for k, v in sorted(
                self.templates.items(), key=lambda kv: (-kv[1], kv[0]))))
        if self.interrupted:
            lines.append("interrupted: the dataset holds every file finished so far; run again to resume")
        lines.append(f"dataset: {self.outdir}")
        return "\n".join(lines)


class _Run:
    def __init__(self, store: Store, files: list[InputFile], *, retry_failed: bool, force: bool,
                 progress: Progress) -> None:
        self.store = store
        self.retry_failed = retry_failed
        self.force = force
        self.progress = progress
        self.counts: Counter[str] = Counter()
        self.stop = threading.Event()
        self._hashed = _hashed(sorted(files, key=lambda f: (-f.size, f.path)), self.stop)
        self.inflight: dict[str, Task] = {}
        self.fresh: set[str] = set()  # bytes parsed in this run
        self._next_id = 0
        # what the store already holds, read once (not two queries per file)
        self.known: dict[str, tuple[str | None, str]] = {
            p: (sha, status) for p, sha, status in store.conn.execute("SELECT path, sha256, status FROM reports")}
        self.known_shas: set[str] = {sha for sha, _ in self.known.values() if sha}

    def _redo(self, status: str | None) -> bool:
        return self.force or (self.retry_failed and status == "failed")

    def _count(self, status: str | None, n: int = 1) -> None:
        if status in ("ok", "failed", "skipped"):
            self.counts[status] += n

    def next_task(self) -> Task | None:
        for f, sha, err in self._hashed:
            if sha is None:
                self.store.write_result([f.name], None, failure_content(
                    "failed", "InputNotFound", err or "cannot read", version=__version__))
                self._count("failed")
                continue
            row = self.known.get(f.name)
            if row is not None and row[0] == sha and (sha in self.fresh or not self._redo(row[1])):
                self.counts["cached"] += 1
                self._count(row[1])
                continue
            if sha in self.inflight:
                self.inflight[sha].paths.append(f.name)
                continue
            content = self.store.content_row(sha) if sha in self.known_shas else None
            if content is not None and (sha in self.fresh or not self._redo(content["status"])):
                self.store.copy_content(f.name, sha, content)
                self.known[f.name] = (sha, content["status"])
                self.counts["cached"] += 1
                self._count(content["status"])
                continue
            self._next_id += 1
            task = Task(self._next_id, f.path, sha, f.size, [f.name],
                        unseen=sha not in self.known_shas and f.name not in self.known)
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
            unseen = (sha is not None and sha not in self.known_shas
                      and not any(p in self.known for p in task.paths))
            self.store.write_result(task.paths, sha, content, rows, unseen=unseen)
        self.store.maybe_flush()
        for p in task.paths:
            self.known[p] = (sha, content.get("status"))
        if sha:
            self.known_shas.add(sha)
            self.inflight.pop(sha, None)
            self.fresh.add(sha)
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
    export_every: float = 300.0,
    parquet: bool | None = None,
    review: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    stream: TextIO | None = None,
    argv: Sequence[str] = (),
) -> RunSummary:
    """Parse every input file into the dataset in ``outdir``; see the module docstring.

    Library form of ``extractor run``. ``progress`` None: a bar when ``stream`` is a terminal.
    Raises :class:`BatchError` / :class:`UsageError` when the run cannot start.
    """
    stream = stream or sys.stderr
    t0 = time.monotonic()
    out = Path(outdir)
    if engine not in ("local", "dask"):
        raise UsageError(f"unknown engine {engine!r} (local or dask)")
    if engine == "dask" and not scheduler:
        raise UsageError("--engine dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
    out.mkdir(parents=True, exist_ok=True)
    lock = _acquire_lock(out)
    store: Store | None = None
    eng: LocalEngine | DaskEngine | None = None
    if timeout is not None:
        # the library's own deadline matches the watchdog's (0: no limit)
        limits = dataclasses.replace(limits, time_s=timeout)
    try:
        cfg = EngineConfig(
            workers=workers or os.cpu_count() or 1,
            timeout=limits.time_s if timeout is None else timeout,
            max_memory_mb=max_memory_mb,
            limits=limits,
            log_path=out / "worker.log",
            store_path=str(out / "dataset.sqlite") if engine == "local" else None,
        )
        if engine == "dask":
            eng = DaskEngine(cfg, scheduler or "")
        else:
            eng = LocalEngine(cfg)
            eng.prestart()
        remove_stale_temporaries(out)
        store = Store(out / "dataset.sqlite")
        run_id = store.begin_run(list(argv), __version__)
        # the parent writes every result only with Dask: then one transaction per few files
        # (see Store); with local workers it must not hold the write lock they need
        store.group_commit = engine == "dask"
        store.drop_content_indexes()  # built again by every export
        files, missing, warnings = collect_inputs(inputs, exclude=[out])
        for w in warnings:
            stream.write(f"extractor: warning: {w}\n")
        for m in missing:
            store.write_result([m], None, failure_content(
                "failed", "InputNotFound", f"no such file or folder: {m}", version=__version__))
        show = stream.isatty() if progress is None else progress
        bar = Progress(len(files) + len(missing), stream, show)
        state = _Run(store, files, retry_failed=retry_failed, force=force, progress=bar)
        state.counts["failed"] += len(missing)
        last_export = [time.monotonic()]

        def tick() -> None:
            store.maybe_flush()
            bar.update(state.counts)
            if export_every > 0 and time.monotonic() - last_export[0] > export_every:
                assert store is not None
                export(store, out, parquet=parquet, review=review)
                store.drop_content_indexes()
                last_export[0] = time.monotonic()

        interrupted = False
        prev_term = None
        if threading.current_thread() is threading.main_thread():
            def _on_term(signum: int, frame: Any) -> None:
                raise KeyboardInterrupt

            prev_term = signal.signal(signal.SIGTERM, _on_term)
        try:
            eng.run(state.next_task, state.on_result, tick)
        except KeyboardInterrupt:
            interrupted = True
        except sqlite3.Error as e:
            raise BatchError(f"cannot write the dataset in {out}: {e}") from None
        finally:
            state.stop.set()
            bar.update(state.counts, force=True)
            bar.close()
            if prev_term is not None:
                signal.signal(signal.SIGTERM, prev_term)
        if interrupted:
            stream.write("extractor: interrupted; writing the dataset of the files done so far\n")
        # the final export must not be cut short by a second Ctrl-C
        prev_int = None
        if threading.current_thread() is threading.main_thread():
            prev_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            # no worker writes any more: the export may use a second process
            written = export(store, out, parquet=parquet, review=review, jobs=cfg.workers)
        finally:
            if prev_int is not None:
                signal.signal(signal.SIGINT, prev_int)
        counts, templates = _final_counts(store, [f.name for f in files] + missing)
        counts["parsed"] = state.counts["parsed"]
        counts["cached"] = state.counts["cached"]
        store.end_run(run_id, counts, interrupted)
        return RunSummary(out, counts, templates, interrupted, time.monotonic() - t0, written, warnings)
    finally:
        if isinstance(eng, LocalEngine):
            eng.shutdown()
        if store is not None:
            store.close()
        lock.close()


def _final_counts(store: Store, paths: list[str]) -> tuple[Counter[str], Counter[str]]:
    counts: Counter[str] = Counter()
    templates: Counter[str] = Counter()
    counts["files"] = len(paths)
    for i in range(0, len(paths), 500):
        chunk = paths[i:i + 500]
        cur = store.conn.execute(
            f"SELECT status, template, n_errors FROM reports WHERE path IN ({', '.join('?' * len(chunk))})", chunk)
        for status, template, n_errors in cur:
            counts[status] += 1
            if status == "ok":
                templates[template or "unknown"] += 1
                if n_errors:
                    counts["with_errors"] += 1
    # an input not in the store at all (interrupted before it was reached) counts as not done
    return counts, templates


# =========================================================================== command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Define the options of ``extractor run``."""
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="files, folders (walked recursively) or globs (quote them: 'data/**/*.pdf')")
    parser.add_argument("-o", "--output", default="output", metavar="OUTDIR",
                        help="dataset folder (default: output/); a second run on it resumes")
    parser.add_argument("-j", "--workers", type=int, default=None, metavar="N",
                        help="worker processes (default: the number of CPU cores)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_LIMITS.time_s, metavar="SECONDS",
                        help=f"time limit per file; a file past it fails with error_type timeout "
                             f"(default: {DEFAULT_LIMITS.time_s:g}; 0: none)")
    parser.add_argument("--max-memory-mb", type=int, default=4096, metavar="MB",
                        help="address-space limit of each worker (default: 4096; 0: none)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="parse again the files that failed in an earlier run")
    parser.add_argument("--force", action="store_true", help="parse every file again, even those done")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show a progress bar (default: when stderr is a terminal)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    parser.add_argument("--export-every", type=float, default=300.0, metavar="SECONDS",
                        help="also export the CSV files during the run this often (default: 300; 0: only at the end)")
    parser.add_argument("--no-parquet", action="store_true",
                        help="do not write Parquet files even when pyarrow is installed")
    parser.add_argument("--no-review", action="store_true", help="do not write review.html")
    parser.add_argument("--strict", action="store_true",
                        help="exit with 9 when any file failed (default: 0 once the run is complete; "
                             "failed files are rows of reports.csv)")
    parser.add_argument("--engine", choices=["local", "dask"], default="local",
                        help="local worker processes (default) or a Dask distributed cluster")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="Dask scheduler address for --engine dask (e.g. tcp://10.0.0.5:8786)")


def main(args: argparse.Namespace) -> int:
    """Run ``extractor run`` with parsed options; returns the exit code: 0 when the run is
    complete (failed files are rows of the dataset), 9 with ``--strict`` when some failed,
    130 when interrupted."""
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.timeout < 0 or args.max_memory_mb < 0:
        raise UsageError("--timeout and --max-memory-mb must not be negative")
    summary = run(
        args.inputs,
        args.output,
        workers=args.workers,
        timeout=args.timeout,
        max_memory_mb=args.max_memory_mb,
        engine=args.engine,
        scheduler=args.scheduler,
        retry_failed=args.retry_failed,
        force=args.force,
        progress=False if args.quiet else args.progress,
        export_every=args.export_every,
        parquet=False if args.no_parquet else None,
        review=not args.no_review,
        argv=sys.argv[1:],
    )
    if not args.quiet:
        sys.stderr.write(summary.text() + "\n")
    if summary.exit_code == EXIT_SOME_FAILED and not args.strict:
        return EXIT_OK
    return summary.exit_code
