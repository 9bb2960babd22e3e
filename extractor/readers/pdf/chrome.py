"""Page chrome: what a page prints around the report that is not report text.

Two rules, both on the text pieces of the pages before they are joined into lines
(``lines`` calls :func:`drop_chrome`):

* **Running headers and footers.** A piece in the top or bottom band of a page
  (:data:`_BAND` of its height) whose text, digits aside, is printed in that band on another
  page too (a browser's header with the date and the page's title, its footer with the address
  and "1/4", a Word document's running header); on any page, a piece in the band that is a web
  address or a browser's time stamp (``12/1/26, 6:34 PM``, ``2026/12/1 18:34``).
* **Outside the article column.** A printed web page keeps the site's menus, search box and
  sidebar left of the article. The article's left edge is the leftmost start shared by wide
  pieces (over the document); a piece that starts more than :data:`_INDENT` characters left of
  it is chrome (when every paragraph is one indented line, the edge found is the indent, and
  the headings start left of it). A report printed from a word processor has nothing there
  (a paragraph's first line is indented to the right, never to the left).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol, TypeVar

__all__ = ["drop_chrome", "text_span", "browser_mark"]

_BAND = 0.07
_URL = re.compile(r"(?:https?://|file:/|www\.)\S+", re.I)
_STAMP = re.compile(r"^\d{1,4}[/-]\d{1,2}[/-]\d{1,4}\s*,?\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp][Mm])?")
_MIN_WIDE = 0.4  # a wide piece spans this share of the page width
# how far left of the article's edge (in characters) a piece may start: when every wide piece
# is a paragraph's indented first line (one-line paragraphs), a heading starts a paragraph
# indent (2 em, 3 characters with the cell padding of some sites) left of the edge found
_INDENT = 4


class _Boxed(Protocol):
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


class _Piece(_Boxed, Protocol):
    @property
    def height(self) -> float: ...


P = TypeVar("P", bound=_Piece)
B = TypeVar("B", bound=_Boxed)


def browser_mark(text: str) -> bool:
    """A web address or a browser's time stamp (what a browser prints in a page's header and
    footer): never a table's text."""
    return bool(_URL.search(text) or _STAMP.match(text))


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _in_band(p: _Piece, height: float) -> bool:
    return p.bottom <= height * _BAND or p.top >= height * (1 - _BAND)


def _rows(pieces: Sequence[B]) -> list[tuple[str, list[B]]]:
    """Pieces side by side on one line, left to right, with their joined text: pdfium may give
    a browser header's characters as pieces of one or a few characters each."""
    rows: list[list[B]] = []
    for p in sorted(pieces, key=lambda p: (p.top + p.bottom) / 2):
        cy = (p.top + p.bottom) / 2
        if rows and abs(cy - (rows[-1][0].top + rows[-1][0].bottom) / 2) < 0.4 * max(p.bottom - p.top, 1.0):
            rows[-1].append(p)
        else:
            rows.append([p])
    out: list[tuple[str, list[B]]] = []
    for row in rows:
        row.sort(key=lambda p: p.x0)
        out.append((" ".join(p.text for p in row), row))
    return out


def _band_texts(pieces: list[P], height: float) -> list[tuple[str, list[P]]]:
    """The texts of a page's band judged as chrome: each band piece, and each band line (its
    pieces joined)."""
    band = [p for p in pieces if _in_band(p, height)]
    return [(p.text, [p]) for p in band] + [r for r in _rows(band) if len(r[1]) > 1]


def _running(pages: Sequence[tuple[float, float, list[P]]]) -> set[str]:
    """Shapes of band pieces (or band lines) printed on two pages or more (not bare numbers)."""
    seen: Counter[str] = Counter()
    for _, height, pieces in pages:
        shapes = {_shape(text) for text, _ in _band_texts(pieces, height)}
        seen.update(s for s in shapes if len(re.sub(r"[#\W_]", "", s)) >= 3)
    return {s for s, n in seen.items() if n >= 2}


def _left_edge(pieces: list[P], width: float, height: float) -> float | None:
    """The article's left edge: the leftmost start shared by several wide pieces."""
    starts = Counter(round(p.x0) for p in pieces if p.x1 - p.x0 >= _MIN_WIDE * width and not _in_band(p, height))
    total = sum(starts.values())
    shared = [x for x, n in starts.items() if n >= max(2, 0.15 * total)]
    return float(min(shared)) if shared else None


def _is_chrome(text: str, running: set[str]) -> bool:
    compact = re.sub(r"\s+", "", text)
    return _shape(text) in running or browser_mark(text) or browser_mark(compact)


def drop_chrome(pages: Sequence[tuple[float, float, list[P]]]) -> list[list[P]]:
    """The pieces of each page (``(width, height, pieces)``) without running headers and
    footers and without what lies left of the article column."""
    running = _running(pages)
    doc_width = max((w for w, _, _ in pages), default=0.0)
    doc_height = max((h for _, h, _ in pages), default=0.0)
    doc_left = _left_edge([p for w, h, ps in pages for p in ps if not _in_band(p, h)], doc_width, doc_height)
    out: list[list[P]] = []
    left = doc_left
    for _, height, pieces in pages:
        chrome = {id(p) for text, ps in _band_texts(pieces, height) if _is_chrome(text, running) for p in ps}
        kept: list[P] = []
        for p in pieces:
            if id(p) in chrome:
                continue
            if left is not None and p.x0 < left - _INDENT * max(p.height, 1.0):
                continue
            kept.append(p)
        out.append(kept)
    return out


def text_span(pieces: Sequence[_Boxed], height: float) -> tuple[float, float]:
    """Where a page's text starts and ends between a browser's header and footer: under the
    lowest line of the top band and over the highest line of the bottom band that is a time
    stamp or a web address (its pieces joined, the spaces taken out); the page's edges when
    there is none. For the table finders, which run before the document's running headers and
    footers are known."""
    top = [p for p in pieces if p.bottom <= height * _BAND]
    low = [p for p in pieces if p.top >= height * (1 - _BAND)]
    start = max((max(p.bottom for p in ps) for text, ps in _rows(top) if _is_chrome(text, set())), default=0.0)
    end = min((min(p.top for p in ps) for text, ps in _rows(low) if _is_chrome(text, set())), default=height)
    return start, end
