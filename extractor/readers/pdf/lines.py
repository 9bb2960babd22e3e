"""Stage 3 of the PDF reader: characters → text lines → paragraphs, and the document's
blocks in reading order.

The characters of a page outside its grids (stage 2) become lines where pdfium starts a new
line or a character leaves the line's band; pieces sharing a baseline (runs in other fonts
that pdfium put on lines of their own) are merged left to right, and lines are sorted top
to bottom. Each line keeps ``where={"page": p, "bbox": [x0, top, x1, bottom]}`` (1-based
page, PDF points from the page's top-left corner). Page-number lines (``- 3 -``, ``— 3 —``,
``第3页``, ``3``) in the top or bottom margin are dropped.

:func:`assemble` puts lines and grids of each page in order of position and joins wrapped
lines into paragraphs — also across a page break (``where["continued"]`` then lists the
other pages' boxes) — unless the line ends a sentence (in a document without first-line
indents), stops short, the next one is indented, is a heading, or has another size.

Chain: ``guard`` → ``scan`` → ``grids`` → **lines** (``list[Block]`` for the Document).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ...model import Block, Grid, Text
from .chrome import drop_chrome
from .scan import Char, PageScan, bbox, centre_in, is_cjk
from .words import HEADING_RE

__all__ = ["assemble"]

_PAGE_NUMBER_RE = re.compile(
    r"^\s*(?:"
    r"[-—–－―~～_]*\s*\d{1,4}\s*[-—–－―~～_]*"  # 3, - 3 -, — 3 —
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"  # 第3页, 第3页 共9页
    r"|\d{1,4}\s*/\s*\d{1,4}"  # 3/9
    r"|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?"
    r")\s*$"
)
_SENTENCE_END = set("。！？!?：:；;")
_MARGIN_FRACTION = 0.12  # page numbers are looked for in the top/bottom 12% of a page

_Box = tuple[float, float, float, float]


@dataclass
class _Line:
    text: str
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    # set when a paragraph continues on the next page: [(page, bbox), ...]
    more: list[tuple[int, list[float]]] | None = None

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def where(self) -> dict[str, Any]:
        w: dict[str, Any] = {"page": self.page, "bbox": bbox(self.x0, self.top, self.x1, self.bottom)}
        if self.more:
            w["continued"] = [{"page": p, "bbox": b} for p, b in self.more]
        return w


def _join_parts(parts: Iterable[str]) -> str:
    """Join wrapped pieces: no separator between CJK characters, a space otherwise."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and not (is_cjk(out[-1]) or is_cjk(part[0])):
            out += " "
        out += part
    return out


# --------------------------------------------------------------------------- lines of a page


def _pieces_of(scan: PageScan, tables: Sequence[_Box]) -> list[_Line]:
    """The page's text pieces outside ``tables`` (bboxes x0, top, x1, bottom), as pdfium
    gives them (a run in another font may be a piece of its own)."""

    boxes = list(tables)

    raw_lines: list[list[Char]] = []
    starts = set(scan.breaks)
    current: list[Char] = []
    ref: Char | None = None  # the last character of ``current`` that is not a space
    for i, c in enumerate(scan.chars):
        if i in starts and current:
            raw_lines.append(current)
            current, ref = [], None
        if tables and c.text != " " and centre_in(c, boxes):
            if current:
                raw_lines.append(current)
                current, ref = [], None
            continue
        # pdfium did not break but the character is on another line
        if c.text != " ":
            if ref is not None:
                cy = (c.top + c.bottom) / 2
                if not (ref.top - 1 <= cy <= ref.bottom + 1) or c.x0 < ref.x0 - 2 * (ref.bottom - ref.top):
                    raw_lines.append(current)
                    current = []
            ref = c
        current.append(c)
    if current:
        raw_lines.append(current)

    lines: list[_Line] = []
    for chars in raw_lines:
        text = re.sub(r"\s+", " ", "".join(c.text for c in chars)).strip()
        if not text:
            continue
        boxed = [c for c in chars if c.text != " "]
        lines.append(
            _Line(
                text=text,
                page=scan.number,
                x0=min(c.x0 for c in boxed),
                top=min(c.top for c in boxed),
                x1=max(c.x1 for c in boxed),
                bottom=max(c.bottom for c in boxed),
            )
        )
    return lines


def _page_lines(pieces: list[_Line], page_height: float) -> list[_Line]:
    """The pieces of a page in reading order: top to bottom; pieces sharing a baseline (runs
    in other fonts that pdfium put on lines of their own) left to right, merged into one
    line; page numbers dropped."""
    pieces = sorted(pieces, key=lambda ln: (ln.top + ln.bottom) / 2)
    groups: list[list[_Line]] = []
    for ln in pieces:
        if groups:
            first = groups[-1][0]
            if first.top <= (ln.top + ln.bottom) / 2 <= first.bottom:
                groups[-1].append(ln)
                continue
        groups.append([ln])
    ordered = [_merge_same_baseline(g) for g in groups]
    return [ln for ln in ordered if not _is_page_number(ln, page_height)]


def _merge_same_baseline(group: list[_Line]) -> _Line:
    group.sort(key=lambda x: x.x0)
    out = group[0]
    for ln in group[1:]:
        size = max(out.height, 1.0)
        gap = ln.x0 - out.x1
        if gap > 1.5 * size or not (is_cjk(out.text[-1]) or is_cjk(ln.text[0])):
            text = out.text + " " + ln.text
        else:
            text = out.text + ln.text
        out = _Line(text, out.page, min(out.x0, ln.x0), min(out.top, ln.top), max(out.x1, ln.x1), max(out.bottom, ln.bottom))
    return out


def _is_page_number(line: _Line, page_height: float) -> bool:
    if not _PAGE_NUMBER_RE.match(line.text):
        return False
    margin = page_height * _MARGIN_FRACTION
    return line.top >= page_height - margin or line.bottom <= margin


def _continues(prev: _Line, nxt: _Line, right: float, left: float, same_page: bool, indented: bool) -> bool:
    """Does ``nxt`` continue the paragraph whose last line is ``prev``?

    ``indented``: the document starts its paragraphs with a first-line indent, so a full line
    followed by a line at the left margin continues the paragraph even after a 。; otherwise a
    line ending a sentence ends the paragraph.
    """
    size = max(prev.height, 1.0)
    if not indented and prev.text[-1] in _SENTENCE_END:
        return False
    if prev.x1 < right - 1.5 * size:  # the line stops short: the paragraph ended
        return False
    if nxt.x0 > left + 0.8 * size:  # indented: a new paragraph
        return False
    if HEADING_RE.match(nxt.text):
        return False
    if abs(nxt.height - prev.height) > 0.3 * size:
        return False
    if same_page and nxt.top - prev.bottom > 1.2 * size:
        return False
    return True



# --------------------------------------------------------------------------- the document


def assemble(scans: list[PageScan], grids_by_page: dict[int, list[Grid]],
             hidden: dict[int, list[_Box]] | None = None) -> list[Block]:
    """Order lines and grids page by page, join paragraphs, drop page numbers; the text
    inside the ``hidden`` boxes of a page (a web page's info box) is left out."""
    items: list[_Line | Grid] = []
    pieces = []
    for scan in scans:
        grids = grids_by_page.get(scan.number, [])
        boxes: list[_Box] = [(b[0], b[1], b[2], b[3]) for b in (g.where["bbox"] for g in grids)]
        boxes += (hidden or {}).get(scan.number, [])
        pieces.append((scan.width, scan.height, _pieces_of(scan, boxes)))
    for scan, kept in zip(scans, drop_chrome(pieces), strict=True):
        grids = grids_by_page.get(scan.number, [])
        lines = _page_lines(kept, scan.height)
        page_items: list[tuple[float, int, _Line | Grid]] = [((ln.top + ln.bottom) / 2, 1, ln) for ln in lines]
        page_items += [(g.where["bbox"][1], 0, g) for g in grids]
        page_items.sort(key=lambda t: (t[0], t[1]))
        items.extend(it for _, _, it in page_items)

    # the body's left/right edges (for paragraph joins): over the whole document, since a
    # page may hold only a few short lines
    lines = [it for it in items if isinstance(it, _Line)]
    left = min((ln.x0 for ln in lines), default=0.0)
    right = max((ln.x1 for ln in lines), default=0.0)

    # first-line indented paragraphs (the Chinese norm: two characters)?
    n_indented = sum(
        1 for ln in lines if 1.5 * ln.height <= ln.x0 - left <= 2.6 * ln.height and ln.x1 > right - 1.5 * ln.height
    )
    indented = n_indented >= max(1, len(lines) // 20)

    blocks: list[Block] = []
    para: _Line | None = None  # the paragraph being built
    last: _Line | None = None  # its last physical line
    parts: list[str] = []

    def flush() -> None:
        nonlocal para, last, parts
        if para is not None:
            para.text = _join_parts(parts)
            blocks.append(Text(para.text, para.where()))
        para, last, parts = None, None, []

    for it in items:
        if isinstance(it, Grid):
            flush()
            blocks.append(it)
            continue
        if para is not None and last is not None:
            same_page = it.page == last.page
            joined = _continues(last, it, right, left, same_page, indented)
            if joined:
                parts.append(it.text)
                if same_page and para.more is None:
                    para.x0, para.top = min(para.x0, it.x0), min(para.top, it.top)
                    para.x1, para.bottom = max(para.x1, it.x1), max(para.bottom, it.bottom)
                elif para.more is None:
                    para.more = [(it.page, bbox(it.x0, it.top, it.x1, it.bottom))]
                else:
                    p, b = para.more[-1]
                    if p == it.page:
                        para.more[-1] = (p, bbox(min(b[0], it.x0), min(b[1], it.top), max(b[2], it.x1), max(b[3], it.bottom)))
                    else:
                        para.more.append((it.page, bbox(it.x0, it.top, it.x1, it.bottom)))
                last = it
                continue
            flush()
        para = _Line(it.text, it.page, it.x0, it.top, it.x1, it.bottom)
        last = it
        parts = [it.text]
    flush()
    return blocks

