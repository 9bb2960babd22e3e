"""The parsing report of every standard table: how the table stages read it.

Like Camelot's ``parsing_report``: for each table the document shows (``s2``, ``s3``,
``s4``), which strategy found its cells, on which pages, from how many fragments, how many
template rows were matched exactly, approximately or not at all, and how its cells were
placed. Everything comes from what the stages recorded while they read the table
(:class:`~extractor.tables.assign.TableResult`: ``fragments``, ``rows``, and each
:class:`~extractor.tables.assign.Mapped` cell's ``by_position`` and flags), never from the
values read:

* ``strategy``: a PDF grid's ``where["strategy"]`` (``rules``: a ruled grid; ``words``:
  words placed by their x-positions), else the reader of the grid: ``html``, ``docx`` (Word,
  also .doc/.odt/.rtf), ``text`` (tab-separated, markdown or ``a|b|c`` lines), ``ocr``,
  ``fused`` (the cells of a one-line body, cut by the template's arithmetic) or ``reflowed``
  (one cell per line, rebuilt into rows); a table read from grids of several strategies
  joins them with ``+`` in document order (``rules+words``).
* ``pages``: the pages of the fragments (a grid the PDF reader joined across a page break
  has ``where["joined_pages"]``), sorted; None when the fragments have no page (HTML, text, Word).
* ``fragments``: the pieces stitched into the table: every grid with a title, header or data
  row of it, a grid the reader joined across pages counting once per page it joined (a
  section 2 printed as four small tables, one per 第二十条 item, counts 4).
* ``rows``: ``exact`` and ``approximate`` (a damaged label matched by
  :mod:`~extractor.tables.fuzzy`) count the distinct template rows matched; ``missing``: the
  template's rows no row was matched to (section 2: its required rows; section 3: the rows of
  the template, （六） as one row or as its three sub-rows as the report prints it;
  section 4: its three groups, 行政复议, 未经复议直接起诉, 复议后起诉).
* ``cells``: ``read``, the table's entries in the record's ``values``; of them
  ``by_position``, placed by their place in the row (aligned to the right, the total column
  last, or snapped to the nearest free column) rather than under the header position they
  stand in, and ``inferred``, not shown but blank by inference (flag ``inferred``) or cut from
  fused digits (flag ``fused``).
"""

from __future__ import annotations

from ..model import Flag, Grid, TableReport
from ..templates import s2_rows, s3_rows
from .assign import TableResult
from .labels import S4_ORDER

TABLES = ("s2", "s3", "s4")
_READER = {"html": "html", "docx": "docx", "ocr": "ocr", "fused": "fused", "cells": "reflowed",
           "tsv": "text", "md": "text", "pipes": "text"}


def strategy_of(grid: Grid) -> str:
    """How the reader found the cells of ``grid`` (see the module)."""
    if grid.source == "pdf":
        return str(grid.where.get("strategy") or "rules")
    return _READER.get(grid.source, grid.source or "unknown")


def _pages(grid: Grid) -> list[int]:
    joined = grid.where.get("joined_pages")
    if joined:
        return [p for p in joined if isinstance(p, int)]
    if isinstance(grid.where.get("page"), int):
        return [grid.where["page"]]
    if grid.source == "cells":  # re-flowed text lines: the pages of the lines
        return [p for row in grid.rows for c in row if isinstance(p := c.where.get("page"), int)]
    return []


def _template_rows(table: str, template: str, other_split: bool) -> list[str]:
    if table == "s2":
        return [r.stem for r in s2_rows(template) if not r.optional]
    if table == "s3":
        return [r.rid for r in s3_rows(template, other_split)]
    return list(S4_ORDER)


def table_report(res: TableResult, table: str, template: str) -> TableReport:
    """The parsing report of one table of ``res``."""
    grids = res.fragments.get(table, [])
    pages = sorted({p for g in grids for p in _pages(g)})
    rows = res.rows.get(table, {})
    cells = [m for f, m in res.cells.items() if f.split(".", 1)[0] == table]
    inferred = sum(1 for m in cells if Flag.INFERRED in m.flags or Flag.FUSED in m.flags)
    return TableReport(
        table=table,
        strategy="+".join(dict.fromkeys(strategy_of(g) for g in grids)) or "unknown",
        pages=tuple(pages) if pages else None,
        fragments=sum(max(1, len(g.where.get("joined_pages") or ())) for g in grids),
        rows_exact=sum(1 for approx in rows.values() if not approx),
        rows_approximate=sum(1 for approx in rows.values() if approx),
        rows_missing=sum(1 for r in _template_rows(table, template, bool(res.other_split)) if r not in rows),
        cells_read=len(cells),
        cells_by_position=sum(1 for m in cells if m.by_position),
        cells_inferred=inferred,
    )


def parsing_report(res: TableResult, template: str) -> tuple[TableReport, ...]:
    """The parsing report of every standard table ``res`` found, in the order s2, s3, s4."""
    return tuple(table_report(res, t, template) for t in TABLES if t in res.found)
