"""One PDF page drawn over with what the library read on it, like pdfplumber's
``debug_tablefinder``: rendered with pypdfium2, drawn with Pillow (a pdfplumber dependency).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..limits import DEFAULT_LIMITS, Limits
from ..model import Report, Text
from .annotate import Annotated, CellNote, DebugUsageError, GridNote, RowNote, annotate

if TYPE_CHECKING:
    from PIL import Image, ImageFont

# colours of the picture (RGB); a test checks the grid outline's pixels
GRID_COLOUR = (220, 0, 0)
CELL_COLOUR = (255, 140, 0)
RULING_COLOUR = (0, 150, 255)
TEXT_COLOUR = (150, 150, 150)
FIELD_COLOUR = (0, 110, 0)
FLAGGED_COLOUR = (200, 0, 200)
REFLOW_COLOUR = (140, 0, 220)
MAX_SCALE = 8.0  # an A4 page at 8 pixels per point is 4763 × 6736 pixels, 96 MB in memory
CLASS_COLOURS: dict[str, tuple[int, int, int]] = {
    "header": (40, 90, 230), "data": (0, 150, 0), "label": (215, 160, 0),
    "prose": (110, 110, 110), "empty": (180, 180, 180), "unread": (180, 180, 180),
}
_TINT_ALPHA = {"header": 45, "data": 30, "label": 60, "prose": 40}

LAYOUT_COLOUR = (0, 160, 160)
LAYOUT_BOXES_NOTE = ("teal: ruled boxes the reader left out as layout (caption: why); their text is read "
                     "as lines")


@dataclass(frozen=True)
class DrawnBox:
    """A layout box the reader left out, outlined on the picture: ``bbox`` in points, as the
    reader told it (:class:`~extractor.readers.pdf.layout.LayoutBox`), ``box_px`` in pixels,
    ``why`` the reader's reason (a key of :data:`~extractor.readers.pdf.layout.WHY`)."""

    bbox: tuple[float, float, float, float]
    box_px: tuple[int, int, int, int]
    why: str


@dataclass(frozen=True)
class DrawnGrid:
    """A grid outlined on the picture: ``bbox`` in points (the grid's ``where["bbox"]``),
    ``box_px`` the same box in pixels of the image."""

    number: int
    bbox: tuple[float, float, float, float]
    box_px: tuple[int, int, int, int]
    strategy: str
    row_classes: tuple[str, ...]
    cells: int  # cell boxes drawn (each merged cell once)
    fields: int  # cells labelled with a field id


@dataclass(frozen=True)
class DebugInfo:
    """What :func:`debug_pdf_page` drew. ``page_size`` is in points, as displayed (the
    page's /Rotate applied); ``image_size`` is ``ceil(page_size × scale)`` pixels."""

    path: Path
    page: int
    pages: int
    scale: float
    page_size: tuple[float, float]
    image_size: tuple[int, int]
    grids: tuple[DrawnGrid, ...]
    ruling_lines: int
    text_lines: int
    notes: tuple[str, ...]
    reflowed: tuple[DrawnGrid, ...] = ()  # tables re-flowed from text lines (number 0; bbox: their lines)
    layout_boxes: tuple[DrawnBox, ...] = ()  # ruled boxes the reader left out as layout


def _ruling_lines(data: bytes, page: int) -> tuple[list[tuple[float, float, float, float]], str | None]:
    """The page's ruling lines as pdfplumber's table finder sees them (``page.edges``: line
    objects and the sides of rectangles), in points from the top-left of the page as
    displayed — the edges the reader's table finder intersects (its pdfium engine reads the
    same segments; a reader test checks both engines give the same grids)."""
    import io

    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data), password="") as pdf:
            p = pdf.pages[page - 1]
            dx, dy = float(p.bbox[0]), float(p.bbox[1])
            lines = [(float(e["x0"]) - dx, float(e["top"]) - dy, float(e["x1"]) - dx, float(e["bottom"]) - dy)
                     for e in p.edges]
    except Exception as e:  # noqa: BLE001 — a debugging picture is still worth drawing without them
        return [], f"ruling lines not drawn: pdfplumber cannot read the page ({type(e).__name__}: {e})"
    return lines, None


def _render(data: bytes, page: int, scale: float) -> tuple[Image.Image, tuple[float, float], int]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        n = len(pdf)
        if not 1 <= page <= n:
            raise DebugUsageError(f"page {page} is not in the document: it has {n} page(s)")
        p = pdf[page - 1]
        try:
            size = p.get_size()
            bitmap = p.render(scale=scale)
            img = bitmap.to_pil().convert("RGB")
            bitmap.close()
        finally:
            p.close()
    finally:
        pdf.close()
    return img, (float(size[0]), float(size[1])), n


class _Painter:
    """Draws on the rendered page in points (``scale`` pixels per point)."""

    def __init__(self, img: Image.Image, scale: float) -> None:
        from PIL import ImageDraw

        self.img, self.s = img, scale
        self.draw: ImageDraw.ImageDraw = ImageDraw.Draw(img)
        self.small: ImageFont.FreeTypeFont | ImageFont.ImageFont = _font(max(7.0, 3.6 * scale))
        self.mid: ImageFont.FreeTypeFont | ImageFont.ImageFont = _font(max(8.0, 4.5 * scale))
        self.big: ImageFont.FreeTypeFont | ImageFont.ImageFont = _font(max(9.0, 6.0 * scale))

    def px(self, b: Sequence[float]) -> tuple[int, int, int, int]:
        return (round(b[0] * self.s), round(b[1] * self.s), round(b[2] * self.s), round(b[3] * self.s))

    def box(self, b: Sequence[float], colour: tuple[int, int, int], width: int = 1, grow: int = 0) -> None:
        x0, y0, x1, y1 = self.px(b)
        self.draw.rectangle((x0 - grow, y0 - grow, max(x0, x1) + grow, max(y0, y1) + grow),
                            outline=colour, width=width)

    def line(self, b: Sequence[float], colour: tuple[int, int, int]) -> None:
        x0, y0, x1, y1 = self.px(b)
        self.draw.line((x0, y0, x1, y1), fill=colour, width=1)

    def text(self, xy: tuple[float, float], text: str, colour: tuple[int, int, int], size: str = "small",
             anchor: str = "la", backdrop: bool = False) -> None:
        font = {"small": self.small, "mid": self.mid, "big": self.big}[size]
        at = (round(xy[0] * self.s), round(xy[1] * self.s))
        # backdrop: a thin white halo, so a label reads over the page's text and the text still shows
        self.draw.text(at, text, fill=colour, font=font, anchor=anchor,
                       stroke_width=1 if backdrop else 0, stroke_fill=(255, 255, 255))

    def text_width(self, text: str, size: str = "small") -> float:
        font = {"small": self.small, "mid": self.mid, "big": self.big}[size]
        return float(self.draw.textlength(text, font=font)) / self.s

    def tint(self, bands: Sequence[tuple[Sequence[float], str]]) -> None:
        """Translucent row bands, one colour per row class."""
        from PIL import Image, ImageDraw

        overlay = Image.new("RGBA", self.img.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(overlay)
        for b, cls in bands:
            if cls in _TINT_ALPHA:
                d.rectangle(self.px(b), fill=(*CLASS_COLOURS[cls], _TINT_ALPHA[cls]))
        base = self.img.convert("RGBA")
        base.alpha_composite(overlay)
        self.img.paste(base.convert("RGB"))
        from PIL import ImageDraw as _D

        self.draw = _D.Draw(self.img)


def _font(size: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ValueError, OSError):  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _bbox_of(cn: CellNote) -> tuple[float, float, float, float] | None:
    b = cn.where.get("bbox")
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3])) if b else None


def _row_band(r: RowNote, page: int | None = None) -> tuple[float, float, float, float] | None:
    """The row's box: spanned by its one-row cells, or by all its cells when every one is
    merged down (``page``: only the cells on that page, for rows re-flowed from text lines)."""
    cells = [c for c in r.cells if page is None or c.where.get("page") == page]
    boxes = [b for c in cells if c.rowspan == 1 and (b := _bbox_of(c))] or [b for c in cells if (b := _bbox_of(c))]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _common_prefix(ids: Sequence[str]) -> str:
    """The dotted prefix all field ids of a row share (``s3.granted``), or ``""``."""
    parts = [i.split(".") for i in ids]
    if len(parts) < 2:
        return ""
    n = 0
    while all(len(p) > n + 1 and p[n] == parts[0][n] for p in parts):
        n += 1
    return ".".join(parts[0][:n])


def _wrap(p: _Painter, text: str, width: float) -> list[str]:
    """Break a field id at its dots and underscores so each line fits ``width`` points."""
    pieces: list[str] = []
    cur = ""
    for ch in text:
        cur += ch
        if ch in "._":
            pieces.append(cur)
            cur = ""
    if cur:
        pieces.append(cur)
    lines: list[str] = []
    for piece in pieces:
        if lines and p.text_width(lines[-1] + piece) <= width:
            lines[-1] += piece
        else:
            lines.append(piece)
    return lines


def _flagged_fields(rep: Report) -> set[str]:
    return {f for i in rep.issues if i.severity in ("error", "warning") for f in i.fields}


def _draw_row(p: _Painter, r: RowNote, gx0: float, gx1: float, flagged: set[str]) -> tuple[int, int]:
    """Cell boxes, spans, field ids and the row's class; returns (cells drawn, cells with ids)."""
    band = _row_band(r)
    n_cells = n_fields = 0
    ids = [f for c in r.cells for f in c.fields]
    prefix = _common_prefix(ids)
    for c in r.cells:
        b = _bbox_of(c)
        if c.covered or b is None:
            continue
        n_cells += 1
        p.box(b, CELL_COLOUR)
        if c.rowspan > 1 or c.colspan > 1:
            p.text((b[2] - 1, b[3] - 1), f"{c.rowspan}x{c.colspan}", CELL_COLOUR, anchor="rd")
        if c.fields:
            n_fields += 1
            label = ",".join(f[len(prefix) + 1:] if prefix else f for f in c.fields)
            colour = FLAGGED_COLOUR if flagged & set(c.fields) else FIELD_COLOUR
            y = b[1] + 0.5
            for ln in _wrap(p, label, b[2] - b[0] - 2):
                p.text((b[0] + 1, y), ln, colour, backdrop=True)
                y += 4.0
    if band is not None:
        p.text((gx0 - 3, band[1] + 1), r.cls, CLASS_COLOURS[r.cls], size="mid", anchor="ra")
        if prefix:
            p.text((gx1 + 3, band[1] + 1), prefix + ".", FIELD_COLOUR, size="mid")
    return n_cells, n_fields


def _legend(p: _Painter, n_rulings: int, notes: Sequence[str]) -> None:
    items: list[tuple[str, tuple[int, int, int]]] = [
        ("red: a grid found (caption: number, strategy, section)", GRID_COLOUR),
        ("orange: its cells; RxC = the spans of a merged cell", CELL_COLOUR),
        (f"blue: ruling lines ({n_rulings})", RULING_COLOUR),
        ("grey: text lines read outside the grids", TEXT_COLOUR),
        ("purple: rows of a table re-flowed from text lines (no ruled grid)", REFLOW_COLOUR),
        (LAYOUT_BOXES_NOTE, LAYOUT_COLOUR),
        ("left of a row: its class (header/data/label/prose)", CLASS_COLOURS["header"]),
        ("green: field id of a cell (row prefix at the right); magenta: named by an issue", FIELD_COLOUR),
    ] + [(n, (0, 0, 0)) for n in notes]
    width = max(p.text_width(t, "mid") for t, _ in items) + 4
    p.draw.rectangle((0, 0, round(width * p.s), round((len(items) * 5.5 + 3) * p.s)), fill=(255, 255, 255),
                     outline=(0, 0, 0))
    for k, (t, colour) in enumerate(items):
        p.text((2, 1.5 + k * 5.5), t, colour, size="mid")


def _draw_reflowed(p: _Painter, g: GridNote, page: int, flagged: set[str]) -> DrawnGrid | None:
    """A table the stages re-flowed from text lines: each row's lines outlined, its class at
    the left, its field ids at the right (the shared prefix and how many: several cells
    stand in one text line, so one box per cell cannot be drawn)."""
    bands = []
    n_fields = 0
    for r in g.rows:
        band = _row_band(r, page)
        if band is None:
            continue
        bands.append((band, r.cls))
        p.box(band, REFLOW_COLOUR)
        p.text((band[0] - 3, band[1]), r.cls, CLASS_COLOURS[r.cls], size="mid", anchor="ra")
        ids = [f for c in r.cells if c.where.get("page") == page for f in c.fields]
        n_fields += sum(1 for c in r.cells if c.where.get("page") == page and c.fields)
        if ids:
            prefix = _common_prefix(ids)
            label = f"{prefix}.* ({len(ids)})" if prefix else ",".join(ids)
            p.text((band[2] + 3, band[1]), label, FLAGGED_COLOUR if flagged & set(ids) else FIELD_COLOUR, size="mid")
    if not bands:
        return None
    box = (min(b[0] for b, _ in bands), min(b[1] for b, _ in bands), max(b[2] for b, _ in bands),
           max(b[3] for b, _ in bands))
    sec = f"section {g.section}" if g.section is not None else "no section"
    p.text((box[0], box[1] - 1.5), f"{g.name} · {g.strategy} · {sec}", REFLOW_COLOUR, size="big", anchor="ld")
    return DrawnGrid(0, box, p.px(box), g.strategy, tuple(c for _, c in bands), len(bands), n_fields)


def debug_pdf_page(
    data_or_path: str | os.PathLike[str] | bytes | Annotated,
    page: int,
    out_png: str | os.PathLike[str],
    *,
    scale: float = 2.0,
    legend: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> DebugInfo:
    """Render page ``page`` (1-based) of a PDF and draw what the library read on it; write it
    to ``out_png`` (atomically) and say what was drawn.

    Drawn (colours in this module's ``*_COLOUR`` constants): the ruling lines
    (:func:`_ruling_lines`), every grid of the page (outline and caption: number, strategy,
    section), its cells with their spans, each row's class at its left, each cell's field
    id (the row's shared prefix at its right; magenta when an issue names the field), the
    text lines read outside the grids, and a legend in the top-left corner (``legend``).
    the ruled boxes the reader left out as layout (a framed or shaded paragraph, a one-column
    frame, a web page's info box; :attr:`Annotated.layout_boxes`, each captioned with why),

    ``data_or_path``: a path, the PDF's bytes, or an :class:`Annotated` of the PDF.
    Raises :class:`DebugUsageError` for a page the PDF does not have or a file that is not
    a PDF."""
    a = annotate(data_or_path, limits=limits)
    data = a.data
    if a.document.format != "pdf":
        raise DebugUsageError(f"only PDF pages are drawn; this is {a.document.format} (see the text dump)")
    if not 0 < scale <= MAX_SCALE:
        raise DebugUsageError(f"scale must be above 0 and at most {MAX_SCALE:g}, not {scale}")
    img, page_size, n_pages = _render(data, page, scale)
    rulings, ruling_note = _ruling_lines(data, page)
    notes = [ruling_note] if ruling_note else []
    p = _Painter(img, scale)
    grids = [g for g in a.grids if g.page == page and g.bbox is not None and not g.reflowed]
    flowed = [g for g in a.grids if g.reflowed]  # rows rebuilt from text lines, drawn in purple
    p.tint([(band, r.cls) for g in grids for r in g.rows if (band := _row_band(r)) is not None]
           + [(band, r.cls) for g in flowed for r in g.rows if (band := _row_band(r, page)) is not None])
    for ln in rulings:
        p.line(ln, RULING_COLOUR)
    texts = [t for t in a.document.blocks if isinstance(t, Text) and t.where.get("page") == page and t.where.get("bbox")]
    for t in texts:
        p.box(t.where["bbox"], TEXT_COLOUR)
    flagged = _flagged_fields(a.report)
    drawn = []
    for g in grids:
        assert g.bbox is not None
        counts = [_draw_row(p, r, g.bbox[0], g.bbox[2], flagged) for r in g.rows]
        sec = f"section {g.section}" if g.section is not None else "no section"
        p.text((g.bbox[0], g.bbox[1] - 1.5), f"{g.name} · {g.strategy} · {sec}", GRID_COLOUR, size="big", anchor="ld")
        drawn.append(DrawnGrid(g.number, g.bbox, p.px(g.bbox), g.strategy, tuple(r.cls for r in g.rows),
                               sum(c for c, _ in counts), sum(f for _, f in counts)))
    reflowed = tuple(d for g in flowed if (d := _draw_reflowed(p, g, page, flagged)) is not None)
    boxes = tuple(_draw_layout_box(p, b.bbox, b.why) for b in a.layout_boxes if b.page == page)
    if legend:
        _legend(p, len(rulings), notes)
    for g in grids:  # the grid outlines last: nothing covers them
        assert g.bbox is not None
        p.box(g.bbox, GRID_COLOUR, width=3, grow=1)
    path = Path(out_png)
    _save_png(p.img, path)
    return DebugInfo(path, page, n_pages, scale, page_size, img.size, tuple(drawn), len(rulings), len(texts),
                     tuple(notes), reflowed, boxes)


def _draw_layout_box(p: _Painter, b: tuple[float, float, float, float], why: str) -> DrawnBox:
    p.box(b, LAYOUT_COLOUR, width=2)
    p.text((b[2] - 1, b[1] + 1), f"layout: {why}", LAYOUT_COLOUR, size="mid", anchor="ra", backdrop=True)
    return DrawnBox(b, p.px(b), why)


def _save_png(img: Image.Image, path: Path) -> None:
    """Write atomically: a temporary file beside ``path``, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            img.save(fh, format="PNG")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a picture is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
