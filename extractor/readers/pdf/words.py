"""The words the PDF reader looks for: the label words that mark a page holding a template
table (``scan`` reads the ruling lines of those pages only) and the numbering that starts a
heading (``lines`` never joins a heading to the paragraph above it). The report's own
vocabulary, not PDF layout: taken from :mod:`extractor.vocab`, the one vocabulary every reader and
stage uses, under the names the PDF stages import."""

from __future__ import annotations

__all__ = ["TABLE_WORDS", "HEADING_RE", "BOX_LABEL_RE", "BOX_ISSUER_KEYS", "BOX_DATE_KEYS", "BOX_TITLE_KEYS"]

from ...vocab import (
    BOX_DATE_KEYS,
    BOX_ISSUER_KEYS,
    BOX_TITLE_KEYS,
    NUMBERED_LINE,
    PAGE_TABLE_WORDS,
    box_label_pattern,
)

#: Words that show a page holds (part of) one of the template tables.
TABLE_WORDS: tuple[str, ...] = PAGE_TABLE_WORDS
#: A heading's numbering at the start of a line.
HEADING_RE = NUMBERED_LINE
#: a box label at the start of a cell, then a colon
BOX_LABEL_RE = box_label_pattern(colon_required=True)


