"""One page image → blocks: ruled tables as :class:`Grid`, the text outside them as :class:`Text`.

The steps of :func:`read_page`:

1. **ink** – Otsu threshold of the grayscale page;
2. **deskew** – the small angle (±3°) that makes the row profile of the ink sharpest;
3. **text boxes** – RapidOCR's detector on the whole page (:meth:`Engine.detect`);
4. **orientation** – sideways (90/270) when the elongated text boxes (lines of several
   characters) stand rather than lie: the page is turned by 90°, deskewed and detected
   again; then RapidOCR's direction classifier looks at the widest boxes: upside down
   (180) when most of them are;
5. **tables** – ruling lines and merged cells (:mod:`.rulings`); rules are erased before
   recognition; a text box across a column rule is cut at the rule; a cell without a box
   but with ink is recognised as a whole;
6. **recognition** – all crops of the page in one batched call; the cells' text joins their
   pieces line by line (CJK lines without a break, others with ``\\n``), as the PDF
   reader's cell text does; text lines outside tables join their boxes left to right;
   page numbers in the top and bottom margins are dropped.

Coordinates: ``where["bbox"]`` is ``[x0, top, x1, bottom]`` in the page's units (pixels
divided by ``px_per_unit``: 200/72 for a PDF page rendered at 200 dpi gives points) on the
upright, deskewed page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model import Block, Cell, Grid, Text
from .engine import Engine, Reading
from .rulings import Lattice, find_tables

__all__ = ["read_page", "PageInfo"]

Box = tuple[float, float, float, float]
_PAGE_NUMBER = re.compile(r"^(第\s*\d+\s*页(\s*共\s*\d+\s*页)?|[-—–‒一]?\s*\d{1,4}\s*[-—–‒一]?|\d+\s*/\s*\d+)$")


@dataclass
class PageInfo:
    """What :func:`read_page` decided about the page (for tests and benchmarks)."""

    rotation: int = 0  # degrees clockwise the page was turned to read it upright
    skew: float = 0.0  # degrees of the deskew rotation
    text_height: float = 0.0
    tables: int = 0
    boxes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _ink(gray: np.ndarray) -> np.ndarray:
    import cv2

    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def _small(ink: np.ndarray, width: int = 900) -> np.ndarray:
    import cv2

    h, w = ink.shape
    s = min(1.0, width / max(h, w))
    if s == 1.0:
        return ink
    return cv2.resize(ink, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


def _without_rules(small: np.ndarray) -> np.ndarray:
    import cv2

    h, w = small.shape
    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (max(10, w // 15), 1))
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(10, h // 15)))
    rules = cv2.bitwise_or(cv2.morphologyEx(small, cv2.MORPH_OPEN, hk), cv2.morphologyEx(small, cv2.MORPH_OPEN, vk))
    return cv2.subtract(small, cv2.dilate(rules, np.ones((3, 3), np.uint8)))


def _sharpness(profile: np.ndarray) -> float:
    p = profile.astype(np.float64)
    return float(np.sum(np.diff(p) ** 2) / max(1.0, np.sum(p) ** 2 / max(1, len(p))))


def _rotate(img: np.ndarray, angle: float, fill: int) -> np.ndarray:
    import cv2

    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def _skew(small: np.ndarray) -> float:
    """The rotation (degrees, for :func:`_rotate`) that makes text rows horizontal."""

    def score(a: float) -> float:
        return _sharpness(_rotate(small, a, 0).sum(axis=1))

    coarse = [float(a) for a in np.arange(-3.0, 3.01, 0.5)]
    best = max(coarse, key=score)
    fine = [best + d for d in np.arange(-0.45, 0.46, 0.05)]
    return round(float(max(fine, key=score)), 2)


def _vertical_text(boxes: list[Box]) -> bool:
    """Do the page's lines of text run vertically (a page turned by 90°)? The total length
    of the clearly elongated boxes (lines of several characters) standing against lying."""
    wide = sum(b[2] - b[0] for b in boxes if (b[2] - b[0]) >= 2.5 * (b[3] - b[1]))
    tall = sum(b[3] - b[1] for b in boxes if (b[3] - b[1]) >= 2.5 * (b[2] - b[0]))
    return tall > 1.5 * wide


def _crop(gray: np.ndarray, box: Box, pad: int = 2) -> np.ndarray:
    h, w = gray.shape
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x0, y0 = max(0, x0 - pad), max(0, y0 - pad)
    x1, y1 = min(w, x1 + pad), min(h, y1 + pad)
    return gray[y0:max(y0 + 1, y1), x0:max(x0 + 1, x1)]


def _upside_down(engine: Engine, gray: np.ndarray, boxes: list[Box]) -> bool:
    """Is the page upside down? RapidOCR's direction classifier on the widest boxes."""
    sample = sorted(boxes, key=lambda b: -(b[2] - b[0]))[:12]
    crops = [c for c in (_crop(gray, b) for b in sample) if c.shape[0] >= 4 and c.shape[1] >= 4]
    return engine.upside_down(crops) > 0.5


def _bgr_free_gray(img: np.ndarray) -> np.ndarray:
    import cv2

    if img.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if img.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        return cv2.cvtColor(img, code)
    return img


def _deskewed(gray: np.ndarray, info: PageInfo) -> np.ndarray:
    """The page turned by the small angle that makes its rows of text horizontal."""
    angle = _skew(_without_rules(_small(_ink(gray))))
    info.skew = angle
    return _rotate(gray, angle, 255) if abs(angle) >= 0.05 else gray


@dataclass
class _Piece:
    box: Box
    reading: Reading | None = None


def read_page(gray: np.ndarray, page_no: int, engine: Engine, px_per_unit: float = 1.0,
              info: PageInfo | None = None) -> list[Block]:
    """Blocks of one page image (grayscale or BGR array), in reading order."""
    import cv2

    info = info if info is not None else PageInfo()
    original = _bgr_free_gray(gray)
    gray = _deskewed(original, info)
    boxes = engine.detect(gray)
    if _vertical_text(boxes):  # turned by 90° (or 270°: the 180° check below finishes the turn)
        gray = _deskewed(np.ascontiguousarray(np.rot90(original, -1)), info)
        info.rotation = 90
        boxes = engine.detect(gray)
    if boxes and _upside_down(engine, gray, boxes):
        gray = np.ascontiguousarray(gray[::-1, ::-1])
        h, w = gray.shape
        boxes = sorted(((w - b[2], h - b[3], w - b[0], h - b[1]) for b in boxes), key=lambda b: (b[1], b[0]))
        info.rotation = (info.rotation + 180) % 360
    info.boxes = len(boxes)
    if not boxes:
        return []
    heights = sorted(b[3] - b[1] for b in boxes if (b[2] - b[0]) >= 0.8 * (b[3] - b[1]))
    text_h = heights[len(heights) // 2] if heights else 20.0
    info.text_height = text_h
    ink = _ink(gray)
    lattices, rules = find_tables(ink, text_h * 0.85)
    info.tables = len(lattices)
    clean = gray.copy()
    clean[cv2.dilate(rules, np.ones((5, 5), np.uint8)) > 0] = 255

    def unit(b: Box) -> list[float]:
        return [float(round(float(v) / px_per_unit, 2)) for v in b]

    in_table: list[list[tuple[tuple[int, int, int, int], _Piece]]] = [[] for _ in lattices]
    loose: list[_Piece] = []
    for b in boxes:
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        k = next((i for i, t in enumerate(lattices) if _inside(t.bbox, cx, cy)), None)
        if k is None:
            loose.append(_Piece(b))
        else:
            in_table[k].extend(_split_to_cells(lattices[k], b))
    for k, lat in enumerate(lattices):
        in_table[k].extend(_inked_empty_cells(lat, in_table[k], ink, rules, text_h))
    pieces = [p for p in loose] + [p for cells in in_table for _, p in cells if p.reading is None]
    crops = [_crop(clean, p.box) for p in pieces]
    for p, r in zip(pieces, engine.recognise(crops), strict=True):
        p.reading = r
    for k, lat in enumerate(lattices):
        _dashes(lat, in_table[k], ink, rules, text_h)

    items: list[tuple[float, Block]] = []
    for k, lat in enumerate(lattices):
        grid = _grid(lat, in_table[k], page_no, unit)
        items.append((lat.ys[0], grid))
    for line in _lines(loose, text_h):
        top = min(p.box[1] for p in line)
        text = _join_line(line)
        if not text or _is_page_number(text, top, gray.shape[0], line):
            continue
        box = (min(p.box[0] for p in line), top, max(p.box[2] for p in line), max(p.box[3] for p in line))
        items.append((top, Text(text, {"page": page_no, "bbox": unit(box), "ocr": _ocr_where(line)})))
    items.sort(key=lambda t: t[0])
    return [b for _, b in items]


def _inside(bbox: Box, x: float, y: float) -> bool:
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _cell_at(lat: Lattice, x: float, y: float) -> tuple[int, int, int, int] | None:
    import bisect

    c = min(max(bisect.bisect_right(lat.xs, x) - 1, 0), len(lat.xs) - 2)
    r = min(max(bisect.bisect_right(lat.ys, y) - 1, 0), len(lat.ys) - 2)
    for cell in lat.cells:
        if cell[0] <= r < cell[1] and cell[2] <= c < cell[3]:
            return cell
    return None


def _split_to_cells(lat: Lattice, b: Box) -> list[tuple[tuple[int, int, int, int], _Piece]]:
    """The box's parts, one per cell it crosses on its middle line, clipped to the cells."""
    cy = (b[1] + b[3]) / 2
    out = []
    seen = set()
    for x in np.linspace(b[0], b[2], num=max(2, int((b[2] - b[0]) // 4))):
        cell = _cell_at(lat, float(x), cy)
        if cell is None or cell in seen:
            continue
        seen.add(cell)
        x0, y0, x1, y1 = lat.cell_box(cell)
        part = (max(b[0], x0 + 2), max(b[1], y0 + 2), min(b[2], x1 - 2), min(b[3], y1 - 2))
        if part[2] - part[0] >= 4 and part[3] - part[1] >= 4:
            out.append((cell, _Piece(part)))
    return out


def _inked_empty_cells(lat: Lattice, have: list[tuple[tuple[int, int, int, int], _Piece]], ink: np.ndarray,
                       rules: np.ndarray, text_h: float) -> list[tuple[tuple[int, int, int, int], _Piece]]:
    """Cells the detector left empty that hold ink (a lone thin digit): the ink's box."""
    filled = {c for c, _ in have}
    out = []
    for cell in lat.cells:
        if cell in filled:
            continue
        x0, y0, x1, y1 = (int(round(v)) for v in lat.cell_box(cell))
        m = 4
        area = ink[y0 + m:y1 - m, x0 + m:x1 - m].copy()
        area[rules[y0 + m:y1 - m, x0 + m:x1 - m] > 0] = 0
        if area.size == 0 or int((area > 0).sum()) < max(8, text_h * text_h * 0.01):
            continue
        ys, xs = np.nonzero(area)
        if _is_dash(area, text_h):
            # a lone short horizontal bar: a dash (-), too small for the recogniser to see
            box = (x0 + m + xs.min(), y0 + m + ys.min(), x0 + m + xs.max() + 1, y0 + m + ys.max() + 1)
            out.append((cell, _Piece(tuple(float(v) for v in box), Reading("-", _DASH_SCORE, _DASH_SCORE))))  # type: ignore[arg-type]
            continue
        # at least a text line's height and width around the ink, so that a lone dash is
        # seen at the scale of the text (a tight crop of a dash reads as a quote or a dot)
        cx, cy = x0 + m + (xs.min() + xs.max()) / 2, y0 + m + (ys.min() + ys.max()) / 2
        half_w = max((xs.max() - xs.min()) / 2 + 4, 0.5 * text_h)
        half_h = max((ys.max() - ys.min()) / 2 + 4, 0.5 * text_h)
        box = (max(x0 + 3, cx - half_w), max(y0 + 3, cy - half_h), min(x1 - 3, cx + half_w), min(y1 - 3, cy + half_h))
        out.append((cell, _Piece(tuple(float(v) for v in box))))  # type: ignore[arg-type]
    return out


_DASH_SCORE = 0.9  # the confidence given to a dash recognised by its shape


def _cell_ink(ink: np.ndarray, rules: np.ndarray, box: Box, m: int = 4) -> np.ndarray:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    area = ink[y0 + m:y1 - m, x0 + m:x1 - m].copy()
    area[rules[y0 + m:y1 - m, x0 + m:x1 - m] > 0] = 0
    return area


def _is_dash(area: np.ndarray, text_h: float) -> bool:
    """Is the cell's ink one short horizontal bar (a dash)?"""
    import cv2

    ys, xs = np.nonzero(area)
    if len(xs) == 0:
        return False
    bw, bh = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    if not (bh <= 0.25 * text_h and bw >= 1.5 * bh and bw <= 1.2 * text_h):
        return False
    n, _ = cv2.connectedComponents((area > 0).astype(np.uint8), connectivity=8)
    return n == 2


def _dashes(lat: Lattice, pieces: list[tuple[tuple[int, int, int, int], _Piece]], ink: np.ndarray,
            rules: np.ndarray, text_h: float) -> None:
    """A cell read as one stray mark (``"``, ``.``, ``一``) whose ink is one short bar: a dash."""
    for cell, p in pieces:
        t = p.reading.text.strip() if p.reading else ""
        if len(t) == 1 and t != "-" and not t.isdigit() and _is_dash(_cell_ink(ink, rules, lat.cell_box(cell)), text_h):
            p.reading = Reading("-", _DASH_SCORE, _DASH_SCORE)


def _lines(pieces: list[_Piece], text_h: float) -> list[list[_Piece]]:
    """Pieces grouped into lines (by vertical overlap), each sorted left to right."""
    lines: list[list[_Piece]] = []
    for p in sorted(pieces, key=lambda p: (p.box[1] + p.box[3]) / 2):
        cy = (p.box[1] + p.box[3]) / 2
        if lines:
            last = lines[-1]
            top = min(q.box[1] for q in last)
            bottom = max(q.box[3] for q in last)
            if top + 0.2 * (bottom - top) <= cy <= bottom - 0.2 * (bottom - top):
                last.append(p)
                continue
        lines.append([p])
    for ln in lines:
        ln.sort(key=lambda p: p.box[0])
    return lines


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


def _join(a: str, b: str, sep: str) -> str:
    if not a:
        return b
    if not b:
        return a
    return a + b if _is_cjk(a[-1]) or _is_cjk(b[0]) else a + sep + b


def _join_line(line: list[_Piece]) -> str:
    out = ""
    for p in line:
        out = _join(out, (p.reading.text if p.reading else "").strip(), " ")
    return out


def _ocr_where(pieces: list[_Piece]) -> dict[str, Any]:
    rs = [p.reading for p in pieces if p.reading is not None and p.reading.text]
    d: dict[str, Any] = {"score": round(min((r.min_prob for r in rs), default=0.0), 4)}
    if len(rs) == 1 and rs[0].alternatives:
        d["alt"] = list(rs[0].alternatives)
    return d


_LOOKALIKE = str.maketrans({"o": "0", "O": "0", "〇": "0", "l": "1", "I": "1", "|": "1"})
_NUMERIC_ISH = re.compile(r"^[\d oOlI|〇.,，]+$")


def _numeric(text: str) -> str:
    """A cell read as digits with a letter lookalike (``o`` for ``0``) in a numeric context:
    the digit. Only when at least one real digit or the whole cell is one lookalike. A lone
    point or comma after the digits (a speck of a low-resolution scan next to the rule:
    ``5.``) is dropped: no number is printed so."""
    if _NUMERIC_ISH.match(text) and (any(ch.isdigit() for ch in text) or len(text.strip()) == 1):
        return _TRAILING_POINT.sub("", text.translate(_LOOKALIKE))
    return text


_TRAILING_POINT = re.compile(r"(?<=\d)\s*[.,，]$")


def _grid(lat: Lattice, pieces: list[tuple[tuple[int, int, int, int], _Piece]], page_no: int,
          unit: Any) -> Grid:
    from dataclasses import replace

    by_cell: dict[tuple[int, int, int, int], list[_Piece]] = {}
    for cell, p in pieces:
        by_cell.setdefault(cell, []).append(p)
    n_rows, n_cols = len(lat.ys) - 1, len(lat.xs) - 1
    slots: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
    for cell in lat.cells:
        r0, r1, c0, c1 = cell
        ps = by_cell.get(cell, [])
        text = ""
        for line in _lines(ps, 0.0):
            t = _join_line(line)
            out_sep = "\n"
            text = _join(text, t, out_sep)
        text = _numeric(text)
        where: dict[str, Any] = {"page": page_no, "bbox": unit(lat.cell_box(cell))}
        if ps and text:
            where["ocr"] = _ocr_where(ps)
        c = Cell(text=text, where=where, rowspan=r1 - r0, colspan=c1 - c0)
        copy = replace(c, origin=False) if (r1 - r0) * (c1 - c0) > 1 else c
        for r in range(r0, r1):
            for k in range(c0, c1):
                if slots[r][k] is None:
                    slots[r][k] = c if (r, k) == (r0, c0) else copy
    rows = tuple(tuple(c if c is not None else Cell("", {"page": page_no}) for c in row) for row in slots)
    return Grid(rows=rows, where={"page": page_no, "bbox": unit(lat.bbox)}, source="ocr")


def _is_page_number(text: str, top: float, page_h: float, line: list[_Piece]) -> bool:
    if top > 0.1 * page_h and top < 0.9 * page_h:
        return False
    return bool(_PAGE_NUMBER.match(re.sub(r"\s+", "", text)))
