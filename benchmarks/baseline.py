"""The naive baseline our reader must never lose to: off-the-shelf table extraction plus a
generic keyword mapper, what a careful user writes in an afternoon (see issue 17).

    .venv/bin/python benchmarks/baseline.py FILE      # field id, kind, value, unit per line

Tables: pdfplumber's default ``page.extract_tables()`` on every page of a PDF, and
``pandas.read_html(flavor="lxml")`` for HTML (its header rows put back on top of the rows).
Every table is a grid: rows of cell strings, ``None`` where a merged cell covers the position.

The mapper (``map_grids``) knows only the template's field ids, row keywords and column orders
(``extractor.templates``), nothing of our reader (``extractor.tables``, ``extractor.readers``):

- A cell is a *value cell* when it is a number (full-width digits, thousands separators, a
  leading sign, decimals, a trailing 万元/元), empty, or a mark (无/零; -, —, /, 不适用).
  The row's leading non-value cells form its label (up to the last text cell before the first
  number or mark, so an empty cell between label cells stays in the label, while a row of
  only empty value cells still has them); the cells after it are its values.
- Label matching: cell texts are normalised (NFKC, no white space, 、 read as ``.``); the
  label cells are tried innermost first (the right-most label cell is the most specific), and
  the first template row (in template order) one of whose keywords occurs in it names the row.
- A merged row header — a label position that is ``None`` (pdfplumber) or repeats the cell
  above (pandas) — is not the row's own label: it is carried down from the rows above and
  tried only when the row's own label matches nothing.
- Values are taken by position when their count equals the template row's columns (empty
  cells past that count dropped: pandas pads the rows of a wide layout table), otherwise as
  the row's numeric cells in order. A field already read keeps its first reading.
- The template is 2019 when a cell mentions 新制作 or 上一年 (2019's section-2 headers), else 2021.
- Section 4 is the first row of 15 value cells after a cell that mentions 行政复议.
"""

from __future__ import annotations

import io
import re
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.templates import FIELD_BY_ID, S2_ROWS, S3_COLUMNS, S3_ROWS, S4_COLUMNS, S4_GROUPS  # noqa: E402

Grid = list[list[str | None]]
Reading = tuple[str, int | float | None, str | None]  # kind, value, unit
RowDef = tuple[str, tuple[str, ...], tuple[str, ...]]  # field id stem, keywords, column suffixes

NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
NONE_MARKS = {"无", "零"}
NA_MARKS = {"-", "—", "/", "--", "——", "不适用"}


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).replace("、", ".")


def cell_reading(text: str) -> Reading | None:
    """(kind, value, unit) of a value cell, None for a text cell."""
    t = norm(text)
    unit = None
    for u in ("万元", "元"):
        if t.endswith(u) and NUMBER.fullmatch(t[: -len(u)]):
            t, unit = t[: -len(u)], u
    if NUMBER.fullmatch(t):
        f = float(t.replace(",", ""))
        return "number", int(f) if f.is_integer() else f, unit
    if t == "":
        return "blank", None, None
    if t in NONE_MARKS:
        return "none", None, None
    if t in NA_MARKS:
        return "na", None, None
    return None


def pdf_grids(path: Path) -> list[Grid]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [table for page in pdf.pages for table in page.extract_tables()]


def html_grids(path: Path) -> list[Grid]:
    import pandas as pd  # type: ignore[import-untyped]

    data = path.read_bytes()
    try:  # Chinese portals declare gb2312 and use GBK: read anything that is not UTF-8 as GB18030
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    try:
        frames = pd.read_html(io.StringIO(text), flavor="lxml", keep_default_na=False)
    except ValueError:  # no <table> at all
        return []
    grids: list[Grid] = []
    for df in frames:
        levels = [df.columns.get_level_values(i) for i in range(df.columns.nlevels)]
        numbered = all(isinstance(c, int) for c in df.columns)  # no header row: columns 0..n-1
        head: Grid = [] if numbered else [
            ["" if str(c).startswith("Unnamed:") else str(c) for c in level] for level in levels]
        grids.append(head + [[str(c) for c in row] for row in df.values.tolist()])
    return grids


def read_grids(path: Path) -> list[Grid]:
    return pdf_grids(path) if path.suffix.lower() == ".pdf" else html_grids(path)


def is_number(text: str) -> bool:
    reading = cell_reading(text)
    return reading is not None and reading[0] == "number"


def template_rows(template: str) -> list[RowDef]:
    """(field id stem, keywords, column suffixes) of every template row, in template order."""
    s2 = [(f"s2.{r.stem}", r.keys, tuple(c.suffix for c in r.columns)) for r in S2_ROWS if template in r.templates]
    s3 = [(f"s3.{r.rid}", r.keys, tuple(c.suffix for c in S3_COLUMNS)) for r in S3_ROWS if template in r.templates]
    return s2 + s3


def name_row(labels: list[str], rows: list[RowDef]) -> RowDef | None:
    """The first template row a keyword of which occurs in a label cell, innermost cell first."""
    for label in reversed(labels):
        for row in rows:
            if any(re.search(k, norm(label)) for k in row[1]):
                return row
    return None


def split_row(row: list[str | None], above: list[str | None]) -> tuple[list[str], list[str], list[str]]:
    """(own label cells, carried label cells, value cells) of a row; ``above`` is updated in place
    to the label cell each position shows (merged cells carried down)."""
    readings = [None if c is None else cell_reading(c) for c in row]
    filled = [i for i, r in enumerate(readings) if r is not None and r[0] != "blank"]
    first = filled[0] if filled else len(row)
    end = max((i + 1 for i in range(first) if row[i] is not None and readings[i] is None), default=0)
    own: list[str] = []
    carried: list[str] = []
    above.extend([None] * (end - len(above)))
    for i, cell in enumerate(row[:end]):
        merged = above[i]
        if not cell or cell == merged:  # covered by a merged cell (None, '', or repeated)
            if merged:
                carried.append(merged)
        else:
            own.append(cell)
            above[i] = cell
    return own, carried, [c for c in row[end:] if c is not None]


def map_grids(grids: list[Grid]) -> dict[str, Reading]:
    """Field id -> (kind, value, unit) for the cells the mapper finds in ``grids``."""
    cells = [norm(c) for g in grids for r in g for c in r if c]
    template = "2019" if any("新制作" in c or "上一年" in c for c in cells) else "2021"
    rows = template_rows(template)
    out: dict[str, Reading] = {}
    review_seen = s4_done = False
    for grid in grids:
        above: list[str | None] = []
        for row in grid:
            own, carried, values = split_row(row, above)
            if any("行政复议" in norm(c) for c in own + carried):
                review_seen = True
            if review_seen and not s4_done and not own and not carried and len(values) == 15:
                fids = [f"s4.{g}.{c.suffix}" for g, _, _ in S4_GROUPS for c in S4_COLUMNS]
                _store(out, zip(fids, values, strict=True))
                s4_done = True
                continue
            named = name_row(own, rows) or name_row(carried, rows)
            if named is None or not values:
                continue
            stem, _, suffixes = named
            while len(values) > len(suffixes) and not norm(values[-1]):  # padding of a wider table
                values = values[:-1]
            if len(values) != len(suffixes):
                values = [v for v in values if is_number(v)]
            _store(out, zip((f"{stem}.{s}" for s in suffixes), values, strict=False))
    return out


def _store(out: dict[str, Reading], pairs: Iterable[tuple[str, str]]) -> None:
    """Keep the reading of each (field id, cell text); a field already read keeps its first."""
    for fid, text in pairs:
        reading = cell_reading(text)
        if reading is None or fid in out or fid not in FIELD_BY_ID:
            continue
        kind, value, unit = reading
        out[fid] = (kind, value, unit or (FIELD_BY_ID[fid].unit if kind == "number" else None))


def read(path: Path) -> dict[str, Reading]:
    """The baseline's reading of one PDF or HTML file: field id -> (kind, value, unit)."""
    return map_grids(read_grids(path))


if __name__ == "__main__":
    for fid, (kind, value, unit) in read(Path(sys.argv[1])).items():
        print(fid, kind, value, unit or "", sep="\t")
