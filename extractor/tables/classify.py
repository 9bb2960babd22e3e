"""Stage 1: classify one row of a grid (title, header, data row of a table, or nothing).

A pure function of the row and a small :class:`Context` (the table the previous rows
opened, the section the grid stands in, whether a section-4 header waits for its data).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import NamedTuple

from ..model import Cell
from ..templates import S4_COLUMNS, S2Row
from ..values import is_value_like
from ..vocab import S2_TITLE, S3_HEADER_WORDS, S3_ROW_WORDS
from .labels import (
    S2_HEADER_KEYS,
    Slot,
    has_text,
    hit,
    key,
    label_and_values,
    match_col,
    s2_row_of,
    s3_row_of,
    s4_group_of,
    unique,
)


class RowKind(Enum):
    SKIP = "skip"  # an empty row
    S2_TITLE = "s2_title"  # 第二十条第（一）项
    S2_HEADER = "s2_header"  # 信息内容 | 本年制发件数 | …
    S3_HEADER = "s3_header"  # 申请人情况 | 自然人 | …
    S3_NOTE = "s3_note"  # the 勾稽关系 note over a section-3 table
    S4_HEADER = "s4_header"  # 行政复议 | 行政诉讼 | 结果维持 | …
    S2_DATA = "s2_data"  # a row of a section-2 table (``s2_row`` names it)
    S3_DATA = "s3_data"  # a row that belongs to section 3 (its label may be cut: see stitch)
    S4_DATA = "s4_data"  # a value row under a section-4 header
    STRAY = "stray"  # a labelled row in a section-2 or -4 table that names no template row
    OTHER = "other"  # nothing the tables use


class Context(NamedTuple):
    table: str | None  # the table the rows before opened: "s2", "s3", "s4" or None
    section: int | None  # the numbered section the grid stands in
    s4_open: bool  # a section-4 header was read and no data row followed yet
    template: str  # "2019" or "2021"


class Classified(NamedTuple):
    kind: RowKind
    labels: tuple[Slot, ...] = ()
    values: tuple[Slot, ...] = ()
    label_key: str = ""  # the keys of the label cells, joined (each distinct key once)
    leaf_key: str = ""  # the key of the last label cell
    s2_row: S2Row | None = None


def is_s3_header(row: Sequence[Cell]) -> bool:
    keys = {key(c.text) for c in row if c.text.strip()}
    hits = sum(1 for k in keys if any(w in k for w in S3_HEADER_WORDS))
    return hits >= 1 and not any(s3_row_of(k, None) for k in keys if "总计" not in k)


def is_s4_header(row: Sequence[Cell]) -> bool:
    keys = [key(c.text) for c in unique(row) if c.text.strip()]
    leaf = sum(1 for k in keys if match_col(k, S4_COLUMNS[:4]) is not None)
    grp = sum(1 for k in keys if s4_group_of(k))
    # (a row of a header printed over several lines may start only a leaf label and 总计)
    labels_only = bool(keys) and all(match_col(k, S4_COLUMNS) is not None or s4_group_of(k) for k in keys)
    return leaf >= 2 or (leaf >= 1 and labels_only) or grp >= 1 and all(not is_value_like(k) for k in keys)


def is_s2_header(row: Sequence[Cell]) -> bool:
    keys = [key(c.text) for c in unique(row) if c.text.strip()]
    if not keys:
        return False
    if keys[0].startswith("信息内容"):
        return True
    hits = sum(1 for k in keys if hit(S2_HEADER_KEYS, k))
    return hits >= 1 and all(not is_value_like(k) for k in keys) and not s2_row_of(keys[0], None)


def _header_kind(row: Sequence[Cell], keys: list[str], ctx: Context) -> RowKind | None:
    if S2_TITLE.search("".join(keys[:2])) and len(keys) <= 2:
        return RowKind.S2_TITLE
    if (ctx.table == "s2" or ctx.section == 2) and is_s2_header(row):
        return RowKind.S2_HEADER
    if is_s3_header(row) and not (ctx.table == "s4" and is_s4_header(row)):
        return RowKind.S3_HEADER
    if "勾稽关系" in "".join(keys) and len(keys) <= 3:
        return RowKind.S3_NOTE
    if is_s4_header(row):
        return RowKind.S4_HEADER
    return None


def _fragment_row(ctx: Context, values: Sequence[Slot]) -> bool:
    """A row before any numbered section and any table (a fragment that starts inside
    section 2, at 行政处罚): read as a section-2 row when its label names one and its cells
    hold values."""
    return ctx.section in (None, 0) and has_text(values) and all(
        is_value_like(s.cell.text) for s in values)


def classify_row(row: Sequence[Cell], ctx: Context) -> Classified:
    """What one row is, given the rows before it (``ctx``)."""
    s4_blank_row = ctx.table == "s4" and ctx.s4_open and len(row) >= 5
    if not any(c.text.strip() for c in row) and not s4_blank_row:
        return Classified(RowKind.SKIP)  # an empty row, except the all-blank data row under a s4 header
    keys = [key(c.text) for c in unique(row) if c.text.strip()]
    header = _header_kind(row, keys, ctx)
    if header is not None:
        return Classified(header)
    labels, values = label_and_values(row)
    label_key = "".join(dict.fromkeys(key(s.cell.text) for s in labels if s.cell.text.strip()))
    leaf_key = key(labels[-1].cell.text) if labels else ""
    found = Classified(RowKind.OTHER, tuple(labels), tuple(values), label_key, leaf_key)
    if ctx.table == "s2" or (ctx.table is None and (ctx.section == 2 or _fragment_row(ctx, values))):
        r2 = s2_row_of(key(labels[0].cell.text), ctx.template) if labels else None
        if r2 is None and labels:
            r2 = s2_row_of(label_key, ctx.template)
        if r2 is not None:
            return found._replace(kind=RowKind.S2_DATA, s2_row=r2)
    if ctx.table == "s3" or (ctx.section == 3 and ctx.table is None) or (
            labels and s3_row_of(label_key, leaf_key) is not None and ctx.table != "s2"
            and S3_ROW_WORDS.search(label_key)):
        return found._replace(kind=RowKind.S3_DATA)
    if ctx.table == "s4" and not labels and (any(s.cell.text.strip() for s in values) or s4_blank_row):
        return found._replace(kind=RowKind.S4_DATA)
    if labels and ctx.table in ("s2", "s4"):
        return found._replace(kind=RowKind.STRAY)
    return found
