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

Modules, one per concern: :mod:`.work` (the per-file work), :mod:`.worker` (the worker
process and its protocol), :mod:`.local` (the local engine), :mod:`.dask_engine` (the Dask
engine), :mod:`.inputs` (input discovery and hashing), :mod:`.progress` (the progress bar),
:mod:`.runner` (the run and its summary). The command line is in :mod:`extractor.cli`.

Faults (crashes, hangs, memory blow-ups) are injected by the tests from outside: see
``tests/faults/sitecustomize.py``.
"""

from __future__ import annotations

from .dask_engine import DaskEngine, shutdown_dask_pool
from .errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_SOME_FAILED, BatchError, UsageError
from .inputs import InputFile, InputSpool, collect_inputs, display_path, spool_inputs
from .local import LocalEngine
from .progress import Progress
from .runner import RunSummary, _acquire_lock, _Run, run
from .work import NON_REPORT_BINARY_EXTS, NON_REPORT_TEXT_EXTS, process_file
from .worker import EngineConfig, Task, Worker, _child_main, _WorkerWriter

__all__ = [
    "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_SOME_FAILED", "NON_REPORT_BINARY_EXTS", "NON_REPORT_TEXT_EXTS",
    "BatchError", "DaskEngine", "EngineConfig", "InputFile", "InputSpool", "LocalEngine", "Progress", "RunSummary", "Task",
    "UsageError", "Worker", "_Run", "_WorkerWriter", "_acquire_lock", "_child_main", "collect_inputs",
    "display_path", "process_file", "run", "shutdown_dask_pool", "spool_inputs",
]
