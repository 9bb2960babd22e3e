"""Cell streams: table text that no grid holds (one cell per line, or cells set apart by
runs of spaces) re-flowed into rows by their labels; the rows then go through the same
stages as any grid (``cells`` source: positions carry no meaning)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..model import Cell, Grid, Text
from ..templates import S3_COLUMNS, S4_COLUMNS, Column
from ..values import is_value_like
from ..vocab import COLUMN_WORDS, S2_TITLE
from .labels import S2_HEADER_KEYS, hit, key, match_col, s3_row_of


def _token_kind(text: str, table: str) -> str:
    k = key(text)
    if not k:
        return "empty"
    if is_value_like(text):
        return "value"
    if S2_TITLE.search(k):
        return "title"
    if COLUMN_WORDS.search(k):
        return "header"
    cols: Sequence[Column] = {"s3": S3_COLUMNS, "s4": S4_COLUMNS}.get(table, ())
    if table == "s2":
        if hit(S2_HEADER_KEYS, k):
            return "header"
    elif match_col(k, cols) is not None and not (table == "s3" and s3_row_of(k, None)):
        return "header"
    return "label"


_GAP = re.compile(r"\t|\s{2,}")


def _line_cells(text: str, table: str) -> list[str]:
    """The cells of one line of a table printed as text: one cell per line, or cells set
    apart by runs of spaces (pdftotext -layout, PDFs without ruling lines), or a label
    followed by its numbers."""
    text = text.strip()
    if _GAP.search(text):
        return [p for p in _GAP.split(text) if p.strip()]
    words = text.split()
    if len(words) < 2:
        return [text] if text else []
    k = len(words)
    while k > 0 and is_value_like(words[k - 1]):
        k -= 1
    if 0 < k < len(words):
        return [" ".join(words[:k]), *words[k:]]
    if k == 0 or all(_token_kind(w, table) == "header" for w in words):
        return words
    return [text]


def reflow(lines: Sequence[Text], table: str, idxs: Sequence[int]) -> tuple[Grid | None, set[int]]:
    """Rebuild rows from table text that is not a grid: labels start a row, values follow."""
    rows: list[list[Cell]] = []
    used: set[int] = set()
    cur: list[Cell] = []
    cur_kind = ""
    n_values = 0
    tokens = [(part, t, bi) for t, bi in zip(lines, idxs, strict=True) for part in _line_cells(t.text, table)]
    for text, t, bi in tokens:
        if len(text) > 60 or text.endswith(("。", "：", ":")):
            if cur:
                rows.append(cur)
            cur, cur_kind = [], ""
            continue
        kind = _token_kind(text, table)
        cell = Cell(text, dict(t.where))
        if kind == "title":
            if cur:
                rows.append(cur)
            rows.append([cell])
            cur, cur_kind = [], ""
        elif kind == "header":
            if cur and cur_kind != "header":
                rows.append(cur)
                cur = []
            cur.append(cell)
            cur_kind = "header"
        elif kind == "label":
            if cur and cur_kind in ("value", "header"):
                rows.append(cur)
                cur = []
            cur.append(cell)
            cur_kind = "label"
        elif kind == "value":
            if cur and cur_kind == "header":
                rows.append(cur)
                cur = []
            cur.append(cell)
            cur_kind = "value"
            n_values += 1
        else:
            continue
        used.add(bi)
    if cur:
        rows.append(cur)
    if n_values < 2:
        return None, set()
    return Grid(tuple(tuple(r) for r in rows), dict(lines[0].where), source="cells"), used
