"""The worker protocol: a worker process, its parent-side handle, and what they say to each other.

A worker is a plain child process (``python -c ...``) that the parent talks to over its
stdin/stdout pipes with :class:`multiprocessing.connection.Connection`: the parent sends
``("config", cfg)`` once, the worker answers ``("ready", pid)`` once it has imported the
whole pipeline, then each ``("task", ...)`` gets a ``("result", id, result)``;
``("stop",)`` ends it. Each worker has its own pipe, so one worker dying breaks nothing but
itself: its parent sees end-of-file.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TextIO

from .. import __version__
from ..dataset import (
    Store,
    child_env,
    failure_content,
)
from ..limits import DEFAULT_LIMITS, Limits
from .errors import BatchError
from .work import process_file

_CHILD_CODE = "import sys; from extractor.batch.worker import _child_main; sys.exit(_child_main())"


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
        import extractor.readers.docx  # noqa: F401
        import extractor.readers.html  # noqa: F401
        import extractor.readers.office  # noqa: F401
        import extractor.readers.pdf  # noqa: F401
        import extractor.readers.text  # noqa: F401
    except Exception:
        pass
    _ocr_setup(limits, int(cfg.get("ocr_threads") or 0))
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


def _ocr_setup(limits: Limits, threads: int) -> None:
    """OCR in a worker: the extra's libraries imported once here (before the first deadline),
    onnxruntime given ``threads`` threads (the cores shared among the workers; an
    ``EXTRACTOR_OCR_THREADS`` already set wins). The models load on the worker's first
    scanned page and stay loaded for every later one (:func:`extractor.ocr.engine.get_engine`)."""
    if not limits.ocr:
        return
    if threads > 0:
        os.environ.setdefault("EXTRACTOR_OCR_THREADS", str(threads))
    try:
        from .. import ocr

        ocr.available()  # imports OpenCV once, or finds the extra missing
    except Exception:  # noqa: BLE001 - a broken extra is the file's error, not the worker's
        pass


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
                "max_tasks": self.max_tasks, "store": self.store_path,
                "ocr_threads": max(1, (os.cpu_count() or 1) // max(1, self.workers))}
