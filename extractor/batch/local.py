"""The local engine: a pool of worker processes on this machine."""

from __future__ import annotations

import time
from collections import deque
from multiprocessing.connection import wait
from typing import TextIO

from .errors import BatchError
from .worker import EngineConfig, OnResult, OnTick, Source, Task, Worker, _crash_result, _timeout_result


class LocalEngine:
    """A pool of worker processes on this machine that survives any worker dying.

    Why not :class:`concurrent.futures.ProcessPoolExecutor` or :class:`multiprocessing.Pool`
    (measured with Python 3.11 on this machine, 2 workers, 20 tasks of 0.1-0.2 s):

    * ProcessPoolExecutor: one task calling ``os._exit(70)`` (a segfaulting PDF library does
      the same) left 2 of 20 futures done and 18 failed with ``BrokenProcessPool``: the whole
      pool is dead, every pending file with it. Here only the file in flight fails
      (``crashed``) and its worker is replaced.
    * ProcessPoolExecutor: ``future.result(timeout=1)`` on a hanging task returned after
      1.0 s but both worker processes were still alive; the executor has no way to kill the
      one worker that hangs (only to shut the whole pool down). ``--timeout`` needs that.
    * multiprocessing.Pool: the same crash gave 19 of 20 results and one that never arrives
      (``get()`` without a timeout waits for ever); the pool replaces the process silently.
    * Each worker here also writes its results into SQLite itself and retires after
      ``max_tasks`` files or a MemoryError; an executor's ``initializer`` could set the
      memory cap (``RLIMIT_AS``), so that alone would not be a reason.
    """

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
