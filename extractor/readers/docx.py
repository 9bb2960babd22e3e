"""DOCX reader: a Word document's body as lines and grids.

A .docx is a ZIP package of XML parts (:mod:`.docxpkg`). Only three parts are read: the
main document (``word/document.xml``, or whatever ``_rels/.rels`` names), and, when a
paragraph has list or style properties, ``word/numbering.xml`` and (when a style has to
be looked up) ``word/styles.xml`` for list numbering (:mod:`.wordnum`). Headers,
footers, footnotes, comments and images are never read.

The usual body (blocks, rows, cells and paragraphs each straight under their parent) is
read in one pass by :mod:`.docxflat`, which also finds the numbered paragraphs and the
run marks (tabs, breaks, symbols); a body holding an element to drop, a text box or an
internal DTD is first prepared (:func:`_scan`, :func:`_prepare`) and then read by that
pass; anything else by the walker of this module (the full path). All give the same
blocks (``tests/test_docx_fastpath.py``).

* **Order**: paragraphs and tables in body order, content controls (``w:sdt``) and
  custom XML opened; a text box (``w:txbxContent``, one copy of ``mc:AlternateContent``)
  is read after the paragraph that anchors it.
* **Paragraph text**: runs, hyperlinks and field results as their text (field codes
  dropped); tracked insertions kept, deletions (``w:del``, ``w:moveFrom``) dropped; a
  line break (``w:br``, ``w:cr``) starts a new line; white space runs (tabs, ideographic
  spaces) become one space. A numbered paragraph gets its number as Word prints it
  ("一、", "（一）", "1.") from ``numbering.xml``. ``where = {"paragraph": i}``: the
  0-based index of the paragraph outside data tables, in body order.
* **Tables**: merged cells (``w:gridSpan``, ``w:vMerge``, ``w:gridBefore/After``) are
  expanded into the full rectangle as the HTML reader does: the origin :class:`Cell` at
  the top-left slot, one shared copy with ``origin=False`` in every other slot it
  covers, ``where = {"table": t, "row": r, "column": c}`` (0-based, of the origin) on
  both. A cell's paragraphs are joined by ``\\n``. A table holding other tables, or
  with one column only, is layout: its paragraphs are read as text and its inner tables
  as grids (as in the HTML reader).

Safety: every part is inflated by streaming, and the inflated bytes of all parts read
count against ``limits.max_inflated_bytes`` (a ZIP bomb is an error whatever the sizes
the archive claims); XML is parsed without entity expansion, DTD loading, network or
``huge_tree`` (libxml2's depth limit of 256 applies); ``max_cells``, ``max_lines``,
``max_text_chars`` and ``time_s`` as in the other readers.
"""

from __future__ import annotations

import dataclasses
import gc
import re
from typing import Any, cast

from lxml import etree

from ..errors import DamagedDocument, LimitExceeded, UnsupportedFormat
from ..limits import DEFAULT_LIMITS, Limits, check_time
from ..model import Block, Cell, Document, Grid, Issue, Text
from .docxflat import _DROP_TAGS, _MARKS, _SYM, _sym, build, flatten, span_vm
from .docxpkg import Package, main_part, parse_xml, related
from .docxpkg import sniff_zip as sniff_zip  # readers.sniff tells Word packages apart through docx
from .wordnum import Numbering

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_VAL = f"{W}val"

P, TBL, TR, TC = f"{W}p", f"{W}tbl", f"{W}tr", f"{W}tc"
SDT, SDT_CONTENT, CUSTOM_XML = f"{W}sdt", f"{W}sdtContent", f"{W}customXml"
TXBX = f"{W}txbxContent"
R, _T = f"{W}r", f"{W}t"
# _MARKS: run content that is text (_prepare turns it into w:t elements holding that text);
# _DROP_TAGS: dropped before reading (deleted text, field codes, the second copy of
# alternate content, ruby annotations, the properties of tracked formatting changes)
# containers whose children are block content (paragraphs, tables)
_BLOCK_WRAPPERS = (SDT_CONTENT, CUSTOM_XML, f"{W}ins", f"{W}moveTo")

_NEEDS_NORM = re.compile(r"[\s\x00-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff]").search
_WS_RUN = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --------------------------------------------------------------------------- the body


def _norm(s: str) -> str:
    return _WS_RUN.sub(" ", _CTRL.sub("", s)).strip()


class _Full(Exception):
    """max_lines reached: the rest of the document is not read."""


class _Walker:
    def __init__(self, numbering: Numbering, limits: Limits, boxes: dict[Any, list[Any]],
                 numbered: set[Any] | frozenset[Any] = frozenset()) -> None:
        self.numbering = numbering
        self.numbered = numbered  # the paragraphs that may carry a list number
        self.boxes = boxes
        self.limits = limits
        self.blocks: list[Block] = []
        self.issues: list[Issue] = []
        self.paragraph = 0
        self.tables = 0
        self.cells = 0
        self.lines = 0
        self.chars = 0
        self.max_chars = limits.max_text_chars
        self.max_lines = limits.max_lines

    # ---- text

    def _raw(self, p: Any) -> str:
        """One paragraph's text, its number label included (text boxes were detached by
        :func:`_prepare`, line breaks and tabs given their text), counted against
        ``max_text_chars``."""
        raw = "".join([t.text or "" for t in p.iter(_T)])
        if p in self.numbered:
            raw = self.label_of(p) + raw
        return self.count(raw)

    def count(self, raw: str) -> str:
        """``raw``, its characters counted against ``max_text_chars``."""
        self.add_chars(len(raw))
        return raw

    def add_chars(self, n: int) -> None:
        self.chars += n
        if self.chars > self.max_chars:
            raise LimitExceeded("max_text_chars", f"the document has more than max_text_chars="
                                                  f"{self.limits.max_text_chars} characters")

    def label_of(self, p: Any) -> str:
        """The list number of a paragraph that may carry one (see :meth:`_label`)."""
        if not self.numbering.active:
            return ""  # no list defined: no paragraph is numbered
        return self._label(_first(p, _PPR))

    def _para_lines(self, p: Any) -> list[str]:
        """The lines of one paragraph (see :meth:`_raw`)."""
        raw = self._raw(p)
        if _NEEDS_NORM(raw) is None:
            return [raw] if raw else []
        return [x for x in (_norm(s) for s in raw.split("\n")) if x]

    def _label(self, ppr: Any) -> str:
        num_id = ilvl = style = None
        ps = np_ = None
        for ch in ppr.iterchildren(_PSTYLE, _NUMPR):  # the first of each counts
            if ch.tag == _PSTYLE:
                ps = ch if ps is None else ps
            elif np_ is None:
                np_ = ch
        style = ps.get(_VAL) if ps is not None else None
        if np_ is not None:
            nid = lv = None
            for ch in np_.iterchildren(_NUMID, _ILVL):
                if ch.tag == _NUMID:
                    nid = ch if nid is None else nid
                elif lv is None:
                    lv = ch
            num_id = nid.get(_VAL) if nid is not None else None
            try:
                ilvl = int(lv.get(_VAL)) if lv is not None else None
            except (TypeError, ValueError):
                ilvl = None
        return self.numbering.label(num_id, ilvl, style)

    def paragraph_block(self, p: Any) -> None:
        self.paragraph_lines(self._raw(p))
        if self.boxes:
            for box in self.boxes.get(p, ()):
                self.body(box)

    def paragraph_lines(self, raw: str, count: bool = False) -> None:
        """The lines of the next paragraph of the body (``raw``: its text, counted against
        ``max_text_chars`` here when ``count``)."""
        if count:
            self.chars += len(raw)
            if self.chars > self.max_chars:
                self.add_chars(0)
        index = self.paragraph
        self.paragraph = index + 1
        if _NEEDS_NORM(raw) is None:  # one line as it is (the usual case)
            if raw:
                self.lines += 1
                if self.lines > self.max_lines:
                    raise _Full
                self.blocks.append(_text(raw, {"paragraph": index}))
        else:
            for line in raw.split("\n"):
                line = _norm(line)
                if line:
                    self.lines += 1
                    if self.lines > self.max_lines:
                        raise _Full
                    self.blocks.append(_text(line, {"paragraph": index}))
        if not index + 1 & 2047:
            check_time(f"at paragraph {index + 1}")

    # ---- block containers

    def body(self, parent: Any) -> None:
        for el in parent:
            tag = el.tag
            if tag == P:
                self.paragraph_block(el)
            elif tag == TBL:
                self.table(el)
            elif tag == SDT:
                content = el.find(SDT_CONTENT)
                if content is not None:
                    self.body(content)
            elif tag in _BLOCK_WRAPPERS or tag == f"{_MC}AlternateContent" or tag == f"{_MC}Choice":
                self.body(el)

    # ---- tables

    def table(self, tbl: Any) -> None:
        self.table_started()
        raw = [_row_cells(tr) for tr in _children(tbl, TR)]  # (column, span, vMerge, tc)
        layout = next(tbl.iterdescendants(TBL), None) is not None or max((len(r) for r in raw), default=0) < 2
        if layout:
            for row in raw:
                for _c, _s, _v, tc in row:
                    self.body(tc)
            return
        texts = [[self._cell_text(tc) for _c, _s, _v, tc in row] for row in raw]
        if not any(t for row in texts for t in row):
            return
        self.blocks.append(self._grid(raw, texts))

    def table_started(self) -> None:
        check_time(f"at table {self.tables + 1}")

    @staticmethod
    def cell_text(raws: list[str]) -> str:
        """A cell's text from its paragraphs' counted texts."""
        lines: list[str] = []
        for raw in raws:
            if _NEEDS_NORM(raw) is None:
                if raw:
                    lines.append(raw)
            else:
                lines.extend([x for x in (_norm(s) for s in raw.split("\n")) if x])
        return "\n".join(lines)

    @staticmethod
    def placed_cells(column: int, cells: list[list[Any]]) -> list[tuple[int, int, str | None, Any]]:
        """(grid column, gridSpan, vMerge state, paragraphs) of each cell of a row given as
        [its span properties ((tag, w:val) in order) or None, paragraphs], the first at ``column``."""
        out: list[tuple[int, int, str | None, Any]] = []
        for plist, paras in cells:
            span, vm = span_vm(plist, bool(out)) if plist is not None else (1, None)
            if vm == "hmerge":
                pc, ps, pv, pparas = out[-1]
                out[-1] = (pc, ps + span, pv, pparas)
            else:
                out.append((column, span, vm, paras))
            column += span
        return out

    def _cell_text(self, tc: Any) -> str:
        if not self.boxes:
            return self.cell_text([self._raw(p) for p in tc.iter(P)])
        lines: list[str] = []
        stack = [iter(tc.iter(P))]
        while stack:  # text boxes anchored in the cell: their paragraphs after their anchor
            p = next(stack[-1], None)
            if p is None:
                stack.pop()
                continue
            lines.extend(self._para_lines(p))
            for box in reversed(self.boxes.get(p, ())):
                stack.append(iter(box.iter(P)))
        return "\n".join(lines)

    def _take(self, n: int) -> None:
        self.cells += n
        if self.cells > self.limits.max_cells:
            raise LimitExceeded("max_cells", f"the document's tables have more than max_cells="
                                             f"{self.limits.max_cells} cells (after spans are expanded)")

    def _grid(self, raw: list[list[tuple[int, int, str | None, Any]]], texts: list[list[str]],
              restart_rows: set[int] | None = None) -> Grid:
        """The grid of a table's placed cells and their texts; ``restart_rows``: the rows
        holding a vMerge "restart" cell when the caller knows them (None: looked for)."""
        t = self.tables
        self.tables += 1
        nrows = len(raw)
        width = max((row[-1][0] + row[-1][1] for row in raw if row), default=0)
        self._take(nrows * width)  # before any work that grows with the spans
        rowspans, absorbed, extra = _vertical(raw, texts, restart_rows)
        slots: list[list[Cell | None]] = [[None] * width for _ in range(nrows)]
        new, put = _NEW, _SET
        for r, row in enumerate(raw):
            srow, trow, gone, spans = slots[r], texts[r], absorbed[r], rowspans[r]
            k = -1
            for c, cs, _vm, _tc in row:
                k += 1
                rs = spans[k]
                if rs == 1 and cs == 1:  # the usual cell: absorbs nothing, its text has no \n at either end
                    if gone and c in gone:
                        continue
                    cell = new(Cell)  # Cell(text, where), without the frozen dataclass's __init__ (see _cell)
                    put(cell, "__dict__", {"text": trow[k], "where": {"table": t, "row": r, "column": c},
                                           "rowspan": 1, "colspan": 1, "origin": True})
                    srow[c] = cell
                    continue
                if gone and c in gone:
                    continue
                text = trow[k] if not extra or (r, c) not in extra else "\n".join([trow[k], *extra[(r, c)]])
                text, where = text.strip("\n"), {"table": t, "row": r, "column": c}
                cell, copy = new(Cell), new(Cell)  # as above: Cell(text, where, rs, cs) and its copy
                put(cell, "__dict__", {"text": text, "where": where, "rowspan": rs, "colspan": cs, "origin": True})
                put(copy, "__dict__", {"text": text, "where": where, "rowspan": rs, "colspan": cs, "origin": False})
                for dr in range(rs):
                    out = slots[r + dr]
                    for dc in range(cs):
                        if out[c + dc] is None:
                            out[c + dc] = copy
                srow[c] = cell
        grid_rows = tuple(  # a hole (a slot no cell covers) gets an empty cell; a Cell is always true
            cast("tuple[Cell, ...]", tuple(row)) if _CELLS_TRUE and all(row) else
            tuple(x if x is not None else _cell("", {"table": t, "row": r, "column": ci}) for ci, x in enumerate(row))
            for r, row in enumerate(slots))
        return Grid(rows=grid_rows, where={"table": t}, source="docx")


def _cell(text: str, where: dict[str, Any]) -> Cell:
    """``Cell(text, where)``, made without the frozen dataclass's ``__init__`` (its five
    ``object.__setattr__`` calls cost more than the rest of a cell's reading): the same
    fields, in the same order, in the instance's ``__dict__``."""
    cell = _NEW(Cell)
    _SET(cell, "__dict__", {"text": text, "where": where, "rowspan": 1, "colspan": 1, "origin": True})
    return cell


def _text(text: str, where: dict[str, Any]) -> Text:
    """``Text(text, where)``, made as :func:`_cell` makes a cell."""
    line = _NEW(Text)
    _SET(line, "__dict__", {"text": text, "where": where})
    return line


_NEW, _SET = object.__new__, object.__setattr__
_CELLS_TRUE = not hasattr(Cell, "__bool__") and not hasattr(Cell, "__len__")  # all(row): no slot empty


def _plain_dataclass(cls: type, names: list[str]) -> bool:
    return ([f.name for f in dataclasses.fields(cls)] == names and not hasattr(cls, "__post_init__")
            and not hasattr(cls, "__slots__"))


if not _plain_dataclass(Cell, ["text", "where", "rowspan", "colspan", "origin"]):  # the model changed
    def _cell(text: str, where: dict[str, Any]) -> Cell:  # noqa: F811
        return Cell(text, where)
if not _plain_dataclass(Text, ["text", "where"]):
    def _text(text: str, where: dict[str, Any]) -> Text:  # noqa: F811
        return Text(text, where)


_ONES, _NONE = [1] * 64, frozenset[int]()


def _vertical(raw: list[list[tuple[int, int, str | None, Any]]], texts: list[list[str]],
              restart_rows: set[int] | None = None
              ) -> tuple[list[list[int]], list[set[int] | frozenset[int]], dict[tuple[int, int], list[str]]]:
    """Vertical merges: a "restart" cell absorbs the "continue" cells below it at its
    column. Per row: the rowspan of each cell, the columns absorbed by a cell above; and
    (row, column) of a merge -> the texts of the cells it absorbed. ``restart_rows``: the
    rows holding a "restart" cell, when known. (Rows without a merge share one list of
    ones and one empty set: read only.)"""
    nrows = len(raw)
    rowspans = [_ONES if len(row) <= len(_ONES) else [1] * len(row) for row in raw]
    absorbed: list[set[int] | frozenset[int]] = [_NONE] * nrows
    extra: dict[tuple[int, int], list[str]] = {}
    if restart_rows is None:
        restart_rows = {r for r, row in enumerate(raw) if any(x[2] == "restart" for x in row)}
    if not restart_rows:
        return rowspans, absorbed, extra
    at_col: dict[int, dict[int, int]] = {}  # per row below a restart: column -> cell index
    for r in sorted(restart_rows):
        rowspans[r] = [1] * len(raw[r])
        for k, (c, _span, vm, _tc) in enumerate(raw[r]):
            if vm != "restart" or c in absorbed[r]:
                continue
            rs = 1
            while r + rs < nrows:
                below = raw[r + rs]
                k2 = c - below[0][0] if below else -1  # where the column is when the cells before span one each
                if not 0 <= k2 < len(below) or below[k2][0] != c:
                    cols = at_col.get(r + rs)
                    if cols is None:
                        cols = at_col[r + rs] = {x[0]: k2 for k2, x in enumerate(below)}
                    k2 = cols.get(c, -1)
                if k2 < 0 or below[k2][2] != "continue":
                    break
                gone = absorbed[r + rs]
                if gone is _NONE:
                    gone = absorbed[r + rs] = set()
                gone.add(c)  # type: ignore[union-attr]
                if texts[r + rs][k2]:
                    extra.setdefault((r, c), []).append(texts[r + rs][k2])
                rs += 1
            rowspans[r][k] = rs
    return rowspans, absorbed, extra


def _child(el: Any, *tags: str) -> Any:
    """The first child with one of ``tags`` (``find`` without ElementPath), or None."""
    return next(el.iterchildren(*tags), None)


def _first(el: Any, tag: str) -> Any:
    """A properties element (``w:pPr``, ``w:tcPr``, ``w:trPr``): the schema puts it first."""
    if len(el) and el[0].tag == tag:
        return el[0]
    return _child(el, tag)


def _children(parent: Any, tag: str) -> list[Any]:
    """Children with ``tag``, looking through content controls and custom XML wrappers."""
    if _child(parent, *_ROW_WRAPPERS) is None:
        return list(parent.iterchildren(tag))  # the usual case: no wrappers
    out: list[Any] = []
    stack = [iter(parent)]
    while stack:
        el = next(stack[-1], None)
        if el is None:
            stack.pop()
            continue
        if el.tag == tag:
            out.append(el)
        elif el.tag in (SDT, *_BLOCK_WRAPPERS):
            inner = el.find(SDT_CONTENT) if el.tag == SDT else el
            if inner is not None:
                stack.append(iter(inner))
    return out


def _int_val(el: Any, default: int) -> int:
    if el is None:
        return default
    try:
        return max(0, min(int(el.get(_VAL)), 1000))
    except (TypeError, ValueError):
        return default


_TCPR, _GRIDSPAN, _VMERGE, _HMERGE = f"{W}tcPr", f"{W}gridSpan", f"{W}vMerge", f"{W}hMerge"
_PPR, _NUMPR, _PSTYLE = f"{W}pPr", f"{W}numPr", f"{W}pStyle"
_NUMID, _ILVL = f"{W}numId", f"{W}ilvl"
_ROW_WRAPPERS = (SDT, CUSTOM_XML, f"{W}ins", f"{W}moveTo")


def _before(tr: Any) -> int:
    """A row's ``w:gridBefore`` (empty grid columns before its first cell)."""
    trpr = _first(tr, f"{W}trPr")
    return _int_val(trpr.find(f"{W}gridBefore"), 0) if trpr is not None else 0


def _cell_props(tc: Any, has_prev: bool) -> tuple[int, str | None]:
    """A cell's gridSpan and vMerge state (see :func:`_span_vm`)."""
    tcpr = _first(tc, _TCPR)
    if tcpr is None:
        return 1, None
    return span_vm([(x.tag, x.get(_VAL)) for x in tcpr.iterchildren(_GRIDSPAN, _VMERGE, _HMERGE)], has_prev)


def _row_cells(tr: Any) -> list[tuple[int, int, str | None, Any]]:
    """(grid column, gridSpan, vMerge state, w:tc) of each cell of a row."""
    c = _before(tr)
    out: list[tuple[int, int, str | None, Any]] = []
    for tc in _children(tr, TC):
        span, vm = _cell_props(tc, bool(out))
        if vm == "hmerge":
            pc, ps, pv, ptc = out[-1]
            out[-1] = (pc, ps + span, pv, ptc)
        else:
            out.append((c, span, vm, tc))
        c += span
    return out


# --------------------------------------------------------------------------- read


_SCAN = (*_DROP_TAGS, *_MARKS, _SYM, TXBX, _NUMPR, _PSTYLE)


def _scan(body: Any) -> tuple[bool, list[Any], list[Any], set[Any]]:
    """One pass over the body: whether it holds an element to drop (:data:`_DROP_TAGS`),
    the run marks and symbols (:data:`_MARKS`, ``w:sym``), the text boxes, and the
    paragraphs whose ``w:pPr`` holds a ``w:numPr`` or ``w:pStyle`` (a paragraph whose
    first ``w:pPr`` has neither gets the label "" without counting). The lxml proxies in
    the set stay the ones later iteration yields."""
    drop = False
    marks: list[Any] = []
    found: list[Any] = []
    numbered: set[Any] = set()
    for el in body.iter(*_SCAN):
        tag = el.tag
        if tag == _NUMPR or tag == _PSTYLE:
            ppr = el.getparent()
            if ppr.tag == _PPR:
                p = ppr.getparent()
                if p is not None and p.tag == P:
                    numbered.add(p)
        elif tag == TXBX:
            found.append(el)
        elif tag in _MARKS or tag == _SYM:
            marks.append(el)
        else:
            drop = True
    return drop, marks, found, numbered


def _prepare(marks: list[Any], found: list[Any], body: Any, has_dtd: bool) -> dict[Any, list[Any]]:
    """Make a paragraph's text the text of its ``w:t`` elements: line breaks, tabs, hyphens
    and symbols inside runs (``marks``) become ``w:t`` elements holding their text; text
    around entity references left unexpanded joins its ``w:t``; the text boxes (``found``)
    are detached from their anchor paragraph (returned: anchor -> boxes)."""
    for el in marks:
        if el.getparent().tag != R:
            continue  # a tab stop definition (w:tabs/w:tab), not a tab character
        el.text = _sym(el) if el.tag == _SYM else _MARKS[el.tag]
        el.tag = _T  # one tag to collect a paragraph's text by
    if has_dtd:
        for t in body.iter(f"{W}t"):
            if len(t):
                t.text = (t.text or "") + "".join(c.tail or "" for c in t)
                for c in list(t):
                    t.remove(c)
    boxes: dict[Any, list[Any]] = {}
    anchors = []
    for box in found:
        anchor = box.getparent()
        while anchor is not None and anchor.tag != P:
            anchor = anchor.getparent()
        anchors.append(anchor)
    for box, anchor in zip(found, anchors, strict=True):
        parent = box.getparent()
        if anchor is not None and parent is not None:
            parent.remove(box)
            boxes.setdefault(anchor, []).append(box)
    return boxes



def _numbering(pkg: Package, parts: dict[str, str]) -> Numbering:
    """The list definitions; styles.xml is parsed only when lists exist, a paragraph with
    a style and no list of its own asks for it, and a style carries a list (a byte search
    first)."""
    numbering = None
    if "numbering" in parts:
        raw = pkg.read(parts["numbering"])
        if b"numId" in raw:
            numbering = parse_xml(raw, parts["numbering"])
    if numbering is None or "styles" not in parts:
        return Numbering(numbering, None)
    name = parts["styles"]

    def styles() -> Any:
        raw = pkg.read(name)
        return parse_xml(raw, name) if b"numPr" in raw else None

    return Numbering(numbering, styles)


def read(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Document:
    """The body of a .docx as lines and grids (see the module docstring)."""
    # the cyclic garbage collector is paused while the blocks are built: they hold no
    # cycles, and its passes over a large tree's proxies cost more than the reading itself
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _read(data, limits)
    finally:
        if was_enabled:
            gc.enable()


def _read(data: bytes, limits: Limits) -> Document:
    pkg = Package(data, limits.max_inflated_bytes)
    main = main_part(pkg)
    if main is None:
        raise UnsupportedFormat("not a report: the ZIP package holds no Word document (word/document.xml)")
    root = parse_xml(pkg.read(main), main)
    check_time("after parsing the document XML")
    body = root.find(f"{W}body")
    if body is None:
        raise DamagedDocument(f"{main} has no w:body")
    boxes: dict[Any, list[Any]] = {}
    # the usual body is read in one pass that also finds its numbered paragraphs and run marks
    flat = None if root.getroottree().docinfo.internalDTD is not None else flatten(body, None, boxes, _before,
                                                                                    _first)
    if flat is not None:
        numbered: set[Any] = set(flat[1])
    else:
        drop, marks, found, numbered = _scan(body)
        if drop:  # the document's own structure is read once the dropped parts are gone
            etree.strip_elements(body, *_DROP_TAGS, with_tail=False)
            drop, marks, found, numbered = _scan(body)
        boxes = _prepare(marks, found, body, root.getroottree().docinfo.internalDTD is not None)
    # the list definitions are read only when a paragraph may carry a list number
    numbering = _numbering(pkg, related(pkg, main)) if numbered else Numbering(None, None)
    if not numbering.active:
        numbered = set()
    walker = _Walker(numbering, limits, boxes, numbered)
    if flat is None:
        flat = flatten(body, numbered, boxes, _before, _first)
    try:
        if flat is None:
            walker.body(body)  # the full path
        else:
            build(walker, *flat)
    except _Full:
        walker.issues.append(Issue(
            "limit.max_lines", "warning",
            f"the document has more than max_lines={limits.max_lines} lines of text; only the first "
            f"{limits.max_lines} were read (the rest of the document is missing from this record)"))
    return Document(tuple(walker.blocks), "docx", issues=tuple(walker.issues))
