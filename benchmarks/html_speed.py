"""HTML extraction speed against a bare BeautifulSoup parse, measured in the same run.

    .venv/bin/python benchmarks/html_speed.py [--rounds 5] [--large]

For every page in fixtures/html the whole extraction (``extractor.parse`` on the bytes:
decoding, the HTML reader and the format-blind pipeline) is timed against
``BeautifulSoup(data, "lxml")`` on the same bytes (parsing only, nothing extracted). Each round
runs every file once with each tool; the best round counts. Goal: ratio <= 2.0.
``--large`` adds a generated ~20 MB Word-style table page (reader and pipeline vs bs4).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup

import extractor
from extractor.model import Source
from extractor.pipeline import build_report
from extractor.readers import html as html_reader
from extractor.readers.sniff import sniff_format

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "fixtures" / "html"


def clear_caches() -> None:
    """Every round starts with empty label/value caches, as a fresh worker process would."""
    from extractor import tables, values

    tables._key.cache_clear()
    tables._rx.cache_clear()
    tables._labelish.cache_clear()
    values.parse_value.cache_clear()


def best_round(pages: list[bytes], fn: Callable[[bytes], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        clear_caches()
        t0 = time.perf_counter()
        for data in pages:
            fn(data)
        best = min(best, time.perf_counter() - t0)
    return best


def ours(data: bytes) -> object:
    return extractor.parse(data)


def reader_only(data: bytes) -> object:
    return html_reader.read(data)


def bare_bs4(data: bytes) -> object:
    return BeautifulSoup(data, "lxml")


def large_page(target_mb: float = 20.0) -> bytes:
    head = "<html><head><meta charset='utf-8'></head><body><p>三、收到和处理政府信息公开申请情况</p><table>"
    row = ("<tr><td><p class=MsoNormal><span>行{i}</span></p></td>"
           + "".join(f"<td><p class=MsoNormal><span lang=EN-US>{j}<o:p></o:p></span></p></td>" for j in range(8))
           + "</tr>")
    one = len(row.format(i=0).encode())
    n = int(target_mb * 1_000_000 / one)
    return (head + "".join(row.format(i=i) for i in range(n)) + "</table></body></html>").encode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--large", action="store_true", help="also time a generated ~20 MB table page")
    args = ap.parse_args()

    paths = sorted(HTML.glob("*.html"))
    pages = [p.read_bytes() for p in paths]
    size = sum(len(p) for p in pages)
    ours(pages[0])  # imports and compiled patterns, outside the timing
    bare_bs4(pages[0])
    t_ours = best_round(pages, ours, args.rounds)
    t_bs4 = best_round(pages, bare_bs4, args.rounds)
    # where the time goes (each stage alone, best round)
    t_sniff = best_round(pages, sniff_format, args.rounds)
    t_reader = best_round(pages, reader_only, args.rounds)
    docs = {id(d): html_reader.read(d) for d in pages}
    t_pipe = best_round(pages, lambda d: build_report(docs[id(d)], Source(None, "", "html")), args.rounds)
    print(f"{len(pages)} HTML fixtures, {size / 1024:.0f} KiB, best of {args.rounds} rounds")
    print(f"  extractor.parse (whole extraction) : {t_ours * 1000:8.1f} ms")
    print(f"  BeautifulSoup(html, 'lxml') only   : {t_bs4 * 1000:8.1f} ms")
    print(f"  ratio ours / bs4                   : {t_ours / t_bs4:8.2f}  (goal <= 2.00)")
    print("  stages alone:")
    print(f"    sniff_format                     : {t_sniff * 1000:8.1f} ms")
    print(f"    HTML reader (bytes -> Document)  : {t_reader * 1000:8.1f} ms  ({t_reader / t_bs4:.2f} x bs4)")
    print(f"    pipeline (Document -> Report)    : {t_pipe * 1000:8.1f} ms")

    if args.large:
        data = large_page()
        t0 = time.perf_counter()
        report = extractor.parse(data)
        t_big = time.perf_counter() - t0
        t0 = time.perf_counter()
        bare_bs4(data)
        t_big_bs4 = time.perf_counter() - t0
        print(f"large page {len(data) / 1e6:.1f} MB ({len(report.values)} values)")
        print(f"  extractor.parse : {t_big:6.2f} s")
        print(f"  bs4 parse only  : {t_big_bs4:6.2f} s")
        print(f"  ratio           : {t_big / t_big_bs4:6.2f}")


if __name__ == "__main__":
    main()
