"""Debugging a report that reads wrong: what the reader and the table stages saw.

The entry points, documented for users in ``docs/debug.md``:

* :func:`annotate` — read a file the way :func:`extractor.parse` does and return the
  reader's :class:`~extractor.model.Document`, the :class:`~extractor.model.Report`, and for
  every grid each row's class (as the table stages' classify step gave it, in context) and
  each cell's field id (matched from the report's values' ``where``).
* :func:`debug_text_dump` — a plain-text dump of those grids for any format: per grid
  where it came from, each row with its class, each cell with its field id (or ``-``),
  then the values that stand on no cell (inferred), the sections and the issues.
* :func:`debug_pdf_page` — one PDF page rendered with pypdfium2 and drawn over, like
  pdfplumber's ``debug_tablefinder``: the ruling lines, the grids found (their cells, with
  spans), the text lines, the ruled boxes the reader left out as layout (and why), each
  row's class, each cell's field id, and the strategy that read the table. Returns a :class:`DebugInfo` saying what was drawn where.
* :func:`debug_file` — what ``extractor debug FILE [--page N] [-o OUT.png]`` does: the
  dump, and for a PDF the picture of one page.

Everything here reads through public functions only (:func:`extractor.readers.read`,
:func:`extractor.parse_document`); the table stages' row classes come from the
:data:`extractor.tables.stitch.ROW_OBSERVER` hook, so they are exactly what the stages
decided, never a second guess.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..limits import DEFAULT_LIMITS, Limits
from .annotate import (
    ROW_CLASSES,
    Annotated,
    CellNote,
    DebugUsageError,
    GridNote,
    RowNote,
    annotate,
    grid_strategy,
)
from .dump import debug_text_dump, row_line
from .picture import (
    CELL_COLOUR,
    GRID_COLOUR,
    LAYOUT_BOXES_NOTE,
    LAYOUT_COLOUR,
    RULING_COLOUR,
    DebugInfo,
    DrawnBox,
    DrawnGrid,
    debug_pdf_page,
)

__all__ = [
    "CELL_COLOUR", "GRID_COLOUR", "LAYOUT_BOXES_NOTE", "LAYOUT_COLOUR", "ROW_CLASSES", "RULING_COLOUR", "Annotated", "CellNote",
    "DebugInfo", "DebugRun", "DebugUsageError", "DrawnBox", "DrawnGrid", "GridNote", "RowNote", "annotate", "debug_file",
    "debug_pdf_page", "debug_text_dump", "default_page", "grid_strategy", "row_line",
]


@dataclass(frozen=True)
class DebugRun:
    """What ``extractor debug`` does with one file: the dump, and for a PDF the picture."""

    dump: str
    picture: DebugInfo | None


def default_page(a: Annotated) -> int:
    """The page ``extractor debug`` draws when none is given: the first page with a grid, else 1."""
    pages = [g.page for g in a.grids if g.page is not None]
    return min(pages) if pages else 1


def debug_file(
    path: str | os.PathLike[str],
    *,
    page: int | None = None,
    out_png: str | os.PathLike[str] | None = None,
    scale: float | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> DebugRun:
    """``extractor debug FILE [--page N] [-o OUT.png]``: the text dump of any report, and for a
    PDF the picture of page ``page`` (default :func:`default_page`) written to ``out_png``
    (default ``<file stem>.p<N>.debug.png`` in the current folder), at ``scale`` pixels per
    point (default 2).

    ``page``, ``out_png`` or ``scale`` given for a file that is not a PDF is a
    :class:`DebugUsageError` (exit code 2)."""
    a = annotate(path, limits=limits)
    dump = debug_text_dump(a)
    if a.document.format != "pdf":
        if page is not None or out_png is not None or scale is not None:
            raise DebugUsageError(f"{path} is {a.document.format}: only PDF pages are drawn (--page, -o, --scale); "
                                  "without them the text dump is printed")
        return DebugRun(dump, None)
    n = page if page is not None else default_page(a)
    out = Path(out_png) if out_png is not None else Path(f"{Path(path).stem}.p{n}.debug.png")
    return DebugRun(dump, debug_pdf_page(a, n, out, scale=2.0 if scale is None else scale))

