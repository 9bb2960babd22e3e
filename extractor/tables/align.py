"""Stage 4: align the value cells of one data row with the columns of its table.

:func:`align_row` is a pure function of the row, its value cells and the header's
:class:`~extractor.tables.header.ColMap`. Positions are trusted when the row is as wide
as its header; otherwise (or when they do not fit) values are aligned to the right, the
total column being the last. Every departure gives an issue and a :class:`Flag`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ..model import Cell, Flag, Issue
from .header import ColMap
from .labels import Slot


class Placed(NamedTuple):
    cell: Cell | None  # None: not shown, inferred as blank
    flags: frozenset[Flag] = frozenset()
    #: its column was decided by its place in the row (aligned to the right, or snapped to the
    #: nearest free column), not by the header position it stands in (the parsing report counts it)
    by_position: bool = False


class Alignment(NamedTuple):
    by_col: dict[str, Placed]
    issues: list[Issue]


class _Row(NamedTuple):
    """What the issues of one row need: the row, its name and its column → field ids."""

    cells: Sequence[Cell]
    name: str
    columns: Sequence[str]
    field_of: Mapping[str, str]

    def fields(self, cols: Sequence[str]) -> tuple[str, ...]:
        return tuple(self.field_of[c] for c in cols)

    def where(self) -> dict | None:
        return dict(self.cells[0].where) if self.cells else None


def align_row(
    row: Sequence[Cell],
    values: Sequence[Slot],
    colmap: ColMap | None,
    columns: Sequence[str],
    row_name: str,
    field_of: Mapping[str, str],
) -> Alignment:
    """Decide which value cell belongs to which column (ids in ``columns``)."""
    r = _Row(row, row_name, columns, field_of)
    # positions are trusted only in a row as wide as the header it sits under
    if colmap is not None and colmap.positional and colmap.cols and len(row) == colmap.width:
        al = _by_position(r, values, colmap)
        if al is not None:
            return al
        return _by_right(r, values, fallback=True)
    return _by_right(r, values, fallback=False)


def _place(values: Sequence[Slot], colmap: ColMap, columns: Sequence[str]) -> tuple[dict[str, Slot], list[Slot]]:
    """Each value cell in the column its position names; the rest are orphans."""
    placed: dict[str, Slot] = {}
    orphans: list[Slot] = []
    for s in values:
        if not s.origin:
            continue  # a covered position of a spanned cell: not a value of its own
        col = colmap.col_at(s.pos)
        if col is None or col.suffix not in columns:
            if s.cell.text.strip():
                orphans.append(s)
            continue
        if col.suffix in placed:
            prev = placed[col.suffix]
            if not prev.cell.text.strip():
                placed[col.suffix] = s
            elif s.cell.text.strip():
                orphans.append(s)
            continue
        placed[col.suffix] = s
    return placed, orphans


def _by_position(r: _Row, values: Sequence[Slot], colmap: ColMap) -> Alignment | None:
    """Values placed by the header's positions, or None when the positions do not fit."""
    n = len(r.columns)
    placed, orphans = _place(values, colmap, r.columns)
    missing = [c for c in r.columns if c not in placed]
    if len(missing) + len(orphans) > max(2, n // 2):
        return None
    issues: list[Issue] = []
    by_col: dict[str, Placed] = {}
    for c, s in placed.items():
        unsure = not s.origin and s.cell.colspan > 1
        by_col[c] = Placed(s.cell, frozenset({Flag.UNSURE}) if unsure else frozenset())
    for s in orphans:
        _snap(r, s, colmap, by_col, issues)
    missing = [c for c in r.columns if c not in by_col]
    if missing:
        _fill_missing(r, by_col, missing, issues,
                      reason=f"{len(values)} value cells where the header has {n} columns")
    return Alignment(by_col, issues)


def _snap(r: _Row, s: Slot, colmap: ColMap, by_col: dict[str, Placed], issues: list[Issue]) -> None:
    """An orphan value goes to the nearest column that holds nothing or an empty cell."""
    cands = []
    for col in colmap.cols:
        if col.suffix not in r.columns:
            continue
        cur = by_col.get(col.suffix)
        if cur is None or cur.cell is None or not cur.cell.text.strip():
            cands.append((min(abs(p - s.pos) for p in col.positions), col.suffix))
    if cands:
        _d, target = min(cands)
        by_col[target] = Placed(s.cell, frozenset({Flag.MISALIGNED}), True)
        issues.append(Issue(
            "table.misaligned_cell", "warning",
            f"{r.name}: the value {s.cell.text.strip()!r} stands in a position no column "
            f"header names; read as {r.field_of[target]} (nearest free column)",
            (r.field_of[target],), dict(s.cell.where)))
    else:
        issues.append(Issue(
            "table.extra_cell", "warning",
            f"{r.name}: the value {s.cell.text.strip()!r} stands outside every column and "
            "was not read", (), dict(s.cell.where)))


def _by_right(r: _Row, values: Sequence[Slot], fallback: bool) -> Alignment:
    """Values aligned to the right (the total column is the last one)."""
    n = len(r.columns)
    issues: list[Issue] = []
    by_col: dict[str, Placed] = {}
    trimmed = [s for s in values if s.origin]
    while len(trimmed) > n and not trimmed[0].cell.text.strip():
        trimmed.pop(0)
    while len(trimmed) > n and not trimmed[-1].cell.text.strip():
        trimmed.pop()
    flags: set[Flag] = {Flag.FALLBACK} if fallback else set()
    if len(trimmed) > n:
        extra = trimmed[: len(trimmed) - n]
        issues.append(Issue(
            "table.row_overflow", "warning",
            f"{r.name}: {len(trimmed)} value cells for {n} columns; the last {n} were read, "
            f"{', '.join(repr(s.cell.text.strip()) for s in extra)} left over",
            r.fields(r.columns), dict(extra[0].cell.where)))
        trimmed = trimmed[len(trimmed) - n:]
        flags.add(Flag.MISALIGNED)
    offset = n - len(trimmed)
    for k, s in enumerate(trimmed):
        by_col[r.columns[offset + k]] = Placed(s.cell, frozenset(flags), True)
    missing = list(r.columns[:offset])
    if missing:
        _fill_missing(r, by_col, missing, issues, reason=f"{len(trimmed)} value cells for {n} columns")
    return Alignment(by_col, issues)


def _fill_missing(r: _Row, by_col: dict[str, Placed], missing: list[str], issues: list[Issue],
                  reason: str) -> None:
    present = [v.cell for v in by_col.values() if v.cell is not None]
    # only a row that shows most of its cells, all empty, lets the few missing read as blank
    all_blank = bool(present) and len(missing) <= max(1, len(r.columns) // 3) and all(
        not c.text.strip() for c in present)
    # the cells that are present lose confidence too: which one was dropped is unknown
    for c in list(by_col):
        by_col[c] = by_col[c]._replace(flags=by_col[c].flags | {Flag.UNSURE})
    if all_blank:
        for c in missing:
            by_col[c] = Placed(None, frozenset({Flag.INFERRED}))
        issues.append(Issue(
            "table.short_row", "warning",
            f"{r.name}: {reason}; every cell shown is empty, so the missing "
            f"{len(missing)} read as blank (inferred)",
            r.fields(r.columns), r.where()))
        return
    issues.append(Issue(
        "table.short_row", "error",
        f"{r.name}: {reason}; cannot tell which column is missing, "
        f"{', '.join(r.fields(missing))} not read" if present else
        f"{r.name}: {reason}; no value cell is shown",
        r.fields(r.columns), r.where()))
    issues.append(Issue("gap.cell", "warning", f"{r.name}: cells not shown: {', '.join(r.fields(missing))}",
                        r.fields(missing)))
