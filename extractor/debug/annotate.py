"""Annotations: a report's grids with each row's class and each cell's field id.

:func:`annotate` reads a file the way :func:`extractor.parse` does (through
:func:`extractor.readers.read` and :func:`extractor.parse_document`) and keeps, for every
grid row, the class the table stages' classify step gave it in context — observed through
the :data:`extractor.tables.stitch.ROW_OBSERVER` hook, so it is what the stages decided,
never a second guess — and, for every cell, the field ids of the report's values read
from it (matched by the values' ``where`` and raw text).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import EmptyInput, ExtractorError, InputNotFound, LimitExceeded
from ..limits import DEFAULT_LIMITS, Limits, time_limit
from ..model import Cell, Document, Format, Grid, Report, Value
from ..readers.pdf.layout import LAYOUT_OBSERVER, LayoutBox
from ..tables.classify import Classified, RowKind
from ..tables.report import strategy_of
from ..tables.stitch import ROW_OBSERVER

#: the row classes, in the dump and on the picture (docs/debug.md)
ROW_CLASSES = ("header", "data", "label", "prose", "empty", "unread")
_HEADER_KINDS = {RowKind.S2_TITLE, RowKind.S2_HEADER, RowKind.S3_HEADER, RowKind.S3_NOTE, RowKind.S4_HEADER}
_DATA_KINDS = {RowKind.S2_DATA, RowKind.S3_DATA, RowKind.S4_DATA, RowKind.STRAY}


class DebugUsageError(ExtractorError):
    """A page that the document does not have, or a picture asked of a file that is not a PDF."""

    exit_code = 2


# --------------------------------------------------------------------------- annotations


@dataclass(frozen=True)
class CellNote:
    """One position of a grid row: its text, spans, and the field ids the report gave it.

    ``covered`` marks a position covered by a merged cell that starts elsewhere (its
    ``fields`` are then empty: the ids belong to the merged cell's first position)."""

    column: int
    text: str
    fields: tuple[str, ...] = ()
    rowspan: int = 1
    colspan: int = 1
    covered: bool = False
    where: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RowNote:
    """One grid row: its class (:data:`ROW_CLASSES`) and the table stages' kind
    (:class:`~extractor.tables.classify.RowKind` value; ``""`` when the stages did not run)."""

    index: int
    cls: str
    kind: str
    cells: tuple[CellNote, ...]


@dataclass(frozen=True)
class GridNote:
    """One grid with its rows annotated.

    ``number`` is the grid's 1-based position among the Document's grids; grids the table
    stages re-flowed from text lines (``source == "cells"``, not in the Document) have
    ``number`` 0 and ``reflowed`` set to their 1-based order."""

    number: int
    grid: Grid
    section: int | None
    strategy: str
    rows: tuple[RowNote, ...]
    reflowed: int = 0

    @property
    def name(self) -> str:
        return f"grid {self.number}" if self.number else f"re-flowed grid {self.reflowed}"

    @property
    def page(self) -> int | None:
        p = self.grid.where.get("page")
        return p if isinstance(p, int) else None

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        b = self.grid.where.get("bbox")
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3])) if b else None


@dataclass(frozen=True)
class Annotated:
    """A file as the library reads it, with every grid annotated (see :func:`annotate`).

    ``unplaced`` are the report's values that stand on no cell of the grids (inferred
    cells, which the document does not show)."""

    document: Document
    report: Report
    grids: tuple[GridNote, ...]
    unplaced: tuple[Value, ...]
    classified: bool  # False: the template is unknown or pre-2019, the table stages did not run
    data: bytes = b""  # the file's bytes (the picture renders them)
    #: the ruled boxes the PDF reader left out as layout (a framed paragraph, a shaded
    #: heading, an info box), as it told them to its layout observer
    layout_boxes: tuple[LayoutBox, ...] = ()


def grid_strategy(grid: Grid) -> str:
    """How the reader read a table, named as the record's parsing report names it
    (:func:`extractor.tables.report.strategy_of`: ``rules`` / ``words`` for PDF grids, else the
    reader: ``html``, ``docx``, ``text``, ``ocr``, ``fused``, ``reflowed``); the grid's source
    (``tsv``, ``md``, ``pipes`` …) is printed beside it."""
    return strategy_of(grid)


def _load(data_or_path: str | os.PathLike[str] | bytes, limits: Limits) -> tuple[bytes, str | None]:
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        data, path = bytes(data_or_path), None
    else:
        p = Path(data_or_path)
        path = str(p)
        if not p.is_file():
            raise InputNotFound(f"cannot read {path}: not a regular file")
        if p.stat().st_size > limits.max_bytes:
            raise LimitExceeded("max_bytes", f"{path} is over the limit max_bytes={limits.max_bytes}")
        try:
            data = p.read_bytes()
        except OSError as e:
            raise InputNotFound(f"cannot read {path}: {e.strerror or e}") from None
    if not data.strip():
        raise EmptyInput(f"{path or 'input'} is empty")
    return data, path


@contextmanager
def _observing() -> Iterator[list[tuple[Grid, int | None, int, Classified]]]:
    seen: list[tuple[Grid, int | None, int, Classified]] = []
    token = ROW_OBSERVER.set(lambda g, sec, ri, c: seen.append((g, sec, ri, c)))
    try:
        yield seen
    finally:
        ROW_OBSERVER.reset(token)


def annotate(
    data_or_path: str | os.PathLike[str] | bytes | Annotated,
    *,
    format: Format | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Annotated:
    """Read a report (a path or its bytes; format sniffed unless given) and annotate its grids.

    The report is the one :func:`extractor.parse` gives (a test checks), except that a
    document of more than ``limits.max_lines`` lines is read whole here. Raises the same
    :class:`~extractor.errors.ExtractorError` subclasses as :func:`extractor.parse`. An
    :class:`Annotated` is returned as it is."""
    if isinstance(data_or_path, Annotated):
        return data_or_path
    from .. import parse_document
    from ..readers import read

    with time_limit(limits.time_s):
        data, path = _load(data_or_path, limits)
        dropped: list[LayoutBox] = []
        token = LAYOUT_OBSERVER.set(dropped.append)
        try:
            doc = read(data, format, limits)
        finally:
            LAYOUT_OBSERVER.reset(token)
        with _observing() as seen:
            report = parse_document(doc, path, hashlib.sha256(data).hexdigest())
    return replace(_annotate(doc, report, seen, data), layout_boxes=tuple(dropped))


def _where_key(where: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in where.items() if k != "inferred"}, sort_keys=True, ensure_ascii=False)


def _grid_order(doc: Document, seen: Sequence[tuple[Grid, int | None, int, Classified]]) -> list[Grid]:
    """The Document's grids, then the grids the stages re-flowed from text lines."""
    grids = doc.grids()
    known = {id(g) for g in grids}
    for g, _sec, _ri, _c in seen:
        if id(g) not in known:
            known.add(id(g))
            grids.append(g)
    return grids


def _annotate(doc: Document, report: Report, seen: Sequence[tuple[Grid, int | None, int, Classified]],
              data: bytes) -> Annotated:
    kinds: dict[tuple[int, int], Classified] = {(id(g), ri): c for g, _sec, ri, c in seen}
    section: dict[int, int | None] = {id(g): sec for g, sec, _ri, _c in seen}
    pending: dict[str, list[Value]] = {}
    for v in report.values:
        pending.setdefault(_where_key(v.where), []).append(v)
    used: set[int] = set()
    doc_ids = {id(g) for g in doc.grids()}
    notes: list[GridNote] = []
    n_doc = n_flow = 0
    for g in _grid_order(doc, seen):
        rows = tuple(_row_note(g, ri, kinds.get((id(g), ri)), pending, used) for ri in range(len(g.rows)))
        if id(g) in doc_ids:
            n_doc += 1
            notes.append(GridNote(n_doc, g, section.get(id(g)), grid_strategy(g), rows))
        else:
            n_flow += 1
            notes.append(GridNote(0, g, section.get(id(g)), grid_strategy(g), rows, reflowed=n_flow))
    unplaced = tuple(v for v in report.values if id(v) not in used)
    return Annotated(doc, report, tuple(notes), unplaced, classified=bool(seen), data=data)


def _take(cell: Cell, pending: dict[str, list[Value]], used: set[int]) -> tuple[str, ...]:
    """The field ids of the values read from this cell (same ``where``, same raw text)."""
    for v in pending.get(_where_key(cell.where), ()):
        if id(v) not in used and v.raw == cell.text:
            used.add(id(v))
            return (v.field,)
    return ()


def _row_note(g: Grid, ri: int, c: Classified | None, pending: dict[str, list[Value]], used: set[int]) -> RowNote:
    cells = []
    for ci, cell in enumerate(g.rows[ri]):
        if not cell.origin:
            cells.append(CellNote(ci, cell.text, (), cell.rowspan, cell.colspan, True, dict(cell.where)))
            continue
        cells.append(CellNote(ci, cell.text, _take(cell, pending, used), cell.rowspan, cell.colspan,
                              False, dict(cell.where)))
    has_fields = any(cn.fields for cn in cells)
    return RowNote(ri, _row_class(c, has_fields), c.kind.value if c is not None else "", tuple(cells))


def _row_class(c: Classified | None, has_fields: bool) -> str:
    """header / data / label / prose / empty; ``unread`` when the stages did not see the row.

    A data row with neither a field id nor a value is a ``label`` row (a group heading such
    as （三）不予公开, or a label cut from its values)."""
    if c is None:
        return "unread"
    if c.kind is RowKind.SKIP:
        return "empty"
    if c.kind in _HEADER_KINDS:
        return "header"
    if c.kind in _DATA_KINDS:
        has_values = any(s.cell.text.strip() for s in c.values)
        return "data" if has_fields or has_values else "label"
    return "prose"
