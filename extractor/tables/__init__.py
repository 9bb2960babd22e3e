"""Recognise the template tables in a Document's grids and map their cells to field ids.

Format-blind: grids come from any reader. Text renderings collapse merged cells (rows
are ragged), HTML and PDF grids are full rectangles with spanned cells repeated.

The stages, each a function of the data the one before gives (no shared state):

1. :func:`~extractor.tables.classify.classify_row` — a row is a title
   (第二十条第（N）项), a header (信息内容 / 申请人情况 / 行政复议 …), a data row of
   section 2, 3 or 4, or nothing. Tables are recognised by their labels, never by
   position; row labels are matched by their words wherever they stand in the row (one,
   two or three label cells); value cells are the cells after the last label cell.
2. :func:`~extractor.tables.stitch.stitch` — the rows of all grids in document order,
   the table context carried from one grid to the next, so a table split by a page break
   or a converter is joined again; a label cut from its values, or over two rows, is
   joined (``table.row_joined``). Gives each data row with the header it stands under.
3. :mod:`~extractor.tables.header` — each header's columns and the positions they cover.
4. :func:`~extractor.tables.align.align_row` — a row whose value cells sit in the header's
   positions maps by position; otherwise values are aligned to the right (the total
   column is the last one). Cells that do not line up — a value in a position no header
   names, too few or too many cells — give a ``table.*`` issue and a :class:`Flag`.
5. :func:`~extractor.tables.assign.assign` — field ids for the aligned cells.

Flags (:class:`extractor.model.Flag`, factors in ``extractor/confidence.py``):
``misaligned``, ``unsure``, ``fallback``, ``reflowed``, ``fuzzy``, ``inferred``, ``fused``.

Tables printed with their cells fused (a one-line body: ``"fused"`` grids, one run of
digits per row) are cut by the template's arithmetic instead of read by position
(:mod:`~extractor.tables.fused_rows`, :mod:`extractor.fused`; flag ``fused``).

Where no grid holds a table but its cells stand one per line (a converter's output), the
lines are re-flowed into rows by their labels (:mod:`~extractor.tables.reflow`, ``cells``
source) and go through the same stages.

While they read, the stages record what the parsing report of each table is made of (the
grids of each table, the template rows matched exactly or approximately, the cells placed by
position): :func:`~extractor.tables.report.parsing_report` turns it into the record's ``tables``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Flag, Grid, Issue, Text
from .align import Alignment, Placed, align_row
from .assign import Mapped, TableResult, assign
from .classify import Classified, Context, RowKind, classify_row
from .fused_rows import read_fused
from .header import Col, ColMap, s2_colmap, s3_colmap, s4_colmap
from .labels import key as _key
from .labels import labelish as _labelish
from .labels import rx as _rx
from .labels import s4_group_of
from .reflow import reflow
from .stitch import Header, S2Line, S3Line, S4Line, Stitched, stitch


def extract_tables(
    blocks: Sequence[Text | Grid],
    template: str,
    section_of_block: Sequence[int | None],
) -> TableResult:
    """Map every template cell the grids show to its field id (``template``: 2019/2021)."""
    res = TableResult()
    grids = [(b, section_of_block[i]) for i, b in enumerate(blocks) if isinstance(b, Grid)]
    assign(stitch([g for g in grids if g[0].source != "fused"], template), res)
    fused = [g for g in grids if g[0].source == "fused"]
    if fused:
        read_fused(fused, template, res)
    # cell streams: sections whose table no grid held
    for table, secno in (("s2", 2), ("s3", 3), ("s4", 4)):
        if table in res.found:
            continue
        idxs = [i for i, b in enumerate(blocks) if isinstance(b, Text) and section_of_block[i] == secno]
        if not idxs:
            continue
        grid, used = reflow([b for i in idxs if isinstance(b := blocks[i], Text)], table, idxs)
        if grid is None:
            continue
        before = set(res.cells)
        assign(stitch([(grid, secno)], template), res)
        new = set(res.cells) - before
        if new:
            for f in new:
                res.cells[f] = res.cells[f].flagged(Flag.REFLOWED)
            res.consumed_lines.update(used)
            res.issues.append(Issue(
                "table.reflowed", "info",
                f"the section-{secno} table stands one cell per line; rows were rebuilt from their labels"))
    return res


__all__ = [
    "Alignment", "Classified", "Col", "ColMap", "Context", "Flag", "Header", "Mapped", "Placed", "RowKind",
    "S2Line", "S3Line", "S4Line", "Stitched", "TableResult", "_key", "_labelish", "_rx", "align_row",
    "assign", "classify_row", "extract_tables", "s2_colmap", "s3_colmap", "s4_colmap", "s4_group_of", "stitch",
]
