"""Build a Document straight from a fixture spec, with tables as full rectangles whose
spanned cells are repeated (what the HTML and PDF readers produce). Lets the format-blind
stages be tested on the official merged-cell layout without any reader."""

from __future__ import annotations

import sys
from pathlib import Path

from extractor.model import Cell, Document, Grid, Text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "fixtures") not in sys.path:
    sys.path.insert(0, str(ROOT / "fixtures"))

import reports  # noqa: E402


def expand(rows: list[list[tuple[str, int, int]]], table: int) -> Grid:
    width = sum(c[2] for c in rows[0])
    out: list[list[Cell | None]] = [[None] * width for _ in range(len(rows) + 10)]
    for r, row in enumerate(rows):
        c = 0
        for text, rs, cs in row:
            while out[r][c] is not None:
                c += 1
            origin = Cell(text, {"table": table, "row": r, "column": c}, rs, cs, True)
            for dr in range(rs):
                for dc in range(cs):
                    out[r + dr][c + dc] = origin if (dr, dc) == (0, 0) else Cell(
                        text, {"table": table, "row": r + dr, "column": c + dc}, rs, cs, False)
            c += cs
    return Grid(tuple(tuple(x for x in line if x is not None) for line in out[: len(rows)]), {"table": table},
                source="test")


def document(spec: reports.ReportSpec) -> Document:
    blocks: list = [Text(t) for t in spec.title] + [Text(t) for t in spec.preamble]
    tables = {2: reports.table_rows_s2, 3: reports.table_rows_s3, 4: reports.table_rows_s4}
    for n, heading, body in spec.sections:
        blocks.append(Text(heading))
        blocks += [Text(p) for p in body]
        if n in tables and (rows := tables[n](spec)):
            blocks.append(expand(rows, n))
    blocks += [Text(t) for t in spec.signature]
    return Document(tuple(blocks), "html")
