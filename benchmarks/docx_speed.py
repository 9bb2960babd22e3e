"""DOCX reading speed against a bare unzip + lxml parse of word/document.xml, measured in
the same run; LibreOffice conversion time per .doc/.odt file, separately.

    .venv/bin/python benchmarks/docx_speed.py [--rounds 5] [--no-convert]

For every .docx in fixtures/docx, each round times (a) the bare baseline: open the ZIP,
inflate ``word/document.xml`` and ``lxml.etree.fromstring`` it (nothing extracted), (b) the
DOCX reader (``extractor.readers.docx.read``: the same parse plus numbering.xml, styles.xml
and the walk into lines and grids) and (c) the whole ``extractor.parse`` (reader and the
format-blind pipeline), next to (d) a floor: the bare baseline, then every ``w:p``,
``w:t``, ``w:tc`` and ``w:tr`` visited and the same Text, Cell and Grid objects as the
reader's, made as the reader makes them (what no reader of these files can skip). Times are CPU time of this process (``time.process_time``: other
processes on a busy machine do not count); the best round counts. Goal: reader / bare <= 2.0. A generated
document of 100 000 paragraphs and a 300-row table is timed the same way (same number of rounds).

Then each .doc/.odt fixture is converted to DOCX once by LibreOffice
(``extractor.readers.office.convert_to_docx``: fresh profile, own process) and the wall
time printed per file; that cost is the converter's, not the reader's.
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from lxml import etree

import extractor
from extractor.model import Block, Cell, Document, Grid, Text
from extractor.readers import docx as docx_reader
from extractor.readers import office

ROOT = Path(__file__).resolve().parent.parent
DOCX = ROOT / "fixtures" / "docx"
sys.path.insert(0, str(ROOT / "tests"))


def bare(data: bytes) -> object:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read("word/document.xml"))


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
make_text, make_cell = docx_reader._text, docx_reader._cell
_VISITED = (f"{_W}p", f"{_W}t", f"{_W}tc", f"{_W}tr")


def floor_of(doc: Document) -> Callable[[bytes], object]:
    """The floor for one file: the bare baseline, then every ``w:p``, ``w:t``, ``w:tc`` and
    ``w:tr`` visited (its tag and text read: what any reader must look at) and the same
    Text, Cell and Grid objects as ``doc``, made as the reader makes them (lines and
    one-slot cells without the dataclass ``__init__``: ``docx._text``, ``docx._cell``; the
    cyclic garbage collector paused)."""
    spec = [(b.text, b.where) if isinstance(b, Text) else
            [[(c.text, c.where, c.rowspan, c.colspan, c.origin) for c in row] for row in b.rows]
            for b in doc.blocks]

    def floor(data: bytes) -> object:
        gc.disable()  # as the reader does while it makes its objects
        try:
            return made(data)
        finally:
            gc.enable()

    def made(data: bytes) -> object:
        root = bare(data)
        for el in root.iter(*_VISITED):  # type: ignore[attr-defined]
            el.tag, el.text  # noqa: B018
        blocks: list[Block] = []
        for item in spec:
            if isinstance(item, tuple):
                blocks.append(make_text(item[0], dict(item[1])))
            else:
                blocks.append(Grid(tuple(tuple(make_cell(t, dict(w)) if rs == cs == 1 and o else
                                               Cell(t, dict(w), rs, cs, o) for t, w, rs, cs, o in row)
                                         for row in item), {"table": 0}, "docx"))
        return Document(tuple(blocks), "docx")

    return floor


def best_rounds(files: list[bytes], fns: list[Callable[[bytes], object]], rounds: int) -> list[float]:
    """Best time of each function over ``rounds`` rounds, the functions interleaved within
    each round (a busy machine slows them alike)."""
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for k, fn in enumerate(fns):
            t0 = time.process_time()
            for data in files:
                fn(data)
            best[k] = min(best[k], time.process_time() - t0)
    return best


def large() -> bytes:
    from docxbuild import document_xml, package, tbl, tc

    body = "".join(f"<w:p><w:r><w:t>第{i}段，正文文字若干。</w:t></w:r></w:p>" for i in range(100_000))
    rows = [tc(f"行{r}", vmerge="restart" if r % 3 == 0 else "continue") + "".join(tc(str(r * c)) for c in range(9))
            for r in range(300)]
    return package(document_xml(body + tbl(*rows)))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-convert", action="store_true", help="skip the LibreOffice conversions")
    args = ap.parse_args(argv)
    names = sorted(p for p in DOCX.glob("*.docx"))
    files = [p.read_bytes() for p in names]
    floors = {id(d): floor_of(docx_reader.read(d)) for d in files}
    b, fl, r, f = best_rounds(files, [bare, lambda d: floors[id(d)](d), docx_reader.read, extractor.parse],
                              args.rounds)
    print(f"{len(files)} DOCX fixtures, best of {args.rounds} rounds")
    print(f"  bare unzip + lxml of word/document.xml: {b * 1000:8.1f} ms")
    print(f"  floor (bare + visit p/t/tc/tr + objects):{fl * 1000:7.1f} ms   ratio {fl / b:.2f}")
    print(f"  DOCX reader:                           {r * 1000:8.1f} ms   ratio {r / b:.2f} (goal <= 2.0)")
    print(f"  extractor.parse (reader + pipeline):   {f * 1000:8.1f} ms   ratio {f / b:.2f}")
    big = [large()]
    big_floor = floor_of(docx_reader.read(big[0]))
    b, fl, r = best_rounds(big, [bare, big_floor, docx_reader.read], args.rounds)
    print(f"generated 100 000 paragraphs + 300-row table ({len(big[0]) // 1024} KB zipped)")
    print(f"  bare {b * 1000:.0f} ms, floor {fl * 1000:.0f} ms (ratio {fl / b:.2f}), "
          f"DOCX reader {r * 1000:.0f} ms, ratio {r / b:.2f} (goal <= 2.0)")
    if args.no_convert:
        return 0
    if office.soffice_path() is None:
        print(f"LibreOffice conversion: skipped (soffice not installed; {office.INSTALL_HINT})")
        return 0
    print("LibreOffice conversion to DOCX (one run per file, fresh profile each):")
    for p in sorted([*DOCX.glob("*.doc"), *DOCX.glob("*.odt")]):
        data = p.read_bytes()
        t0 = time.perf_counter()
        out = office.convert_to_docx(data, p.suffix.lstrip("."))
        t1 = time.perf_counter()
        docx_reader.read(out)
        t2 = time.perf_counter()
        print(f"  {p.name:45s} convert {t1 - t0:6.2f} s   then read {(t2 - t1) * 1000:6.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
