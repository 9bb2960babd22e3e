"""The DOCX reader's fast path: the usual document's body read in one pass of lxml.

Most Word documents are paragraphs and tables straight under ``w:body``, rows straight
under their table, cells under their row and paragraphs under their cell. For those,
:func:`flatten` walks the body once with one tag-filtered ``iter`` (lxml walks the tree
in C and hands Python only the paragraphs, ``w:t`` elements, tables, rows, cells and
span properties) and writes what it meets into one string; :func:`build` splits that
string (in C) and makes the same blocks the full walker
(:class:`extractor.readers.docx._Walker`) makes, with the same list labels, counters,
limits and ``where``. XML text never holds the control characters used as marks:

* ``\\x00`` starts a block of the body: ``P`` a paragraph, ``N`` a paragraph that may
  carry a list number, ``T`` a table, ``A`` (before its ``P``/``N``) a paragraph that
  anchors text boxes (the boxes are read after it by the full walker);
* in a table: ``\\x01`` a row, ``\\x06n\\x06`` its ``w:gridBefore`` (read by the full
  path's rule), ``\\x02`` a cell, ``\\x04`` the cell has span properties (their tag and
  value in the ``props`` list, in order), ``\\x03`` a paragraph of the cell,
  ``\\x03\\x05`` one that may carry a list number.

A paragraph's text is that of the ``w:t`` elements inside it (after
:func:`extractor.readers.docx._prepare` gave tabs, breaks and symbols their ``w:t``); a
``w:t`` is taken when its run's parent is the paragraph, else when the paragraph is one
of its ancestors (hyperlinks, fields, insertions). The usual row (every cell one
paragraph without white space) is read from its piece of the string at once.

On a body not yet prepared (``numbered`` None) the same pass also does what
``docx._scan`` and ``docx._prepare`` do for the usual body: a paragraph whose ``w:pPr``
holds a ``w:numPr`` or ``w:pStyle`` gets its ``N`` (``\\x03\\x05``) mark once that is
met, a run's tab, break, hyphen or symbol is text where it stands; an element to drop,
a text box or a list property of another paragraph gives None (the caller prepares the
body and runs the pass again).

:func:`flatten` returns None, and the full walker reads the whole document, as soon as
anything is placed otherwise: a paragraph or table inside a content control, custom
XML, a tracked insertion or move, or another paragraph; a nested table; a row or cell
outside its table or row; a text box anchored in a table cell.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
P, T, TBL, TR, TC = f"{W}p", f"{W}t", f"{W}tbl", f"{W}tr", f"{W}tc"
_GRIDSPAN, _VMERGE, _HMERGE, _GRIDBEFORE = f"{W}gridSpan", f"{W}vMerge", f"{W}hMerge", f"{W}gridBefore"
_SPAN_TAGS = (_GRIDSPAN, _VMERGE, _HMERGE, _GRIDBEFORE)
_TAGS = (P, T, TBL, TR, TC, *_SPAN_TAGS)
_TCPR, _VAL = f"{W}tcPr", f"{W}val"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
R, _PPR, _NUMPR, _PSTYLE, _SYM, TXBX = f"{W}r", f"{W}pPr", f"{W}numPr", f"{W}pStyle", f"{W}sym", f"{W}txbxContent"
# run content that is text (a paragraph's text takes it where it stands)
_MARKS = {f"{W}tab": " ", f"{W}ptab": " ", f"{W}br": "\n", f"{W}cr": "\n", f"{W}noBreakHyphen": "-"}
# dropped before reading: deleted text, field codes, the second copy of alternate content,
# ruby annotations, the properties of tracked formatting changes
_DROP_TAGS = (f"{W}del", f"{W}moveFrom", f"{W}instrText", f"{W}delInstrText", f"{_MC}Fallback", f"{W}rt",
              f"{W}pPrChange", f"{W}rPrChange", f"{W}tblPrChange", f"{W}trPrChange", f"{W}tcPrChange",
              f"{W}sectPrChange", f"{W}numberingChange")
# what the scanning pass meets besides _TAGS: list properties, run marks, and what sends
# the document to the full path (an element to drop, a text box)
_SCAN_TAGS = (*_TAGS, _NUMPR, _PSTYLE, *_MARKS, _SYM, *_DROP_TAGS, TXBX)
# text a cell paragraph may hold as it is: no white space, control characters or markers
_PLAIN = re.compile(r"[\s\x00-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff]").search


class _Placed(Exception):
    """Something outside the fast path's shape: the full walker reads the document."""


def span_vm(props: list[tuple[str, str | None]], has_prev: bool) -> tuple[int, str | None]:
    """gridSpan and vMerge state ("restart", "continue", "hmerge": a legacy horizontal
    merge into the cell before, or None) from a cell's span properties, in order."""
    span, vm = 1, None
    for tag, val in props:
        if tag == _GRIDSPAN:
            try:
                span = max(1, min(int(val or ""), 1000))
            except ValueError:
                span = 1
        elif tag == _VMERGE:
            vm = "restart" if val == "restart" else "continue"
        elif tag == _HMERGE and val != "restart" and has_prev:  # legacy horizontal merge
            vm = "hmerge"
    return span, vm


def _inside(el: Any, p: Any) -> bool:
    """Whether ``p`` is an ancestor of ``el`` (None is nobody's)."""
    if p is None:
        return False
    el = el.getparent()
    while el is not None:
        if el is p:
            return True
        el = el.getparent()
    return False


def flatten(body: Any, numbered: set[Any] | frozenset[Any] | None, boxes: dict[Any, list[Any]], before: Any,
            first: Any) -> tuple[list[str], list[Any], list[Any], list[Any]] | None:
    """The body as segments (split at ``\\x00``; see the module docstring), the
    paragraphs of ``numbered`` in body order (one per ``N`` or ``\\x03\\x05`` mark), the
    span properties of the cells that have them (one list per ``\\x04`` mark) and the
    paragraphs anchoring ``boxes`` (one per ``A``); None when the document needs the full
    walker. ``before(tr)`` is a row's ``w:gridBefore`` and ``first(el, tag)`` an element's
    properties child, as the full path reads them.

    ``numbered`` None: the body was not prepared (:func:`extractor.readers.docx._scan`,
    ``_prepare``) and this pass does it as it goes: a paragraph whose ``w:pPr`` holds a
    ``w:numPr`` or ``w:pStyle`` is numbered, a run's tab, break, hyphen or symbol is text
    where it stands (as ``_prepare`` makes it), and an element to drop or a text box gives
    None (``boxes`` must be empty)."""
    try:
        return _flatten(body, numbered, boxes, before, first)
    except _Placed:
        return None


def _sym(el: Any) -> str:
    """The character of a ``w:sym`` ("" for a glyph of a symbol font)."""
    try:
        code = int(el.get(f"{W}char") or "", 16)
    except ValueError:
        return ""
    if 0xF000 <= code <= 0xF0FF or code < 0x20:  # a glyph of a symbol font, not text
        return ""
    return chr(code)


def _number(el: Any, cur_p: Any, mark: int, out: list[str], nps: list[Any]) -> int:
    """A ``w:numPr``/``w:pStyle`` in the ``w:pPr`` of the current paragraph (its mark at
    ``out[mark]``; -1: already numbered, or none) makes it numbered: its mark changed,
    the paragraph added to ``nps``; the new ``mark`` is returned. One in another
    paragraph's ``w:pPr`` goes to the full path."""
    if mark < 0:
        return mark
    ppr = el.getparent()
    if ppr.tag != _PPR:
        return mark
    p = ppr.getparent()
    if p is not cur_p:
        if p is not None and p.tag == P:
            raise _Placed
        return mark
    out[mark] = "\x03\x05" if out[mark] == "\x03" else "\x00N"
    nps.append(p)
    return -1


def _mark_text(el: Any, tag: str, cur_p: Any, put: Any) -> None:
    """The text of a run mark of the current paragraph put as a ``w:t``'s would be (a
    mark outside a run is a tab stop definition, ``w:tabs/w:tab``); an element to drop or
    a text box goes to the full path."""
    if tag != _SYM and tag not in _MARKS:
        raise _Placed
    run = el.getparent()
    if run.tag == R and (run.getparent() is cur_p or _inside(run, cur_p)):
        text = _sym(el) if tag == _SYM else _MARKS[tag]
        if text:
            put(text)


class _Rows:
    """Where the pass is in the tables: table, row, cell, the cell's ``w:tcPr`` once a
    span property of it was read (and that property list), the last row given its
    ``w:gridBefore``."""

    __slots__ = ("tbl", "tr", "tc", "tcpr", "plist", "before_tr")

    def __init__(self) -> None:
        self.tbl = self.tr = self.tc = self.tcpr = self.before_tr = None
        self.plist: list[tuple[str, str | None]] = []


def _flatten(body: Any, numbered: set[Any] | frozenset[Any] | None, boxes: dict[Any, list[Any]], before: Any,
             first: Any) -> tuple[list[str], list[Any], list[Any], list[Any]]:
    out: list[str] = []
    put = out.append
    nps: list[Any] = []
    props: list[Any] = []
    anchors: list[Any] = []
    rows = _Rows()
    cur_p = cur_tc = None
    mark = -1  # scanning: where the current paragraph's mark is in ``out`` (-1: numbered, or none)
    for el in body.iter(*(_TAGS if numbered is not None else _SCAN_TAGS)):
        tag = el.tag
        if tag == T:
            if el.getparent().getparent() is cur_p or _inside(el, cur_p):
                text = el.text
                if text:
                    put(text)
        elif tag == P:
            parent = el.getparent()
            if parent is body:
                cell = False
            elif parent is cur_tc:
                cell = True
            else:
                raise _Placed
            if boxes and el in boxes:
                _anchor(el, cell, anchors, put)
            if numbered and el in numbered:
                nps.append(el)
                put("\x03\x05" if cell else "\x00N")
            else:
                mark = len(out)
                put("\x03" if cell else "\x00P")
            cur_p = el
        elif tag == TC:
            if el.getparent() is not rows.tr:
                raise _Placed
            put("\x02")
            cur_tc = rows.tc = el
            cur_p = rows.tcpr = None
            mark = -1
        elif tag == TR or tag == TBL:
            _row_or_table(el, tag, body, rows, put)
            cur_p = cur_tc = None
            mark = -1
        elif tag in _SPAN_TAGS:
            _property(el, tag, rows, put, props, before, first)
        elif tag == _NUMPR or tag == _PSTYLE:  # met by the scanning pass only
            mark = _number(el, cur_p, mark, out, nps)
        else:  # met by the scanning pass only
            _mark_text(el, tag, cur_p, put)
    return "".join(out).split("\x00"), nps, props, anchors


def _anchor(p: Any, cell: bool, anchors: list[Any], put: Any) -> None:
    """A paragraph of the body anchoring text boxes: marked, its boxes read after it by the
    full walker; in a cell the whole document goes to the full walker."""
    if cell:
        raise _Placed
    anchors.append(p)
    put("\x00A")


def _row_or_table(el: Any, tag: str, body: Any, rows: _Rows, put: Any) -> None:
    if tag == TR:
        if rows.tbl is None or el.getparent() is not rows.tbl:
            raise _Placed
        put("\x01")
        rows.tr, rows.tc = el, None
        return
    if el.getparent() is not body:
        raise _Placed
    put("\x00T")
    rows.tbl, rows.tr, rows.tc = el, None, None


def _property(el: Any, tag: str, rows: _Rows, put: Any, props: list[Any], before: Any, first: Any) -> None:
    """A row's ``w:gridBefore`` (read once per row, by the full path's rule), or a cell's
    ``w:gridSpan``/``w:vMerge``/``w:hMerge``, kept when in the cell's first ``w:tcPr``."""
    if tag == _GRIDBEFORE:
        tr = rows.tr
        if tr is not None and rows.before_tr is not tr and _inside(el, tr):
            rows.before_tr = tr
            put(f"\x06{before(tr)}\x06")
        return
    parent = el.getparent()
    if parent is not rows.tcpr:
        tc = rows.tc
        if tc is None or parent.getparent() is not tc or parent is not first(tc, _TCPR):
            return
        rows.tcpr, rows.plist = parent, []
        props.append(rows.plist)
        put("\x04")
    rows.plist.append((tag, el.get(_VAL)))


def build(walker: Any, segs: list[str], nps: list[Any], props: list[Any], anchors: list[Any]) -> None:
    """The blocks of :func:`flatten`'s segments, made by ``walker`` (a
    :class:`extractor.readers.docx._Walker`) as its full path would make them."""
    state = [0, 0]  # next numbered paragraph, next cell with properties
    anchor, next_anchor = None, 0
    for seg in islice(segs, 1, None):
        code = seg[0]
        if code == "T":
            _table(walker, seg, nps, props, state)
            continue
        if code == "A":
            anchor = anchors[next_anchor]
            next_anchor += 1
            continue
        raw = seg[1:]
        if code == "N":
            raw = walker.label_of(nps[state[0]]) + raw
            state[0] += 1
        walker.paragraph_lines(raw, True)
        if anchor is not None:
            for box in walker.boxes.get(anchor, ()):
                walker.body(box)
            anchor = None


_BEFORE = re.compile("\x06([0-9]+)\x06")
# (column, cells) -> the placed cells of a row of one-column cells (shared: never changed)
_PLAIN_ROWS: dict[tuple[int, int], list[tuple[int, int, str | None, Any]]] = {}
# a row whose cells may be plain paragraphs: nothing but text, cell and paragraph marks
_ROW_PLAIN = re.compile(r"[\s\x00\x01\x06-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff]").search


def _table(walker: Any, seg: str, nps: list[Any], props: list[Any], state: list[int]) -> None:
    """One table's segment: rows (\\x01), cells (\\x02), paragraphs (\\x03, \\x03\\x05 when
    numbered), cell properties (\\x04), gridBefore (\\x06n\\x06). List labels are taken in
    body order once the layout test is passed, as the full walker takes them."""
    walker.table_started()
    raw: list[list[tuple[int, int, str | None, Any]]] = []
    # per row: its cells' texts (a numbered one as (text, w:p)), or None: read after the layout test
    texts: list[list[Any] | None] = []
    chars = 0
    labeled: set[int] = set()  # rows read at once with numbered cells, their labels still to take
    restarts: set[int] = set()  # rows holding a vertical merge's first cell
    for row in seg.split("\x01")[1:]:
        column = 0
        if "\x06" in row:
            m = _BEFORE.search(row)
            if m:
                column, row = int(m[1]), row[:m.start()] + row[m.end():]
        placed, trow, n, restart = _simple_row(row, column, nps, props, state)
        if trow is None:
            placed = _row(walker, row, column, nps, props, state)
            restart = "\x04" in row and any(x[2] == "restart" for x in placed)
        if restart:
            restarts.add(len(raw))
        if trow is not None:
            chars += n
            if "\x05" in row:
                labeled.add(len(texts))
        raw.append(placed)
        texts.append(trow)
    if max((len(r) for r in raw), default=0) < 2:  # layout: its paragraphs as text
        _layout(walker, raw, texts, nps)
        return
    for k, trow in enumerate(texts):
        if trow is None:
            texts[k] = [_cell_text(walker, cell, nps) for _c, _s, _v, cell in raw[k]]
        elif labeled and k in labeled:
            texts[k] = [x if x.__class__ is str else _cell_text(walker, "\x03" + _labeled(walker, x), nps)
                        for x in trow]
    walker.add_chars(chars)
    if any(t for trow in texts for t in trow):  # type: ignore[union-attr]
        walker.blocks.append(walker._grid(raw, texts, restarts))


def _layout(walker: Any, raw: list[list[tuple[int, int, str | None, Any]]], texts: list[list[Any] | None],
            nps: list[Any]) -> None:
    """A layout table (one column): its paragraphs read as paragraphs of the body."""
    for r, trow in zip(raw, texts, strict=True):
        for k, (_c, _s, _v, cell) in enumerate(r):
            paras = _paragraphs(walker, cell, nps) if trow is None else [_labeled(walker, trow[k])]
            for para in paras:
                walker.paragraph_lines(walker.count(para))


def _simple_row(row: str, column: int, nps: list[Any], props: list[Any], state: list[int]
                ) -> tuple[list[tuple[int, int, str | None, Any]], list[Any] | None, int, bool]:
    """A row whose every cell is one paragraph without white space (the usual row): its
    placed cells, their texts (a numbered one as (text, w:p), its label still to take),
    their characters and whether a cell starts a vertical merge; (…, None, 0, False) for
    any other row (nothing taken)."""
    if _ROW_PLAIN(row) is not None:
        return [], None, 0, False
    n = row.count("\x02")
    if row.count("\x03") != n:
        return [], None, 0, False
    plain = row.count("\x02\x03")
    if plain == n and "\x05" not in row and "\x04" not in row:  # every cell "\x02\x03text"
        same = _PLAIN_ROWS.get((column, n))
        if same is None:
            same = [(column + k, 1, None, "") for k in range(n)]
            if n <= 64 and column <= 64:
                _PLAIN_ROWS[(column, n)] = same
        return same, row[2:].split("\x02\x03") if n else [], len(row) - 2 * n, False
    marked = row.count("\x02\x04\x03")
    if plain + marked != n or row.count("\x04") != marked or row.count("\x05") != row.count("\x03\x05"):
        return [], None, 0, False
    cells = row.split("\x02")[1:]
    if "\x05" not in row:
        got = _merged_row(cells, column, props, state, marked)
        if got is not None:
            return got
    return _marked_row(cells, column, nps, props, state)


def _merged_row(cells: list[str], column: int, props: list[Any], state: list[int], marked: int
                ) -> tuple[list[tuple[int, int, str | None, Any]], list[Any], int, bool] | None:
    """:func:`_marked_row` of a row without numbered cells whose every cell with span
    properties has one ``w:vMerge`` only (the usual merged row), in comprehensions; None
    for any other row (nothing taken)."""
    k = state[1]
    plists = props[k:k + marked]
    for plist in plists:
        if len(plist) != 1 or plist[0][0] != _VMERGE:
            return None
    states = ["restart" if plist[0][1] == "restart" else "continue" for plist in plists]
    vms = iter(states)
    texts = [c[1:] if c[0] == "\x03" else c[2:] for c in cells]
    placed = [(column + i, 1, None if c[0] == "\x03" else next(vms), texts[i]) for i, c in enumerate(cells)]
    state[1] = k + marked
    return placed, texts, sum(map(len, texts)), "restart" in states


def _marked_row(cells: list[str], column: int, nps: list[Any], props: list[Any], state: list[int]
                ) -> tuple[list[tuple[int, int, str | None, Any]], list[Any], int, bool]:
    """:func:`_simple_row` of a row whose cells are "\\x03text" or "\\x04\\x03text" (span
    properties), a text after "\\x05" numbered."""
    placed: list[tuple[int, int, str | None, Any]] = []
    texts: list[Any] = []
    chars = 0
    restart = False
    k_props, k_nps = state[1], state[0]
    vm: str | None
    for c in cells:
        if c[0] == "\x04":
            plist = props[k_props]
            k_props += 1
            if len(plist) == 1 and plist[0][0] == _VMERGE:  # the usual: a vertical merge alone
                span, vm = 1, "restart" if plist[0][1] == "restart" else "continue"
            else:
                span, vm = span_vm(plist, bool(placed))
            text: Any = c[2:]
        else:
            span, vm, text = 1, None, c[1:]
        if text[:1] == "\x05":
            text = (text[1:], nps[k_nps])
            k_nps += 1
        else:
            chars += len(text)
        if vm == "hmerge":  # a legacy horizontal merge: the cell before grows (see docx._cell_props)
            pc, ps, pv, ptext = placed[-1]
            placed[-1] = (pc, ps + span, pv, ptext)
            if text.__class__ is str:
                chars -= len(text)  # its text is dropped
        else:
            if vm == "restart":
                restart = True
            placed.append((column, span, vm, text))
            texts.append(text)
        column += span
    state[1], state[0] = k_props, k_nps
    return placed, texts, chars, restart


def _row(walker: Any, row: str, column: int, nps: list[Any], props: list[Any], state: list[int]
         ) -> list[tuple[int, int, str | None, Any]]:
    """Any row: its placed cells, each with its text (\\x03-separated paragraphs), as (text,
    index in ``nps`` of its first numbered paragraph) when it has one."""
    cells: list[Any] = row.split("\x02")[1:]
    if "\x05" in row:
        items: list[Any] = []
        for c in cells:
            items.append((c, state[0]))
            state[0] += c.count("\x05")
        cells = items
    if "\x04" not in row:
        return [(column + k, 1, None, c) for k, c in enumerate(cells)]
    marked = []
    for c in cells:
        if "\x04" in (c if isinstance(c, str) else c[0]):
            marked.append([props[state[1]], _unmark(c)])
            state[1] += 1
        else:
            marked.append([None, c])
    return walker.placed_cells(column, marked)


def _unmark(cell: str | tuple[str, int]) -> str | tuple[str, int]:
    if isinstance(cell, str):
        return cell.replace("\x04", "")
    return cell[0].replace("\x04", ""), cell[1]


def _labeled(walker: Any, item: str | tuple[str, Any]) -> str:
    """A cell paragraph's text, a numbered one's label taken now."""
    if isinstance(item, str):
        return item
    return walker.label_of(item[1]) + item[0]


def _cell_text(walker: Any, cell: str | tuple[str, int], nps: list[Any]) -> str:
    if isinstance(cell, str) and cell[:1] == "\x03" and _PLAIN(cell, 1) is None:  # one paragraph as it is
        return walker.count(cell[1:])
    return walker.cell_text([walker.count(x) for x in _paragraphs(walker, cell, nps)])


def _paragraphs(walker: Any, cell: str | tuple[str, int], nps: list[Any]) -> list[str]:
    """A cell's paragraphs, numbered ones with their labels (not yet counted)."""
    if isinstance(cell, str):
        return cell.split("\x03")[1:]
    text, k = cell
    out = []
    for para in text.split("\x03")[1:]:
        if para[:1] == "\x05":
            para = walker.label_of(nps[k]) + para[1:]
            k += 1
        out.append(para)
    return out
