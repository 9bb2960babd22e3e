"""Batch throughput: files per second with 1 worker and with 2, on the same inputs, in one run.

    .venv/bin/python benchmarks/batch_speed.py [--copies 1000] [--workers 1 2]

Makes ``--copies`` unique files from the text and HTML fixtures (each copy gets a few extra
bytes at the end, so every file has its own sha256 and none is skipped as already done),
runs ``extractor.batch.run`` on them into a fresh OUTDIR per worker count, and prints
files per second three ways, each with its ratio against the first worker count:

* ``run``: the whole parsing phase (start of the run to the last result written: worker
  start-up, hashing and every SQLite transaction included; export excluded);
* ``steady``: from the first result to the last (the throughput once the workers run);
* ``+export``: the whole command, including the final export of the CSV/Parquet files and
  review.html (with 2 workers the export writes about half of its files in a second process).

Goal (issue 5): ``run`` >= 1.8x with 2 workers on 2 cores; the last line says whether it
holds. The rounds interleave the worker counts and the best round of each is reported,
which damps other load on the machine.

Why it scales: each worker parses a file and writes its rows into ``dataset.sqlite``
itself, so the parent process spends about 0.3 ms per file (hashing, hand-out, books)
against about 6 ms of parsing in a worker. With one worker the parent runs beside it on
the second core; with two the three processes share both cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor import batch  # noqa: E402
from extractor.batch import runner  # noqa: E402

PATTERNS = {"text": "*.txt", "html": "*.html", "pdf": "*.pdf"}


def make_inputs(folder: Path, copies: int, formats: Sequence[str] = ("text", "html")) -> int:
    sources = [p for d in formats for p in sorted((ROOT / "fixtures" / d).glob(PATTERNS[d]))
               if p.is_file() and "encrypted" not in p.name]
    if not sources:
        raise SystemExit(f"no fixtures found under fixtures/{{{','.join(formats)}}}")
    folder.mkdir(parents=True)
    for i in range(copies):
        src = sources[i % len(sources)]
        data = src.read_bytes()
        # a trailing newline run that differs per copy: unique bytes, same report
        (folder / f"{i:05d}-{src.name}").write_bytes(data + b"\n" * (1 + i // len(sources)))
    return copies


def measure(inputs: Path, outdir: Path, workers: int) -> tuple[float, float, float, int]:
    """(parsing-phase seconds, steady seconds from first to last result, total seconds, parsed)."""
    t0 = time.perf_counter()
    parse_end = [t0]
    results: list[float] = []
    orig_export = runner.export
    orig_on_result = batch._Run.on_result

    def timed_export(*a, **k):  # type: ignore[no-untyped-def]
        parse_end[0] = time.perf_counter()
        return orig_export(*a, **k)

    def timed_on_result(self, task, result):  # type: ignore[no-untyped-def]
        orig_on_result(self, task, result)
        results.append(time.perf_counter())

    runner.export = timed_export  # type: ignore[assignment]
    batch._Run.on_result = timed_on_result  # type: ignore[method-assign]
    try:
        summary = batch.run([str(inputs)], outdir, workers=workers, progress=False, export_every=0)
    finally:
        runner.export = orig_export  # type: ignore[assignment]
        batch._Run.on_result = orig_on_result  # type: ignore[method-assign]
    total = time.perf_counter() - t0
    return parse_end[0] - t0, results[-1] - results[0], total, summary.counts["parsed"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=1000,
                    help="files in the run (default 1000: worker start-up is amortised as in a real corpus)")
    ap.add_argument("--formats", nargs="+", choices=sorted(PATTERNS), default=["text", "html"],
                    help="fixture folders to copy from (default: text html)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=3,
                    help="rounds (worker counts interleaved); the best round of each count is reported")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}  files: {args.copies} ({' + '.join(args.formats)})  rounds: {args.repeat}")
    best: dict[int, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="extractor-bench-") as tmp:
        inputs = Path(tmp) / "in"
        make_inputs(inputs, args.copies, args.formats)
        for r in range(args.repeat):
            for n in args.workers:
                parse_s, steady_s, total_s, parsed = measure(inputs, Path(tmp) / f"out-{n}-{r}", n)
                assert parsed == args.copies, f"{parsed} parsed, expected {args.copies}"
                rates = [args.copies / parse_s, (args.copies - 1) / steady_s, args.copies / total_s]
                best[n] = [max(a, b) for a, b in zip(best.get(n, rates), rates, strict=True)]
    base = best[args.workers[0]]
    for n in args.workers:
        run_r, steady_r, total_r = best[n]
        print(f"workers={n}: run {run_r:6.1f} files/s ({run_r / base[0]:.2f}x)   "
              f"steady {steady_r:6.1f} files/s ({steady_r / base[1]:.2f}x)   "
              f"+export {total_r:6.1f} files/s ({total_r / base[2]:.2f}x)")
    if len(args.workers) == 2 and args.workers[0] == 1 and args.workers[1] == 2:
        ratio = best[2][0] / base[0]
        print(f"goal: run with 2 workers >= 1.8x of 1 worker: {ratio:.2f}x, "
              f"{'met' if ratio >= 1.8 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
