"""Accuracy on the fixtures: per format, the share of expected cells extracted exactly
(same kind and same value), plus metadata, template and section agreement; then, side by side
for every PDF and HTML fixture, the cells exact for the naive baseline (benchmarks/baseline.py:
pdfplumber / pandas.read_html and a keyword mapper) and for us, per file and in total, and the
files where we read fewer (tests/test_baseline_guard.py fails on those).

    python benchmarks/accuracy.py            # table per format, then the side-by-side table
    python benchmarks/accuracy.py --json     # per format only, machine-readable (used by the tests)

A cell is exact when the field is present with the expected kind, value and unit
(``cell_exact``): the same rule for the baseline and for us. Our side is ``extractor.parse``
with its default limits: with the OCR extra installed, pages without a text layer are read by
OCR (``county-2021-part-scanned.first-page-image.pdf``: its first page), and the table's header
says whether it was.

Files scored per format: every fixture of ``fixtures/<format>/``; for text also the scraped
shapes of ``fixtures/text/shapes/`` (pipe-per-line, one-line fused, Traditional and Big5,
fragments), each against its own expected record ``expected/<name>.<rendering>.json`` where
it has one (the one-line files: without the cells their arithmetic cannot resolve), else its
tidy twin's; for text and HTML also the Traditional mirrors of ``fixtures/traditional/``,
against their Simplified twin's record: values, template, year, date and section numbers
(their issuer and titles are printed in Traditional, so those are not compared).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import extractor  # noqa: E402

FORMAT_DIRS = {"text": "text", "html": "html", "pdf": "pdf", "word": "docx"}  # word: .docx, .doc, .odt
#: more folders scored with a format, and the file endings taken from them
MORE_DIRS = {"text": (("text/shapes", ".txt"), ("traditional", ".txt")), "html": (("traditional", ".html"),)}
MIRRORS = "traditional"  # the folder of Traditional mirrors, scored against their Simplified twin
Reading = tuple[str, int | float | None, str | None]  # kind, value, unit (as in baseline.py)


@dataclass
class Score:
    files: int = 0
    cells: int = 0
    exact: int = 0
    extra: int = 0
    meta_ok: int = 0
    sections_ok: int = 0
    misses: list[str] = field(default_factory=list)


def expected_for(path: Path) -> dict | None:
    """The expected record of a fixture: ``<name>.<rendering>.json`` when the rendering has
    one of its own (a scraped shape), else ``<name>.json``."""
    parts = path.name.split(".")
    own = ROOT / "fixtures" / "expected" / f"{parts[0]}.{parts[1]}.json" if len(parts) > 2 else None
    p = own if own is not None and own.exists() else ROOT / "fixtures" / "expected" / f"{parts[0]}.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


def cell_exact(got: Reading | None, e: dict) -> bool:
    """The reading ``got`` (None: no reading) matches the expected cell ``e``."""
    if got is None:
        return False
    kind, value, unit = got
    return kind == e["kind"] and value == e["value"] and unit == e.get("unit", unit)


def compare(path: Path, exp: dict) -> tuple[int, int, int, bool, bool, list[str]]:
    rep = extractor.parse(path)
    got = {v.field: v for v in rep.values}
    exact = 0
    misses = []
    for f, e in exp["values"].items():
        v = got.get(f)
        if v is not None and cell_exact((v.kind, v.value, v.unit), e):
            exact += 1
        else:
            misses.append(f"{path.name}: {f} expected {e['kind']} {e['value']!r}, got "
                          + (f"{v.kind} {v.value!r}" if v else "nothing"))
    extra = len(set(got) - set(exp["values"]))
    md = rep.metadata
    mirror = path.parent.name == MIRRORS
    meta_ok = (md.template, md.year, md.published) == (exp["template"], exp["year"], exp["published"]) and (
        mirror or md.issuer == exp["issuer"])
    sections_ok = [(s.number, None if mirror else s.title) for s in rep.sections] == [
        (s["number"], None if mirror else s["title"]) for s in exp["sections"]]
    return len(exp["values"]), exact, extra, meta_ok, sections_ok, misses


def run() -> dict[str, Score]:
    scores: dict[str, Score] = {}
    for fmt, d in FORMAT_DIRS.items():
        folder = ROOT / "fixtures" / d
        if not folder.is_dir():
            continue
        sc = Score()
        # PDF cases that are meant to fail to read (encrypted with a password) say so
        cases_file = folder / "cases.json"
        cases = json.loads(cases_file.read_text(encoding="utf-8")) if cases_file.exists() else {}
        paths = sorted(folder.iterdir()) + [
            p for sub, ending in MORE_DIRS.get(fmt, ()) for p in sorted((ROOT / "fixtures" / sub).glob(f"*{ending}"))]
        for path in paths:
            exp = expected_for(path)
            if exp is None or not path.is_file() or cases.get(path.name, {}).get("expect", "values") != "values":
                continue
            try:
                n, exact, extra, meta_ok, sec_ok, misses = compare(path, exp)
            except extractor.errors.ConverterMissing:
                continue  # a .doc/.odt without LibreOffice installed: not scored
            except extractor.ExtractorError as e:
                sc.files += 1
                sc.cells += len(exp["values"])
                sc.misses.append(f"{path.name}: error {e}")
                continue
            sc.files += 1
            sc.cells += n
            sc.exact += exact
            sc.extra += extra
            sc.meta_ok += meta_ok
            sc.sections_ok += sec_ok
            sc.misses += misses
        scores[fmt] = sc
    return scores


@dataclass
class SideBySide:
    """One PDF or HTML fixture read by both tools: the fields each reads exactly."""

    path: Path
    cells: int
    baseline: frozenset[str]
    ours: frozenset[str]

    @property
    def lost(self) -> list[str]:
        """Fields the baseline reads exactly and we do not."""
        return sorted(self.baseline - self.ours)


def _cases(folder: Path) -> dict:
    cases_file = folder / "cases.json"
    return json.loads(cases_file.read_text(encoding="utf-8")) if cases_file.exists() else {}


def side_by_side_expected(path: Path) -> dict | None:
    """The expected record of a PDF or HTML fixture: by its name, or by the report ``cases.json``
    names (county-2021-part-scanned.… is county-2021 with its first page an image)."""
    report = _cases(path.parent).get(path.name, {}).get("report")
    return expected_for(path.with_name(f"{report}.x")) if report else expected_for(path)


def side_by_side_files() -> list[Path]:
    """Every PDF and HTML fixture whose expected record has values and that is meant to be read
    (``cases.json``: ``values`` or ``partial``; not the one locked with a password), and, when
    the OCR extra is installed, the image-only PDF (``no_text_layer``: read by OCR)."""
    from extractor import ocr

    readable = ("values", "partial", "no_text_layer") if ocr.available() else ("values", "partial")
    out = []
    for d in ("pdf", "html"):
        folder = ROOT / "fixtures" / d
        cases = _cases(folder)
        for path in sorted(folder.glob(f"*.{d}")):
            exp = side_by_side_expected(path)
            if exp and exp["values"] and cases.get(path.name, {}).get("expect", "values") in readable:
                out.append(path)
    return out


def ours_reading(path: Path) -> dict[str, Reading]:
    try:
        rep = extractor.parse(path)
    except extractor.ExtractorError:
        return {}
    return {v.field: (v.kind, v.value, v.unit) for v in rep.values}


def side_by_side_one(path: Path) -> SideBySide:
    import baseline

    exp = side_by_side_expected(path)
    assert exp is not None, path
    try:
        base = baseline.read(path)
    except Exception:  # noqa: BLE001 - a file the baseline's libraries cannot open reads nothing
        base = {}
    ours = ours_reading(path)
    values = exp["values"]
    return SideBySide(path, len(values),
                      frozenset(f for f, e in values.items() if cell_exact(base.get(f), e)),
                      frozenset(f for f, e in values.items() if cell_exact(ours.get(f), e)))


def side_by_side() -> list[SideBySide]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    return [side_by_side_one(p) for p in side_by_side_files()]


def print_side_by_side(rows: list[SideBySide]) -> None:
    from extractor import ocr

    print("\ncells exact, side by side: baseline (pdfplumber extract_tables / pandas.read_html + "
          "keyword mapper, benchmarks/baseline.py) and us ("
          + ("OCR on: the ocr extra is installed" if ocr.available() else
             "OCR off: the ocr extra is not installed, scanned pages are gaps") + ")")
    print(f"{'file':52} {'cells':>6} {'baseline':>8} {'ours':>6}")
    for r in rows:
        mark = "  <- we read fewer" if len(r.ours) < len(r.baseline) else ""
        print(f"{r.path.parent.name + '/' + r.path.name:52} {r.cells:6d} {len(r.baseline):8d} {len(r.ours):6d}{mark}")
    cells = sum(r.cells for r in rows)
    base = sum(len(r.baseline) for r in rows)
    ours = sum(len(r.ours) for r in rows)
    print(f"{'total (' + str(len(rows)) + ' files)':52} {cells:6d} {base:8d} {ours:6d}")
    if cells:
        print(f"{'share':52} {'':6} {base / cells:8.1%} {ours / cells:6.1%}")
    fewer = [r for r in rows if len(r.ours) < len(r.baseline)]
    print("we read fewer cells than the baseline on:", ", ".join(r.path.name for r in fewer) or "no file")
    for r in rows:
        if r.lost:
            print(f"  {r.path.name}: the baseline reads and we miss {', '.join(r.lost[:10])}"
                  + (f" (+{len(r.lost) - 10} more)" if len(r.lost) > 10 else ""))


def main() -> int:
    scores = run()
    if "--json" in sys.argv:
        print(json.dumps({k: {"files": s.files, "cells": s.cells, "exact": s.exact, "extra": s.extra,
                              "meta_ok": s.meta_ok, "sections_ok": s.sections_ok, "misses": s.misses}
                          for k, s in scores.items()}, ensure_ascii=False, indent=1))
        return 0
    print(f"{'format':8} {'files':>5} {'cells':>6} {'exact':>6} {'share':>7} {'extra':>5} {'meta':>5} {'sections':>8}")
    for fmt, s in scores.items():
        share = s.exact / s.cells if s.cells else 1.0
        print(f"{fmt:8} {s.files:5d} {s.cells:6d} {s.exact:6d} {share:7.2%} {s.extra:5d} "
              f"{s.meta_ok:5d} {s.sections_ok:8d}")
    misses = [m for s in scores.values() for m in s.misses]
    for m in misses[:40]:
        print("  miss:", m)
    print_side_by_side(side_by_side())
    return 0


if __name__ == "__main__":
    sys.exit(main())
