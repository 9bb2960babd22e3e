"""The Dask engine: the same per-file work on a Dask distributed cluster, each file in an
isolated child process of the Dask worker (``extractor[dask]``)."""

from __future__ import annotations

import threading
import time
from typing import Any

from .. import __version__
from ..dataset import (
    failure_content,
)
from .errors import BatchError, UsageError
from .inputs import display_path
from .worker import EngineConfig, OnResult, OnTick, Source, Task, Worker

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


def _dask_batch(items: list[tuple[str, bytes, str | None, int]], cfg: dict[str, Any],
                timeout: float) -> list[dict[str, Any]]:
    """Run on a Dask worker: several files, one after the other, each as :func:`_dask_task`
    (its own isolated parse, its own time limit)."""
    return [_dask_task(path, data, sha, size, cfg, timeout) for path, data, sha, size in items]


def shutdown_dask_pool() -> None:
    """Stop the isolated worker processes this process keeps for Dask tasks."""
    with _POOL_LOCK:
        workers = [w for ws in _POOL.values() for w in ws]
        _POOL.clear()
    for w in workers:
        w.stop()


class DaskEngine:
    """Run the per-file work on a Dask distributed cluster (``extractor[dask]``).

    Files go to the cluster a few at a time (:attr:`batch_files` per Dask task, at most
    :attr:`batch_bytes` of them): one Dask task per file cost more than the parse of a
    small report (measured at 10 000 reports on a local cluster of 2 workers: about 9 ms
    of scheduler and worker CPU per task, and the workers idle between tasks while the
    scheduler hands out the next). Each file of a batch is still parsed on its own, in an
    isolated process, with its own ``--timeout``."""

    #: files per Dask task
    batch_files = 8
    #: bytes per Dask task (a batch ends before it would hold more, unless it has one file)
    batch_bytes = 16 << 20

    def __init__(self, cfg: EngineConfig, scheduler: str) -> None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UsageError("--engine dask needs the dask extra: pip install 'extractor[dask]'") from None
        self.cfg = cfg
        self.scheduler = scheduler

    def _batch(self, source: Source, on_result: OnResult) -> tuple[list[tuple[Task, bytes]], bool]:
        """The next files to send, with their bytes; and whether ``source`` is exhausted."""
        batch: list[tuple[Task, bytes]] = []
        size = 0
        while len(batch) < self.batch_files and size < self.batch_bytes:
            t = source()
            if t is None:
                return batch, True
            try:
                with open(t.path, "rb") as fh:
                    data = fh.read()
            except OSError as e:
                on_result(t, {"sha256": t.sha256, "rows": None, "retire": False,
                              "content": failure_content("failed", "InputNotFound",
                                                         f"cannot read {display_path(t.path)}: {e.strerror or e}",
                                                         version=__version__)})
                continue
            batch.append((t, data))
            size += len(data)
        return batch, False

    def run(self, source: Source, on_result: OnResult, on_tick: OnTick) -> None:
        from distributed import Client

        try:
            client = Client(self.scheduler, set_as_default=False, timeout=60)
        except (OSError, TimeoutError, ValueError) as e:
            raise BatchError(f"cannot reach the Dask scheduler at {self.scheduler}: {e}") from None
        futures: dict[Any, list[Task]] = {}
        try:
            nthreads = max(1, sum(client.nthreads().values()))
            limit = 2 * nthreads
            wcfg = self.cfg.worker_cfg()
            exhausted = False
            while True:
                while not exhausted and len(futures) < limit:
                    batch, exhausted = self._batch(source, on_result)
                    if batch:
                        fut = client.submit(_dask_batch, [(t.path, data, t.sha256, t.size) for t, data in batch],
                                            wcfg, self.cfg.timeout, pure=False, retries=0)
                        futures[fut] = [t for t, _ in batch]
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
                    self._deliver(fut, futures.pop(fut), on_result)
                on_tick()
        finally:
            if futures:
                try:
                    client.cancel(list(futures))
                except Exception:
                    pass
            client.close()

    @staticmethod
    def _deliver(fut: Any, tasks: list[Task], on_result: OnResult) -> None:
        try:
            results = fut.result()
        except Exception as e:  # the Dask task itself failed (e.g. its worker was lost)
            results = [{"sha256": t.sha256, "rows": None, "retire": False,
                        "content": failure_content("failed", "dask", f"{type(e).__name__}: {e}",
                                                   version=__version__, size=t.size)} for t in tasks]
        fut.release()
        for task, result in zip(tasks, results, strict=True):
            on_result(task, result)
