"""PDF speed and memory, measured in one run over the PDF fixtures (fixtures/pdf/*.pdf).

    .venv/bin/python benchmarks/pdf_speed.py [--rounds 3] [--repeat 20]

Speed: our extraction (``extractor.readers.pdf.read``, and the whole ``extractor.parse`` with
the pipeline) against the naive pdfplumber baseline — open the PDF, ``extract_text()`` and
``extract_tables()`` on every page — on the same files in the same process; the best of
``--rounds`` rounds each, in CPU time of this process (the machine may be shared: wall time
would measure the neighbours). Goal: at least 3x faster. Also in milliseconds per page, beside
the floor: pypdfium2's bare text extraction (every page's ``get_text_range()``, nothing else)
on the same files — what no PDF reader built on pdfium can beat.

OCR is off here (``Limits(ocr=False)``): the baseline reads no picture, and the pages without
a text layer of the two scanned fixtures would measure the recogniser (``ocr_speed.py`` does).

Memory: peak RSS of a fresh process that parses every fixture once, against one that parses
them ``--repeat`` times (and its RSS after each round). Goal: flat (within 10%).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PDF_DIR = ROOT / "fixtures" / "pdf"

from extractor.limits import DEFAULT_LIMITS, Limits  # noqa: E402


def _no_ocr() -> Limits:
    """The default limits with OCR off (see the module docs)."""
    return dataclasses.replace(DEFAULT_LIMITS, ocr=False)


def readable_files() -> list[Path]:
    """The fixtures that open (not the one locked with a user password)."""
    from extractor.errors import ExtractorError
    from extractor.readers import pdf

    out = []
    for p in sorted(PDF_DIR.glob("*.pdf")):
        try:
            pdf.read(p.read_bytes(), _no_ocr())
        except ExtractorError:
            continue
        out.append(p)
    return out


def baseline(data: bytes) -> int:
    """The naive way: every page's text and tables with pdfplumber."""
    import pdfplumber

    n = 0
    with pdfplumber.open(io.BytesIO(data), password="") as pdf:
        for page in pdf.pages:
            n += len(page.extract_text() or "")
            n += sum(len(t) for t in page.extract_tables())
            page.close()
    return n


def floor(data: bytes) -> int:
    """pypdfium2's bare text extraction: every page's text, no geometry, no tables."""
    import pypdfium2

    n = 0
    doc = pypdfium2.PdfDocument(data, password="")
    try:
        for page in doc:
            tp = page.get_textpage()
            n += len(tp.get_text_range())
            tp.close()
            page.close()
    finally:
        doc.close()
    return n


def ours_reader(data: bytes) -> int:
    from extractor.readers import pdf

    return len(pdf.read(data, _no_ocr()).blocks)


def ours_parse(data: bytes) -> int:
    import extractor

    return len(extractor.parse(data, limits=_no_ocr()).values)


def best_time(fn, datas: list[bytes], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t = time.process_time()
        for d in datas:
            fn(d)
        best = min(best, time.process_time() - t)
    return best


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


def child(repeat: int) -> None:
    """Parse every fixture ``repeat`` times; print peak RSS and RSS after each round (JSON)."""
    import gc

    import extractor

    datas = [p.read_bytes() for p in readable_files()]
    limits = _no_ocr()
    after = []
    for _ in range(repeat):
        for d in datas:
            extractor.parse(d, limits=limits)
        gc.collect()
        after.append(rss_kb())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_kb": peak, "rss_after_round_kb": after}))


def run_child(repeat: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(repeat)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return 0

    files = readable_files()
    datas = [p.read_bytes() for p in files]
    pages = 0
    import pypdfium2

    for d in datas:
        doc = pypdfium2.PdfDocument(d)
        pages += len(doc)
        doc.close()
    print(f"{len(files)} PDF fixtures, {pages} pages, {sum(map(len, datas)) // 1024} KB")

    for fn in (baseline, floor, ours_reader, ours_parse):  # warm up imports and caches
        fn(datas[0])
    t_base = best_time(baseline, datas, args.rounds)
    t_floor = best_time(floor, datas, args.rounds)
    t_reader = best_time(ours_reader, datas, args.rounds)
    t_parse = best_time(ours_parse, datas, args.rounds)

    def ms(t: float) -> str:
        return f"{1000 * t / pages:6.1f} ms/page"

    print("CPU time, best of", args.rounds, "rounds")
    print(f"naive pdfplumber (extract_text + extract_tables, every page): {t_base:7.3f} s  {ms(t_base)}")
    print(f"floor: pypdfium2 bare text extraction (get_text_range):       {t_floor:7.3f} s  {ms(t_floor)}")
    print(f"ours, reader only (extractor.readers.pdf.read):               {t_reader:7.3f} s  {ms(t_reader)}"
          f"   {t_base / t_reader:5.1f}x faster than naive, {t_reader / t_floor:5.1f}x the floor")
    print(f"ours, whole extraction (extractor.parse, reader + pipeline):  {t_parse:7.3f} s  {ms(t_parse)}"
          f"   {t_base / t_parse:5.1f}x faster than naive, {t_parse / t_floor:5.1f}x the floor")
    print(f"speed goal (>= 3x, whole extraction): {'met' if t_base / t_parse >= 3 else 'NOT met'}")

    once = run_child(1)
    many = run_child(args.repeat)
    ratio = many["peak_kb"] / once["peak_kb"]
    print(f"peak RSS, every fixture parsed once:       {once['peak_kb'] / 1024:7.1f} MB")
    print(f"peak RSS, every fixture parsed {args.repeat:2d} times:  {many['peak_kb'] / 1024:7.1f} MB   ratio {ratio:.3f}")
    rounds = many["rss_after_round_kb"]
    print(f"RSS after rounds 1, {len(rounds) // 2}, {len(rounds)}: "
          f"{rounds[0] / 1024:.1f} / {rounds[len(rounds) // 2 - 1] / 1024:.1f} / {rounds[-1] / 1024:.1f} MB")
    print(f"memory goal (flat within 10%): {'met' if ratio <= 1.10 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
