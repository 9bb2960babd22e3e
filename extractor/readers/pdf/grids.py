"""Stage 2 of the PDF reader: ruling edges → cells → grids.

The table finder is pdfplumber's algorithm (``TableFinder``, "lines" strategy, the default
settings of ``page.find_tables()``), run by :mod:`.finder` on edge tuples (the same cells,
three times faster): it snaps and joins the ruling edges, intersects them and finds the
cell rectangles. What is ours is the last step, cells → :class:`Grid`: the cell boxes
are placed on the lattice of their distinct x and y positions, so a merged cell gets its
``rowspan`` / ``colspan`` back (pdfplumber gives ``None`` in spanned positions), and is the
same :class:`Cell` in every position it covers, ``origin=False`` on the copies; characters
go to the cell under their centre, and a cell's lines are joined (a label printed one
character per line comes out as one string). Doubled fake-bold glyphs are dropped first
(like ``dedupe_chars()``).

Two engines feed the finder:

* ``pdfium`` (default): the edges and characters of stage 1 (``scan``) — no second parse;
* ``pdfplumber``: pdfplumber/pdfminer parse the table pages again (``dedupe_chars()`` +
  ``find_tables()``) — the reference implementation, five times slower, giving the same
  grids on every fixture (a test checks).

A one-cell "table" (a boxed paragraph, a frame around the page) is not a table.

Chain: ``guard`` → ``scan`` → **grids** (per table page: ``list[Grid]``) → ``lines``.
"""

from __future__ import annotations

import bisect
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from ...errors import DamagedDocument, EncryptedDocument, LimitExceeded
from ...limits import Limits, check_time
from ...model import Cell, Grid
from .borderless import CutHeader, text_edges
from .chrome import text_span
from .finder import FoundTable, find_tables
from .layout import tell_dropped
from .scan import Char, PageScan, bbox, is_cjk, pdf_library_errors
from .stream import rule_edges

__all__ = ["pdfium_grids", "pdfplumber_grids"]

# a cell box on the lattice: first row, end row, first column, end column, its box
_Placed = tuple[int, int, int, int, tuple[float, float, float, float]]


# --------------------------------------------------------------------------- the two engines


def pdfium_grids(scans: list[PageScan], limits: Limits) -> dict[int, list[Grid]]:
    """Grids of the table pages by page number, from the pdfium scan's edges and characters
    (the edges are let go page by page); raises ``LimitExceeded("max_cells")``."""
    out: dict[int, list[Grid]] = {}
    cells_total = 0
    carry: list[tuple[float, float]] = []  # the value columns of the last borderless table
    cut = CutHeader()  # a borderless table's header left alone at the foot of the last page
    for scan in scans:
        # a page without table words goes on with a table, or under a header, left open at the
        # end of the page before (a section-4 row alone at the top of the report's last page)
        if not scan.table_page and not carry and not (cut.chars and cut.page == scan.number - 1):
            cut.chars = []
            continue
        check_time(f"at the tables of page {scan.number}")
        grids = _pdfium_tables(scan, carry, cut)
        scan.edges = None
        cells_total += sum(len(r) for g in grids for r in g.rows)
        if cells_total > limits.max_cells:
            raise LimitExceeded("max_cells", f"the PDF's tables hold more than max_cells={limits.max_cells} cells")
        for g in grids:  # a header left at the foot of the page before is that page's
            out.setdefault(g.where["page"], []).append(g)
    return out


def pdfplumber_grids(data: bytes, pages: list[int], limits: Limits) -> dict[int, list[Grid]]:
    """Grids of the given 1-based pages, from one pdfplumber pass. Only the PDF libraries'
    errors (:func:`~.scan.pdf_library_errors`) become :class:`DamagedDocument`."""
    import pdfplumber

    library_errors = pdf_library_errors()
    out: dict[int, list[Grid]] = {}
    cells_total = 0
    try:
        pdf = pdfplumber.open(io.BytesIO(data), password="")
    except library_errors as e:
        if _is_encryption_error(e):
            raise EncryptedDocument(f"the PDF is encrypted and cannot be decrypted by pdfminer ({e})") from None
        raise DamagedDocument(f"the PDF is damaged: pdfminer cannot parse it ({type(e).__name__}: {e})") from None
    try:
        try:
            plumber_pages = pdf.pages
        except library_errors as e:
            raise DamagedDocument(f"the PDF is damaged: its pages cannot be parsed ({type(e).__name__}: {e})") from None
        for p in pages:
            if p > len(plumber_pages):
                continue
            check_time(f"at the tables of page {p}")
            page = plumber_pages[p - 1]
            try:
                grids = _page_tables(page, p)
            except library_errors as e:
                raise DamagedDocument(
                    f"the PDF is damaged: page {p} cannot be parsed ({type(e).__name__}: {e})"
                ) from None
            finally:
                page.close()
            for g in grids:
                cells_total += sum(len(r) for r in g.rows)
            if cells_total > limits.max_cells:
                raise LimitExceeded("max_cells", f"the PDF's tables hold more than max_cells={limits.max_cells} cells")
            if grids:
                out[p] = grids
    finally:
        pdf.close()
    return out


def _is_encryption_error(e: BaseException) -> bool:
    """pdfminer's password errors, also when pdfplumber wraps them (``PdfminerException(e)``)."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    inner = e.args[0] if e.args and isinstance(e.args[0], BaseException) else e
    return isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError))


def _pdfium_tables(scan: PageScan, carry: list[tuple[float, float]] | None = None,
                   cut: CutHeader | None = None) -> list[Grid]:
    """Grids of one page from pdfium's edges and characters, found by pdfplumber's table
    finder algorithm (:func:`~.finder.find_tables`: the default settings of
    ``page.find_tables()``). ``carry`` and ``cut``: what a borderless table on the page
    before passes on (:func:`~.borderless.text_edges`); a header from the foot of the page
    before that a table here took is given as a grid of that page, first in the list."""
    chars = _dedupe([c for c in scan.chars if c.text.strip()])
    edges = (scan.edges or []) + _closing_rules(scan.edges or [])
    grids = _finder_grids(find_tables(edges), chars, scan.number, "rules")
    taken = [(g.where["bbox"][0], g.where["bbox"][1], g.where["bbox"][2], g.where["bbox"][3]) for g in grids]
    for edges in rule_edges(scan.edges or [], chars, taken, text_span(chars, scan.height)):
        grids += _finder_grids(find_tables(edges), chars, scan.number, "words")
    taken = [(g.where["bbox"][0], g.where["bbox"][1], g.where["bbox"][2], g.where["bbox"][3]) for g in grids]
    before: list[Grid] = []
    for edges in text_edges(chars, taken, carry, cut, scan.number):
        if cut is not None and cut.boundary is not None and min(e["top"] for e in edges) < cut.boundary:
            head, body = _split_at_break(find_tables(edges), chars, cut, scan.number)
            before += head
            grids += body
        else:
            grids += _finder_grids(find_tables(edges), chars, scan.number, "words")
    return before + sorted(grids, key=lambda g: (g.where["bbox"][1], g.where["bbox"][0]))


def _split_at_break(tables: list[FoundTable], chars: list[Char], cut: CutHeader,
                    page: int) -> tuple[list[Grid], list[Grid]]:
    """A table whose first rows are a header from the foot of the page before, laid above
    this page's lines (``cut``), cut at the row rule between the two pages: the header's
    grid, on its page where it stands there, and the rest (``join_cut_headers`` joins them
    again, on the same columns)."""
    boundary = cut.boundary if cut.boundary is not None else float("-inf")
    heads: list[Grid] = []
    bodies: list[FoundTable] = []
    for t in tables:
        upper = [c for c in t.cells if c[3] <= boundary + 0.5]
        lower = [c for c in t.cells if c[1] >= boundary - 0.5]
        if not upper:  # no header from the page before in it
            bodies.append(t)
            continue
        if lower and len(upper) + len(lower) == len(t.cells):
            g = _grid_of(FoundTable(upper), _char_dicts(cut.laid), page - 1, (0.0, cut.shift))
            if g is not None:
                g.where["strategy"] = "words"
                heads.append(_without_hollow_rows(g))
        if lower:  # (a cell across the cut, which the row rule there should prevent, is left out)
            bodies.append(FoundTable(lower))
    return heads, _finder_grids(bodies, chars, page, "words")


def _closing_rules(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules a page break left out: a browser cutting a table row at the end of a page
    draws the row's column rules but no rule under them (and none above them on the next
    page). Where two vertical rules or more end (or start) at the same height without a
    horizontal rule there, below (above) every horizontal rule across them, a rule across
    them closes the row, so the cut row is a row. A vertical rule drawn in pieces (a browser
    draws the side of a merged cell once per row it spans) does not end where the next piece
    starts."""
    rows: dict[int, list[tuple[float, float]]] = {}
    for e in edges:
        if e["orientation"] == "h" and e["width"] > 2:  # not the end of a thin rectangle
            rows.setdefault(round(e["top"]), []).append((e["x0"], e["x1"]))

    def ruled(x: float, y: float) -> bool:
        k = round(y)
        for kk in (k - 1, k, k + 1):
            for x0, x1 in rows.get(kk, ()):
                if x0 - 1 <= x <= x1 + 1:
                    return True
        return False

    verticals = [e for e in edges if e["orientation"] == "v" and e["height"] >= 3]
    starts = {(round(e["x0"]), round(e["top"])) for e in verticals}
    stops = {(round(e["x0"]), round(e["bottom"])) for e in verticals}

    def continued(x: float, y: float, there: set[tuple[int, int]]) -> bool:
        return any((round(x) + i, round(y) + j) in there for i in (-1, 0, 1) for j in (-1, 0, 1))

    loose: dict[tuple[str, int], list[float]] = {}
    for e in verticals:
        for end, y, there in (("bottom", e["bottom"], starts), ("top", e["top"], stops)):
            if not ruled(e["x0"], y) and not continued(e["x0"], y, there):
                loose.setdefault((end, round(y)), []).append(e["x0"])
    out: list[dict[str, Any]] = []
    for (end, y), xs in loose.items():
        lo, hi = min(xs), max(xs)
        crossing = [k for k, spans in rows.items() if any(x0 < hi and lo < x1 for x0, x1 in spans)]
        # only at the open end of a table: below (above) every horizontal rule across it
        open_end = bool(crossing) and (y > max(crossing) if end == "bottom" else y < min(crossing))
        if len(xs) >= 2 and open_end:
            out.append({"object_type": "line", "orientation": "h", "x0": lo, "x1": hi, "top": float(y),
                        "bottom": float(y), "doctop": float(y), "width": hi - lo, "height": 0.0})
    return out


def _finder_grids(tables: list[FoundTable], chars: list[Char], page_no: int, strategy: str) -> list[Grid]:
    """The grids of the tables found, ``where["strategy"]`` naming how their columns were
    found: ``"rules"`` (ruled grid) or ``"words"`` (positioned words)."""
    grids: list[Grid] = []
    for t in sorted(tables, key=lambda t: (t.bbox[1], t.bbox[0])):
        x0, top, x1, bottom = t.bbox
        inside = _char_dicts([c for c in chars
                              if x0 - 1 <= (c.x0 + c.x1) / 2 <= x1 + 1 and top - 1 <= (c.top + c.bottom) / 2 <= bottom + 1])
        g = _grid_of(t, inside, page_no)
        if g is not None:
            g = _without_hollow_rows(g, ruled=strategy == "rules")
        if g is not None and _is_real_table(g):
            g.where["strategy"] = strategy
            grids.append(g)
    return grids


def _char_dicts(chars: Iterable[Char]) -> list[dict[str, Any]]:
    """Characters as the dicts ``_grid_of`` places (pdfplumber's shape)."""
    return [{"text": c.text, "x0": c.x0, "x1": c.x1, "top": c.top, "bottom": c.bottom} for c in chars]


def _without_hollow_rows(g: Grid, ruled: bool = False) -> Grid:
    """A grid without its *hollow* rows: rows no cell of which starts there with text (our row
    rules cut a header printed one character per line into a row per line; where every column
    is a tall label or empty, the row is only a slice of those labels). ``ruled``: of a ruled
    grid, only the rows that hold a slice of a taller cell (a browser draws a merged cell's
    sides once per row it spans, and a rule piece under a row of merged cells makes a row of
    their slices: 3.其他 and its values over an empty strip); a row of empty cells drawn as such
    stays. The cells spanning a dropped row span one row fewer."""
    kept = [i for i, row in enumerate(g.rows) if any(c.origin and c.text.strip() for c in row)
            or (ruled and all(c.origin for c in row))]
    if len(kept) == len(g.rows) or not kept:
        return g

    def key(c: Cell) -> tuple[Any, ...]:
        return (tuple(c.where.get("bbox") or ()), c.text, c.colspan)

    rows_of: dict[tuple[Any, ...], list[int]] = {}
    for k, i in enumerate(kept):
        for c in g.rows[i]:
            rows_of.setdefault(key(c), [])
            if not rows_of[key(c)] or rows_of[key(c)][-1] != k:
                rows_of[key(c)].append(k)
    made: dict[tuple[Any, ...], Cell] = {}
    rows: list[tuple[Cell, ...]] = []
    for i in kept:
        row: list[Cell] = []
        for c in g.rows[i]:
            kc = key(c)
            if kc not in made:  # its first slot among the kept rows: the cell itself
                made[kc] = replace(c, rowspan=len(rows_of[kc]), origin=True)
                row.append(made[kc])
            else:
                row.append(replace(made[kc], origin=False))
        rows.append(tuple(row))
    return Grid(rows=tuple(rows), where=g.where, source=g.source)


def _page_tables(plumber_page: Any, page_no: int) -> list[Grid]:
    page = plumber_page.dedupe_chars()
    tables = page.find_tables()
    if not tables:
        return []
    chars = [c for c in page.chars if c["text"].strip()]
    grids: list[Grid] = []
    for t in sorted(tables, key=lambda t: (t.bbox[1], t.bbox[0])):
        x0, top, x1, bottom = t.bbox
        inside = [c for c in chars if x0 - 1 <= c["x0"] and c["x1"] <= x1 + 1 and top - 1 <= c["top"] and c["bottom"] <= bottom + 1]
        # pdfplumber keeps the page box's offset from the user-space origin; bboxes are given
        # from the page's top-left corner, as the pdfium engine gives them
        g = _grid_of(t, inside, page_no, (plumber_page.bbox[0], plumber_page.bbox[1]))
        if g is not None and _is_real_table(g):
            g.where["strategy"] = "rules"
            grids.append(g)
    return grids


def _dedupe(chars: list[Char], tol: float = 1.0) -> list[Char]:
    """Drop a character drawn again at (almost) the same place (fake bold), like pdfplumber's
    ``dedupe_chars``."""
    seen: dict[tuple[str, int], list[Char]] = {}
    out: list[Char] = []
    for c in chars:
        text, x0, top = c.text, c.x0, c.top
        k = int(x0)
        near = False
        for kk in (k - 1, k, k + 1):
            for o in seen.get((text, kk), ()):
                if abs(o.x0 - x0) <= tol and abs(o.top - top) <= tol:
                    near = True
                    break
            if near:
                break
        if not near:
            seen.setdefault((text, k), []).append(c)
            out.append(c)
    return out


def _is_real_table(g: Grid) -> bool:
    """A boxed paragraph or a frame around the page is not a table (the box is told to the
    layout observer, :func:`~.layout.tell_dropped`)."""
    if len(g.rows) == 1 and g.width == 1:
        tell_dropped(g, "one-cell")
        return False
    return True


# --------------------------------------------------------------------------- cells → grid


def _grid_of(table: Any, chars: list[dict[str, Any]], page_no: int,
             origin: tuple[float, float] = (0.0, 0.0)) -> Grid | None:
    """Rebuild one pdfplumber table as a Grid with spans, from its cell boxes. ``origin``:
    the top-left corner of the page in the table's coordinates (the bboxes of the grid are
    given from the page's top-left corner)."""
    ox, oy = origin

    def at(x0: float, top: float, x1: float, bottom: float) -> list[float]:
        return bbox(x0 - ox, top - oy, x1 - ox, bottom - oy)

    cells = [tuple(c) for c in table.cells]
    if not cells:
        return None
    xs = _cluster([c[0] for c in cells] + [c[2] for c in cells])
    ys = _cluster([c[1] for c in cells] + [c[3] for c in cells])
    n_cols, n_rows = len(xs) - 1, len(ys) - 1
    if n_cols < 1 or n_rows < 1:
        return None
    placed = _place(cells, xs, ys)
    buckets = _chars_into_cells(chars, placed, xs, ys)
    slots = _spread(placed, buckets, n_rows, n_cols, page_no, at)
    rows: list[tuple[Cell, ...]] = []
    for r in range(n_rows):
        row: list[Cell] = []
        for c in range(n_cols):
            slot = slots[r][c]
            if slot is None:  # an area no ruled cell covers (a missing rule): an empty cell
                slot = Cell("", {"page": page_no, "bbox": at(xs[c], ys[r], xs[c + 1], ys[r + 1])})
            row.append(slot)
        rows.append(tuple(row))
    return Grid(rows=tuple(rows), where={"page": page_no, "bbox": at(xs[0], ys[0], xs[-1], ys[-1])}, source="pdf")


def _place(cells: list[tuple[Any, ...]], xs: list[float], ys: list[float]) -> list[_Placed]:
    """Each cell box on the lattice ``xs`` × ``ys`` (a box narrower than one slot is dropped)."""
    placed: list[_Placed] = []
    for x0, top, x1, bottom in cells:
        c0, c1 = _nearest(xs, x0), _nearest(xs, x1)
        r0, r1 = _nearest(ys, top), _nearest(ys, bottom)
        if c1 <= c0 or r1 <= r0:
            continue
        placed.append((r0, r1, c0, c1, (x0, top, x1, bottom)))
    return placed


def _chars_into_cells(chars: list[dict[str, Any]], placed: list[_Placed], xs: list[float],
                      ys: list[float]) -> list[list[dict[str, Any]]]:
    """The characters of each placed cell: by the centre of each character, over the slot
    lattice (the first cell placed over a slot owns it)."""
    n_cols, n_rows = len(xs) - 1, len(ys) - 1
    slot_owner: dict[tuple[int, int], int] = {}
    for k, (r0, r1, c0, c1, _) in enumerate(placed):
        for r in range(r0, r1):
            for c in range(c0, c1):
                slot_owner.setdefault((r, c), k)
    buckets: list[list[dict[str, Any]]] = [[] for _ in placed]
    for ch in chars:
        cx = (ch["x0"] + ch["x1"]) / 2
        cy = (ch["top"] + ch["bottom"]) / 2
        if not (xs[0] <= cx <= xs[-1] and ys[0] <= cy <= ys[-1]):
            continue
        c = min(bisect.bisect_right(xs, cx) - 1, n_cols - 1)
        r = min(bisect.bisect_right(ys, cy) - 1, n_rows - 1)
        owner = slot_owner.get((r, c))
        if owner is not None:
            buckets[owner].append(ch)
    return buckets


def _spread(placed: list[_Placed], buckets: list[list[dict[str, Any]]], n_rows: int, n_cols: int,
            page_no: int, at: Callable[[float, float, float, float], list[float]]) -> list[list[Cell | None]]:
    """The slots of the grid: each placed cell in every slot it covers, the same Cell object,
    ``origin=False`` on the copies; ``None`` where no cell lies."""
    slots: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
    for k, (r0, r1, c0, c1, box) in enumerate(placed):
        if slots[r0][c0] is not None:
            continue
        cell = Cell(
            text=_cell_text(buckets[k]),
            where={"page": page_no, "bbox": at(*box)},
            rowspan=r1 - r0,
            colspan=c1 - c0,
        )
        copy = replace(cell, origin=False) if (r1 - r0) * (c1 - c0) > 1 else cell
        for r in range(r0, r1):
            for c in range(c0, c1):
                if slots[r][c] is None:
                    slots[r][c] = cell if (r, c) == (r0, c0) else copy
    return slots


def _cluster(values: Iterable[float], tol: float = 1.5) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _nearest(bounds: list[float], v: float) -> int:
    i = bisect.bisect_left(bounds, v)
    if i == 0:
        return 0
    if i == len(bounds):
        return len(bounds) - 1
    return i if bounds[i] - v < v - bounds[i - 1] else i - 1


def _cell_text(chars: list[dict[str, Any]]) -> str:
    """Text of one cell: its lines top to bottom, wrapped pieces joined.

    A label broken into one character per line (a narrow merged cell) comes out as one
    string; a line break is kept as ``\\n`` only between non-CJK pieces (``12\\n34``).
    """
    if not chars:
        return ""
    chars.sort(key=lambda c: (c["top"] + c["bottom"]) / 2)
    lines: list[list[dict[str, Any]]] = []
    top = bottom = 0.0  # of the last line
    for c in chars:
        cy = (c["top"] + c["bottom"]) / 2
        if lines:
            h = bottom - top
            if top - 0.1 * h <= cy <= bottom + 0.1 * h:
                lines[-1].append(c)
                top, bottom = min(top, c["top"]), max(bottom, c["bottom"])
                continue
        lines.append([c])
        top, bottom = c["top"], c["bottom"]
    texts: list[str] = []
    for line in lines:
        line.sort(key=lambda c: c["x0"])
        s = ""
        prev = None
        for c in line:
            t = c["text"]
            if prev is not None and t.strip() and s and not s.endswith(" "):
                gap = c["x0"] - prev["x1"]
                size = max(c.get("size") or (c["bottom"] - c["top"]), 1.0)
                if gap > 0.6 * size and not (is_cjk(t[0]) and is_cjk(s[-1])):
                    s += " "
            s += t
            prev = c
        s = re.sub(r"\s+", " ", s).strip()
        if s:
            texts.append(s)
    out = ""
    for t in texts:
        if not out:
            out = t
        elif is_cjk(out[-1]) or is_cjk(t[0]):
            out += t
        else:
            out += "\n" + t
    return out
