"""Stage 2: stitch the classified rows of all grids into table lines.

A table is often cut: by a page break, by a converter that writes one table as several,
by a label broken over two rows or separated from its values. :func:`stitch` reads the
grids in document order, keeps the table context from one grid to the next, and gives
each data row together with the header it stands under (:class:`S2Line`,
:class:`S3Line`, :class:`S4Line`), plus the ``table.row_joined`` / ``table.unknown_label``
issues of the stitching. It maps no column and assigns no field id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import NamedTuple

from ..limits import check_time
from ..model import Cell, Grid, Issue
from ..templates import S2Row, S3Row
from ..vocab import NUMBERED_LINE
from .classify import Classified, Context, RowKind, classify_row
from .fuzzy import candidates, closest_row, fuzzy_issue
from .labels import Slot, has_text, key, s3_group_of, s3_row_of

Row = Sequence[Cell]

#: A debugging hook (``extractor/debug.py``): while set, :func:`stitch` calls it with every
#: grid row it classifies — ``(grid, section, row_index, classified)`` — so a tool can show
#: what the stage decided, in context, without changing what it decides.
ROW_OBSERVER: ContextVar[Callable[[Grid, int | None, int, Classified], None] | None] = ContextVar(
    "ROW_OBSERVER", default=None)


class Header(NamedTuple):
    rows: tuple[Row, ...]
    positional: bool  # read from a grid whose positions mean columns (not re-flowed)


class S2Line(NamedTuple):
    row: Row
    s2_row: S2Row
    values: tuple[Slot, ...]
    header: Header | None  # the 信息内容 header row over it (one row), if any
    positional: bool


class S3Line(NamedTuple):
    s3_row: S3Row
    row: Row
    values: tuple[Slot, ...]
    name: str  # the row's label keys, joined by "/"
    fuzzy: bool = False  # the label was matched approximately (see extractor/tables/fuzzy.py)


class S4Line(NamedTuple):
    row: Row
    values: tuple[Slot, ...]
    header: Header | None
    before: int  # how many section-4 data rows came before it
    positional: bool


class Stitched(NamedTuple):
    """The tables of a document as rows under headers; section-3 rows are read together
    at the end under the last section-3 header (``s3_header``)."""

    items: tuple[S2Line | S4Line | Issue, ...]
    s3_lines: tuple[S3Line, ...]
    s3_header: Header | None
    found: frozenset[str]  # tables with a title, header or data row
    headers: frozenset[str]  # tables whose title or header row was seen
    #: the grids each table's title, header and data rows came from, in document order
    #: (the fragments of the parsing report, :mod:`extractor.tables.report`)
    fragments: tuple[tuple[str, Grid], ...] = ()


@dataclass(frozen=True)
class _Open:
    """What the rows read so far leave open for the next row."""

    table: str | None = None
    s2_header: Header | None = None
    s3_rows: tuple[Row, ...] = ()  # header rows of the section-3 table being read
    s3_header: Header | None = None  # the header the section-3 columns come from
    s3_rows_since_header: bool = False
    s3_pending: str = ""  # a label cut from its values by a page break, waiting for them
    s4_header: Header | None = None
    s4_data_since_header: bool = False
    s4_count: int = 0


def _header(op: _Open, kind: RowKind, row: Row, positional: bool) -> _Open:
    """The context after a title or header row."""
    if kind is RowKind.S2_TITLE:
        return replace(op, table="s2", s2_header=None)
    if kind is RowKind.S2_HEADER:
        return replace(op, table="s2", s2_header=Header((row,), positional))
    if kind is RowKind.S3_HEADER:
        fresh = op.table != "s3" or not op.s3_rows or op.s3_rows_since_header
        rows = (row,) if fresh else op.s3_rows + (row,)
        return replace(op, table="s3", s3_rows=rows, s3_rows_since_header=False,
                       s3_header=Header(rows, positional))
    if kind is RowKind.S3_NOTE:
        return replace(op, table="s3", s3_rows=(row,), s3_rows_since_header=False)
    # S4_HEADER
    fresh = op.table != "s4" or op.s4_data_since_header or op.s4_header is None
    prev = () if fresh or op.s4_header is None else op.s4_header.rows
    return replace(op, table="s4", s4_header=Header(prev + (row,), positional), s4_data_since_header=False)


_TABLE_OF_HEADER = {RowKind.S2_TITLE: "s2", RowKind.S2_HEADER: "s2", RowKind.S3_HEADER: "s3",
                    RowKind.S3_NOTE: "s3", RowKind.S4_HEADER: "s4"}
_TABLE_OF_ROW = {**_TABLE_OF_HEADER, RowKind.S2_DATA: "s2", RowKind.S3_DATA: "s3", RowKind.S4_DATA: "s4"}


class _Unmatched(NamedTuple):
    """A row of values whose label named no template row, and where it stood."""

    at: int  # the number of section-3 lines before it
    issue_at: int  # where its table.unknown_label issue stands among the stitched items
    label: str  # the key of its last label cell
    row: Row
    values: tuple[Slot, ...]
    name: str


def _name(labels: Sequence[Slot]) -> str:
    return "/".join(dict.fromkeys(key(s.cell.text) for s in labels if s.cell.text.strip()))


class _S3Step(NamedTuple):
    op: _Open
    lines: tuple[S3Line, ...]
    issue: Issue | None = None
    found: bool = False
    unmatched: bool = False  # a labelled row of values whose label names no row


def _stitch_s3(op: _Open, lines: tuple[S3Line, ...], c: Classified, row: Row, positional: bool) -> _S3Step:
    """A section-3 row: a new row, a label waiting for its values, or the rest of the row
    before it (its values, or the continuation of its label)."""
    labels, values = c.labels, c.values
    if not labels and op.s3_pending == "" and lines and not has_text(lines[-1].values) and has_text(values):
        # values of a row whose label was cut from them by a page break
        prev = lines[-1]
        return _S3Step(op, lines[:-1] + (prev._replace(row=row, values=values),), Issue(
            "table.row_joined", "info", f"{prev.name}: the values stand on a separate line from the label; joined",
            (), dict(row[0].where)))
    full = op.s3_pending + c.label_key
    r3 = s3_row_of(full, (op.s3_pending + c.leaf_key) if len(labels) <= 1 else c.leaf_key)
    if (r3 is None and labels and not has_text(values) and not op.s3_pending and lines and has_text(lines[-1].values)
            and not NUMBERED_LINE.match(labels[0].cell.text) and not s3_group_of(c.label_key)):
        # the rest of the label of the row before, whose values were read (a row cut by a page
        # break below its numbers): nothing to keep
        return _S3Step(op, lines)
    if r3 is None and labels and not has_text(values):
        # a label cut by a page break: keep it for the next row
        return _S3Step(op if s3_group_of(c.label_key) else replace(op, s3_pending=full), lines)
    if r3 is None and labels and lines and not any(s3_row_of(key(s.cell.text), None) for s in labels) \
            and not has_text(lines[-1].values):
        # the continuation of the previous row's label (a row cut in two)
        prev = lines[-1]
        return _S3Step(op, lines[:-1] + (prev._replace(row=row, values=values),), Issue(
            "table.row_joined", "info",
            f"{prev.name}: the row continues on the next line ({c.label_key!r}); its values are read from there",
            (), dict(row[0].where)))
    op = replace(op, s3_pending="")
    if r3 is not None:
        # a heading row "（六）其他处理" over three sub-rows is kept too: the assign stage drops it
        name = _name(labels)
        op = replace(op, table="s3", s3_rows_since_header=True)
        if op.s3_header is None and op.s3_rows:
            op = replace(op, s3_header=Header(op.s3_rows, positional))
        return _S3Step(op, lines + (S3Line(r3, row, values, name),), found=True)
    if labels:
        return _S3Step(op, lines, Issue("table.unknown_label", "warning",
                                        f"section-3 row label {c.label_key!r} matches no template row",
                                        (), dict(labels[0].cell.where)), unmatched=has_text(values))
    return _S3Step(op, lines)


def _resolve_fuzzy(lines: tuple[S3Line, ...], unmatched: list[_Unmatched], items: list[S2Line | S4Line | Issue],
                   template: str) -> tuple[S3Line, ...]:
    """Rows whose label named no row, matched approximately where the template leaves room
    (``items``: their ``table.unknown_label`` issues become ``table.fuzzy_label``)."""
    out = list(lines)
    used = {ln.s3_row.rid for ln in lines}
    shift = 0
    for u in unmatched:
        pos = u.at + shift
        cands = candidates([ln.s3_row for ln in out[:pos]], [ln.s3_row for ln in out[pos:]], used, template)
        hit = closest_row(u.label, cands)
        if hit is None:
            continue
        r3, d = hit
        line = S3Line(r3, u.row, u.values, u.name, fuzzy=True)
        issue = items[u.issue_at]
        items[u.issue_at] = fuzzy_issue(u.label, r3, d, issue.where if isinstance(issue, Issue) else None)
        out.insert(pos, line)
        used.add(r3.rid)
        shift += 1
    return tuple(out)


_TABLE_OF_SECTION = {2: "s2", 3: "s3", 4: "s4"}
_SECTION_OF_TABLE = {t: n for n, t in _TABLE_OF_SECTION.items()}


def stitch(grids: Sequence[tuple[Grid, int | None]], template: str) -> Stitched:
    """The rows of ``grids`` (each with the section it stands in), stitched into tables."""
    op = _Open()
    items: list[S2Line | S4Line | Issue] = []
    s3_lines: tuple[S3Line, ...] = ()
    found: set[str] = set()
    headers: set[str] = set()
    unmatched: list[_Unmatched] = []
    fragments: dict[tuple[str, int], tuple[str, Grid]] = {}
    observe = ROW_OBSERVER.get()
    for g, sec in grids:
        check_time("reading the tables")
        positional = g.source != "cells"
        if sec in _TABLE_OF_SECTION and op.table in _SECTION_OF_TABLE and _SECTION_OF_TABLE[op.table] < sec:
            # a section heading stands between: the open table ended there (its header printed on the
            # page before may have been read as text), this grid is the section's own table
            op = replace(op, table=_TABLE_OF_SECTION[sec])
        for ri, row in enumerate(g.rows):
            s4_open = op.s4_header is not None and not op.s4_data_since_header
            c = classify_row(row, Context(op.table, sec, s4_open, template))
            if observe is not None:
                observe(g, sec, ri, c)
            table = _TABLE_OF_ROW.get(c.kind)
            if table is not None:
                fragments.setdefault((table, id(g)), (table, g))
            if c.kind in _TABLE_OF_HEADER:
                op = _header(op, c.kind, row, positional)
                found.add(_TABLE_OF_HEADER[c.kind])
                headers.add(_TABLE_OF_HEADER[c.kind])
            elif c.kind is RowKind.S2_DATA:
                assert c.s2_row is not None
                found.add("s2")
                items.append(S2Line(row, c.s2_row, c.values, op.s2_header, positional))
            elif c.kind is RowKind.S3_DATA:
                step = _stitch_s3(op, s3_lines, c, row, positional)
                op, s3_lines = step.op, step.lines
                if step.unmatched:
                    unmatched.append(_Unmatched(len(s3_lines), len(items), c.leaf_key, row, c.values,
                                                _name(c.labels)))
                if step.issue is not None:
                    items.append(step.issue)
                if step.found:
                    found.add("s3")
            elif c.kind is RowKind.S4_DATA:
                items.append(S4Line(row, c.values, op.s4_header, op.s4_count, positional))
                op = replace(op, s4_data_since_header=True, s4_count=op.s4_count + 1)
            elif c.kind is RowKind.STRAY:
                items.append(Issue("table.unknown_label", "warning",
                                   f"row label {c.label_key!r} matches no row of the {op.table} table",
                                   (), dict(c.labels[0].cell.where)))
    if unmatched:
        s3_lines = _resolve_fuzzy(s3_lines, unmatched, items, template)
    return Stitched(tuple(items), s3_lines, op.s3_header, frozenset(found), frozenset(headers),
                    tuple(fragments.values()))
