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
