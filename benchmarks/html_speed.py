"""HTML extraction speed against two bare parses of the same bytes, measured in the same run.

    .venv/bin/python benchmarks/html_speed.py [--rounds 5] [--large]

For every page in fixtures/html the whole extraction (``extractor.parse`` on the bytes:
decoding, the HTML reader and the format-blind pipeline) is timed against two baselines that
parse the same bytes and extract nothing:

- ``BeautifulSoup(data, "lxml")``: what a user of the usual scraping stack pays just to get a
  tree (goal: ours / bs4 <= 2.0);
- ``lxml.html.document_fromstring(data)``: the bare C parser our reader is built on, the floor.

Each round runs every file once with each tool; the best round counts. Both ratios are printed.
``--large`` adds a generated ~20 MB Word-style table page (the same three measures).
BeautifulSoup is only needed here: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup
from lxml import html as lxml_html

import extractor
from extractor.model import Source
from extractor.pipeline import build_report
from extractor.readers import html as html_reader
from extractor.readers.sniff import sniff_format

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "fixtures" / "html"


def _package_caches() -> list[Callable[[], None]]:
    """``cache_clear`` of every functools cache in the extractor package (found, not listed, so the
    benchmark follows the code when stages move between modules)."""
    import importlib
    import pkgutil
    import sys

    for info in pkgutil.walk_packages(extractor.__path__, "extractor."):
        if info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
        except ImportError:  # optional extras (Dask, Parquet) that are not installed
            continue
    clears = []
    for name, mod in list(sys.modules.items()):
        if name.startswith("extractor"):
            for obj in vars(mod).values():
                if callable(getattr(obj, "cache_clear", None)) and getattr(obj, "__module__", "") == name:
                    clears.append(obj.cache_clear)
    return clears


_CLEARS: list[Callable[[], None]] = []


def clear_caches() -> None:
    """Every round starts with empty label/value caches, as a fresh worker process would."""
    if not _CLEARS:
        _CLEARS.extend(_package_caches())
    for clear in _CLEARS:
        clear()


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


def bare_lxml(data: bytes) -> object:
    return lxml_html.document_fromstring(data)


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
    bare_lxml(pages[0])
    t_ours = best_round(pages, ours, args.rounds)
    t_bs4 = best_round(pages, bare_bs4, args.rounds)
    t_lxml = best_round(pages, bare_lxml, args.rounds)
    # where the time goes (each stage alone, best round)
    t_sniff = best_round(pages, sniff_format, args.rounds)
    t_reader = best_round(pages, reader_only, args.rounds)
    docs = {id(d): html_reader.read(d) for d in pages}
    t_pipe = best_round(pages, lambda d: build_report(docs[id(d)], Source(None, "", "html")), args.rounds)
    print(f"{len(pages)} HTML fixtures, {size / 1024:.0f} KiB, best of {args.rounds} rounds")
    print(f"  extractor.parse (whole extraction) : {t_ours * 1000:8.1f} ms")
    print(f"  BeautifulSoup(html, 'lxml') only   : {t_bs4 * 1000:8.1f} ms")
    print(f"  lxml.html parse only (the floor)   : {t_lxml * 1000:8.1f} ms")
    print(f"  ratio ours / bs4                   : {t_ours / t_bs4:8.2f}  (goal <= 2.00)")
    print(f"  ratio ours / bare lxml parse       : {t_ours / t_lxml:8.2f}")
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
        t0 = time.perf_counter()
        bare_lxml(data)
        t_big_lxml = time.perf_counter() - t0
        print(f"large page {len(data) / 1e6:.1f} MB ({len(report.values)} values)")
        print(f"  extractor.parse  : {t_big:6.2f} s")
        print(f"  bs4 parse only   : {t_big_bs4:6.2f} s   ratio ours / bs4  {t_big / t_big_bs4:6.2f}")
        print(f"  lxml parse only  : {t_big_lxml:6.2f} s   ratio ours / lxml {t_big / t_big_lxml:6.2f}")


if __name__ == "__main__":
    main()
