"""PDF reader: bytes → :class:`Document` of text lines and ruled grids.

The reader is a chain of stages, one module each, each taking what the one before gives:

1. :mod:`.guard` — raw bytes: every compressed stream is decoded, streamed and counted,
   before pdfium sees the file (a decompression bomb is ``LimitExceeded``; a stream that
   does not decode is an ``input.damaged`` warning).
2. :mod:`.scan` — one pypdfium2 pass over the pages: characters with their boxes, line
   starts, object counts, and on *table pages* (a table label word, or many ruling paths)
   the ruling edges. Pages with images and no characters have no text layer: a
   ``gap.no_text_layer`` issue, never an empty success.
3. :mod:`.grids` — ruling edges → cells (pdfplumber's table finder) → :class:`Grid` with
   the spans of merged cells rebuilt; one Grid per table fragment per page (the pipeline
   joins fragments that continue the same template table).
4. :mod:`.lines` — the characters outside the grids → text lines → paragraphs (also across
   a page break), page numbers dropped; lines and grids in reading order.

5. OCR (:func:`extractor.ocr.read.with_ocr_pages`): the pages without a text layer are
   rendered and read by OCR when ``limits.ocr`` is on and the ``ocr`` extra is installed
   (at most ``limits.max_ocr_pages`` of them); an ``input.ocr`` issue lists them. Without the
   extra (or with ``ocr=False``) the ``gap.no_text_layer`` issue stays and says why.

The words the stages look for (table labels, heading numbering) are in :mod:`.words`.
Only the PDF libraries' own errors mean a damaged file (:class:`DamagedDocument`); any
other exception is a bug of the reader and surfaces as it is. Every page and document
handle is closed after use, so memory stays flat however many documents one process reads.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from ...limits import DEFAULT_LIMITS, Limits, check_time
from ...model import Document, Issue
from .grids import pdfium_grids, pdfplumber_grids
from .guard import guard_streams
from .layout import sort_grids, text_box
from .lines import assemble
from .scan import PageScan, scan_document
from .stitch import join_cut_headers
from .words import TABLE_WORDS

__all__ = ["read", "TABLE_WORDS"]


def read(data: bytes, limits: Limits = DEFAULT_LIMITS, *, engine: Literal["pdfium", "pdfplumber"] = "pdfium") -> Document:
    """Read a PDF into a Document of text lines and grids (format ``"pdf"``).

    ``engine``: ``"pdfium"`` (default: pdfium's geometry into pdfplumber's table finder) or
    ``"pdfplumber"`` (pdfplumber/pdfminer parse the table pages; slower, the reference).

    Raises :class:`EncryptedDocument` when a user password is needed,
    :class:`DamagedDocument` when the PDF library cannot parse the file, and
    :class:`LimitExceeded` (``max_inflated_bytes`` before pdfium sees the file: a
    decompression bomb; ``max_cells`` / ``max_text_chars``; ``time_s``, checked between
    pages) when a limit is hit. More pages than ``limits.max_pages`` are not read: the
    document gets a ``limit.max_pages`` issue. Compressed streams that do not decompress
    give an ``input.damaged`` warning (pdfium reads around them).
    """
    if engine not in ("pdfium", "pdfplumber"):
        raise ValueError(f"unknown PDF engine {engine!r}")
    issues: list[Issue] = guard_streams(data, limits)
    check_time("after checking the PDF's compressed streams")
    scans, page_issues = scan_document(data, limits, with_edges=engine != "pdfplumber")
    issues += page_issues
    no_text = _no_text_layer(scans)
    if no_text is not None:
        issues.append(no_text)
    if engine == "pdfplumber":
        table_pages = [s.number for s in scans if s.table_page]
        grids_by_page = pdfplumber_grids(data, table_pages, limits) if table_pages else {}
    else:
        grids_by_page = pdfium_grids(scans, limits)
    tables, hidden, hints = sort_grids(grids_by_page)
    blocks = join_cut_headers(assemble(scans, tables, hidden))
    if not hints:  # an info box printed without rules is text lines
        blocks, hints = text_box(blocks)
    doc = Document(blocks=tuple(blocks), format="pdf", hints=hints, issues=tuple(issues))
    return _ocr_hook(doc, data, limits) if no_text is not None and no_text.where else doc


def _ocr_hook(doc: Document, data: bytes, limits: Limits) -> Document:
    """The pages without a text layer read by OCR (``limits.ocr`` and the extra installed);
    otherwise the ``gap.no_text_layer`` issue says how they could be read."""
    from ... import ocr

    why = ocr.why_not(limits.ocr)
    if why is None:
        from ...ocr.read import with_ocr_pages

        return with_ocr_pages(doc, data, limits)
    issues = tuple(dataclasses.replace(i, message=f"{i.message}; {why}") if i.code == "gap.no_text_layer" else i
                   for i in doc.issues)
    return dataclasses.replace(doc, issues=issues)


def _no_text_layer(scans: list[PageScan]) -> Issue | None:
    """``gap.no_text_layer``: an error when no page has text, a warning naming the pages of
    pictures otherwise. A page of pictures: no character, or a page-size picture with a few
    stray characters (a stamped page number) over it."""
    no_text = [s.number for s in scans if s.images and (not s.chars or (s.image_cover > 0.5 and s.n_glyphs() <= 10))]
    if no_text and len(no_text) == len(scans):
        return Issue(
            "gap.no_text_layer",
            "error",
            f"the PDF has no text layer: its {len(scans)} page(s) are images (a scan); "
            "nothing can be read without OCR",
            where={"pages": no_text},
        )
    if no_text:
        pages = ", ".join(str(p) for p in no_text)
        return Issue(
            "gap.no_text_layer",
            "warning",
            f"page(s) {pages} have no text layer (scanned images); their content is missing without OCR",
            where={"pages": no_text},
        )
    if not any(s.chars for s in scans):
        return Issue("gap.no_text_layer", "error", "the PDF has no text: every page is empty")
    return None
