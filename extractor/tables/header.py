"""Stage 3: map a table's header rows to columns (which positions each column covers).

Pure functions of the header rows: :func:`s2_colmap`, :func:`s3_colmap`, :func:`s4_colmap`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..model import Cell, Issue
from ..templates import S3_COLUMNS, S4_COLUMNS, Column
from .labels import S4_ORDER, Slot, key, match_col, s4_group_of, unique

Row = Sequence[Cell]


class Col(NamedTuple):
    suffix: str  # column id (s3: natural_person…, s2: issued…, s4: "review.upheld"…)
    positions: tuple[int, ...]


class ColMap(NamedTuple):
    cols: tuple[Col, ...]
    width: int
    positional: bool  # positions are meaningful (not a re-flowed cell stream)
    unnamed: tuple[Col, ...] = ()  # of cols, those named by the template's order, not by a label

    def col_at(self, pos: int) -> Col | None:
        for c in self.cols:
            if pos in c.positions:
                return c
        return None


def _same_span(a: Cell, b: Cell) -> bool:
    """a and b (side by side) are parts of one spanned cell: the same object, or a copy
    a reader made for a covered position (origin False, same text and spans)."""
    if a is b:
        return True
    return (not b.origin and a.colspan == b.colspan and a.colspan > 1 and a.text == b.text
            and a.rowspan == b.rowspan)


def positions_of(row: Row, p: int) -> tuple[int, ...]:
    lo = p
    while lo > 0 and (_same_span(row[lo - 1], row[lo]) or _same_span(row[lo], row[lo - 1])):
        lo -= 1
    hi = p
    while hi + 1 < len(row) and (_same_span(row[hi], row[hi + 1]) or _same_span(row[hi + 1], row[hi])):
        hi += 1
    return tuple(range(lo, hi + 1))


# ---------------------------------------------------------------- section 2


def s2_colmap(row: Row, columns: Sequence[Column], positional: bool) -> ColMap:
    """The header's columns, matched against the columns of one section-2 row."""
    cols: list[Col] = []
    taken: set[str] = set()
    for p, c in enumerate(row):
        if not c.origin or not c.text.strip() or key(c.text).startswith("信息内容"):
            continue
        col = match_col(c.text, [x for x in columns if x.suffix not in taken])
        if col is None:
            continue
        taken.add(col.suffix)
        cols.append(Col(col.suffix, positions_of(row, p)))
    return ColMap(tuple(cols), len(row), positional)


# ---------------------------------------------------------------- section 3


def s3_colmap(header_rows: Sequence[Row], positional: bool) -> ColMap:
    cols: dict[str, Col] = {}
    width = max((len(r) for r in header_rows), default=0)
    for r in reversed(header_rows):  # lowest row first: the leaf labels
        for p, c in enumerate(r):
            col = match_col(c.text, S3_COLUMNS)
            if col and col.suffix not in cols:
                cols[col.suffix] = Col(col.suffix, positions_of(r, p))
    # 自然人 and 总计 may stand in upper rows; positions of different columns must not overlap
    ordered = sorted(cols.values(), key=lambda c: min(c.positions))
    unnamed = tuple(_unnamed(ordered, width, S3_COLUMNS)) if positional else ()
    return ColMap(tuple(sorted([*ordered, *unnamed], key=lambda c: min(c.positions))), width, positional, unnamed)


def _unnamed(named: list[Col], width: int, template: Sequence[Column]) -> list[Col]:
    """Header positions no label names (a label lost, or printed on the page before), between
    two named columns or after the last: they take the template's columns left unnamed there,
    in order, when there are as many of each (the named ones in the template's order)."""
    order = [c.suffix for c in template]
    if not named or [order.index(c.suffix) for c in named] != sorted(order.index(c.suffix) for c in named):
        return []
    covered = {p for c in named for p in c.positions}
    out: list[Col] = []
    for a, b in zip(named, [*named[1:], None], strict=True):
        free = [p for p in range(max(a.positions) + 1, min(b.positions) if b else width) if p not in covered]
        left = order[order.index(a.suffix) + 1: order.index(b.suffix) if b else len(order)]
        if free and len(free) == len(left):
            out += [Col(c, (p,)) for c, p in zip(left, free, strict=True)]
    return out


def s3_shown_columns(cm: ColMap | None, row_values: Sequence[Sequence[Slot]],
                     row_ids: Sequence[str]) -> tuple[list[str], Issue | None]:
    """The columns the section-3 table shows: a header without 总计 (or another column) whose
    rows carry as few values is a table that leaves that column out, not a table of short rows."""
    columns = [c.suffix for c in S3_COLUMNS]
    if cm is None or len(cm.cols) < 4:
        return columns, None
    shown = [c for c in columns if any(col.suffix == c for col in cm.cols)]
    if len(shown) == len(columns):
        return columns, None
    counts = []
    for values in row_values:
        vals = [s for s in values if s.origin]
        while vals and not vals[0].cell.text.strip():
            vals.pop(0)
        counts.append(len(vals))
    counts.sort()
    if not counts or counts[len(counts) // 2] > len(shown):
        return columns, None  # the rows carry the column: the header label is damaged, not absent
    absent = [c for c in columns if c not in shown]
    labels = {c.suffix: c.label for c in S3_COLUMNS}
    return shown, Issue(
        "gap.column", "warning",
        f"the section-3 table has no column {', '.join(labels[c] for c in absent)}: its cells are not shown",
        tuple(f"s3.{rid}.{c}" for rid in row_ids for c in absent))


# ---------------------------------------------------------------- section 4

_GROUP_RANK = {"suit_direct": 0, "suit_after_review": 0, "review": 1, "suit": 2}


def _s4_group_at(header_rows: Sequence[Row], p: int) -> str | None:
    """The group over position p: in each header row the group label covering p, or the
    nearest one to its left; the most specific group of all rows wins."""
    best: tuple[int, str] | None = None
    for r in header_rows:
        g_here = None
        for q in range(min(p, len(r) - 1), -1, -1):
            g = s4_group_of(r[q].text)
            if g:
                g_here = g
                break
        if g_here and (best is None or _GROUP_RANK[g_here] < best[0]):
            best = (_GROUP_RANK[g_here], g_here)
    return best[1] if best else None


def _s4_leaves(header_rows: Sequence[Row]) -> list[tuple[tuple[int, ...], Column]]:
    """The leaf labels (结果维持 …) of a full-rectangle header, one per distinct cell, left
    to right; a lower row's label wins over the one above it."""
    leaves: dict[int, tuple[Column, Row]] = {}
    for r in reversed(header_rows):
        for p, c in enumerate(r):
            col = match_col(c.text, S4_COLUMNS)
            if col and p not in leaves and not s4_group_of(c.text):
                leaves[p] = (col, r)
    seen: set[int] = set()
    out: list[tuple[tuple[int, ...], Column]] = []
    for p in sorted(leaves):
        col, r = leaves[p]
        if id(r[p]) in seen:
            continue
        seen.add(id(r[p]))
        out.append((positions_of(r, p), col))
    return out


def s4_colmap(header_rows: Sequence[Row], positional: bool) -> ColMap:
    widths = {len(r) for r in header_rows}
    if not positional or len(widths) > 1:
        return _s4_map_in_reading_order(header_rows)
    leaf_list = _s4_leaves(header_rows)
    width = max((len(r) for r in header_rows), default=0)
    cols: list[Col] = []
    if 0 < len(leaf_list) < 15 and width == 15 and all(
            len(pos) == 1 and col.suffix == S4_COLUMNS[pos[0] % 5].suffix for pos, col in leaf_list):
        # 15 columns, the labels shown (the rest printed on the page before) where the template has them
        named = {pos[0] for pos, _ in leaf_list}
        cols = [Col(f"{S4_ORDER[p // 5]}.{S4_COLUMNS[p % 5].suffix}", (p,)) for p in range(15)]
        return ColMap(tuple(cols), width, positional, tuple(c for p, c in enumerate(cols) if p not in named))
    if len(leaf_list) == 15:
        for k, (pos, col) in enumerate(leaf_list):
            cols.append(Col(f"{S4_ORDER[k // 5]}.{col.suffix}", pos))
    else:
        for pos, col in leaf_list:
            g = _s4_group_at(header_rows, min(pos))
            if g == "suit":
                g = None
            cols.append(Col(f"{g or '?'}.{col.suffix}", pos))
    return ColMap(tuple(cols), width, positional)


def _s4_map_in_reading_order(header_rows: Sequence[Row]) -> ColMap:
    """Header rows of different widths (a collapsed rendering): the leaf labels in reading
    order are the template's 15 columns (or the 5 of one group)."""
    leaves = [col for r in header_rows for c in unique(r)
              if not s4_group_of(c.text) and (col := match_col(c.text, S4_COLUMNS)) is not None]
    if len(leaves) == 15:
        cols = [Col(f"{S4_ORDER[k // 5]}.{col.suffix}", ()) for k, col in enumerate(leaves)]
    else:
        cols = [Col(f"?.{col.suffix}", ()) for col in leaves]
    return ColMap(tuple(cols), -1, False)


def s4_header_group(header_rows: Sequence[Row]) -> str | None:
    found = [g for r in header_rows for c in r if (g := s4_group_of(c.text)) and g != "suit"]
    specific = [g for g in found if g != "review"]
    if specific:
        return specific[-1]
    return found[-1] if found else None
