"""Stage 1 of the PDF reader: one pypdfium2 pass over the pages, PDF objects to characters
and ruling edges.

For every page: the characters of the text layer with their boxes (:class:`Char`, in
points from the top-left corner of the page as displayed, /Rotate applied), where pdfium
starts a new line, and the number of path and image objects. A page is a *table page* when
its text holds a label word of the template tables (:data:`~.words.TABLE_WORDS`) or it draws
many ruling paths (a continuation fragment of a split table may hold numbers only). Only on
table pages are the ruling edges read: the horizontal and vertical segments of every path,
into form XObjects, as pdfplumber's edge dicts — what its table finder needs, read by
pdfium instead of pdfminer.

Chain: ``guard`` → **scan** (chars, edges per page: :class:`PageScan`) → ``grids`` (edges →
cells → grids) → ``lines`` (the characters outside the grids → lines → paragraphs).

Only pdfium's own errors (``PdfiumError``; for the other stages :func:`pdf_library_errors`)
mean a damaged file; anything else raised while scanning is a bug of ours and is not dressed
up as :class:`DamagedDocument`.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...errors import DamagedDocument, EncryptedDocument, LimitExceeded
from ...limits import Limits, check_time
from ...model import Issue
from ...vocab import raw_pattern
from .words import TABLE_WORDS

__all__ = ["Char", "PageScan", "scan_document", "pdf_library_errors", "bbox", "is_cjk", "centre_in"]

# A page drawing at least this many path objects is examined for tables even when no
# label word is on it (a fragment of a split table can hold numbers only).
_MIN_TABLE_PATHS = 8


@dataclass
class Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass
class PageScan:
    number: int  # 1-based
    width: float
    height: float
    chars: list[Char]
    breaks: list[int]  # indices into chars where pdfium starts a new line
    text: str
    paths: int
    images: int
    table_page: bool = False
    image_cover: float = 0.0  # the largest image's share of the page area
    edges: list[dict[str, Any]] | None = None  # ruling edges (pdfplumber's edge dicts), table pages only

    def n_glyphs(self) -> int:
        return sum(1 for c in self.chars if not c.text.isspace())


def bbox(x0: float, top: float, x1: float, bottom: float) -> list[float]:
    return [round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2)]


def centre_in(c: Char, boxes: list[tuple[float, float, float, float]]) -> bool:
    """The character's centre lies in one of ``boxes`` (x0, top, x1, bottom)."""
    cx, cy = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
    return any(x0 <= cx <= x1 and t <= cy <= b for x0, t, x1, b in boxes)


def is_cjk(ch: str) -> bool:
    return ord(ch) > 0x2E7F


def pdf_library_errors() -> tuple[type[Exception], ...]:
    """The exceptions by which the PDF libraries say a file cannot be parsed: pypdfium2's
    ``PdfiumError``, every pdfminer exception (``PSException`` is their base: PDFSyntaxError,
    PDFTypeError, PDFKeyError …) and pdfplumber's wrappers of pdfminer errors. Only these
    become :class:`DamagedDocument`; a ``TypeError`` or ``KeyError`` of ours stays itself."""
    import pypdfium2 as pdfium
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    return (pdfium.PdfiumError, PSException, PdfminerException, MalformedPDFException)


# --------------------------------------------------------------------------- the document


def scan_document(data: bytes, limits: Limits, with_edges: bool) -> tuple[list[PageScan], list[Issue]]:
    """Open the PDF in pdfium and scan its first ``limits.max_pages`` pages (ruling edges of
    table pages only ``with_edges``); a ``limit.max_pages`` issue when there are more."""
    import pypdfium2 as pdfium

    issues: list[Issue] = []
    pdf = _open_pdfium(data)
    try:
        try:
            n_pages = len(pdf)
        except pdfium.PdfiumError as e:
            raise DamagedDocument(f"the PDF is damaged: its page tree cannot be read ({e})") from None
        if n_pages == 0:
            raise DamagedDocument("the PDF is damaged or truncated: it has no readable page")
        if n_pages > limits.max_pages:
            issues.append(
                Issue(
                    "limit.max_pages",
                    "warning",
                    f"the PDF has {n_pages} pages; only the first max_pages={limits.max_pages} were read",
                )
            )
        scans: list[PageScan] = []
        chars_total = 0
        for i in range(min(n_pages, limits.max_pages)):
            check_time(f"at page {i + 1} of {n_pages}")
            try:
                scan = _scan_page(pdf, i, with_edges)
            except pdfium.PdfiumError as e:
                raise DamagedDocument(f"the PDF is damaged: page {i + 1} cannot be read ({e})") from None
            chars_total += len(scan.chars)
            if chars_total > limits.max_text_chars:
                raise LimitExceeded(
                    "max_text_chars", f"the PDF holds more than max_text_chars={limits.max_text_chars} characters"
                )
            scans.append(scan)
    finally:
        pdf.close()
    return scans, issues


def _open_pdfium(data: bytes) -> Any:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        return pdfium.PdfDocument(data, password=None)
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code == raw.FPDF_ERR_PASSWORD:
            try:
                return pdfium.PdfDocument(data, password="")
            except pdfium.PdfiumError:
                raise EncryptedDocument(
                    "the PDF is encrypted with a user password; it cannot be read without the password"
                ) from None
        if code == raw.FPDF_ERR_SECURITY:
            raise EncryptedDocument("the PDF uses an unsupported security handler; it cannot be decrypted") from None
        raise DamagedDocument(f"the PDF is damaged or truncated and cannot be opened ({e})") from None


# --------------------------------------------------------------------------- one page


def _scan_page(pdf: Any, index: int, with_edges: bool = True) -> PageScan:
    """Characters, line starts and object counts of one page, from pdfium (cheap); on a table
    page also the ruling edges (``with_edges``)."""
    page = pdf[index]
    try:
        width, height = page.get_width(), page.get_height()  # as displayed (/Rotate applied)
        to_display = _display_transform(page)
        paths, images, image_area = _count_objects(page.raw)
        textpage = page.get_textpage()
        try:
            chars, breaks = _page_chars(textpage.raw, to_display, _upright_origin(page))
        finally:
            textpage.close()
        text = "".join(c.text for c in chars)
        scan = PageScan(index + 1, width, height, chars, breaks, text, paths, images)
        scan.image_cover = image_area / (width * height) if width * height > 0 else 0.0
        if chars and _is_table_page(scan):
            scan.table_page = True
            if with_edges:
                scan.edges = _page_edges(page.raw, to_display, _upright_origin(page))
    finally:
        page.close()
    return scan


def _count_objects(page_raw: Any) -> tuple[int, int, float]:
    """Path objects, image objects and the largest image's area on the page."""
    import pypdfium2.raw as raw

    paths = images = 0
    image_area = 0.0
    bounds = tuple(ctypes.c_float() for _ in range(4))
    for k in range(raw.FPDFPage_CountObjects(page_raw)):
        t = raw.FPDFPage_GetObject(page_raw, k)
        kind = raw.FPDFPageObj_GetType(t)
        if kind == raw.FPDF_PAGEOBJ_PATH:
            paths += 1
        elif kind == raw.FPDF_PAGEOBJ_IMAGE:
            images += 1
            if raw.FPDFPageObj_GetBounds(t, *bounds):
                l_, b_, r_, t_ = (v.value for v in bounds)
                image_area = max(image_area, (r_ - l_) * (t_ - b_))
    return paths, images, image_area


def _page_chars(tp: Any, to_display: Callable[[float, float], tuple[float, float]],
                origin: tuple[float, float] | None = None) -> tuple[list[Char], list[int]]:
    """The characters of a text page (``FPDF_TEXTPAGE``) and the indices where a line starts.
    ``origin``: the (left, top) corner of an upright page (no /Rotate): ``to_display`` done
    inline, the same arithmetic (it runs for every character)."""
    import pypdfium2.raw as raw

    chars: list[Char] = []
    breaks: list[int] = []
    new_line = True
    rect = raw.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    get_unicode, get_box = raw.FPDFText_GetUnicode, raw.FPDFText_GetLooseCharBox  # (bound once: per character)
    for i in range(raw.FPDFText_CountChars(tp)):
        code = get_unicode(tp, i)
        if code == 10 or code == 13:
            new_line = True
            continue
        if code == 0 or code == 0xFFFE:
            continue
        generated = code == 32 and raw.FPDFText_IsGenerated(tp, i) == 1
        ch = chr(code)
        if generated or ch.isspace():
            # a space: kept in the line text (it has no reliable box); a space pdfium
            # generated next to a CJK character is only the gap Word/LibreOffice leave
            # between Chinese and Latin text (年 2021 年): it is checked at the next char
            if chars and not new_line and chars[-1].text != " ":
                c = chars[-1]
                chars.append(Char(" " if not generated else "\x00", c.x1, c.top, c.x1, c.bottom))
            continue
        # the loose box (font ascent to descent): flat glyphs such as 一 keep a line's height
        if not get_box(tp, i, rect_ref):
            continue
        if origin is not None:
            x0, y0, x1, y1 = rect.left - origin[0], origin[1] - rect.top, rect.right - origin[0], origin[1] - rect.bottom
        else:
            (x0, y0), (x1, y1) = to_display(rect.left, rect.top), to_display(rect.right, rect.bottom)
        if x1 < x0:
            x0, x1 = x1, x0
        if y1 < y0:
            y0, y1 = y1, y0
        c = Char(ch, x0, y0, x1, y1)
        if c.bottom - c.top < 0.5:  # degenerate box (some fonts): use the font size
            size = raw.FPDFText_GetFontSize(tp, i) or 10.0
            c = Char(ch, c.x0, c.bottom - size * 0.85, max(c.x1, c.x0 + size * 0.5), c.bottom + size * 0.15)
        # fake bold: the same glyph drawn twice at (almost) the same place
        if chars and not new_line and chars[-1].text == ch and _overlap_x(chars[-1], c) > 0.5:
            continue
        if chars and chars[-1].text == "\x00":
            _settle_generated_space(chars, ch, new_line)
        if new_line:
            breaks.append(len(chars))
            new_line = False
        chars.append(c)
    if chars and chars[-1].text == "\x00":
        chars.pop()
    return chars, breaks


_NUMERALS = frozenset("一二三四五六七八九十")


def _settle_generated_space(chars: list[Char], ch: str, new_line: bool) -> None:
    """A space pdfium generated (the last of ``chars``), now that the next character ``ch``
    is known: dropped at a line start or next to a CJK character, else a real space; a space
    after the enumeration comma of a heading's number (一、 总体情况) was typed."""
    if new_line or ((is_cjk(ch) or (len(chars) > 1 and is_cjk(chars[-2].text)))
                    and not (len(chars) > 2 and chars[-2].text == "、" and chars[-3].text in _NUMERALS)):
        chars.pop()
    else:
        chars[-1].text = " "


def _overlap_x(a: Char, b: Char) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    span = min(a.x1 - a.x0, b.x1 - b.x0)
    if span <= 0:
        return 1.0 if abs(a.x0 - b.x0) < 0.5 else 0.0
    return w / span


#: the table words in raw page text, Traditional spellings and spaces between characters allowed
_TABLE_WORDS_RX = raw_pattern(TABLE_WORDS)


def _is_table_page(scan: PageScan) -> bool:
    if _TABLE_WORDS_RX.search(scan.text):
        return True
    return scan.paths >= _MIN_TABLE_PATHS


def _upright_origin(page: Any) -> tuple[float, float] | None:
    """The (left, top) corner of the crop box of a page without /Rotate, else None."""
    if page.get_rotation() % 360:
        return None
    left, _bottom, _right, top = page.get_cropbox()
    return left, top


def _display_transform(page: Any) -> Callable[[float, float], tuple[float, float]]:
    """(x, y) in the page's PDF user space (what pdfium's text and path APIs give) to
    (x, top) of the page as displayed: origin at the top left of the crop box, y down,
    the page's /Rotate (clockwise) applied. A landscape table printed on a portrait sheet
    turned by /Rotate reads like any other page."""
    left, bottom, right, top = page.get_cropbox()
    rotation = page.get_rotation() % 360
    if rotation == 90:
        return lambda x, y: (y - bottom, x - left)
    if rotation == 180:
        return lambda x, y: (right - x, y - bottom)
    if rotation == 270:
        return lambda x, y: (top - y, right - x)
    return lambda x, y: (x - left, top - y)


def _page_edges(page_raw: Any, to_display: Callable[[float, float], tuple[float, float]],
                origin: tuple[float, float] | None = None) -> list[dict[str, Any]]:
    """The horizontal and vertical segments of every path on the page (into form XObjects),
    as pdfplumber edge dicts in top-left coordinates of the displayed page — what
    pdfplumber's table finder needs, read by pdfium instead of pdfminer. ``origin``: as for
    :func:`_page_chars` (each point is placed once, inline on an upright page)."""
    import pypdfium2.raw as raw

    edges: list[dict[str, Any]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    x_ref, y_ref = ctypes.byref(x), ctypes.byref(y)
    matrix = raw.FS_MATRIX()
    # bound once: called for every segment of every path
    get_segment, get_point = raw.FPDFPath_GetPathSegment, raw.FPDFPathSegment_GetPoint
    get_type, get_close, moveto = raw.FPDFPathSegment_GetType, raw.FPDFPathSegment_GetClose, raw.FPDF_SEGMENT_MOVETO

    def segment(p0: tuple[float, float], p1: tuple[float, float]) -> None:  # points as displayed
        (x0, y0), (x1, y1) = p0, p1
        if abs(y0 - y1) < 0.05 and abs(x0 - x1) >= 0.05:
            top = y0
            lo, hi = min(x0, x1), max(x0, x1)
            edges.append({"object_type": "line", "orientation": "h", "x0": lo, "x1": hi, "top": top,
                          "bottom": top, "doctop": top, "width": hi - lo, "height": 0.0})
        elif abs(x0 - x1) < 0.05 and abs(y0 - y1) >= 0.05:
            top, bottom = min(y0, y1), max(y0, y1)
            edges.append({"object_type": "line", "orientation": "v", "x0": x0, "x1": x0, "top": top,
                          "bottom": bottom, "doctop": top, "width": 0.0, "height": bottom - top})

    def walk(obj: Any, parent: tuple[float, ...]) -> None:
        kind = raw.FPDFPageObj_GetType(obj)
        if kind not in (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM):
            return
        if not raw.FPDFPageObj_GetMatrix(obj, matrix):
            return
        a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
        pa, pb, pc, pd, pe, pf = parent
        m = (a * pa + b * pc, a * pb + b * pd, c * pa + d * pc, c * pb + d * pd,
             e * pa + f * pc + pe, e * pb + f * pd + pf)
        if kind == raw.FPDF_PAGEOBJ_FORM:
            for k in range(raw.FPDFFormObj_CountObjects(obj)):
                walk(raw.FPDFFormObj_GetObject(obj, k), m)
            return
        start: tuple[float, float] | None = None
        last: tuple[float, float] | None = None
        for i in range(raw.FPDFPath_CountSegments(obj)):
            seg = get_segment(obj, i)
            if not get_point(seg, x_ref, y_ref):
                continue
            px, py = x.value, y.value
            ux, uy = m[0] * px + m[2] * py + m[4], m[1] * px + m[3] * py + m[5]
            pt = (ux - origin[0], origin[1] - uy) if origin is not None else to_display(ux, uy)
            if get_type(seg) == moveto or last is None:
                start = last = pt
                continue
            segment(last, pt)
            last = pt
            if get_close(seg) and start is not None:
                segment(pt, start)
                last = start

    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    for k in range(raw.FPDFPage_CountObjects(page_raw)):
        if k & 4095 == 4095:
            check_time("while reading the ruling lines of a page")
        walk(raw.FPDFPage_GetObject(page_raw, k), identity)
    return edges
