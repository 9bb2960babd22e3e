"""Test-only fault injection into ``extractor run``'s worker processes.

The tests put this folder on the workers' ``PYTHONPATH`` (the ``faults_in_workers``
fixture of ``tests/test_batch.py``; workers inherit the parent's environment, see
``extractor.dataset.child_env``), so Python imports this module at start-up in every child.
When one of the variables below is set, it patches the worker's per-file work; each takes a
substring of the file path:

* ``EXTRACTOR_TEST_CRASH_ON``: ``os._exit(70)`` while parsing;
* ``EXTRACTOR_TEST_SEGFAULT_ON``: a segmentation fault (SIGSEGV) while parsing;
* ``EXTRACTOR_TEST_HANG_ON``: sleeps for good while parsing;
* ``EXTRACTOR_TEST_MEMORY_ON``: allocates 64 MiB blocks until the memory cap stops it;
* ``EXTRACTOR_TEST_KILL_ON``: SIGKILLs itself while parsing;
* ``EXTRACTOR_TEST_KILL_WRITING_ON``: SIGKILLs itself while writing the file into the dataset,
  its values inserted and its reports row not yet (inside the transaction);
* ``EXTRACTOR_TEST_EXIT_AFTER_WRITE_ON``: ``os._exit(71)`` after writing the file, before
  reporting it to the parent.

Nothing under ``extractor/`` reads these variables.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

PREFIX = "EXTRACTOR_TEST_"
FAULTS = {k[len(PREFIX):]: v for k, v in os.environ.items() if k.startswith(PREFIX) and v}
_current = {"path": ""}


def _hit(name: str, path: str) -> bool:
    s = FAULTS.get(name, "")
    return bool(s) and s in path


def _while_parsing(path: str) -> None:
    if _hit("CRASH_ON", path):
        os._exit(70)
    if _hit("SEGFAULT_ON", path):
        import ctypes

        ctypes.string_at(0)
    if _hit("KILL_ON", path):
        os.kill(os.getpid(), signal.SIGKILL)
    if _hit("HANG_ON", path):
        while True:
            time.sleep(3600)
    if _hit("MEMORY_ON", path):
        hog = []
        for _ in range(128):  # at most 8 GiB, in 64 MiB steps
            hog.append(bytearray(64 * 1024 * 1024))
        del hog


def _install() -> None:
    import extractor
    from extractor import batch
    from extractor.dataset import Store

    worker: Any = sys.modules[batch._child_main.__module__]  # where the worker loop finds process_file
    process_file = worker.process_file
    parse = extractor.parse
    write = worker._WorkerWriter.write
    report_tuple = Store._report_tuple

    def faulty_process_file(path: str, *a: Any, **k: Any) -> dict[str, Any]:
        _current["path"] = path
        try:
            return process_file(path, *a, **k)
        finally:
            _current["path"] = ""

    def faulty_parse(*a: Any, **k: Any) -> Any:
        _while_parsing(_current["path"])  # inside process_file: its error handling applies
        return parse(*a, **k)

    def faulty_write(self: Any, result: dict[str, Any], paths: Any, unseen: bool) -> None:
        write(self, result, paths, unseen)
        if paths and _hit("EXIT_AFTER_WRITE_ON", paths[0]):
            os._exit(71)

    def faulty_report_tuple(self: Any, path: str, *a: Any, **k: Any) -> Any:
        if _hit("KILL_WRITING_ON", path):
            os.kill(os.getpid(), signal.SIGKILL)
        return report_tuple(self, path, *a, **k)

    worker.process_file = faulty_process_file
    extractor.parse = faulty_parse
    worker._WorkerWriter.write = faulty_write
    Store._report_tuple = faulty_report_tuple  # type: ignore[method-assign]


if FAULTS:
    _install()
