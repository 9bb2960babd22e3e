"""What the sources beside the review's cards cost: export time and review size, with and
without crops, per 1 000 reports.

    .venv/bin/python benchmarks/review_size.py [--n 1000] [--workers 2] [--keep DIR]

Generates N unique reports as ``benchmarks/scale.py`` does (fixture specs with random
numbers, one in eight with a total off by one; text, HTML and one in ten a copy of a
fixture PDF, among them the flagged ``city-2022-bad-totals.split-results.pdf``), runs
``extractor run --no-review`` on them once, then in this process, on the same store:

* the review alone (``extractor.review.write_review_files``) with ``crops=False`` and
  ``crops=True``: CPU time (``time.process_time``: the machine is shared, wall time would
  measure the neighbours), the size of ``review.html`` + ``review/``, the PNG crops
  (count, bytes, bytes per flagged PDF table);
* the whole export (``extractor.export.export``, ``jobs=1``) with and without crops, CPU time.

Every figure is also given per 1 000 reports.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import generate  # noqa: E402


def _size(paths: list[Path]) -> int:
    total = 0
    for p in paths:
        if p.is_dir():
            total += sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
        elif p.is_file():
            total += p.stat().st_size
    return total


def review_once(db: Path, out: Path, crops: bool) -> dict[str, Any]:
    """Write the review of the store ``db`` into ``out``; its CPU time and sizes."""
    from extractor.review import write_review_files
    from extractor.review.cards import build, drop

    out.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)
    try:
        t = time.process_time()
        sources = write_review_files(conn, out / "review.html", out / "review", crops=crops)
        cpu = time.process_time() - t
        built = build(conn)
        n_pdf = conn.execute("SELECT COUNT(*) FROM rv_cards WHERE fmt = 'pdf' AND tbl != ''").fetchone()[0]
        n_tables = conn.execute("SELECT COUNT(*) FROM rv_cards WHERE tbl != ''").fetchone()[0]
        drop(conn)
    finally:
        conn.close()
    return {"cpu": cpu, "bytes": _size([out / "review.html", out / "review"]), "cards": built.n_cards,
            "tables": n_tables, "pdf_tables": n_pdf, "images": sources.n_images, "image_bytes": sources.image_bytes}


def export_once(out: Path, crops: bool) -> float:
    """CPU time of a whole export of the store in ``out`` (``jobs=1``)."""
    from extractor import export as exporting
    from extractor.dataset import Store

    store = Store(out / "dataset.sqlite")
    try:
        t = time.process_time()
        exporting.export(store, out, jobs=1, crops=crops)
        return time.process_time() - t
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="reports to generate (default: 1000)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = ap.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="review-size-"))
    try:
        inputs, out = root / "in", root / "out"
        if not out.joinpath("dataset.sqlite").is_file():
            counts = generate(inputs, args.n)
            print(f"generated {args.n} reports: {counts}")
            subprocess.run([sys.executable, "-m", "extractor", "run", str(inputs), "-o", str(out), "-q",
                            "--workers", str(args.workers), "--no-review", "--export-every", "0"], check=True)
        per = 1000 / args.n
        print(f"\nper 1 000 reports (N = {args.n}; CPU time of this process; the machine is shared with other "
              "jobs, so times move with their load)\n")
        print("| crops | review CPU s | review MB | cards (tables) | PNG crops | PNG MB | bytes per flagged PDF table "
              "| whole export CPU s |")
        print("|---|---|---|---|---|---|---|---|")
        rows = {}
        for crops in (False, True):
            r = review_once(out / "dataset.sqlite", root / f"review-{'crops' if crops else 'plain'}", crops)
            r["export"] = export_once(out, crops)
            rows[crops] = r
            per_pdf = f"{r['image_bytes'] / r['pdf_tables'] / 1000:.1f} KB" if r["pdf_tables"] and crops else "—"
            print(f"| {'on' if crops else 'off'} | {r['cpu'] * per:.2f} | {r['bytes'] * per / 1e6:.2f} | "
                  f"{r['cards'] * per:.0f} ({r['tables'] * per:.0f}) | {r['images'] * per:.0f} | "
                  f"{r['image_bytes'] * per / 1e6:.2f} | {per_pdf} | {r['export'] * per:.2f} |")
        off, on = rows[False], rows[True]
        print(f"\ncrops add {(on['bytes'] - off['bytes']) * per / 1e6:.2f} MB and "
              f"{(on['cpu'] - off['cpu']) * per:.2f} CPU s to the review per 1 000 reports "
              f"({on['pdf_tables']} flagged PDF tables of {on['tables']} flagged tables in {args.n} reports); "
              f"at 10 000 reports: about {(on['bytes']) * 10000 / args.n / 1e6:.0f} MB of review")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
