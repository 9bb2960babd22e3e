"""Accuracy on the fixtures: per format, the share of expected cells extracted exactly
(same kind and same value), plus metadata, template and section agreement.

    python benchmarks/accuracy.py            # table per format
    python benchmarks/accuracy.py --json     # machine-readable (used by the tests)
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
    name = path.name.split(".", 1)[0]
    p = ROOT / "fixtures" / "expected" / f"{name}.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


def compare(path: Path, exp: dict) -> tuple[int, int, int, bool, bool, list[str]]:
    rep = extractor.parse(path)
    got = {v.field: v for v in rep.values}
    exact = 0
    misses = []
    for f, e in exp["values"].items():
        v = got.get(f)
        if v is not None and v.kind == e["kind"] and v.value == e["value"] and v.unit == e.get("unit", v.unit):
            exact += 1
        else:
            misses.append(f"{path.name}: {f} expected {e['kind']} {e['value']!r}, got "
                          + (f"{v.kind} {v.value!r}" if v else "nothing"))
    extra = len(set(got) - set(exp["values"]))
    md = rep.metadata
    meta_ok = (md.template, md.issuer, md.year, md.published) == (
        exp["template"], exp["issuer"], exp["year"], exp["published"])
    sections_ok = [(s.number, s.title) for s in rep.sections] == [(s["number"], s["title"]) for s in exp["sections"]]
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
        for path in sorted(folder.iterdir()):
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
