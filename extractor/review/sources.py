"""The source beside the grid on a review card: what the file showed where the values came from.

Read from the report's file at export time (the path of the ``reports`` row), and only for
the flagged cards of the review:

* **PDF**: a crop of each page the table's values are on, rendered with pypdfium2 at
  :data:`CROP_DPI` (grey PNG, a file in ``review/`` beside the pages), with every value's
  ``bbox`` outlined over it and the flagged cells outlined in the card's colours.
* **HTML**: the table as the page had it, found again as the HTML reader numbers its
  tables, sanitised (only table structure, text and ``rowspan``/``colspan`` are kept: no
  scripts, links, images, styles or event handlers).
* **Text**: the table's lines with their line numbers, each value's text marked.
* **DOCX**: the Word table as the DOCX reader read it (rows, spans and cell text); the
  layout of Word itself is not reproduced. ``.doc``, ``.odt`` and ``.rtf`` (read through
  LibreOffice) are not converted again: the card names the table instead.

Every cell, box or mark of the source carries the ``data-field`` of its value, as the
grid's cells do, so the page's script highlights a cell on both sides. When the file is
gone or changed since it was parsed (its sha256 differs), or cannot be shown, the card
says so in words instead of a broken image. Nothing here reads any file but the report.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..limits import DEFAULT_LIMITS
from .cards import Card

#: resolution of the PDF crops: digits of a 9-10 pt table stay legible
CROP_DPI = 110
#: at most this many pages of one table are cropped
MAX_PAGES = 3
#: text lines shown above and below the table's lines
TEXT_CONTEXT = 2
#: points added around the values on a cropped page (above: the header rows)
PAD_X, PAD_TOP, PAD_BOTTOM = 8.0, 72.0, 10.0

#: files larger than this are not read again for the review (the parse limit, max_bytes)
MAX_SOURCE_BYTES = DEFAULT_LIMITS.max_bytes
#: writes an image file into the review folder: (name, bytes)
ImageWriter = Callable[[str, bytes], None]


def _e(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _wheres(card: Card) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for fid, v in card.values.items():
        if v.get("where"):
            try:
                w = json.loads(v["where"])
            except ValueError:
                continue
            if isinstance(w, dict):
                out[fid] = w
    return out


def _one_table(wheres: dict[str, dict[str, Any]]) -> int | None:
    """The table number (``where.table``) of every value, when they name one and the same."""
    tables = {w.get("table") for w in wheres.values()}
    t = next(iter(tables)) if len(tables) == 1 else None
    return t if isinstance(t, int) and t >= 0 else None


def _flag_class(card: Card, fid: str, bad: dict[str, list[str]]) -> str:
    return f" s-bad s-bad-{card.field_severity(fid)}" if fid in bad else ""


def _note(text: str) -> str:
    return f'<p class="nosrc">{_e(text)}</p>'


# --- PDF ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """A value's outline on a crop, in pixels of the image."""

    field: str
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class Crop:
    """One cropped page: the part of the page in points (x0, top, x1, bottom from the top
    left, as the values' ``bbox``), the scale (pixels per point) and the outlines."""

    page: int
    rect: tuple[float, float, float, float]
    scale: float
    size: tuple[int, int]
    boxes: tuple[Box, ...]


def _bbox(w: dict[str, Any]) -> tuple[float, float, float, float] | None:
    b = w.get("bbox")
    if isinstance(b, (list, tuple)) and len(b) == 4 and all(isinstance(x, (int, float)) for x in b):
        return float(b[0]), float(b[1]), float(b[2]), float(b[3])
    return None


def crop_rect(bboxes: list[tuple[float, float, float, float]], page_size: tuple[float, float]
              ) -> tuple[float, float, float, float]:
    """The part of a page to show for values at ``bboxes``: their union, widened to the
    page's text column (row labels stand left of the values), the header rows above."""
    w, h = page_size
    x0 = min(min(b[0] for b in bboxes) - PAD_X, w * 0.06)
    x1 = max(max(b[2] for b in bboxes) + PAD_X, w * 0.94)
    top = min(b[1] for b in bboxes) - PAD_TOP
    bottom = max(b[3] for b in bboxes) + PAD_BOTTOM
    return max(0.0, x0), max(0.0, top), min(w, x1), min(h, bottom)


def _pixels(rect: tuple[float, float, float, float], scale: float, page_size: tuple[float, float]
            ) -> tuple[int, int, int, int]:
    """``rect`` as whole pixels of the page rendered at ``scale`` (grown outwards)."""
    w, h = math.ceil(page_size[0] * scale), math.ceil(page_size[1] * scale)
    return (max(0, math.floor(rect[0] * scale)), max(0, math.floor(rect[1] * scale)),
            min(w, math.ceil(rect[2] * scale)), min(h, math.ceil(rect[3] * scale)))


def boxes_on(rect: tuple[float, float, float, float], scale: float,
             values: dict[str, tuple[float, float, float, float]]) -> tuple[Box, ...]:
    """The outlines of ``values`` (field -> bbox in points) on a crop of ``rect``."""
    out = []
    for fid, (x0, top, x1, bottom) in values.items():
        left, tp = round((x0 - rect[0]) * scale), round((top - rect[1]) * scale)
        out.append(Box(fid, left, tp, max(1, round((x1 - rect[0]) * scale) - left),
                       max(1, round((bottom - rect[1]) * scale) - tp)))
    return tuple(out)


def _png(img: Any) -> bytes:
    """The crop as a PNG of 16 grey levels, 4 bits a pixel: text stays sharp, and it is about
    4x smaller than an RGB PNG and 2.5x smaller than a grey JPEG of quality 70 (measured on
    the fixtures' tables at 110 dpi: 25 kB against 108 kB and 63 kB)."""
    from PIL import Image

    grey = img.convert("L").point(lambda v: (v // 17) * 17)
    buf = io.BytesIO()
    grey.convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save(buf, "PNG", optimize=True, bits=4)
    return buf.getvalue()


def pdf_crops(data: bytes, wheres: dict[str, dict[str, Any]], dpi: int = CROP_DPI
              ) -> list[tuple[Crop, bytes]]:
    """The crops of the pages ``wheres`` point to (at most :data:`MAX_PAGES`), with their PNG bytes."""
    import pypdfium2 as pdfium

    by_page: dict[int, dict[str, tuple[float, float, float, float]]] = {}
    for fid, w in wheres.items():
        b = _bbox(w)
        if b is not None and isinstance(w.get("page"), int):
            by_page.setdefault(w["page"], {})[fid] = b
    scale = dpi / 72.0
    out: list[tuple[Crop, bytes]] = []
    pdf = pdfium.PdfDocument(data)
    try:
        for page_no in sorted(by_page)[:MAX_PAGES]:
            if not 1 <= page_no <= len(pdf):
                continue
            page = pdf[page_no - 1]
            try:
                pw, ph = (float(x) for x in page.get_size())
                # pypdfium2 crops whole pixels (each side's points * scale, rounded up): the
                # crop starts at a page pixel, so the outlines fall on the digits exactly
                px = _pixels(crop_rect(list(by_page[page_no].values()), (pw, ph)), scale, (pw, ph))
                full = (math.ceil(pw * scale), math.ceil(ph * scale))
                cut = (px[0], full[1] - px[3], full[0] - px[2], px[1])  # left, bottom, right, top
                rect = (px[0] / scale, px[1] / scale, px[2] / scale, px[3] / scale)
                bitmap = page.render(scale=scale, crop=tuple(max(0.0, c / scale - 1e-9) for c in cut))
                img = bitmap.to_pil()
                bitmap.close()
            finally:
                page.close()
            crop = Crop(page_no, rect, scale, img.size, boxes_on(rect, scale, by_page[page_no]))
            out.append((crop, _png(img)))
    finally:
        pdf.close()
    return out


def _pdf_html(card: Card, data: bytes, write: ImageWriter) -> str:
    crops = pdf_crops(data, _wheres(card))
    if not crops:
        return _note("no position on a page was recorded for this table's values")
    bad = card.offending
    parts = []
    for crop, png in crops:
        name = f"src-{card.sha256[:16]}-{card.table}-p{crop.page}.png"
        write(name, png)
        boxes = "".join(
            f'<div class="box{_flag_class(card, b.field, bad)}" data-field="{_e(b.field)}" title="{_e(b.field)}" '
            f'style="left:{b.left}px;top:{b.top}px;width:{b.width}px;height:{b.height}px"></div>'
            for b in crop.boxes)
        w, h = crop.size
        parts.append(f'<figure class="crop" data-page="{crop.page}"><figcaption>page {crop.page}</figcaption>'
                     f'<div class="shot" style="width:{w}px;height:{h}px"><img src="{_e(name)}" width="{w}" '
                     f'height="{h}" alt="page {crop.page} of the PDF, cropped to the table">{boxes}</div></figure>')
    return "".join(parts)


# --- HTML --------------------------------------------------------------------------------

#: the tags kept in a sanitised table; any other tag is unwrapped (its text kept) and these
#: are dropped with their content
_KEEP = {"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "br", "p", "div", "span",
         "b", "strong", "i", "em", "u", "sub", "sup"}
_DROP = {"script", "style", "img", "picture", "object", "embed", "iframe", "frame", "svg", "math", "link",
         "meta", "input", "button", "form", "select", "textarea", "noscript", "template", "audio", "video",
         "canvas", "map", "base", "source", "track", "applet"}


def html_tables(data: bytes) -> list[Any]:
    """The data tables of an HTML page, numbered as the HTML reader numbers them (``where.table``)."""
    from lxml import etree

    from ..model import Issue
    from ..readers.html._common import _JUNK_TAGS
    from ..readers.html.blocks import _Budget, _grid
    from ..readers.html.decode import _cap_elements, _decode, _parse
    from ..readers.html.page import _box_hints, _content_root, _drop_chrome, _word_nodes

    issues: list[Issue] = []
    text = _cap_elements(_decode(data, DEFAULT_LIMITS), DEFAULT_LIMITS, issues)
    root = _parse(text, DEFAULT_LIMITS, issues)
    if root is None:
        return []
    etree.strip_elements(root, *_JUNK_TAGS, with_tail=False)
    body = root.find("body")
    if body is None:
        body = root
    nodes = _word_nodes(body)
    _box_hints(body, nodes["box"], {})
    content, protected = _content_root(body, nodes["heading"], nodes["table"])
    _drop_chrome(content, protected)
    budget = _Budget(DEFAULT_LIMITS.max_cells)
    found: list[Any] = []
    for table in list(content.iter("table")):
        if table.find(".//table") is None and _grid(table, len(found), budget) is not None:
            found.append(table)
    return found


def cell_positions(table: Any) -> list[tuple[Any, int, int]]:
    """(td, row, column) of every cell of ``table``, as the HTML reader places them
    (spans expanded, layout spacer rows skipped)."""
    from ..readers.html.blocks import _cell_text, _spacer_row, _span

    trs = list(table.iter("tr"))
    n = len(trs)
    taken: dict[int, set[int]] = {}
    out: list[tuple[Any, int, int]] = []
    r = 0
    for i, tr in enumerate(trs):
        tds = [td for td in tr if td.tag in ("td", "th")]
        row = taken.setdefault(r, set())
        if not row and not any(_cell_text(td) for td in tds) and \
                all(_span(td.get("rowspan"), 2, zero=2) == 1 for td in tds) and _spacer_row(tr, tds):
            continue
        c = 0
        for td in tds:
            while c in row:
                c += 1
            rs = _span(td.get("rowspan"), n - i, zero=n - i) if td.get("rowspan") else 1
            cs = _span(td.get("colspan"), 1000) if td.get("colspan") else 1
            for dr in range(rs):
                taken.setdefault(r + dr, set()).update(range(c, c + cs))
            out.append((td, r, c))
            c += cs
        r += 1
    return out


def _sanitise(table: Any) -> None:
    """In place: only the tags of :data:`_KEEP` (others dropped with their content, or
    renamed ``span``), no attribute but valid spans. Iterative: any depth of nesting."""
    drop = [el for el in table.iterdescendants() if not isinstance(el.tag, str) or el.tag in _DROP]
    dropped = set(drop)
    for el in drop:
        parent = el.getparent()
        if parent is None or any(a in dropped for a in el.iterancestors()):
            continue  # inside another dropped element: goes with it
        if el.tail:
            prev = el.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + el.tail
            else:
                parent.text = (parent.text or "") + el.tail
        parent.remove(el)
    for el in table.iter():
        keep = {k: v.strip() for k in ("rowspan", "colspan")
                if (v := el.get(k)) is not None and v.strip().isdigit() and 1 <= int(v.strip()) <= 1000}
        el.attrib.clear()
        for k, v in keep.items():
            el.set(k, v)
        if el.tag not in _KEEP:
            el.tag = "span"


def _html_html(card: Card, data: bytes) -> str:
    from lxml import etree

    wheres = _wheres(card)
    t = _one_table(wheres)
    if t is None:
        return _note("the values name no single table of the page")
    found = html_tables(data)
    if t >= len(found):
        return _note(f"HTML table {t + 1} was not found again in the file")
    table = found[t]
    fid_at = {(w.get("row"), w.get("column")): fid for fid, w in wheres.items()}
    bad = card.offending
    cells = cell_positions(table)  # before sanitising: the spacer rows are known by their styles
    _sanitise(table)
    for td, r, c in cells:
        fid = fid_at.get((r, c))
        if fid is not None:
            td.set("data-field", fid)
            td.set("class", "cell" + _flag_class(card, fid, bad))
    return ('<div class="srchtml">' + etree.tostring(table, method="html", encoding="unicode", with_tail=False)
            + "</div>")


# --- text and Word -----------------------------------------------------------------------


def _token_spans(line: str, cells: list[tuple[int, str, str]]) -> list[tuple[int, int, str]]:
    """(start, end, field) of each cell's raw text in ``line``, found left to right in
    column order; a raw text not found as a whole token is left unmarked."""
    out = []
    pos = 0
    for _, raw, fid in sorted(cells):
        if not raw:
            continue
        m = re.compile(r"(?<![0-9A-Za-z.])" + re.escape(raw) + r"(?![0-9A-Za-z])").search(line, pos)
        if m is None:
            continue
        out.append((m.start(), m.end(), fid))
        pos = m.end()
    return out


def _text_html(card: Card, data: bytes) -> str:
    from ..readers.text import _decoded

    wheres = _wheres(card)
    lines_of: dict[int, list[tuple[int, str, str]]] = {}
    for fid, w in wheres.items():
        if isinstance(w.get("line"), int):
            col = w.get("column") if isinstance(w.get("column"), int) else w.get("offset", 0)
            lines_of.setdefault(w["line"], []).append((int(col or 0), str(card.values[fid].get("raw") or ""), fid))
    if not lines_of:
        return _note("no line was recorded for this table's values")
    lines, _ = _decoded(data, DEFAULT_LIMITS)
    first = max(1, min(lines_of) - TEXT_CONTEXT)
    last = min(len(lines), max(lines_of) + TEXT_CONTEXT)
    if last - first > 400:
        last = first + 400
    bad = card.offending
    rows = []
    for k in range(first, last + 1):
        line = lines[k - 1]
        cells = lines_of.get(k, [])
        parts, pos = [], 0
        for s, e, fid in _token_spans(line, cells):
            parts.append(_e(line[pos:s]))
            parts.append(f'<span class="cell{_flag_class(card, fid, bad)}" data-field="{_e(fid)}">{_e(line[s:e])}</span>')
            pos = e
        parts.append(_e(line[pos:]))
        cls = ' class="used"' if cells else ""
        rows.append(f'<tr{cls}><td class="ln">{k}</td><td class="tx">{"".join(parts)}</td></tr>')
    return f'<table class="srctext">{"".join(rows)}</table>'


def _docx_html(card: Card, data: bytes) -> str:
    from ..model import Grid
    from ..readers.docx import read

    wheres = _wheres(card)
    t = _one_table(wheres)
    if t is None:
        paras = sorted({w["paragraph"] for w in wheres.values() if isinstance(w.get("paragraph"), int)})
        if paras:
            return _note(f"the values were read from the document's paragraphs {paras[0] + 1}–{paras[-1] + 1}")
        return _note("the values name no single Word table")
    grid = next((b for b in read(data).blocks if isinstance(b, Grid) and b.where.get("table") == t), None)
    if grid is None:
        return _note(f"Word table {t + 1} was not found again in the file")
    fid_at = {(w.get("row"), w.get("column")): fid for fid, w in wheres.items()}
    bad = card.offending
    rows = []
    for row in grid.rows:
        tds = []
        for cell in row:
            if not cell.origin:
                continue
            fid = fid_at.get((cell.where.get("row"), cell.where.get("column")))
            span = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + \
                   (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
            attrs = f' class="cell{_flag_class(card, fid, bad)}" data-field="{_e(fid)}"' if fid else ""
            text = "<br>".join(_e(x) for x in cell.text.split("\n"))
            tds.append(f"<td{span}{attrs}>{text}</td>")
        rows.append(f"<tr>{''.join(tds)}</tr>")
    return (f'<div class="srchtml"><table class="srcdocx" data-table="{t}">{"".join(rows)}</table></div>'
            '<p class="srcnote">as the Word reader read the table: rows, merged cells and text, not Word\'s layout</p>')


# --- the card's source -------------------------------------------------------------------


@dataclass
class Sources:
    """Builds the source of each card; ``write`` puts a crop into the review folder."""

    write: ImageWriter
    enabled: bool = True
    n_images: int = 0
    image_bytes: int = 0

    def _writer(self, name: str, data: bytes) -> None:
        self.n_images += 1
        self.image_bytes += len(data)
        self.write(name, data)

    def html(self, card: Card) -> str:
        """The ``<div class="src">`` of ``card`` ("" for a card without a table or when off)."""
        if not self.enabled or not card.table:
            return ""
        return f'<div class="src"><h3>source</h3>{self._body(card)}</div>'

    def _body(self, card: Card) -> str:
        path = Path(card.path)
        try:
            size = path.stat().st_size
            if size > MAX_SOURCE_BYTES:
                return _note(f"the file is larger than {MAX_SOURCE_BYTES // 2**20} MB: the source is not shown")
            data = path.read_bytes()
        except OSError as e:
            return _note(f"the file is not there any more ({type(e).__name__}): the source cannot be shown")
        if hashlib.sha256(data).hexdigest() != card.sha256:
            return _note("the file changed since it was parsed: the source is not shown")
        fmt = card.fmt or ""
        try:
            if fmt == "pdf":
                return _pdf_html(card, data, self._writer)
            if fmt == "html":
                return _html_html(card, data)
            if fmt == "text":
                return _text_html(card, data)
            if fmt == "docx":
                return _docx_html(card, data)
        except Exception as e:  # noqa: BLE001 — one file that cannot be shown never stops the review
            return _note(f"the source could not be shown: {type(e).__name__}: {str(e)[:200]}")
        wheres = list(_wheres(card).values())
        tables = sorted({w["table"] for w in wheres if isinstance(w.get("table"), int)})
        where = f" (table {', '.join(str(t + 1) for t in tables)})" if tables else ""
        return _note(f"no source view for the format {fmt or 'unknown'}: open {os.path.basename(card.path)}{where}")
