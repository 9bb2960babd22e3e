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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime threads (default 1: one batch worker)")
    args = ap.parse_args(argv)

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
