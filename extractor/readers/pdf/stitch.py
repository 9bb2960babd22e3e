"""A table header cut by a page break, joined again in the reader.

When a page break falls inside a header row, the first page ends with a fragment holding
header rows only, and the cells of its last row are cut: their first characters on one page
(结果 / 结), the rest on the next (维持 / 果维持), above the leaf labels the next page adds.
The two fragments have different column lattices (the first page draws fewer inner rules).

:func:`join_cut_headers` joins such a pair — a grid ending its page followed, with no text
between, by a grid starting the next page — when the first holds no number, the second's
first row holds no number (nor a value word such as 无, nor a row label starting with its item
number: then it is a body row under a whole header), and every column boundary of the first
is a column boundary of the second. The first fragment's cells are laid on the second's columns (a cell covering several
of them gets that ``colspan``); a cell of its last row that covers a single column (also a
merged cell starting in a row above and reaching down to the cut, as a browser prints it)
continues in the second fragment's first row: the two texts are joined into one cell spanning
both rows. When that first row holds nothing but such rests, it is no row of its own.
The result is one Grid with the whole header, the 15 leaf columns of a section-4 table visible
in one place (``where["joined_pages"]`` lists the pages).

A browser prints a table row cut by a page break in two: the label's first lines and the
numbers on one page, the label's last lines (案卷, 复申请) in a row of its own on the next.
When the grid starting a page has the previous page's last grid's columns (or its last ones:
a tall cell at the left, continued on the new page, may draw no rule there; the missing
columns get empty cells) and its first row holds text and no number, under labels (not under
numbers), that row is the rest of the cut row: its texts are appended to the row above and
the two grids become one.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ...model import Block, Cell, Grid

__all__ = ["join_cut_headers"]

_DIGIT = re.compile(r"\d")
_VALUE = re.compile(r"[-+]?[\d,.\s]+")
_VALUE_WORDS = frozenset({"无", "—", "–", "-", "/", "／"})  # what a report prints for no number
_ITEM = re.compile(r"^(?:\d{1,2}\s*[、.．](?!\d)|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)")
_TOL = 3.0


def _no_number(rows: tuple[tuple[Cell, ...], ...]) -> bool:
    return not any(_DIGIT.search(c.text) for r in rows for c in r if c.origin)


def _col_edges(g: Grid) -> list[tuple[float, float]] | None:
    """x-range of each column, from single-column cells."""
    edges: list[tuple[float, float] | None] = [None] * g.width
    for r in g.rows:
        for j, c in enumerate(r):
            if edges[j] is None and c.origin and c.colspan == 1 and c.where.get("bbox"):
                b = c.where["bbox"]
                edges[j] = (b[0], b[2])
    if any(e is None for e in edges):
        return None
    return [e for e in edges if e is not None]


def _onto(a: Grid, cols: list[tuple[float, float]]) -> list[list[Cell]] | None:
    """The rows of ``a`` laid on the columns ``cols``; None when a cell edge of ``a`` is not a
    column edge there."""
    bounds = sorted({round(x, 1) for c in cols for x in c})
    made: dict[tuple[float, float, float, float], Cell] = {}
    out: list[list[Cell]] = []
    for row in a.rows:
        new_row: list[Cell] = []
        for x0, x1 in cols:
            mid = (x0 + x1) / 2
            src = next((c for c in row if c.where.get("bbox") and c.where["bbox"][0] - 1 <= mid <= c.where["bbox"][2] + 1), None)
            if src is None:
                return None
            b = src.where["bbox"]
            if not all(any(abs(x - y) <= _TOL for y in bounds) for x in (b[0], b[2])):
                return None
            key = (b[0], b[1], b[2], b[3])
            span = sum(1 for c0, c1 in cols if b[0] - 1 <= (c0 + c1) / 2 <= b[2] + 1)
            if key not in made:
                made[key] = replace(src, colspan=span, origin=True)
                new_row.append(made[key])
            else:
                new_row.append(replace(made[key], origin=False))
        out.append(new_row)
    return out


def _data_row(row: tuple[Cell, ...]) -> bool:
    """A row of a table's body, no rest of a cut header: a label starting with its item number
    (一、, （三）, 1.) or a value word (无, —) in a cell."""
    return any(c.origin and (_ITEM.match(c.text.strip()) or c.text.strip() in _VALUE_WORDS) for c in row)


def _join(a: Grid, b: Grid) -> Grid | None:
    if (not a.rows or not b.rows or not _no_number(a.rows) or not _no_number(b.rows[:1])
            or _data_row(b.rows[0])):
        return None
    cols = _col_edges(b)
    if cols is None or len(cols) < a.width:
        return None
    rows = _onto(a, cols)
    if rows is None:
        return None
    first = list(b.rows[0])
    # the cells cut at the page end (also one that starts in a row above and spans down to the
    # cut) continue in the next page's first row; a first row of nothing but their rests is no
    # row of its own
    cut = [j for j, cell in enumerate(rows[-1])
           if cell.colspan == 1 and first[j].origin and first[j].colspan == 1]
    rest_only = len(cut) == len(first)
    for j in cut:
        box = rows[-1][j].where.get("bbox")
        start = next(r[j] for r in rows if r[j].where.get("bbox") == box)
        joined = replace(start, text=start.text + first[j].text, rowspan=start.rowspan + (0 if rest_only else 1),
                         origin=True)
        for r in rows:
            if r[j].where.get("bbox") == box:
                r[j] = joined if r[j] is start else replace(joined, origin=False)
        first[j] = replace(joined, origin=False)
    where = dict(b.where)
    where["joined_pages"] = [a.where.get("page"), b.where.get("page")]
    where["page"], where["bbox"] = a.where.get("page"), a.where.get("bbox")
    new_rows = [tuple(r) for r in rows] + ([] if rest_only else [tuple(first)]) + [tuple(r) for r in b.rows[1:]]
    return Grid(rows=tuple(new_rows), where=where, source=b.source)


def _same_columns(a: Grid, b: Grid) -> bool:
    ca, cb = _col_edges(a), _col_edges(b)
    return (ca is not None and cb is not None and len(ca) == len(cb)
            and all(abs(x[0] - y[0]) <= _TOL and abs(x[1] - y[1]) <= _TOL for x, y in zip(ca, cb, strict=True)))


def _widened(a: Grid, b: Grid) -> Grid | None:
    """``b`` laid on ``a``'s columns when its columns are ``a``'s last ones (a tall cell at the
    left of ``a``, continued on ``b``'s page, drew no rule there): an empty cell in front of
    each of its rows for each column it lacks; None otherwise."""
    ca, cb = _col_edges(a), _col_edges(b)
    if ca is None or cb is None or not 0 < len(ca) - len(cb) < len(ca):
        return None
    k = len(ca) - len(cb)
    if not all(abs(x[0] - y[0]) <= _TOL and abs(x[1] - y[1]) <= _TOL for x, y in zip(ca[k:], cb, strict=True)):
        return None
    rows = []
    for r in b.rows:
        box = next((c.where["bbox"] for c in r if c.where.get("bbox")), None)
        top, bottom = (box[1], box[3]) if box else (0.0, 0.0)
        front = [Cell("", {"page": b.where.get("page"), "bbox": [ca[j][0], top, ca[j][1], bottom]}) for j in range(k)]
        rows.append((*front, *r))
    return Grid(rows=tuple(rows), where=b.where, source=b.source)


def _join_cut_row(a: Grid, b: Grid) -> Grid | None:
    """``b``'s first row, text without numbers where ``a``'s last row holds labels and nothing
    where it holds numbers, is the rest of that row: the texts are joined, the tables made one.
    ``b`` may lack ``a``'s first columns (:func:`_widened`)."""
    if not a.rows or not b.rows or not _no_number(b.rows[:1]):
        return None
    if not _same_columns(a, b):
        widened = _widened(a, b)
        if widened is None:
            return None
        b = widened
    last, first = a.rows[-1], b.rows[0]
    if _no_number((last,)) or not any(c.origin and c.text.strip() for c in first):
        return None
    for x, y in zip(last, first, strict=True):
        if y.origin and y.text.strip() and _VALUE.fullmatch(x.text.strip()):
            return None
    rows = [list(r) for r in a.rows]
    for j, y in enumerate(first):
        if not (y.origin and y.text.strip()):
            continue
        x = rows[-1][j]
        box = x.where.get("bbox")
        for r in rows:  # the cell (a merged one: every slot it covers) gets the text
            for k, c in enumerate(r):
                if c.where.get("bbox") == box and c.text == x.text:
                    r[k] = replace(c, text=c.text + y.text)
    where = dict(a.where)
    where["joined_pages"] = [*a.where.get("joined_pages", [a.where.get("page")]), b.where.get("page")]
    return Grid(rows=tuple(tuple(r) for r in rows) + b.rows[1:], where=where, source=a.source)


def join_cut_headers(blocks: list[Block]) -> list[Block]:
    """``blocks`` with each header or row cut by a page break joined (see the module)."""
    out: list[Block] = []
    for blk in blocks:
        prev = out[-1] if out else None
        if (isinstance(blk, Grid) and isinstance(prev, Grid)
                and blk.where.get("page") == (prev.where.get("joined_pages") or [prev.where.get("page") or 0])[-1] + 1):
            joined = _join(prev, blk) or _join_cut_row(prev, blk)
            if joined is not None:
                out[-1] = joined
                continue
        out.append(blk)
    return out
