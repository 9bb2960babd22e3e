"""Tables with no rule at all: the *positioned words* strategy (``stream``) with row rules
of our own too.

:func:`text_edges` finds, per page, the runs of lines between the lines that end a table — a
section heading on a line of its own (a group label like 三、本年度 has row labels beside it,
and a row label like 二、上年结转… whose numbers stand on the next line is the table's), a
line of prose (one long run of text that is not a long row label ending left of the
table's numbers) and a browser's header or footer line (time stamp, address) — holding at
least :data:`~.stream._MIN_RULES` lines of numbers, or a row of many numbers, or a line of
numbers under a header line of many labels (section 4: one row of 无 under three totals). A
run that ends a page with a line of numbers, or with two rows of one number each under a
header of three columns or more (the other cells blank), is a table (its rest on the next
page), and the page after's first lines, up to a heading, are its rest: they keep its value
columns, every line from the page's first is a row (rows of blank cells before the first
number too, after the header when the browser printed it again), and a long row label
ending left of those columns is no prose.

A number alone on its line between the two lines of its row's wrapped label (一、本年新收…申请
/ 无 / 数量) is put on the label's line (:func:`_with_lone_numbers`).

A header printed alone at the foot of a page (lines without a number, words in several
columns, after the last table: :func:`_foot_header`) is offered to the next page
(:class:`CutHeader`): laid just above that page's first line, it is read with the table
starting there as if on one page (its columns found from the whole header), and a row rule
between the two pages cuts it off again; ``grids`` gives it as a grid of its own page, which
``stitch.join_cut_headers`` joins to the rest.

The header is the few lines above the first line of numbers (a word holding the first lines
of two leaf labels printed edge to edge in narrow cells is cut apart: :func:`_split_touching`),
and the first row's label above its numbers (a numbered label, or anything at the top of a
continued table) is the body's. The header gets a rule around each title over the value columns (one piece of text
across a column boundary, or centred over them with labels of several columns below it:
行政诉讼 over 未经复议直接起诉 and its leaves), or after every line when most columns' labels
are printed one character per line (``grids`` drops the rows that then hold only slices of its
tall labels).

In the body (:func:`_body_rules`), the group labels printed in columns left of the row labels
((三)不予公开 beside its sub-rows, on lines of their own, centred over its rows) are set
aside: the row labels' column starts where most numbered labels start, and a word wholly left
of it is a group label's when it continues one, or when its line holds no number or also a
row label and it does not continue a label reaching over the row labels. Each group label is
a tall cell with a column boundary right of it; no row rule crosses it, nor a label printed
one character per line (a rule that only grazes its first or last character, lines
overlapping in height, passes); a header label printed one character per line over the value
columns (总 / 计) sets no column boundary beside it. Then a row starts at a label starting
with its item number (2、, （五）), at a title or after it, at a label line over a header line
of two labels or more (a sub-table's title: 第二十条第（六）项 over 信息内容 | 上一年项目数量…),
at the first of consecutive header lines (text over the value columns, not under a number
of the row: 160.5964 / 万元), after header lines, at a line of numbers when the row has
numbers already, and at a label line that does not continue a label above it about as
wide. A line of numbers joins the row above when that row has no numbers
yet and its last label line fills the label column (a wrapped label whose numbers are centred
on a later line), the numbers' own label text continuing it. When some row's numbers stand
below its first label line (numbers centred in their rows), the body is cut again with rows
as tall above their numbers as below them (行政许可 / 其他对外…), unless no numbers follow (a
row cut by a page break has its numbers at the top). A label line between two header lines
(信息内容) is the header's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .chrome import browser_mark
from .scan import Char, centre_in
from .stream import (
    _ITEM,
    _MIN_RULES,
    _PAGE_NUMBER,
    _SECTION_HEADING,
    _WIDE_ROW,
    Edge,
    Word,
    _hedge,
    _is_data,
    _over,
    _table_edges,
    _text_lines,
    _value_columns,
    words_of,
)

__all__ = ["text_edges"]


def _ends_run(line: list[Word], numbers_x: float | None = None) -> bool:
    """A section heading, a line of prose (one long run of text; not a long row label that
    ends left of the table's numbers, ``numbers_x``) or a browser's header or footer line
    ends a borderless table."""
    first = line[0].text
    if (_SECTION_HEADING.match(first) and not any(w.numeric for w in line)
            and all(b.x0 - a.x1 < b.bottom - b.top for a, b in zip(line, line[1:], strict=False))):
        return True  # a heading is a line of its own (a group label 三、本年度 has row labels beside it)
    if browser_mark("".join(w.text for w in line)):
        return True  # a browser's header or footer (time stamp, address) between two pages
    return len(line) == 1 and len(first) >= _PROSE_CHARS and (numbers_x is None or line[0].x1 > numbers_x)


_PROSE_CHARS = 20


def _runs(lines: list[list[Word]], first: list[Word] | None, last: list[Word] | None,
          carry: list[tuple[float, float]] | None = None) -> list[list[list[Word]]]:
    """Runs of lines between the lines that end a table (:func:`_ends_run`); a row label
    like a heading (二、上年结转…) whose numbers stand on the next line, centred in a taller
    row, is the table's. ``carry``: the value columns of a table open at the end of the page
    before; the page's first lines (from ``first``, the first line that is not the browser's
    header) may be its last rows (a long row label ending left of its columns is no prose,
    also before the first number on the page); a run ending at ``last`` (the last line before
    the browser's footer) with a line of numbers is a table's start."""
    continued = bool(carry)
    runs: list[list[list[Word]]] = [[]]
    numbers_x: float | None = None  # where the numbers of the run so far start
    for k, ln in enumerate(lines):
        if ln is first and carry:
            numbers_x = carry[0][0]
        if _ends_run(ln, numbers_x) and not (_SECTION_HEADING.match(ln[0].text) and k + 1 < len(lines) and _is_data(lines[k + 1])
                                             and sum(1 for w in lines[k + 1] if w.numeric) >= 2):
            runs.append([])
            numbers_x = None
        else:
            runs[-1].append(ln)
            if _is_data(ln):
                numbers_x = min([w.x0 for w in ln if w.numeric] + ([numbers_x] if numbers_x is not None else []))
    return [r for r in runs if sum(1 for ln in r if _is_data(ln)) >= _MIN_RULES
            or any(sum(1 for w in ln if w.numeric) >= _WIDE_ROW for ln in r) or _wide_header(r)
            or (continued and r and r[0] is first and any(_is_data(ln) for ln in r))
            or (r and r[-1] is last and (any(sum(1 for w in ln if w.numeric) >= 2 for ln in r) or _sparse_start(r)))]


def _sparse_start(run: list[list[Word]]) -> bool:
    """A table's first rows at a page's end with one number each (the others blank): two
    lines of numbers or more under a header line of labels in three columns or more."""
    return sum(1 for ln in run if _is_data(ln)) >= 2 and _header_labels(run) >= 3


_HEADER_LINES = 8  # the most lines of a header above a table's first line of numbers


def _wide_header(run: list[list[Word]]) -> bool:
    """A line of numbers under a header with a line of :data:`~.stream._WIDE_ROW` labels or
    more (a section-4 table of one row that leaves most cells blank: 无 under three totals)."""
    return _header_labels(run) >= _WIDE_ROW


def _header_labels(run: list[list[Word]]) -> int:
    """The most labels on one header line (no number) of the few lines above the run's first
    line of numbers; 0 without numbers."""
    head = next((k for k, ln in enumerate(run) if _is_data(ln)), None)
    if head is None:
        return 0
    return max((len(ln) for ln in run[max(0, head - _HEADER_LINES):head] if not any(w.numeric for w in ln)), default=0)


def _stacks(words: list[Word]) -> list[tuple[float, float, float, float]]:
    """Columns of single characters one per line (a label printed vertically): boxes."""
    singles = sorted((w for w in words if len(w.text) == 1 and not w.numeric), key=lambda w: (round(w.x0), w.top))
    out: list[tuple[float, float, float, float]] = []
    run: list[Word] = []
    for w in [*singles, None]:
        if w is not None and run and abs(w.x0 - run[-1].x0) < 1.5 and 0 < w.top - run[-1].top < 2.5 * (w.bottom - w.top):
            run.append(w)
            continue
        if len(run) >= 2:
            out.append((min(c.x0 for c in run), run[0].top, max(c.x1 for c in run), run[-1].bottom))
        run = [w] if w is not None else []
    return out


def _rivers(words: list[Word], left: float, right: float) -> list[float]:
    """Middles of the vertical gaps (wider than 3 points) no word covers between ``left`` and
    ``right``."""
    spans = sorted((w.x0, w.x1) for w in words if w.x1 <= right + 0.5)
    cuts: list[float] = []
    reach = left
    for x0, x1 in spans:
        if x0 - reach > 3 and reach > left:
            cuts.append((reach + x0) / 2)
        reach = max(reach, x1)
    return cuts


@dataclass
class CutHeader:
    """A table's header printed alone at the foot of a page (:func:`_foot_header`), offered
    to the next page, whose first table may go on under it: its characters ``chars`` where
    they stand on page ``page``. When the next page's first table took it, ``laid`` holds
    them where they were laid there, moved down by ``shift``, above ``boundary`` (the page's
    own lines start below it)."""

    page: int = 0
    chars: list[Char] = field(default_factory=list)
    laid: list[Char] = field(default_factory=list)
    shift: float = 0.0
    boundary: float | None = None


def text_edges(chars: list[Char], taken: list[tuple[float, float, float, float]],
               carry: list[tuple[float, float]] | None = None, cut: CutHeader | None = None,
               page: int = 0) -> list[list[Edge]]:
    """Edges (synthetic row and column rules) of each borderless table on a page: a run of
    lines between headings and prose holding at least :data:`_MIN_RULES` lines of numbers.
    A row starts at each line of numbers, or at a line reaching into the value columns; the
    other lines continue the row above; a label printed one character per line is one tall
    cell (no row rule crosses it). ``cut`` (on page ``page``): a header left alone at the foot
    of the page before is laid above this page's first line, and its table's first rows go
    on under it when they make a table (a row rule at ``cut.boundary`` between the two
    pages); a header left alone at this page's foot is put there for the next page."""
    boxes = [(x0 - 1, t - 1, x1 + 1, b + 1) for x0, t, x1, b in taken]

    rest = [c for c in chars if not centre_in(c, boxes)] if boxes else chars
    head = cut.chars if cut is not None and cut.page == page - 1 else []
    if cut is not None:
        cut.chars, cut.laid, cut.page, cut.boundary = [], [], page, None
    if sum(1 for c in rest if c.text.isdigit()) < _MIN_RULES * 2:
        return []  # not numbers enough for a table
    words = words_of(rest)
    lines = [ln for ln in _with_lone_numbers(_text_lines(words)) if not _PAGE_NUMBER.match(" ".join(w.text for w in ln))]
    content = [ln for ln in lines if not browser_mark("".join(w.text for w in ln))]
    first, last = (content[0], content[-1]) if content else (None, None)
    if cut is not None and head and first is not None:
        moved = _laid_above(cut, head, first)
        lines = moved + lines[next(k for k, ln in enumerate(lines) if ln is first):]
        first = moved[0]
    out: list[list[Edge]] = []
    runs = _runs(lines, first, last, carry)
    for run in runs:
        boundary = cut.boundary if cut is not None and run[0] is first else None
        found = _run_edges(run, carry, continued=bool(carry) and run[0] is first, small=run[-1] is last,
                           boundary=boundary)
        if found:
            out.append(found)
        elif boundary is not None and cut is not None:
            cut.boundary = None  # the header from the page before heads no table here
    if cut is not None and cut.boundary is not None and not (runs and runs[0][0] is first):
        cut.boundary = None
    if carry is not None and not (out and runs[-1][-1] is last):
        carry.clear()  # no table left open at the page's end: the next page starts none
    if cut is not None and last is not None and not (out and runs[-1][-1] is last):
        cut.chars = _chars_of(rest, _foot_header(lines, last))
    return out


def _with_lone_numbers(lines: list[list[Word]]) -> list[list[Word]]:
    """``lines`` with each number alone on its line put on the line beside it that holds its
    row's label: a row whose label wraps over two lines has its number centred between them
    (一、本年新收政府信息公开申请 / 无 / 数量), on a line of its own. The lines above and below it
    both overlap the number's height and hold only words left of it (its label's lines); the
    number goes on the one overlapping it more. A number beside a title in a larger font
    (某某局 / 2020 / 年政府…) has words right of it: it stays alone."""
    out = [list(ln) for ln in lines]
    for k, ln in enumerate(out):
        if len(ln) != 1 or not ln[0].numeric:
            continue
        n = ln[0]

        def overlap(other: list[Word], n: Word = n) -> float:
            if not other or not all(w.x1 < n.x0 and not w.numeric for w in other):
                return 0.0
            return min(n.bottom, max(w.bottom for w in other)) - max(n.top, min(w.top for w in other))

        if not 0 < k < len(out) - 1:
            continue
        near = [(overlap(out[j]), j) for j in (k - 1, k + 1)]
        if all(o > 0.25 * (n.bottom - n.top) for o, _ in near):  # between two lines of its label
            out[max(near)[1]].append(n)
            ln.clear()
    return [ln for ln in out if ln]


def _foot_header(lines: list[list[Word]], last: list[Word]) -> list[list[Word]]:
    """The lines of a table's header printed alone at the foot of a page (its body on the
    next): going up from the page's last line, the lines without a number holding words in
    two columns or more, or one short word just under a word of the line above (自然 / 人),
    up to a heading, prose or any other line; one of them with words in three columns."""
    k = next(i for i, ln in enumerate(lines) if ln is last)
    out: list[list[Word]] = []
    while k >= 0:
        ln = lines[k]
        if any(w.numeric for w in ln) or _ends_run(ln):
            break
        if len(ln) < 2 and not (k > 0 and len(ln[0].text) <= 3 and _just_above(ln[0], lines[k - 1])):
            break
        out.insert(0, ln)
        k -= 1
    return out if any(len(ln) >= 3 for ln in out) else []


def _chars_of(chars: list[Char], lines: list[list[Word]]) -> list[Char]:
    boxes = [(w.x0 - 0.5, w.top - 0.5, w.x1 + 0.5, w.bottom + 0.5) for ln in lines for w in ln]
    return [c for c in chars if centre_in(c, boxes)] if boxes else []


def _laid_above(cut: CutHeader, head: list[Char], first: list[Word]) -> list[list[Word]]:
    """The lines of the header ``head`` (from the page before) laid just above this page's
    first line ``first``, as far from it as its own lines are from each other; sets
    ``cut.shift`` and ``cut.boundary``."""
    own = _text_lines(words_of(head))
    gaps = sorted(min(w.top for w in b) - max(w.bottom for w in a) for a, b in zip(own, own[1:], strict=False))
    gap = max(gaps[len(gaps) // 2] if gaps else 0.0, 1.0)
    top = min(w.top for w in first)
    dy = cut.shift = top - gap - max(c.bottom for c in head)
    cut.boundary = top - gap / 2
    cut.laid = [Char(c.text, c.x0, c.top + dy, c.x1, c.bottom + dy) for c in head]
    return [[Word(w.text, w.x0, w.top + dy, w.x1, w.bottom + dy) for w in ln] for ln in own]


def _wraps(prev: list[Word], ln: list[Word]) -> bool:
    """``ln`` continues a label of ``prev``: its first word lies under a word of ``prev`` at
    about as wide (a wrapped label's first line is the full one, give or take a character
    that the line breaking rules moved)."""
    w = ln[0]
    above = [p for p in prev if p.x0 < w.x1 and w.x0 < p.x1 and not p.numeric]
    return bool(above) and max(p.x1 - p.x0 for p in above) >= (w.x1 - w.x0) - 0.8 * (w.bottom - w.top)


def _run_edges(run: list[list[Word]], carry: list[tuple[float, float]] | None, continued: bool = False,
               small: bool = False, boundary: float | None = None) -> list[Edge] | None:
    """``continued``: the run is the rest of the table left open on the page before (a row
    or two of it are a table); ``small``: the run ends the page (a row or two of it are a
    table, its rest on the next page); ``boundary``: the run starts with a header from the
    page before, laid above this page's lines: a row rule across the table there."""
    head = next((i for i, ln in enumerate(run) if _is_data(ln)), 0)
    run = [_split_touching(ln, [v for nxt in run[k + 1:head] for v in nxt]) if k < head else ln for k, ln in enumerate(run)]
    data = [ln for ln in run if _is_data(ln)]
    # a header of at most a few lines (and the lines laid above the page's from the page before)
    depth = _HEADER_LINES + (sum(1 for ln in run if ln[0].top < boundary) if boundary is not None else 0)
    cols = _value_columns([w for ln in data for w in ln if w.numeric], [w for ln in run[max(0, head - depth):head] for w in ln],
                          [w for ln in data for w in ln if not w.numeric])
    if continued and carry:
        cols = cols if len(cols) >= 2 else list(carry)
    elif len(cols) < 2 or (len(data) < _MIN_RULES and not small and not _wide_header(run)
                           and max(sum(1 for w in ln if w.numeric) for ln in data) < _WIDE_ROW):
        return None
    value_cuts = [(a[1] + b[0]) / 2 for a, b in zip(cols, cols[1:], strict=False)]
    if continued:  # the rest of a table: its rows from the page's first line, blank rows too,
        head = 0   # after the header when the browser printed it again on this page
        while head < len(run) and not _is_data(run[head]) and any(not w.numeric and w.x1 > cols[0][0] for w in run[head]):
            head += 1
    else:
        run = run[head - min(head, depth):]
        head = _first_row(run, min(head, depth), cols[0][0])
    words = [w for ln in run for w in ln]
    left, right = min(w.x0 for w in words) - 2, max(w.x1 for w in words) + 2
    side, side_cuts = _side_labels(run[head:], cols[0][0], left)
    stacks = _stacks(words) + _side_boxes([w for ln in run for w in ln if id(w) in side])
    # a header printed one character per line (most value columns' labels stacked): a rule per line
    # (``grids`` drops the rows that then hold only slices of its tall labels)
    first_top = min(w.top for w in run[head])
    stacked = [st for st in stacks if st[3] < first_top]
    stacked_header = sum(1 for a, b in cols if any(a < st[2] and st[0] < b for st in stacked)) * 2 > len(cols)
    ys = [run[0][0].top - 2, *_row_rules(run, head, (cols[0][0], cols[-1][1]), value_cuts, side, stacked_header),
          max(w.bottom for w in run[-1]) + 2]
    if boundary is not None and not run[0][0].top < boundary < first_top:
        return None  # the header from the page before is not this table's
    label_words = [w for ln in data for w in ln if not w.numeric and w.x1 <= cols[0][0]]
    cuts = sorted(set(_rivers(label_words, left, cols[0][0])) | set(side_cuts)
                  | set(_beside([st for st in stacks if st[2] <= cols[0][0] + 0.5], words)))  # tall row labels
    edges: list[Edge] = []
    bounds = sorted([left, right, *cuts, *value_cuts, *([(max(w.x1 for w in label_words) + cols[0][0]) / 2] if label_words else [])])
    graze = (run[head][0].bottom - run[head][0].top) / 2  # half a character
    for y in ys:  # a row rule stops at each vertical label it would cross (at its column's bounds), not
        x = left  # at one whose first or last character it only grazes (lines overlapping in height)
        for x0, _, x1, _ in sorted(st for st in stacks if st[1] + graze < y < st[3] - graze):
            a = max((b for b in bounds if b <= x0 + 0.5), default=left)
            b = min((b for b in bounds if b >= x1 - 0.5), default=right)
            if a > x:
                edges.append(_hedge(x, a, y))
            x = max(x, b)
        if right > x:
            edges.append(_hedge(x, right, y))
    found = _table_edges(edges, words, tuple(cuts), carry)
    if found and boundary is not None:  # the header's columns as if on one page, cut between the pages
        found.append(_hedge(left, right, boundary))
    return found


def _split_touching(line: list[Word], below: list[Word]) -> list[Word]:
    """The header ``line`` with each word that holds the first lines of labels of side-by-side
    cells cut apart: narrow cells' labels printed edge to edge read as one word (社会公益组法律
    服务机 over 织 and 构). Such a word stands just over two leaf labels or more (the last
    lines of those labels: no header word of ``below``, the lines under ``line``, is under
    them), each wholly under it, and is cut at the character boundaries that leave each part
    centred on the leaf under it, or starting where it starts; the parts are kept a point
    apart (their characters touch), so that they stay two columns."""
    out: list[Word] = []
    for w in line:
        under = sorted((v for v in below if w.x0 - 0.5 <= v.x0 and v.x1 <= w.x1 + 0.5
                        and 0 <= v.top - w.bottom < 0.8 * (v.bottom - v.top) and not _over(v, below)), key=lambda v: v.x0)
        parts = _parts_over(w, under) if len(under) >= 2 and not w.numeric else None
        out += parts or [w]
    return out


def _parts_over(w: Word, under: list[Word]) -> list[Word] | None:
    """``w`` cut into one part over each word of ``under`` (see :func:`_split_touching`), or
    None when no cut fits."""
    n = len(w.text)
    cw = (w.x1 - w.x0) / n  # CJK characters of one width

    def fits(start: float, end: float, u: Word) -> bool:  # centred on u, or starting where it starts
        return abs(start + end - u.x0 - u.x1) < cw or abs(start - u.x0) < cw / 3

    cuts = [0]
    for u, nxt in zip(under, under[1:], strict=False):
        start = w.x0 + cuts[-1] * cw
        ks = [k for k in range(cuts[-1] + 1, n) if u.x1 - 0.5 <= w.x0 + k * cw <= nxt.x0 + 0.5
              and fits(start, w.x0 + k * cw, u)]
        if not ks:
            return None
        left = abs(start - u.x0) < cw / 3
        cuts.append(min(ks, key=lambda k: abs(w.x0 + k * cw - nxt.x0) if left else abs(start + w.x0 + k * cw - u.x0 - u.x1)))
    if not fits(w.x0 + cuts[-1] * cw, w.x1, under[-1]):
        return None
    cuts.append(n)
    return [Word(w.text[a:b], w.x0 + a * cw + (0.5 if a else 0.0), w.top, w.x0 + b * cw - (0.5 if b < n else 0.0), w.bottom)
            for a, b in zip(cuts, cuts[1:], strict=False)]


def _first_row(run: list[list[Word]], head: int, values_x: float) -> int:
    """Where the body starts: at the first line of numbers, or at the first row's label above
    it (numbers centred in a taller row): up to 3 lines of label text only, the first of them
    starting with its item number (一、)."""
    for k in range(head - 1, max(head - 4, -1), -1):
        if _is_data(run[k]) or any(w.x1 > values_x for w in run[k]):
            break
        if _ITEM.match(run[k][0].text):
            return k
    return head


def _beside(boxes: list[tuple[float, float, float, float]], words: list[Word]) -> list[float]:
    """A column boundary right of each tall label (one character per line, or a group label):
    half way to the nearest word right of it on its lines."""
    cuts = []
    for _x0, t, x1, b in boxes:
        right = [w.x0 for w in words if w.x0 >= x1 - 0.5 and t < (w.top + w.bottom) / 2 < b]
        if right:
            cuts.append((x1 + min(right)) / 2)
    return cuts


_LEAF_ITEM = re.compile(r"^\d{1,2}\s*[、.．](?!\d)")


def _side_labels(body: list[list[Word]], values_x: float, left: float) -> tuple[set[int], list[float]]:
    """The group labels printed in columns left of the row labels ((三)不予公开 beside its
    sub-rows, each on lines of its own, centred over its rows): ids of their words, and the
    boundaries of their columns. The row labels' column starts where most numbered labels
    (1. 2、) start; a word wholly left of it is a group label's when it continues one (a
    line of it is just above), or when its line holds no number or also a row label and it
    does not continue a label reaching over the row labels (一、本年新收…申请 / 数量)."""
    starts = [round(w.x0) for ln in body for w in ln if _LEAF_ITEM.match(w.text) and w.x1 <= values_x]
    leaf_x = max(set(starts), key=starts.count, default=None)
    if leaf_x is None or len(starts) < 2:
        return set(), []
    side: list[Word] = []
    spans: list[Word] = []  # labels reaching over the row labels' column (一、本年新收…, centred)
    for ln in body:
        labels = [w for w in ln if not w.numeric and w.x1 <= values_x]
        with_leaf = any(w.x0 >= leaf_x - 1 for w in labels)
        for w in labels:
            if w.x1 >= leaf_x - 1:
                continue
            if _just_above(w, side) or (not _just_above(w, spans) and (with_leaf or not any(v.numeric for v in ln))):
                side.append(w)
        spans += [w for w in labels if w.x0 < leaf_x - 1 < w.x1]
    if not side:
        return set(), []
    cuts = [*_rivers(side, left, leaf_x), (max(w.x1 for w in side) + leaf_x) / 2]
    return {id(w) for w in side}, cuts


def _just_above(w: Word, above: list[Word]) -> bool:
    """A word of ``above`` stands on the line just above ``w``, over it."""
    h = w.bottom - w.top
    return any(a.x0 < w.x1 and w.x0 < a.x1 and -0.5 * h < w.top - a.bottom < 0.8 * h and a.top < w.top for a in above)


def _side_boxes(side: list[Word]) -> list[tuple[float, float, float, float]]:
    """Group labels' words → one box per label (its lines, one under the other)."""
    boxes: list[list[float]] = []
    for w in sorted(side, key=lambda w: w.top):
        for b in boxes:
            if w.x0 < b[2] and b[0] < w.x1 and w.top - b[3] < 0.8 * (w.bottom - w.top):
                b[0], b[2], b[3] = min(b[0], w.x0), max(b[2], w.x1), max(b[3], w.bottom)
                break
        else:
            boxes.append([w.x0, w.top, w.x1, w.bottom])
    return [(b[0], b[1], b[2], b[3]) for b in boxes]


def _row_rules(run: list[list[Word]], head: int, values: tuple[float, float], value_cuts: list[float], side: set[int],
               stacked_header: bool) -> list[float]:
    """Where the rows of a borderless table end. In the header: around each title over the
    value columns (across a column boundary, or centred over them: 行政诉讼 over its 5), or after every line of a header printed one character per line. In the
    body, on the row labels (group labels left aside), by :func:`_body_rules`; when a row's
    numbers stand below its first label line (numbers centred in their rows), again with
    rows as tall above their numbers as below them."""
    titles = _centred_titles(run, values, len(value_cuts) + 1)

    def title(ln: list[Word]) -> bool:  # one piece of text over several value columns, or centred over them
        return len(ln) == 1 and (any(ln[0].x0 < x < ln[0].x1 for x in value_cuts) or id(ln[0]) in titles)

    values_x = values[0]

    ys = [(max(w.bottom for w in prev) + min(w.top for w in ln)) / 2
          for k, (prev, ln) in enumerate(zip(run[:head], run[1:head + 1], strict=False))
          if stacked_header or k + 1 == head or _is_data(ln) or title(ln) or title(prev)]
    body = [leaf for ln in run[head:] if (leaf := [w for w in ln if id(w) not in side])]
    rules, centred = _body_rules(body, values_x, title, False)
    if centred:
        rules, _ = _body_rules(body, values_x, title, True)
    return ys + rules


def _centred_titles(run: list[list[Word]], values: tuple[float, float], n_cols: int) -> set[int]:
    """Ids of the words alone on their line, centred over the value columns, with a line of
    labels over two columns or more below them before the next numbers (行政诉讼 over its
    groups and leaves; not the first line of a wrapped label: 本年处 / 理决定数量)."""
    out: set[int] = set()
    if n_cols < 3:
        return out
    for k, ln in enumerate(run):
        w = ln[0]
        if len(ln) != 1 or w.x0 <= values[0] or abs(w.x0 + w.x1 - sum(values)) >= w.bottom - w.top:
            continue
        for below in run[k + 1:k + 4]:
            if _is_data(below):
                break
            if sum(1 for v in below if v.x1 > values[0]) >= 2:
                out.add(id(w))
                break
    return out


@dataclass
class _RowSoFar:
    heading: bool  # header lines (over the value columns): numbers never join them
    has_data: bool
    pre: int  # label lines above its numbers
    post: int  # label lines below its numbers
    last_label: list[Word] | None  # its last line's label words
    numbers: list[Word] = field(default_factory=list)
    head: list[Word] = field(default_factory=list)  # a header row's words over the value columns


def _body_rules(body: list[list[Word]], values_x: float, title: Any, centred: bool) -> tuple[list[float], bool]:
    """Row rules of a borderless table's body, and whether a row's numbers stand below its
    first label line. A row starts at a label starting with its item number, at a title or
    after it, at a label line over a header line of two labels or more (a sub-table's title),
    at the first of consecutive header lines (text over the value columns), after
    header lines, at a line of numbers when the row has numbers already, and at a label line
    that does not continue a wider label above it (``centred``: or that would make the row
    taller below its numbers than above, when numbers follow it: a row cut by a page break
    has its numbers at the top); a label line between two header lines is the
    header's. A line of numbers joins the row above when that row
    has no numbers yet and its last label line fills the label column (a wrapped label whose
    numbers are centred on a later line), the numbers' own label text continuing it."""
    b = _Body(body, values_x, title, centred,
              max((w.x1 for ln in body for w in ln if not w.numeric and w.x1 <= values_x), default=values_x))
    ys: list[float] = []
    seen_centred = False
    first = bool(body) and _is_data(body[0])
    row = _RowSoFar(False, first, 0 if first else 1, 0, b.labels_of(body[0]) if body else None,
                    [w for w in body[0] if w.numeric] if body else [])
    for k, (prev, ln) in enumerate(zip(body, body[1:], strict=False)):
        data = _is_data(ln)
        # text over the value columns (a header line), not under a number of the row (160.5964 / 万元)
        reach = any(not w.numeric and w.x1 > values_x and not any(n.x0 < w.x1 and w.x0 < n.x1 for n in row.numbers)
                    for w in ln)
        if b.starts_row(k, prev, ln, row, reach):
            ys.append((max(w.bottom for w in prev) + min(w.top for w in ln)) / 2)
            row = _RowSoFar(title(ln) or (reach and not data), data, 0 if data or reach else 1, 0, b.labels_of(ln),
                            [w for w in ln if w.numeric], [w for w in ln if not w.numeric and w.x1 > values_x])
            continue
        row.numbers += [w for w in ln if w.numeric]
        row.head += [w for w in ln if not w.numeric and w.x1 > values_x]
        if data:
            row.has_data, seen_centred = True, seen_centred or row.pre > 0
        elif row.has_data:
            row.post += 1
        else:
            row.pre += 1
        row.last_label = b.labels_of(ln) or row.last_label
    return ys, seen_centred


def _under(ln: list[Word], head: list[Word], values_x: float) -> bool:
    """Every word of ``ln`` over the value columns stands just under a word of ``head``."""
    words = [w for w in ln if not w.numeric and w.x1 > values_x]
    return bool(words) and all(
        any(h.x0 < w.x1 and w.x0 < h.x1 and 0 <= w.top - h.top < 2 * (w.bottom - w.top) for h in head) for w in words)


@dataclass
class _Body:
    """A borderless table's body lines and what :func:`_body_rules` asks of them."""

    lines: list[list[Word]]
    values_x: float  # where the value columns start
    title: Any  # (line) -> bool: a title over the value columns
    centred: bool  # rows as tall above their numbers as below them
    label_right: float  # where the widest row label ends

    def labels_of(self, ln: list[Word]) -> list[Word] | None:
        return [w for w in ln if not w.numeric and w.x1 <= self.values_x] or None

    def numbers_ahead(self, i: int) -> bool:
        """A line of numbers within a few lines from line ``i``, before a new item."""
        for nxt in self.lines[i:i + 4]:
            if _is_data(nxt):
                return True
            if nxt is not self.lines[i] and any(_ITEM.match(w.text) for w in nxt if not w.numeric):
                return False
        return False

    def over_values(self, ln: list[Word]) -> bool:
        """A header line: text over the value columns, no numbers."""
        return not _is_data(ln) and any(not w.numeric and w.x1 > self.values_x for w in ln)

    def header_line(self, ln: list[Word]) -> bool:
        """A header line of labels of two value columns or more, no number."""
        return not _is_data(ln) and sum(1 for w in ln if not w.numeric and w.x1 > self.values_x) >= 2

    def starts_row(self, k: int, prev: list[Word], ln: list[Word], row: _RowSoFar, reach: bool) -> bool:
        """Does line ``k + 1`` (``ln``) start a row after ``row``?"""
        labels = [w for w in ln if not w.numeric]
        data = _is_data(ln)
        last = row.last_label
        if self.title(prev) or any(_ITEM.match(w.text) for w in labels):
            return True
        if row.heading and reach and not data and _under(ln, row.head, self.values_x):
            return False  # the rest of a wrapped header label (本年处 / 理决定数量)
        if self.title(ln):
            return True
        if reach:
            return data or not row.heading
        if row.heading and not data and k + 2 < len(self.lines) and self.over_values(self.lines[k + 2]):
            return False  # the label column's header (信息内容) between two header lines
        if row.heading or last is None:
            return True
        if not data and not reach and k + 2 < len(self.lines) and self.header_line(self.lines[k + 2]):
            return True  # a sub-table's title over its header (第二十条第（六）项 / 信息内容…)
        if data:
            return (row.has_data or max(w.x1 for w in last) < self.label_right - 1.5 * (ln[0].bottom - ln[0].top)
                    or (bool(labels) and not _wraps(last, labels)))
        if not labels:  # a lone number (its row's other numbers on another line)
            return False
        return not _wraps(last, labels) or (self.centred and row.has_data and row.post >= row.pre
                                            and self.numbers_ahead(k + 1))
