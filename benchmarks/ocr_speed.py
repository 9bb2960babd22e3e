"""OCR speed and memory (needs the ``ocr`` extra).

    .venv/bin/python benchmarks/ocr_speed.py [--dpi 200] [--pages 20] [--threads 1]

Speed: for each page of the county-2021 scan (fixtures/make_scans.py at ``--dpi``), the
whole OCR path of one page (:func:`extractor.ocr.layout.read_page`: orientation, deskew,
detection, rulings, recognition, grid) against one bare RapidOCR call (detection, direction
classifier, recognition) on the same page image, in the same process with the models loaded
once; the best of ``--rounds`` each. Goal: the whole path no slower than the bare call.

Memory (measured first, so that the peak is ours alone): ``--pages`` page reads in a row
(the scan's pages over and over), RSS printed after every 5 and the peak
(``resource.getrusage``). Goal: flat after the first pages.

Memory of a batch worker (``--worker-files``, default 6; 0: skip): one real worker process of
``extractor run`` (:class:`extractor.batch.worker.Worker`, OCR on, one onnxruntime thread)
parses the scanned fixture ``fixtures/pdf/county-2021-scanned.image-only.pdf`` (3 pages read
by OCR) that many times; its RSS (``VmRSS``) after the first file and after the last, and its
peak (``VmHWM``), from ``/proc/<pid>/status``. Goal: the models load once (the first file)
and RSS stays flat after it.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "fixtures"))


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _proc_mb(pid: int, key: str) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    import os

    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_memory(files: int) -> None:
    """RSS of one batch worker over ``files`` parses of the image-only scan (3 OCR'd pages each)."""
    import os

    from extractor.batch.worker import EngineConfig, Task, Worker

    data = (ROOT / "fixtures" / "pdf" / "county-2021-scanned.image-only.pdf").read_bytes()
    os.environ["EXTRACTOR_OCR_THREADS"] = "1"  # the worker inherits it: one thread, as one of many workers
    w = Worker(EngineConfig(workers=1, timeout=0, max_memory_mb=4096).worker_cfg())
    rss: list[float] = []
    try:
        for k in range(1, files + 1):
            t = _proc_cpu(w.proc.pid) if w.state != "starting" else 0.0
            res = w.call(Task(k, f"scan-{k}.pdf", None, len(data), data=data), timeout=0)
            assert res["content"]["status"] == "ok", res["content"]
            rss.append(_proc_mb(w.proc.pid, "VmRSS"))
            print(f"  worker after file {k} ({3 * k} OCR'd pages): RSS {rss[-1]:.0f} MB, "
                  f"{res['content']['n_values']} values (worker CPU {_proc_cpu(w.proc.pid) - t:.1f} s)")
        peak = _proc_mb(w.proc.pid, "VmHWM")
    finally:
        w.stop()
    print(f"batch worker, OCR on: RSS {rss[0]:.0f} MB after file 1 (models loaded), {rss[-1]:.0f} MB after file "
          f"{files} ({3 * files} pages): growth {rss[-1] - rss[0]:+.0f} MB; peak {peak:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime threads (default 1: one batch worker)")
    ap.add_argument("--worker-files", type=int, default=6,
                    help="parses of the 3-page scanned fixture by one batch worker, for its memory (0: skip)")
    args = ap.parse_args(argv)
    if args.worker_files > 0:
        print(f"memory of one batch worker over {args.worker_files} files:")
        worker_memory(args.worker_files)

    import cv2
    import make_scans
    import numpy as np

    from extractor.ocr.engine import get_engine
    from extractor.ocr.layout import PageInfo, read_page

    t = time.perf_counter()
    engine = get_engine(args.threads)
    print(f"models loaded in {time.perf_counter() - t:.2f} s; RSS {rss_mb():.0f} MB")
    src = (ROOT / "fixtures" / "pdf" / "county-2021.plain.pdf").read_bytes()
    pages = [np.asarray(p, dtype=np.uint8) for p in make_scans.scanned_pages(src, args.dpi)]
    scale = args.dpi / 72

    print(f"memory over {args.pages} pages:")
    for k in range(1, args.pages + 1):
        read_page(pages[(k - 1) % len(pages)], k, engine, scale, PageInfo())
        if k % 5 == 0:
            print(f"  after {k:3d} pages: RSS {rss_mb():.0f} MB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB after {args.pages} pages of the OCR path (models loaded, {args.threads} thread(s))")

    total_ours = total_bare = 0.0
    for i, gray in enumerate(pages, 1):
        bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
        bare = ours = float("inf")
        for _ in range(args.rounds):
            t = time.perf_counter()
            engine.rapid(bgr)
            bare = min(bare, time.perf_counter() - t)
            t = time.perf_counter()
            read_page(gray, i, engine, scale, PageInfo())
            ours = min(ours, time.perf_counter() - t)
        total_ours += ours
        total_bare += bare
        print(f"page {i} ({gray.shape[1]}x{gray.shape[0]} px): whole OCR path {ours:.2f} s, "
              f"bare RapidOCR call {bare:.2f} s, ratio {ours / bare:.2f}")
    n = len(pages)
    print(f"seconds per page at {args.dpi} dpi: ours {total_ours / n:.2f}, bare {total_bare / n:.2f}, "
          f"ratio {total_ours / total_bare:.2f} (goal <= 1.00)")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB after the speed comparison (includes the bare RapidOCR calls)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
