"""Recognise the template tables in a Document's grids and map their cells to field ids.

Format-blind: grids come from any reader. Text renderings collapse merged cells (rows
are ragged), HTML and PDF grids are full rectangles with spanned cells repeated.

* Tables are recognised by their labels, never by position: a title row
  第二十条第（N）项 or a header row 信息内容 opens a section-2 grid; a header with
  申请人情况/自然人/商业企业 opens section 3; 行政复议/行政诉讼/结果维持 opens section 4.
  The context carries over from one grid to the next, so a table split by a page break
  or by a converter into several grids is joined again.
* Row labels are matched by their words wherever they stand in the row (a row may carry
  one, two or three label cells). Value cells are the cells after the last label cell.
* Columns come from the header: each header label has a range of positions. A row whose
  value cells sit in those positions maps by position; otherwise values are aligned to
  the right (the total column is the last one). Cells that do not line up — a value in
  a position no header names, a label that took a value position, too few or too many
  cells — give a ``table.*`` issue and lower the confidence of the values they touch.
* Where no grid holds a table but its cells stand one per line (a converter's output),
  the lines are re-flowed into rows by their labels (``cells`` source).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .limits import check_time
from .model import Cell, Grid, Issue, Text
from .templates import (
    S2_ROWS,
    S3_COLUMNS,
    S3_GROUPS,
    S3_ROWS,
    S4_COLUMNS,
    Column,
    S2Row,
    S3Row,
)
from .text_norm import match_key
from .values import is_value_like, parse_value

# ---------------------------------------------------------------- results


@dataclass
class Mapped:
    """One template cell found in the document."""

    field: str
    cell: Cell | None  # None when inferred
    flags: set[str] = field(default_factory=set)  # misaligned | inferred | realigned | unsure | fallback
    default_unit: str | None = None
    where: dict | None = None

    @property
    def raw(self) -> str:
        return self.cell.text if self.cell is not None else ""


@dataclass
class TableResult:
    cells: dict[str, Mapped] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    found: set[str] = field(default_factory=set)  # "s2", "s3", "s4"
    headers: set[str] = field(default_factory=set)  # tables whose title or header row was seen
    other_split: bool | None = None
    consumed_lines: set[int] = field(default_factory=set)  # ids of Text blocks used as cells

    def put(self, m: Mapped) -> None:
        if m.field in self.cells:
            prev = self.cells[m.field]
            prev_empty = prev.cell is None or parse_value(prev.cell.text).kind == "blank"
            new_empty = m.cell is None or parse_value(m.cell.text).kind == "blank"
            if prev_empty and not new_empty:
                self.cells[m.field] = m
            elif not new_empty and prev.raw.strip() != m.raw.strip():
                self.issues.append(Issue(
                    "table.duplicate_row", "warning",
                    f"{m.field} appears twice with different values ({prev.raw!r} and {m.raw!r}); "
                    "the first is kept", (m.field,)))
                prev.flags.add("unsure")
            return
        self.cells[m.field] = m


# ---------------------------------------------------------------- row views


@dataclass
class Slot:
    pos: int
    cell: Cell
    origin: bool  # False for the copies of a spanned cell


def _slots(row: Sequence[Cell]) -> list[Slot]:
    out = []
    seen: set[int] = set()
    for p, c in enumerate(row):
        first = id(c) not in seen
        seen.add(id(c))
        out.append(Slot(p, c, first and c.origin))
    return out


def _unique(row: Sequence[Cell]) -> list[Cell]:
    """The cells of a row as printed: each spanned cell once."""
    seen: set[int] = set()
    out = []
    for c in row:
        if id(c) not in seen and c.origin:
            seen.add(id(c))
            out.append(c)
    return out


@lru_cache(maxsize=65536)
def _key(text: str) -> str:
    return match_key(text)


@lru_cache(maxsize=4096)
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _hit(patterns: Sequence[str], key: str) -> bool:
    return any(_rx(p).search(key) for p in patterns)


# ---------------------------------------------------------------- column maps


@dataclass
class Col:
    suffix: str  # column id (s3: natural_person…, s2: issued…, s4: "review.upheld"…)
    positions: tuple[int, ...]


@dataclass
class ColMap:
    cols: list[Col]
    width: int
    positional: bool  # positions are meaningful (not a re-flowed cell stream)

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


def _positions_of(row: Sequence[Cell], p: int) -> tuple[int, ...]:
    lo = p
    while lo > 0 and (_same_span(row[lo - 1], row[lo]) or _same_span(row[lo], row[lo - 1])):
        lo -= 1
    hi = p
    while hi + 1 < len(row) and (_same_span(row[hi], row[hi + 1]) or _same_span(row[hi + 1], row[hi])):
        hi += 1
    return tuple(range(lo, hi + 1))


def _match_col(text: str, columns: Sequence[Column]) -> Column | None:
    k = _key(text)
    if not k:
        return None
    for col in columns:
        if _hit(col.keys, k):
            return col
    return None


# ---------------------------------------------------------------- classification

_S2_TITLE = re.compile(r"第二十条第?\(?([一二三四五六七八九十]+)\)?项")
_S3_HEADER_WORDS = ("申请人情况", "自然人", "商业企业", "科研机构", "公益组织", "法律服务", "法人或其他组织")
_S4_GROUP = (
    ("suit_direct", re.compile(r"未经复议|直接起诉")),
    ("suit_after_review", re.compile(r"复议后起诉")),
    ("review", re.compile(r"^行政复议$|^行政复议[\(（]|^复议$")),
    ("suit", re.compile(r"^行政诉讼$|^行政诉讼[\(（]|^诉讼$")),
)
_S4_ORDER = ("review", "suit_direct", "suit_after_review")
_S2_HEADER_KEYS = tuple({rx for row in S2_ROWS for col in row.columns for rx in col.keys})


def s4_group_of(text: str) -> str | None:
    k = _key(text)
    for g, rx in _S4_GROUP:
        if rx.search(k):
            return g
    return None


def _is_s3_header(row: Sequence[Cell]) -> bool:
    keys = {_key(c.text) for c in row if c.text.strip()}
    hits = sum(1 for k in keys if any(w in k for w in _S3_HEADER_WORDS))
    return hits >= 1 and not any(_s3_row_of(k, None) for k in keys if "总计" not in k)


def _is_s4_header(row: Sequence[Cell]) -> bool:
    keys = [_key(c.text) for c in _unique(row) if c.text.strip()]
    leaf = sum(1 for k in keys if _match_col(k, S4_COLUMNS[:4]) is not None)
    grp = sum(1 for k in keys if s4_group_of(k))
    return leaf >= 2 or grp >= 1 and all(not is_value_like(k) for k in keys)


def _is_s2_header(row: Sequence[Cell]) -> bool:
    keys = [_key(c.text) for c in _unique(row) if c.text.strip()]
    if not keys:
        return False
    if keys[0].startswith("信息内容"):
        return True
    hits = sum(1 for k in keys if _hit(_S2_HEADER_KEYS, k))
    return hits >= 1 and all(not is_value_like(k) for k in keys) and not _s2_row_of(keys[0], None)


def _s2_row_of(label_key: str, template: str | None) -> S2Row | None:
    for r in S2_ROWS:
        if template and template not in r.templates:
            continue
        if _hit(r.keys, label_key):
            return r
    return None


_S3_SUB = [r for r in S3_ROWS if r.group]
_S3_TOP = [r for r in S3_ROWS if not r.group]


def _s3_row_of(label_key: str, leaf_key: str | None) -> S3Row | None:
    """The section-3 row a label names: the leaf label first, then the whole label."""
    for k in ([leaf_key] if leaf_key else []) + [label_key]:
        for r in _S3_SUB + _S3_TOP:
            if _hit(r.keys, k):
                return r
    return None


def _s3_group_of(label_key: str) -> str | None:
    for g, (_, keys) in S3_GROUPS.items():
        if g == "results":
            continue
        if _hit(keys, label_key):
            return g
    return None


# ---------------------------------------------------------------- the aligner


@dataclass
class Alignment:
    by_col: dict[str, tuple[Cell | None, set[str]]]
    issues: list[Issue]


_NUMBERING = re.compile(r"^\(?[一二三四五六七八九十\d]{1,3}[).:]")


@lru_cache(maxsize=65536)
def _labelish(text: str) -> bool:
    """A text cell that reads as a row label, not as a value written in words ("不详",
    "见附件"): long enough, numbered, or a label of the templates."""
    k = _key(text)
    if len(k) >= 5 or _NUMBERING.match(k):
        return True
    return bool(_s2_row_of(k, None) or _s3_row_of(k, None) or _s3_group_of(k) or s4_group_of(k))


def _label_and_values(row: Sequence[Cell]) -> tuple[list[Slot], list[Slot]]:
    """Label cells and value cells of a data row: labels stand before the first value."""
    slots = _slots(row)
    last_label = -1
    for s in slots:
        t = s.cell.text
        if not t.strip():
            continue
        if is_value_like(t):
            break
        if _labelish(t):
            last_label = s.pos
    labels = [s for s in slots if s.pos <= last_label]
    values = [s for s in slots if s.pos > last_label]
    return labels, values


def align_row(
    row: Sequence[Cell],
    values: list[Slot],
    colmap: ColMap | None,
    columns: Sequence[str],
    row_name: str,
    field_of: dict[str, str],
) -> Alignment:
    """Decide which value cell belongs to which column (ids in ``columns``)."""
    issues: list[Issue] = []
    n = len(columns)
    by_col: dict[str, tuple[Cell | None, set[str]]] = {}

    def fields(cols: Sequence[str]) -> tuple[str, ...]:
        return tuple(field_of[c] for c in cols)

    # positions are trusted only in a row as wide as the header it sits under
    use_pos = colmap is not None and colmap.positional and colmap.cols and len(row) == colmap.width
    tried_positions = False
    if use_pos:
        assert colmap is not None
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
        missing = [c for c in columns if c not in placed]
        # positions do not fit this row at all: fall back to right alignment
        if len(missing) + len(orphans) > max(2, n // 2):
            use_pos = False
            tried_positions = True
        else:
            for c, s in placed.items():
                flags: set[str] = set()
                if not s.origin and s.cell.colspan > 1:
                    flags.add("unsure")
                by_col[c] = (s.cell, flags)
            for s in orphans:
                # snap to the nearest column that holds nothing or an empty cell
                cands = []
                for col in colmap.cols:
                    if col.suffix not in columns:
                        continue
                    cur = by_col.get(col.suffix)
                    if cur is None or cur[0] is None or not cur[0].text.strip():
                        d = min(abs(p - s.pos) for p in col.positions)
                        cands.append((d, col.suffix))
                if cands:
                    d, target = min(cands)
                    by_col[target] = (s.cell, {"misaligned"})
                    issues.append(Issue(
                        "table.misaligned_cell", "warning",
                        f"{row_name}: the value {s.cell.text.strip()!r} stands in a position no column "
                        f"header names; read as {field_of[target]} (nearest free column)",
                        (field_of[target],), dict(s.cell.where)))
                else:
                    issues.append(Issue(
                        "table.extra_cell", "warning",
                        f"{row_name}: the value {s.cell.text.strip()!r} stands outside every column and "
                        "was not read", (), dict(s.cell.where)))
            missing = [c for c in columns if c not in by_col]
            if missing:
                _fill_missing(row, by_col, missing, columns, row_name, fields, issues,
                              reason=f"{len(values)} value cells where the header has {n} columns")
            return Alignment(by_col, issues)

    # right alignment (the total column is the last one)
    vals = [s for s in values if s.origin]
    trimmed = list(vals)
    while len(trimmed) > n and not trimmed[0].cell.text.strip():
        trimmed.pop(0)
    while len(trimmed) > n and not trimmed[-1].cell.text.strip():
        trimmed.pop()
    flags_all: set[str] = {"fallback"} if tried_positions else set()
    if len(trimmed) > n:
        extra = trimmed[: len(trimmed) - n]
        issues.append(Issue(
            "table.row_overflow", "warning",
            f"{row_name}: {len(trimmed)} value cells for {n} columns; the last {n} were read, "
            f"{', '.join(repr(s.cell.text.strip()) for s in extra)} left over",
            fields(columns), dict(extra[0].cell.where)))
        trimmed = trimmed[len(trimmed) - n:]
        flags_all.add("misaligned")
    offset = n - len(trimmed)
    for k, s in enumerate(trimmed):
        by_col[columns[offset + k]] = (s.cell, set(flags_all))
    missing = list(columns[:offset])
    if missing:
        _fill_missing(row, by_col, missing, columns, row_name, fields, issues,
                      reason=f"{len(trimmed)} value cells for {n} columns")
    return Alignment(by_col, issues)


def _fill_missing(row, by_col, missing, columns, row_name, fields, issues, reason: str) -> None:
    present = [v[0] for v in by_col.values() if v[0] is not None]
    # only a row that shows most of its cells, all empty, lets the few missing read as blank
    all_blank = bool(present) and len(missing) <= max(1, len(columns) // 3) and all(
        not c.text.strip() for c in present)
    # the cells that are present lose confidence too: which one was dropped is unknown
    for c in list(by_col):
        cell, flags = by_col[c]
        by_col[c] = (cell, flags | {"unsure"})
    if all_blank:
        for c in missing:
            by_col[c] = (None, {"inferred"})
        issues.append(Issue(
            "table.short_row", "warning",
            f"{row_name}: {reason}; every cell shown is empty, so the missing "
            f"{len(missing)} read as blank (inferred)",
            fields(columns), dict(row[0].where) if row else None))
    else:
        issues.append(Issue(
            "table.short_row", "error",
            f"{row_name}: {reason}; cannot tell which column is missing, "
            f"{', '.join(fields(missing))} not read" if present else
            f"{row_name}: {reason}; no value cell is shown",
            fields(columns), dict(row[0].where) if row else None))
        issues.append(Issue("gap.cell", "warning", f"{row_name}: cells not shown: {', '.join(fields(missing))}",
                            fields(missing)))


# ---------------------------------------------------------------- the stage


class _State:
    def __init__(self, template: str) -> None:
        self.template = template
        self.ctx: str | None = None
        self.s2_header_row: Sequence[Cell] | None = None
        self.s2_positional = True
        self.s3_header_rows: list[Sequence[Cell]] = []
        self.s3_map: ColMap | None = None
        self.s3_pending_label: str = ""
        self.s3_rows: list[tuple[S3Row, Sequence[Cell], list[Slot], str]] = []
        self.s4_header_rows: list[Sequence[Cell]] = []
        self.s4_map: ColMap | None = None
        self.s4_data_count = 0
        self.s3_rows_since_header = False
        self.s4_data_since_header = False


def _build_s3_map(header_rows: list[Sequence[Cell]], positional: bool) -> ColMap:
    cols: dict[str, Col] = {}
    width = max((len(r) for r in header_rows), default=0)
    for r in reversed(header_rows):  # lowest row first: the leaf labels
        for p, c in enumerate(r):
            col = _match_col(c.text, S3_COLUMNS)
            if col and col.suffix not in cols:
                cols[col.suffix] = Col(col.suffix, _positions_of(r, p))
    # 自然人 and 总计 may stand in upper rows; positions of different columns must not overlap
    ordered = sorted(cols.values(), key=lambda c: min(c.positions))
    return ColMap(ordered, width, positional)


def _build_s4_map(header_rows: list[Sequence[Cell]], positional: bool) -> ColMap:
    widths = {len(r) for r in header_rows}
    if not positional or len(widths) > 1:
        return _s4_map_in_reading_order(header_rows)
    leaves: dict[int, tuple[int, Column, Sequence[Cell]]] = {}
    for ri in range(len(header_rows) - 1, -1, -1):
        r = header_rows[ri]
        for p, c in enumerate(r):
            col = _match_col(c.text, S4_COLUMNS)
            if col and p not in leaves and not s4_group_of(c.text):
                leaves[p] = (ri, col, r)
    # one Col per distinct leaf cell
    seen: set[int] = set()
    leaf_list: list[tuple[tuple[int, ...], Column, int]] = []
    for p in sorted(leaves):
        ri, col, r = leaves[p]
        cell = r[p]
        if id(cell) in seen:
            continue
        seen.add(id(cell))
        leaf_list.append((_positions_of(r, p), col, ri))

    def group_at(p: int, leaf_row: int) -> str | None:
        best: tuple[int, str] | None = None
        rank = {"suit_direct": 0, "suit_after_review": 0, "review": 1, "suit": 2}
        for ri, r in enumerate(header_rows):
            # the group label covering p, or the nearest one to its left in that row
            g_here = None
            for q in range(min(p, len(r) - 1), -1, -1):
                g = s4_group_of(r[q].text)
                if g:
                    g_here = g
                    break
                if ri == leaf_row and _match_col(r[q].text, S4_COLUMNS) and q != p and not positional:
                    continue
            if g_here and (best is None or rank[g_here] < best[0]):
                best = (rank[g_here], g_here)
        return best[1] if best else None

    cols: list[Col] = []
    if len(leaf_list) == 15:
        for k, (pos, col, _ri) in enumerate(leaf_list):
            cols.append(Col(f"{_S4_ORDER[k // 5]}.{col.suffix}", pos))
    else:
        for pos, col, ri in leaf_list:
            g = group_at(min(pos), ri)
            if g == "suit":
                g = None
            cols.append(Col(f"{g or '?'}.{col.suffix}", pos))
    width = max((len(r) for r in header_rows), default=0)
    return ColMap(cols, width, positional)


def _s4_map_in_reading_order(header_rows: list[Sequence[Cell]]) -> ColMap:
    """Header rows of different widths (a collapsed rendering): the leaf labels in reading
    order are the template's 15 columns (or the 5 of one group)."""
    leaves = [col for r in header_rows for c in _unique(r)
              if not s4_group_of(c.text) and (col := _match_col(c.text, S4_COLUMNS)) is not None]
    if len(leaves) == 15:
        cols = [Col(f"{_S4_ORDER[k // 5]}.{col.suffix}", ()) for k, col in enumerate(leaves)]
    else:
        cols = [Col(f"?.{col.suffix}", ()) for col in leaves]
    return ColMap(cols, -1, False)


def _s4_header_group(header_rows: list[Sequence[Cell]]) -> str | None:
    found = [g for r in header_rows for c in r if (g := s4_group_of(c.text)) and g != "suit"]
    specific = [g for g in found if g != "review"]
    if specific:
        return specific[-1]
    return found[-1] if found else None


def extract_tables(
    blocks: Sequence[Text | Grid],
    template: str,
    section_of_block: Sequence[int | None],
) -> TableResult:
    """Map every template cell the grids show to its field id (``template``: 2019/2021)."""
    res = TableResult()
    st = _State(template)
    for bi, b in enumerate(blocks):
        sec = section_of_block[bi]
        if isinstance(b, Text):
            continue
        check_time("reading the tables")
        _grid(b, st, res, sec)
    _finish_s3(st, res)
    # cell streams: sections whose table no grid held
    for table, secno in (("s2", 2), ("s3", 3), ("s4", 4)):
        if table in res.found:
            continue
        idxs = [i for i, b in enumerate(blocks) if isinstance(b, Text) and section_of_block[i] == secno]
        if not idxs:
            continue
        grid, used = _reflow([blocks[i] for i in idxs], table, idxs)  # type: ignore[misc]
        if grid is None:
            continue
        st2 = _State(template)
        before = set(res.cells)
        _grid(grid, st2, res, secno)
        _finish_s3(st2, res)
        if set(res.cells) - before:
            for f in set(res.cells) - before:
                res.cells[f].flags.add("reflowed")
            res.consumed_lines.update(used)
            res.issues.append(Issue(
                "table.reflowed", "info",
                f"the section-{secno} table stands one cell per line; rows were rebuilt from their labels"))
    return res


def _grid(g: Grid, st: _State, res: TableResult, sec: int | None) -> None:
    positional = g.source != "cells"
    for row in g.rows:
        if not any(c.text.strip() for c in row) and not (
                st.ctx == "s4" and st.s4_header_rows and not st.s4_data_since_header and len(row) >= 5):
            continue  # an empty row, except the all-blank data row under a section-4 header
        keys = [_key(c.text) for c in _unique(row) if c.text.strip()]
        # ---- section 2
        m = _S2_TITLE.search("".join(keys[:2]))
        if m and len(keys) <= 2:
            st.ctx = "s2"
            res.found.add("s2")
            res.headers.add("s2")
            st.s2_header_row = None
            continue
        if (st.ctx == "s2" or sec == 2) and _is_s2_header(row):
            st.ctx = "s2"
            res.found.add("s2")
            res.headers.add("s2")
            _set_s2_header(st, row, positional)
            continue
        # ---- section 3 header
        if _is_s3_header(row) and not (st.ctx == "s4" and _is_s4_header(row)):
            if st.ctx != "s3" or not st.s3_header_rows or st.s3_rows_since_header:
                st.s3_header_rows = []
            st.ctx = "s3"
            res.found.add("s3")
            res.headers.add("s3")
            st.s3_header_rows.append(row)
            st.s3_rows_since_header = False
            st.s3_map = _build_s3_map(st.s3_header_rows, positional)
            continue
        if "勾稽关系" in "".join(keys) and len(keys) <= 3:
            st.ctx = "s3"
            res.found.add("s3")
            res.headers.add("s3")
            st.s3_header_rows = [row]
            st.s3_rows_since_header = False
            continue
        # ---- section 4 header
        if _is_s4_header(row):
            if st.ctx != "s4" or st.s4_data_since_header:
                st.s4_header_rows = []
            st.ctx = "s4"
            res.found.add("s4")
            res.headers.add("s4")
            st.s4_header_rows.append(row)
            st.s4_data_since_header = False
            st.s4_map = _build_s4_map(st.s4_header_rows, positional)
            continue
        labels, values = _label_and_values(row)
        label_key_all = "".join(dict.fromkeys(_key(s.cell.text) for s in labels if s.cell.text.strip()))
        leaf_key = _key(labels[-1].cell.text) if labels else ""
        # ---- section 2 data row
        if st.ctx == "s2" or (sec == 2 and st.ctx is None):
            r2 = _s2_row_of(_key(labels[0].cell.text) if labels else "", st.template) if labels else None
            if r2 is None and labels:
                r2 = _s2_row_of(label_key_all, st.template)
            if r2 is not None:
                res.found.add("s2")
                _s2_data(row, r2, values, st, res, positional)
                continue
        # ---- section 3 data row
        if st.ctx == "s3" or (sec == 3 and st.ctx is None) or (
                labels and _s3_row_of(label_key_all, leaf_key) is not None and st.ctx != "s2"
                and re.search(r"本年新收|上年结转|结转下年|办理结果", label_key_all)):
            if not labels and st.s3_pending_label == "" and st.s3_rows and all(
                    not s.cell.text.strip() for s in st.s3_rows[-1][2]) and any(s.cell.text.strip() for s in values):
                # values of a row whose label was cut from them by a page break
                r3, prow, _pv, name = st.s3_rows[-1]
                st.s3_rows[-1] = (r3, row, values, name)
                res.issues.append(Issue("table.row_joined", "info",
                                        f"{name}: the values stand on a separate line from the label; joined",
                                        (), dict(row[0].where)))
                continue
            group = _s3_group_of(label_key_all)
            full = st.s3_pending_label + label_key_all
            r3 = _s3_row_of(st.s3_pending_label + label_key_all, (st.s3_pending_label + leaf_key)
                            if not labels or len(labels) == 1 else leaf_key)
            if r3 is None and labels and not any(s.cell.text.strip() for s in values):
                # a label cut by a page break: keep it for the next row
                if not group:
                    st.s3_pending_label = full
                continue
            if r3 is None and labels and st.s3_rows and not any(
                    _s3_row_of(_key(s.cell.text), None) for s in labels):
                # the continuation of the previous row's label (a row cut in two)
                prev = st.s3_rows[-1]
                if not any(s.cell.text.strip() for s in prev[2]):
                    st.s3_rows[-1] = (prev[0], row, values, prev[3])
                    res.issues.append(Issue(
                        "table.row_joined", "info",
                        f"{prev[3]}: the row continues on the next line ({label_key_all!r}); "
                        "its values are read from there", (), dict(row[0].where)))
                    continue
            st.s3_pending_label = ""
            if r3 is not None:
                # a heading row "（六）其他处理" over three sub-rows is kept too: _finish_s3 drops it
                st.ctx = "s3"
                res.found.add("s3")
                st.s3_rows_since_header = True
                name = "/".join(dict.fromkeys(_key(s.cell.text) for s in labels if s.cell.text.strip()))
                st.s3_rows.append((r3, row, values, name))
                if st.s3_map is None and st.s3_header_rows:
                    st.s3_map = _build_s3_map(st.s3_header_rows, positional)
                continue
            if labels:
                res.issues.append(Issue("table.unknown_label", "warning",
                                        f"section-3 row label {label_key_all!r} matches no template row",
                                        (), dict(labels[0].cell.where)))
                continue
        # ---- section 4 data row (all blank too, right under its header)
        if st.ctx == "s4" and not labels and (any(s.cell.text.strip() for s in values) or (
                st.s4_header_rows and not st.s4_data_since_header and len(row) >= 5)):
            _s4_data(row, values, st, res, positional)
            continue
        if labels and st.ctx in ("s2", "s4"):
            res.issues.append(Issue("table.unknown_label", "warning",
                                    f"row label {label_key_all!r} matches no row of the {st.ctx} table",
                                    (), dict(labels[0].cell.where)))


def _set_s2_header(st: _State, row: Sequence[Cell], positional: bool) -> None:
    st.s2_header_row = row
    st.s2_positional = positional


def _s2_colmap(row: Sequence[Cell], columns: Sequence[Column], positional: bool) -> ColMap:
    """The header's columns, matched against the columns of one section-2 row."""
    cols: list[Col] = []
    taken: set[str] = set()
    for p, c in enumerate(row):
        if not c.origin or not c.text.strip() or _key(c.text).startswith("信息内容"):
            continue
        col = _match_col(c.text, [x for x in columns if x.suffix not in taken])
        if col is None:
            continue
        taken.add(col.suffix)
        cols.append(Col(col.suffix, _positions_of(row, p)))
    return ColMap(cols, len(row), positional)


def _s2_data(row: Sequence[Cell], r2: S2Row, values: list[Slot], st: _State, res: TableResult,
             positional: bool) -> None:
    columns = [c.suffix for c in r2.columns]
    field_of = {c: f"s2.{r2.stem}.{c}" for c in columns}
    cm = _s2_colmap(st.s2_header_row, r2.columns, st.s2_positional) if st.s2_header_row else None
    if cm is not None:
        if not cm.cols:
            res.issues.append(Issue("table.header_mismatch", "warning",
                                    f"the header over row {r2.label} names none of its columns "
                                    f"({', '.join(c.label for c in r2.columns)})",
                                    tuple(field_of.values()), dict(row[0].where)))
            cm = None
    if cm is not None and not positional:
        cm = ColMap(cm.cols, cm.width, False)
    if cm is not None and not cm.positional and len(cm.cols) == len(columns):
        # a re-flowed stream: values follow the header's column order
        columns = [c.suffix for c in cm.cols]
    al = align_row(row, values, cm, columns, f"section-2 row {r2.label}", field_of)
    res.issues.extend(al.issues)
    unit = r2.unit
    for c, (cell, flags) in al.by_col.items():
        res.put(Mapped(field_of[c], cell, flags, unit if c in r2.money else None,
                       _where(cell, row)))


def _finish_s3(st: _State, res: TableResult) -> None:
    rows = st.s3_rows
    if not rows:
        return
    split = any(r.rid.startswith("other.") for r, *_ in rows)
    res.other_split = split if res.other_split is None else (res.other_split or split)
    columns = [c.suffix for c in S3_COLUMNS]
    columns = _s3_header_columns(st.s3_map, rows, columns, res)
    for r3, row, values, name in rows:
        if r3.rid == "other" and split:
            if any(s.cell.text.strip() for s in values):
                res.issues.append(Issue("table.group_row_values", "warning",
                                        "（六）其他处理 carries values although its three sub-rows are shown; "
                                        "the sub-rows are read", (), dict(row[0].where)))
            continue
        rid = r3.rid
        field_of = {c: f"s3.{rid}.{c}" for c in columns}
        cm = st.s3_map
        al = align_row(row, values, cm, columns, f"section-3 row {name}", field_of)
        res.issues.extend(al.issues)
        for c, (cell, flags) in al.by_col.items():
            res.put(Mapped(field_of[c], cell, flags, None,
                           _where(cell, row)))
    st.s3_rows = []


def _s3_header_columns(cm: ColMap | None, rows: list, columns: list[str], res: TableResult) -> list[str]:
    """The columns the section-3 table shows: a header without 总计 (or another column) whose
    rows carry as few values is a table that leaves that column out, not a table of short rows."""
    if cm is None or len(cm.cols) < 4:
        return columns
    shown = [c for c in columns if any(col.suffix == c for col in cm.cols)]
    if len(shown) == len(columns):
        return columns
    counts = []
    for _r3, _row, values, _name in rows:
        vals = [s for s in values if s.origin]
        while vals and not vals[0].cell.text.strip():
            vals.pop(0)
        counts.append(len(vals))
    counts.sort()
    if not counts or counts[len(counts) // 2] > len(shown):
        return columns  # the rows carry the column: the header label is damaged, not absent
    absent = [c for c in columns if c not in shown]
    labels = {c.suffix: c.label for c in S3_COLUMNS}
    res.issues.append(Issue(
        "gap.column", "warning",
        f"the section-3 table has no column {', '.join(labels[c] for c in absent)}: its cells are not shown",
        tuple(f"s3.{r3.rid}.{c}" for r3, *_ in rows for c in absent)))
    return shown


def _s4_data(row: Sequence[Cell], values: list[Slot], st: _State, res: TableResult, positional: bool) -> None:
    cm = st.s4_map
    st.s4_data_since_header = True
    nonempty_vals = [s for s in values if s.origin]
    if cm is None or not cm.cols:
        # no header: 15 values in template order, or 5 for the k-th group
        if len(nonempty_vals) >= 15 or st.s4_data_count >= 3:
            cols = [f"{g}.{c.suffix}" for g in _S4_ORDER for c in S4_COLUMNS]
        else:
            g = _S4_ORDER[min(st.s4_data_count, 2)]
            cols = [f"{g}.{c.suffix}" for c in S4_COLUMNS]
        cm_use = None
    else:
        cols = [c.suffix for c in cm.cols]
        cm_use = cm
        unknown = [c for c in cols if c.startswith("?.")]
        if unknown:
            g = _s4_header_group(st.s4_header_rows) or _S4_ORDER[min(st.s4_data_count, 2)]
            remap = {c: c.replace("?.", f"{g}.") for c in unknown}
            cols = [remap.get(c, c) for c in cols]
            cm_use = ColMap([Col(remap.get(c.suffix, c.suffix), c.positions) for c in cm.cols],
                            cm.width, cm.positional)
        if len(cols) == 15 and 4 <= len([s for s in nonempty_vals]) <= 6:
            # three 5-column rows under one 15-column header
            g = _S4_ORDER[min(st.s4_data_count, 2)]
            cols = [f"{g}.{c.suffix}" for c in S4_COLUMNS]
            cm_use = None
    st.s4_data_count += 1
    field_of = {c: f"s4.{c}" for c in cols}
    al = align_row(row, values, cm_use if positional else (
        ColMap(cm_use.cols, cm_use.width, False) if cm_use else None), cols, "section-4 data row", field_of)
    res.issues.extend(al.issues)
    for c, (cell, flags) in al.by_col.items():
        res.put(Mapped(field_of[c], cell, flags, None,
                       _where(cell, row)))


def _where(cell: Cell | None, row: Sequence[Cell]) -> dict:
    if cell is not None:
        return dict(cell.where)
    # an inferred cell: where its row is, without a column of its own
    w = {k: v for k, v in (row[0].where if row else {}).items() if k not in ("column", "bbox")}
    w["inferred"] = True
    return w


# ---------------------------------------------------------------- cell streams

_COLUMN_WORDS = re.compile(
    r"^信息内容$|申请人情况|法人或其他组织|^行政复议$|^行政诉讼$|未经复议|复议后起诉|勾稽关系")


def _token_kind(text: str, table: str) -> str:
    k = _key(text)
    if not k:
        return "empty"
    if is_value_like(text):
        return "value"
    if _S2_TITLE.search(k):
        return "title"
    if _COLUMN_WORDS.search(k):
        return "header"
    cols: Sequence[Column] = {"s3": S3_COLUMNS, "s4": S4_COLUMNS}.get(table, ())
    if table == "s2":
        if _hit(_S2_HEADER_KEYS, k):
            return "header"
    elif _match_col(k, cols) is not None and not (table == "s3" and _s3_row_of(k, None)):
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


def _reflow(lines: Sequence[Text], table: str, idxs: Sequence[int]) -> tuple[Grid | None, set[int]]:
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
