"""Label matching shared by the table stages: row views, label keys, template lookups.

Every comparison goes through :func:`extractor.vocab.match_key` (cached here as
:func:`key`), so a Traditional, full-width or spaced label matches like its plain form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from ..model import Cell
from ..templates import S2_ROWS, S3_GROUPS, S3_ROWS, Column, S2Row, S3Row
from ..values import is_value_like
from ..vocab import S4_GROUPS, match_key


class Slot(NamedTuple):
    """One position of a row: its index, its cell, and whether the cell starts there
    (False for the covered positions of a spanned cell)."""

    pos: int
    cell: Cell
    origin: bool


def slots(row: Sequence[Cell]) -> list[Slot]:
    out = []
    seen: set[int] = set()
    for p, c in enumerate(row):
        first = id(c) not in seen
        seen.add(id(c))
        out.append(Slot(p, c, first and c.origin))
    return out


def unique(row: Sequence[Cell]) -> list[Cell]:
    """The cells of a row as printed: each spanned cell once."""
    seen: set[int] = set()
    out = []
    for c in row:
        if id(c) not in seen and c.origin:
            seen.add(id(c))
            out.append(c)
    return out


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    return match_key(text)


@lru_cache(maxsize=4096)
def rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def hit(patterns: Sequence[str], k: str) -> bool:
    return any(rx(p).search(k) for p in patterns)


def match_col(text: str, columns: Sequence[Column]) -> Column | None:
    k = key(text)
    if not k:
        return None
    for col in columns:
        if hit(col.keys, k):
            return col
    return None


S4_ORDER = ("review", "suit_direct", "suit_after_review")
S2_HEADER_KEYS = tuple({p for row in S2_ROWS for col in row.columns for p in col.keys})


def s4_group_of(text: str) -> str | None:
    k = key(text)
    for g, pattern in S4_GROUPS:
        if pattern.search(k):
            return g
    return None


_NOTE = re.compile(r"\([^()]*\)|\([^()]*$")


def without_notes(label_key: str) -> str:
    """A label key without its explanations in brackets (an unclosed one at the end too)."""
    while "(" in label_key:
        bare = _NOTE.sub("", label_key)
        if bare == label_key:
            break
        label_key = bare
    return label_key


def s2_row_of(label_key: str, template: str | None) -> S2Row | None:
    """The section-2 row a label names.  An explanation in brackets is read last: the Hubei
    label 其他对外管理服务事项（指行政许可证以外的…行政处罚、行政强制…） names its own row,
    not the rows its explanation mentions."""
    bare = without_notes(label_key)
    for k in (bare, label_key) if bare and bare != label_key else (label_key,):
        for r in S2_ROWS:
            if template and template not in r.templates:
                continue
            if hit(r.keys, k):
                return r
    return None


_S3_SUB = [r for r in S3_ROWS if r.group]
_S3_TOP = [r for r in S3_ROWS if not r.group]


def s3_row_of(label_key: str, leaf_key: str | None) -> S3Row | None:
    """The section-3 row a label names: the leaf label first, then the whole label."""
    for k in ([leaf_key] if leaf_key else []) + [label_key]:
        for r in _S3_SUB + _S3_TOP:
            if hit(r.keys, k):
                return r
    return None


def s3_group_of(label_key: str) -> str | None:
    for g, (_, keys) in S3_GROUPS.items():
        if g == "results":
            continue
        if hit(keys, label_key):
            return g
    return None


_NUMBERING = re.compile(r"^\(?[一二三四五六七八九十\d]{1,3}[).:]")


@lru_cache(maxsize=65536)
def labelish(text: str) -> bool:
    """A text cell that reads as a row label, not as a value written in words ("不详",
    "见附件"): long enough, numbered, or a label of the templates."""
    k = key(text)
    if len(k) >= 5 or _NUMBERING.match(k):
        return True
    return bool(s2_row_of(k, None) or s3_row_of(k, None) or s3_group_of(k) or s4_group_of(k))


def label_and_values(row: Sequence[Cell]) -> tuple[list[Slot], list[Slot]]:
    """Label cells and value cells of a data row: labels stand before the first value."""
    ss = slots(row)
    last_label = -1
    for s in ss:
        t = s.cell.text
        if not t.strip():
            continue
        if is_value_like(t):
            break
        if labelish(t):
            last_label = s.pos
    return [s for s in ss if s.pos <= last_label], [s for s in ss if s.pos > last_label]


def has_text(values: Sequence[Slot]) -> bool:
    return any(s.cell.text.strip() for s in values)
