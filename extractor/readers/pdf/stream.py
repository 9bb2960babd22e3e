"""The second table strategy, *positioned words* (Camelot's "stream"): the column rules a
table does not draw are rebuilt from the x-positions of its words, so that pdfplumber's table
finder can cut the cells as it does for a fully ruled table (the *ruled grid* strategy,
Camelot's "lattice"). This module holds what both kinds of such tables share and the tables
with horizontal rules only; ``borderless`` the tables with no rule at all.

A table with horizontal rules only (between rows, none between columns) is found as a stack
of at least :data:`_MIN_RULES` horizontal rules (or two around a table's last row continued
on a page of its own: at least :data:`_WIDE_ROW` numbers, or first on the page), outside the
ruled grids, over text that holds numbers; a band whose first line is a section heading alone
(no number) ends one table and starts the next. The page's horizontal edges are first joined
into rules by :mod:`.hrules` (one rule per row boundary however many pieces draw it; its
*joints*, where one cell's piece ends and the next starts; underlines dropped; see there). Its
*bands* are the strips between consecutive rules; a *data band* holds numbers (a band of
numbers alone is one too, never a header). The value columns are where the numbers of the
data bands stand (overlapping x-ranges form one column) joined with the header's *leaf
labels*: the lowest header words (not one with labels under it: 行政复议 over 结果维持), right
of the row labels (anywhere when the rows of numbers have no label), at most a few
characters wide, as wide as the first line of their label when it wraps (社会公益组 / 织: a
word just above, centred on the leaf or starting where it starts). A column of numbers
joins the leaf it overlaps most, else, numbers set flush left or right in their cells under centred labels, the
leaf whose reach (half way to its neighbours) holds its middle; a leaf with no numbers is a
column of blank cells. A column boundary is the middle of the gap between two columns, and
the label area ends half way between the labels and the first value column — unless a joint
of the rules already stands in that gap (when joints stand between all the number columns,
they are the only value boundaries); the labels are the row labels and the header's text
over them. The ends and the joints of the rules are boundaries too:
a rule that stops short tells where a merged cell starts, so a tall narrow cell (a group label
printed one character per line) is a cell of its own and its characters never fall into the
rows beside it. Each table is closed by :func:`.hrules.closed` (first and last rule across its
width, a row cut by the page break closed under its lines); a stack holding no number but
``label：value`` pairs is a web page's info box (:func:`.hrules.box_edges`).

Each band gets a vertical rule at every boundary that no word of the band crosses, with one
exception: in a header band (no number), a stretch between two rule ends holding fewer
separate words than value columns is a merged header cell, cut only at the value boundary
nearest each gap between its words, and next to a label within one column (其他 heads its own
column, not the blank one beside it whose label is on the page before). A header band printed
over several lines has its levels rebuilt: a word over a value boundary with words under it
is a group label (申请人情况, 法人或其他组织); it gets a rule under it across the columns it
spans (widened to hold the groups under it), and below that rule its sub-labels are cut by
the same rule again, so each leaf label (科研机构, 社会公益组织) heads its own column even when
every cell under it is blank.

:func:`rule_edges` (and ``borderless.text_edges``) give, per table, the horizontal rules and
the synthetic vertical ones as pdfplumber edge dicts; ``grids`` turns them into cells and a
:class:`Grid` with ``where["strategy"] = "words"``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .hrules import box_edges, closed, row_rules, ruled_cuts, split_at_joints
from .scan import Char

__all__ = ["rule_edges", "Word", "words_of"]

_MIN_RULES = 3
_MAX_ROW = 160  # the tallest row: a label printed one character per line over a few rows
_SECTION_HEADING = re.compile(r"^[一二三四五六七八九十]+\s*[、.．]")
_NUMBER = re.compile(r"^[-+]?[\d０-９][\d０-９,]*(?:\.[\d０-９]+)?$|^[无—–\-/／]$")
# a label starting with its item number (1、 2. （三）) starts a table row
_ITEM = re.compile(r"^(?:\d{1,2}\s*[、.．](?!\d)|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)")
_WIDE_ROW = 5  # a single row of this many numbers is a table (section 4)
_PAGE_NUMBER = re.compile(r"^[-—–\s]*\d{1,4}[-—–\s]*$|^第\s*\d{1,4}\s*页")

Edge = dict[str, Any]


@dataclass
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def numeric(self) -> bool:
        return bool(_NUMBER.match(self.text))


def words_of(chars: list[Char]) -> list[Word]:
    """Characters → words: one line of characters split where the gap exceeds a third of the
    character height (a cell boundary, or a space)."""
    chars = sorted((c for c in chars if c.text.strip()), key=lambda c: ((c.top + c.bottom) / 2, c.x0))
    lines: list[list[Char]] = []
    for c in chars:
        cy = (c.top + c.bottom) / 2
        if lines and abs(cy - (lines[-1][0].top + lines[-1][0].bottom) / 2) < 0.4 * (c.bottom - c.top):
            lines[-1].append(c)
        else:
            lines.append([c])
    words: list[Word] = []
    for line in lines:
        line.sort(key=lambda c: c.x0)
        cur = [line[0]]
        for c in line[1:]:
            if c.x0 - cur[-1].x1 > 0.33 * (c.bottom - c.top):
                words.append(_word(cur))
                cur = [c]
            else:
                cur.append(c)
        words.append(_word(cur))
    return words


def _word(chars: list[Char]) -> Word:
    return Word("".join(c.text for c in chars), min(c.x0 for c in chars), min(c.top for c in chars),
                max(c.x1 for c in chars), max(c.bottom for c in chars))


def _hedge(x0: float, x1: float, y: float) -> Edge:
    return {"object_type": "line", "orientation": "h", "x0": x0, "x1": x1, "top": y, "bottom": y,
            "doctop": y, "width": x1 - x0, "height": 0.0}


def _vedge(x: float, top: float, bottom: float) -> Edge:
    return {"object_type": "line", "orientation": "v", "x0": x, "x1": x, "top": top, "bottom": bottom,
            "doctop": top, "width": 0.0, "height": bottom - top}


def _rule_stacks(rules: list[Edge]) -> list[list[Edge]]:
    """Horizontal rules grouped into stacks: overlapping in x, each within a few lines of the
    one above; two rules at least (``rule_edges`` keeps a stack of two only around a wide row
    of numbers)."""
    stacks: list[list[Edge]] = []
    for r in sorted(rules, key=lambda e: e["top"]):
        for s in stacks:
            last = max(e["top"] for e in s)
            x0, x1 = min(e["x0"] for e in s), max(e["x1"] for e in s)
            if r["top"] - last < _MAX_ROW and r["x0"] < x1 and r["x1"] > x0:
                s.append(r)
                break
        else:
            stacks.append([r])
    return [s for s in stacks if len({round(e["top"]) for e in s}) >= 2]


def _value_columns(numbers: list[Word], header: list[Word], labels: Sequence[Word] | None = None) -> list[tuple[float, float]]:
    """The value columns: where the numbers stand, and where the header's leaf labels stand
    (a column of blank cells still has its label); a header word as wide as several columns
    (申请人情况) or as a line of text is not a leaf, nor one over the row labels (``labels``:
    the label words of the lines of numbers, none: a table without row labels, a section-4
    table whose first columns are blank; not given: left of the first numbers)."""
    cols = _columns(numbers)
    if not cols:
        return cols
    labels_end = max((w.x1 for w in labels if w.x1 <= cols[0][0] + 0.5), default=None) if labels is not None else None
    if labels is not None and labels_end is None:
        labels_end = float("-inf")
    leaves = [w for w in header if (w.x0 > labels_end if labels_end is not None else w.x1 > cols[0][0] + 0.5)
              and w.x1 - w.x0 <= 4 * (w.bottom - w.top)
              and sum(1 for a, b in cols if a < w.x1 and w.x0 < b) <= 1 and not _over(w, header)]
    leaves = [_with_line_above(w, header, leaves) for w in leaves]
    return _columns(numbers + leaves) if not leaves else _with_leaves(cols, _columns(leaves))


def _with_line_above(leaf: Word, header: list[Word], leaves: list[Word]) -> Word:
    """A leaf label with its first line (a label wrapped in its cell: 社会公益组 / 织, whose
    width tells the column's): the one header word just above it, over it, centred on it or
    starting where it starts (not a title over several columns), and over no other leaf."""
    h = leaf.bottom - leaf.top
    above = [w for w in header if 0 <= leaf.top - w.bottom < 0.8 * h and w.x0 < leaf.x1 and leaf.x0 < w.x1
             and (abs(w.x0 + w.x1 - leaf.x0 - leaf.x1) < 2 * h or abs(w.x0 - leaf.x0) < h / 3)
             and not any(o is not leaf and w.x0 < o.x1 and o.x0 < w.x1 for o in leaves)]
    if len(above) != 1:
        return leaf
    w = above[0]
    return Word(w.text + leaf.text, min(w.x0, leaf.x0), w.top, max(w.x1, leaf.x1), leaf.bottom)


def _with_leaves(cols: list[tuple[float, float]], leaves: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Columns of numbers joined with the leaf labels heading them: the leaf a column overlaps
    most, else (numbers set flush left or right in their cells, the labels centred) the leaf
    whose reach holds the column's middle, when no column overlaps that leaf: from half way to
    the leaf before to half way to the leaf after (the last one's as far right of it)."""
    def reach(k: int) -> tuple[float, float]:
        a, b = leaves[k]
        lo = (leaves[k - 1][1] + a) / 2 if k else None
        hi = (b + leaves[k + 1][0]) / 2 if k + 1 < len(leaves) else None
        lo = lo if lo is not None else a - ((hi - b) if hi is not None else 0.0)
        hi = hi if hi is not None else b + (a - lo)
        return lo, hi

    spans = [list(leaf) for leaf in leaves]
    overlapped = {k for k, (a, b) in enumerate(leaves) if any(c < b and a < d for c, d in cols)}
    alone: list[tuple[float, float]] = []
    for c, d in cols:
        over = [(min(b, d) - max(a, c), k) for k, (a, b) in enumerate(leaves) if c < b and a < d]
        k = max(over)[1] if over else next((k for k in range(len(leaves)) if k not in overlapped
                                            and reach(k)[0] <= (c + d) / 2 <= reach(k)[1]), None)
        if k is None:
            alone.append((c, d))
        else:
            spans[k] = [min(spans[k][0], c), max(spans[k][1], d)]
    return _columns([Word("", a, 0.0, b, 0.0) for a, b in [*map(tuple, spans), *alone]])


def _over(w: Word, header: list[Word]) -> bool:
    """``w`` stands over other header words (a group label, or the first line of a label):
    not the lowest label of its column."""
    return any(v.top > w.bottom - 0.25 * (w.bottom - w.top) and v.x0 < w.x1 and w.x0 < v.x1 for v in header)


def _columns(words: list[Word]) -> list[tuple[float, float]]:
    """x-ranges of the value columns: overlapping number ranges joined."""
    spans = sorted((w.x0, w.x1) for w in words)
    cols: list[list[float]] = []
    for x0, x1 in spans:
        if cols and x0 <= cols[-1][1] + 0.5:
            cols[-1][1] = max(cols[-1][1], x1)
        else:
            cols.append([x0, x1])
    return [(a, b) for a, b in cols]


def rule_edges(edges: list[Edge], chars: list[Char], taken: list[tuple[float, float, float, float]],
               page: tuple[float, float] | None = None) -> list[list[Edge]]:
    """Edges (the rules and synthetic column rules) of each horizontal-rules-only table on a
    page; ``taken``: boxes of the ruled grids already found (their rules are theirs);
    ``page``: where the page's text starts and ends, between a browser's header and footer (a
    table's row cut by the page break is closed there, :func:`.hrules.closed`, and so is a
    header with no row under it, cut by the page's end: its box spans the whole table, its
    columns the next page's)."""
    def free(e: Edge) -> bool:
        return not any(x0 - 2 <= e["x0"] and e["x1"] <= x1 + 2 and t - 2 <= e["top"] <= b + 2 for x0, t, x1, b in taken)

    rules = [e for e in row_rules([e for e in edges if e["orientation"] == "h" and free(e)], chars) if e["width"] > 20]
    if len(rules) < 2:
        return []
    out: list[list[Edge]] = []
    words = split_at_joints(words_of(chars), chars, sorted({x for e in rules for x in e["joints"]}))
    for stack in _rule_stacks(rules):
        if len({round(e["top"]) for e in stack}) < _MIN_RULES and not _lone_row(stack, words, page):
            continue
        x0, x1 = min(e["x0"] for e in stack), max(e["x1"] for e in stack)
        t, b = min(e["top"] for e in stack), max(e["top"] for e in stack)
        if any(x0 < bx1 and bx0 < x1 and t < bb and bt < b for bx0, bt, bx1, bb in taken):
            continue  # rules around a ruled grid (a shaded box, a frame): not a table of their own
        for part in _split_at_headings(stack, words):
            shut = closed(part, words, _is_data, rules, page)
            low = max(e["top"] for e in part)  # a header cut by the page's end is closed there too
            found = _table_edges(shut, words) or box_edges([*part, *(e for e in shut if e["top"] > low + 1)], words)
            if found:
                out.append(found)
    return out


def _lone_row(stack: list[Edge], words: list[Word], page: tuple[float, float] | None) -> bool:
    """Two rules around a table's last row continued on a page of its own: a row of at least
    :data:`_WIDE_ROW` numbers (a section-4 data row under its header on the page before), or a
    row of numbers (a label and its values) first on the page (no text between the start of
    the page's text and the rules)."""
    a, b = min(e["top"] for e in stack), max(e["top"] for e in stack)
    left, right = min(e["x0"] for e in stack), max(e["x1"] for e in stack)
    lines = _text_lines([w for w in words if left <= w.x0 and w.x1 <= right and a < (w.top + w.bottom) / 2 < b])
    if any(sum(1 for w in ln if w.numeric) >= _WIDE_ROW for ln in lines):
        return True
    first = page is not None and not any(page[0] < (w.top + w.bottom) / 2 < a for w in words)
    return first and len(lines) >= 1 and all(_is_data(ln) or not any(w.numeric for w in ln) for ln in lines) \
        and any(_is_data(ln) for ln in lines)


def _split_at_headings(stack: list[Edge], words: list[Word]) -> list[list[Edge]]:
    """A heading between two rules ends a table: the stack is cut at a band whose first line
    is a section heading's numbering (一、) and nothing else (a row label 三、本年度办理结果
    beside the label of its first sub-row is no heading), and which holds no number."""
    ys = sorted({round(e["top"], 1) for e in stack})
    left, right = min(e["x0"] for e in stack), max(e["x1"] for e in stack)
    cuts: list[tuple[float, float]] = []
    for a, b in zip(ys, ys[1:], strict=False):
        lines = _text_lines([w for w in words if left - 1 <= w.x0 <= right and a <= (w.top + w.bottom) / 2 < b])
        if (lines and len(lines[0]) == 1 and _SECTION_HEADING.match(lines[0][0].text)
                and not any(w.numeric for ln in lines for w in ln)):
            cuts.append((a, b))
    parts: list[list[Edge]] = []
    lo = float("-inf")
    for a, b in [*cuts, (float("inf"), float("inf"))]:
        part = [e for e in stack if lo <= round(e["top"], 1) <= a]
        if len({round(e["top"]) for e in part}) >= 2:
            parts.append(part)
        lo = b
    return parts


def _table_edges(stack: list[Edge], all_words: list[Word], extra: tuple[float, ...] = (),
                 carry: list[tuple[float, float]] | None = None) -> list[Edge] | None:
    """The edges of one table (its rules ``stack`` and the synthetic column rules).
    ``carry``: the value columns of the table before (on the page before), taken when this
    one has no header (no text over its numbers before its first row of numbers: it may start
    with rows of blank cells) and its numbers stand in those columns (a table continued over a
    page break, its blank columns known from the first page's header); set to this table's."""
    left, right = min(e["x0"] for e in stack), max(e["x1"] for e in stack)
    ys = sorted({round(e["top"], 1) for e in stack})
    top, bottom = ys[0], ys[-1]
    words = [w for w in all_words if left - 1 <= (w.x0 + w.x1) / 2 <= right + 1 and top <= (w.top + w.bottom) / 2 <= bottom]
    bands = [(a, b, [w for w in words if a <= (w.top + w.bottom) / 2 < b]) for a, b in zip(ys, ys[1:], strict=False)]
    data = [band for band in bands if _is_data(band[2])]
    if not data:
        return None
    numbers = [w for _, _, ws in data for w in ws if w.numeric]
    cols = _value_columns(numbers, [w for _, _, ws in bands if not _is_data(ws) for w in ws],
                          [w for _, _, ws in data for w in ws if not w.numeric])
    if carry is not None:
        lead = next(i for i, band in enumerate(bands) if _is_data(band[2]))
        headless = not any(not w.numeric and w.x1 > cols[0][0] for _, _, ws in bands[:lead] for w in ws)
        if (carry and headless and len(carry) > len(cols)
                and all(any(a < d and c < b for c, d in carry) for a, b in cols)):
            cols = list(carry)
        carry[:] = cols
    if len(cols) < 1:
        return None
    # where the labels end: the row labels, and the header's label over them (a long note
    # in the label column's header ends where that column ends)
    labels_end = max((w.x1 for _, _, ws in bands for w in ws if w.x1 <= cols[0][0] + 0.5), default=None)
    structural = sorted({round(e["x0"], 1) for e in stack} | {round(e["x1"], 1) for e in stack} | set(extra)
                        | {round(x, 1) for e in stack for x in e.get("joints", ())})
    structural = [x for x in structural if left + 1 < x < right - 1]
    label_cut = (labels_end + cols[0][0]) / 2 if labels_end is not None else None
    value_cuts = [(a[1] + b[0]) / 2 for a, b in zip(cols, cols[1:], strict=False)]
    label_cut, value_cuts = ruled_cuts(stack, label_cut, value_cuts, (labels_end, cols), _columns(numbers))
    out = list(stack) + [_vedge(left, top, bottom), _vedge(right, top, bottom)]
    for a, b, ws in bands:
        if not _is_data(ws) and not all(w.numeric for w in ws) and any(w.x1 > cols[0][0] for w in ws):  # a header (a blank row, a lone number are none)
            fixed = [x for x in [*structural, *([label_cut] if label_cut is not None else [])] if not _crossed(x, ws)]
            out += _header_edges(ws, (a, b), (left, right), fixed, value_cuts)
            continue
        for x in _band_cuts(ws, structural, label_cut, value_cuts):
            out.append(_vedge(x, a, b))
    return out


def _text_lines(words: list[Word]) -> list[list[Word]]:
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        cy = (w.top + w.bottom) / 2
        if lines and abs(cy - (lines[-1][0].top + lines[-1][0].bottom) / 2) < 0.4 * (w.bottom - w.top):
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(ln, key=lambda w: w.x0) for ln in lines]


def _is_data(ws: list[Word]) -> bool:
    nums = [w for w in ws if w.numeric]
    return len(nums) >= 2 or (len(nums) == 1 and any(not w.numeric and w.x1 < nums[0].x0 for w in ws))


def _crossed(x: float, ws: list[Word]) -> bool:
    return any(w.x0 + 0.5 < x < w.x1 - 0.5 for w in ws)


def _band_cuts(ws: list[Word], structural: list[float], label_cut: float | None, value_cuts: list[float]) -> list[float]:
    fixed = sorted(x for x in [*structural, *([label_cut] if label_cut is not None else [])] if not _crossed(x, ws))
    return fixed + [x for x in value_cuts if not _crossed(x, ws)]


@dataclass(frozen=True)
class _Block:
    """A group label of a header over several columns: the columns it spans (``lo``, ``hi``,
    two boundaries) and the rule under it (``y``), the rows of its sub-labels below."""

    lo: float
    hi: float
    y: float

    def holds(self, x: float) -> bool:
        return self.lo + 0.5 < x < self.hi - 0.5


def _blocks(ws: list[Word], bounds: list[float], value_cuts: list[float], span: tuple[float, float]) -> list[_Block]:
    """The group labels of a header band printed over several lines without rules: a word
    over a value boundary with words under it. It spans from the nearest boundary left of it
    to the nearest right of it, widened to hold every group below it that it overlaps (a
    group label is over the whole of its sub-groups); found from the lowest up."""
    blocks: list[_Block] = []
    for w in sorted(ws, key=lambda w: -w.top):
        if not any(w.x0 + 0.5 < x < w.x1 - 0.5 for x in value_cuts):
            continue
        lo = max((x for x in bounds if x <= w.x0 + 0.5), default=span[0])
        hi = min((x for x in bounds if x >= w.x1 - 0.5), default=span[1])
        widened = True
        while widened:
            widened = False
            for bl in blocks:
                if bl.holds(lo) or bl.holds(hi):
                    lo, hi, widened = min(lo, bl.lo), max(hi, bl.hi), True
        below = [v for v in ws if (v.top + v.bottom) / 2 > w.bottom and lo < (v.x0 + v.x1) / 2 < hi]
        if below:
            blocks.append(_Block(lo, hi, (w.bottom + min(v.top for v in below)) / 2))
    return blocks


def _header_edges(ws: list[Word], ab: tuple[float, float], span: tuple[float, float], fixed: list[float],
                  value_cuts: list[float]) -> list[Edge]:
    """The edges of a header band (no number). Group labels over several lines
    (:func:`_blocks`) get a rule under them across their columns; the boundaries inside a
    group start at its rule. In each region (the band, or a group below its rule) a
    boundary is kept where no word of the region crosses it, by :func:`_header_cuts`."""
    a, b = ab
    blocks = _blocks(ws, sorted([*fixed, *value_cuts]), value_cuts, span)
    top_region = _Block(span[0], span[1], a)

    def owner(x: float) -> _Block:  # the lowest group over x, else the band
        return max((bl for bl in blocks if bl.holds(x)), key=lambda bl: bl.y, default=top_region)

    edges = [_hedge(bl.lo, bl.hi, bl.y) for bl in blocks]
    group_bounds = {x for bl in blocks for x in (bl.lo, bl.hi) if span[0] + 1 < x < span[1] - 1}
    for region in [top_region, *blocks]:
        rws = [w for w in ws if (w.top + w.bottom) / 2 > region.y and region.lo < (w.x0 + w.x1) / 2 < region.hi]
        rfixed = sorted(x for x in {*fixed, *group_bounds} if owner(x) is region and not _crossed(x, rws))
        rcuts = [x for x in value_cuts if owner(x) is region and x not in rfixed and not _crossed(x, rws)]
        for x in rfixed + _header_cuts(rws, rfixed, rcuts, value_cuts):
            edges.append(_vedge(x, region.y, b))
    return edges


def _header_cuts(ws: list[Word], fixed: list[float], cuts: list[float], value_cuts: list[float]) -> list[float]:
    """In a header band: between two fixed boundaries, the value boundary nearest each gap
    between separate words (a merged header cell stays whole)."""
    bounds = [float("-inf"), *fixed, float("inf")]
    kept: list[float] = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        inner = [x for x in cuts if lo < x < hi]
        if not inner:
            continue
        spans = sorted((w.x0, w.x1) for w in ws if lo <= (w.x0 + w.x1) / 2 <= hi)
        groups: list[list[float]] = []
        for x0, x1 in spans:
            if groups and x0 <= groups[-1][1]:
                groups[-1][1] = max(groups[-1][1], x1)
            else:
                groups.append([x0, x1])
        for g0, g1 in zip(groups, groups[1:], strict=False):
            mid = (g0[1] + g1[0]) / 2
            between = [x for x in inner if g0[1] <= x <= g1[0]]
            if between:
                kept.append(min(between, key=lambda x: abs(x - mid)))
        if len(groups) >= 2:  # a leaf within one column heads that column only, not the blank ones beside it
            first, last = groups[0], groups[-1]
            if not any(first[0] < x < first[1] for x in value_cuts) and any(x <= first[0] for x in inner):
                kept.append(max(x for x in inner if x <= first[0]))
            if not any(last[0] < x < last[1] for x in value_cuts) and any(x >= last[1] for x in inner):
                kept.append(min(x for x in inner if x >= last[1]))
    return sorted(set(kept))
