"""A wider check of the PDF reader on web pages printed by Chromium: the HTML fixtures of six
reports (CMS article, Word's web page, portal page) printed without any table border and with
horizontal rules only, on several page heights, so that page breaks fall in new places (a
header alone at the foot of a page, a row cut in two). The files are made in a folder outside
the repository and are not fixtures: nobody wrote a rule for any one of them.

    python benchmarks/chromium_sweep.py --make DIR [HEIGHT_MM ...]   # print them (needs Chromium)
    python benchmarks/chromium_sweep.py DIR [--json OUT]             # score every DIR/*.pdf

Printing needs Chromium at ``fixtures/make_pdf_producers.CHROMIUM`` and the generator's
packages (python-docx, pikepdf, img2pdf), a few seconds per file. Scoring compares each file
with ``fixtures/expected/<report>.json``: cells exact (same kind and value), the section list,
and the warnings and errors the reader gave. It prints one line per file that is not exact,
then the totals.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ("county-2021", "dept-2019", "city-2022-bad-totals", "bureau-2021-oneline-other",
           "town-2021-missing-section", "seed-halazhigou-2023")
STYLES = ("cms", "word", "portal")
HEIGHTS = ("190", "230", "260", "310")  # mm, on a page 210 mm wide


def make(out: Path, heights: tuple[str, ...]) -> None:
    sys.path.insert(0, str(ROOT / "fixtures"))
    import make_pdf_producers as m

    out.mkdir(parents=True, exist_ok=True)
    work = out / ".work"
    work.mkdir(exist_ok=True)
    for report in REPORTS:
        for style in STYLES:
            for h in heights:
                for css, tag in ((m.NO_BORDERS, "nb"), (m.HRULES_ONLY, "hr")):
                    name = f"{report}.{style}-{tag}-{h}.pdf"
                    if (out / name).exists():
                        continue
                    case = m.ChromeCase(report, f"{style}-{tag}-{h}", "sweep", style, page=f"210mm {h}mm", css=css)
                    data, _ = m.make_chromium(case, work)
                    (out / name).write_bytes(data)
                    print(name, flush=True)


def score(folder: Path) -> dict[str, dict]:
    import extractor

    out: dict[str, dict] = {}
    for p in sorted(folder.glob("*.pdf")):
        exp = json.loads((ROOT / "fixtures" / "expected" / f"{p.name.split('.')[0]}.json").read_text(encoding="utf-8"))
        rep = extractor.parse(p)
        got = {v.field: (v.kind, v.value) for v in rep.values}
        want = {f: (e["kind"], e["value"]) for f, e in exp["values"].items()}
        out[p.name] = {
            "exact": sum(got.get(f) == w for f, w in want.items()), "cells": len(want),
            "sections": [(s.number, s.title) for s in rep.sections] == [(s["number"], s["title"]) for s in exp["sections"]],
            "issues": sorted({i.code for i in rep.issues if i.severity != "info"}),
        }
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["--make"] and len(argv) >= 2:
        make(Path(argv[1]), tuple(argv[2:]) or HEIGHTS)
        return 0
    if not argv:
        print(__doc__)
        return 2
    res = score(Path(argv[0]))
    if "--json" in argv:
        Path(argv[argv.index("--json") + 1]).write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    for name, r in res.items():
        if r["exact"] != r["cells"] or not r["sections"]:
            print(f"{name:60} {r['exact']:4}/{r['cells']}  sections {'ok' if r['sections'] else 'WRONG'}  {' '.join(r['issues'])}")
    exact, cells = sum(r["exact"] for r in res.values()), sum(r["cells"] for r in res.values())
    files = sum(1 for r in res.values() if r["exact"] == r["cells"])
    print(f"{len(res)} files, {files} exact; cells {exact}/{cells} ({exact / max(cells, 1):.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
