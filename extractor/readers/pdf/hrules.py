"""The horizontal rules of a page as the row boundaries of its tables, for the *positioned
words* strategy (:func:`.stream.rule_edges`: tables ruled by horizontal lines only).

A browser or a word processor draws one row boundary in several pieces: a rule is a filled
bar (its top and its bottom are two edges a rule's thickness apart); under *separate* borders
(no ``border-collapse``, a cell spacing) every cell draws its own top and bottom border, so
between two rows lie the bottom border of the cells above and the top border of the cells
below, a cell spacing apart, each cell's piece stopping a cell spacing before the next one's;
under collapsed borders each cell still draws its own piece, end to end. The rules:

* **One row boundary** (:func:`row_rules`): horizontal edges less than :data:`SAME_ROW` apart
  in height (chained) are one row boundary, drawn half way between the first and the last;
  pieces at one boundary that touch or stand less than :data:`SPACING` apart are one rule.
* **Joints**: where one piece ends and the next starts (the middle of the gap) is a cell
  boundary the rule shows, kept in the rule's ``"joints"``. When the joints stand between
  every two columns of numbers (:func:`joints_part_numbers`) they are the column boundaries:
  none is guessed from where the words stand (a header label centred over numbers printed at
  the left of their cells is in their cell, not a column of its own).
* **Text never runs over a cell border** (:func:`split_at_joints`): a word is cut where a joint
  falls in a gap between two of its characters (社会公益 | 法律服务, two cells' labels printed
  close enough to read as one word).
* **Underlines are no rules** (:func:`row_rules`): a line through the lower half of the
  characters over most of its length is a link's underline; a table rule never runs through
  the text of its cells (a site's menu of underlined links stacked over an info box is no
  table).
* **A table is closed** (:func:`closed`): its first and last rule are drawn across the whole
  table (a cell continued over a page break draws no border at the break, yet the table ends
  there). A row cut by the page break gets the rule the browser did not draw: under the
  lines right under the last rule (before the next rule of the page) when they hold numbers,
  or when nothing but them stands between the table and the end of the page's text (a blank
  row); above the lines right above the first rule when nothing but them stands between the
  start of the page's text and the table (a row's rest, or a row whose top border the page
  before drew). The page's text starts and ends at the browser's header and footer
  (``chrome.text_span``); no section heading is taken for a row.
* **A stack of rules holding no number** (:func:`box_edges`) is cut at its joints when it is a
  web page's info box (``label：value`` pairs: 索引号, 发布机构 …; the layout stage reads its
  fields as metadata hints, its text as no report text) or a table's header cut from its rows
  by a page break (the template's header words; the next page's rows continue it).
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Protocol, TypeVar

from .words import BOX_LABEL_RE, TABLE_WORDS

__all__ = ["row_rules", "ruled_cuts", "joints_part_numbers", "split_at_joints", "closed", "box_edges", "SAME_ROW", "SPACING"]

Edge = dict[str, Any]


class _Box(Protocol):  # a character or a word: its text and box
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


W = TypeVar("W", bound=_Box)

SAME_ROW = 2.5  # rules closer than this in height are one row boundary (no text line fits between)
SPACING = 2.5  # pieces of one rule stand at most this far apart (a cell spacing)
_MIN_PIECE = 2.0  # a shorter horizontal edge is the end of a vertical bar, not a rule
_UNDERLINED = 0.6  # an underline runs under characters over this share of its length
_MAX_HALF = 30.0  # half the height of the tallest character
_AT_PAGE_END = 2.0  # a row cut by a page break ends (starts) this many line heights from the page's text end (start)
_GAP = 1.0  # a word is cut at a joint only in a gap this wide between two of its characters


def _rule(x0: float, x1: float, y: float, joints: tuple[float, ...]) -> Edge:
    return {"object_type": "line", "orientation": "h", "x0": x0, "x1": x1, "top": y, "bottom": y,
            "doctop": y, "width": x1 - x0, "height": 0.0, "joints": joints}


def row_rules(edges: list[Edge], chars: Sequence[_Box] = ()) -> list[Edge]:
    """The horizontal ``edges`` joined into rules, one per row boundary and stretch of rule,
    each with its ``"joints"`` (sorted x-positions inside it where one piece ends and the next
    starts). Underlines (:func:`_underline`) are no rules."""
    lows = sorted(((c.bottom, c) for c in chars if c.text.strip()), key=lambda bc: bc[0])
    hs = sorted((e for e in edges if e["orientation"] == "h" and e["width"] > _MIN_PIECE
                 and not _underline(e, lows)), key=lambda e: e["top"])
    groups: list[list[Edge]] = []
    for e in hs:
        if groups and e["top"] - groups[-1][-1]["top"] <= SAME_ROW:
            groups[-1].append(e)
        else:
            groups.append([e])
    out: list[Edge] = []
    for g in groups:
        y = (g[0]["top"] + g[-1]["top"]) / 2
        pieces = sorted({(round(e["x0"], 2), round(e["x1"], 2)) for e in g})
        runs: list[list[float]] = []
        for x0, x1 in pieces:
            if runs and x0 <= runs[-1][1] + SPACING:
                runs[-1][1] = max(runs[-1][1], x1)
            else:
                runs.append([x0, x1])
        for r0, r1 in runs:
            out.append(_rule(r0, r1, y, _joints(pieces, r0, r1)))
    return out


def _underline(e: Edge, lows: list[tuple[float, _Box]]) -> bool:
    """A line through the lower half of the characters over most of its length is text
    decoration (a link's underline), not a table rule: a rule never runs through the text of
    its cells. ``lows``: the page's characters by their bottom."""
    y, x0, x1 = e["top"], e["x0"], e["x1"]
    i = bisect.bisect_left(lows, y - 0.5, key=lambda bc: bc[0])
    j = bisect.bisect_right(lows, y + _MAX_HALF, key=lambda bc: bc[0])
    covered = 0.0
    for bottom, c in lows[i:j]:
        if (c.top + bottom) / 2 < y < bottom + 0.5 and x0 - 0.5 <= (c.x0 + c.x1) / 2 <= x1 + 0.5:
            covered += c.x1 - c.x0
    return covered >= _UNDERLINED * (x1 - x0)


def _joints(pieces: list[tuple[float, float]], r0: float, r1: float) -> tuple[float, ...]:
    """Inside the rule ``r0``–``r1``: the middles of the gaps (or the points of contact)
    between a piece's end and another piece's start, one per place."""
    ends = sorted(x1 for x0, x1 in pieces if r0 <= x0 and x1 < r1 - 0.5)
    starts = sorted(x0 for x0, x1 in pieces if r0 + 0.5 < x0 and x1 <= r1)
    joints: list[float] = []
    for s in starts:
        near = [x for x in ends if s - SPACING <= x <= s + 0.5]
        if not near:
            continue
        j = (max(near) + s) / 2
        if not joints or j - joints[-1] > 1.0:
            joints.append(j)
        else:
            joints[-1] = min(joints[-1], j)
    return tuple(sorted(joints))


def ruled_cuts(stack: list[Edge], label_cut: float | None, value_cuts: list[float],
               where: tuple[float | None, list[tuple[float, float]]],
               number_cols: list[tuple[float, float]]) -> tuple[float | None, list[float]]:
    """The label and value boundaries guessed from word positions, less those the joints of
    the rules ``stack`` already draw: no label boundary when a joint stands between the labels'
    end and the first value column, no value boundary where a joint stands in the gap between
    the two columns (``where``: the labels' end and the value columns); none at all when the
    joints stand between every two columns of numbers (:func:`joints_part_numbers`)."""
    joints = sorted({x for e in stack for x in e.get("joints", ())})
    if not joints:
        return label_cut, value_cuts
    labels_end, cols = where
    if labels_end is not None and _between(joints, labels_end, cols[0][0]):
        label_cut = None
    if joints_part_numbers(stack, number_cols):
        return label_cut, []
    return label_cut, [x for x, a, b in zip(value_cuts, cols, cols[1:], strict=False) if not _between(joints, a[1], b[0])]


def _between(xs: list[float], lo: float, hi: float) -> bool:
    return any(lo - 0.5 <= x <= hi + 0.5 for x in xs)


def joints_part_numbers(stack: list[Edge], cols: list[tuple[float, float]]) -> bool:
    """The joints of the rules ``stack`` stand between every two columns of numbers ``cols``
    (x-ranges, left to right): the cells' borders show every value column, so no column
    boundary is to be guessed from where words stand (a header label centred over numbers
    printed at the left of their cells is in the same cell, not a column of its own)."""
    joints = sorted({x for e in stack for x in e.get("joints", ())})
    if len(cols) < 2 or not joints:
        return False
    return all(_between(joints, a[1], b[0]) for a, b in zip(cols, cols[1:], strict=False))


def split_at_joints(words: list[W], chars: Sequence[_Box], joints: Sequence[float]) -> list[W]:
    """Text never runs over a cell border: a word is cut where a joint of the rules falls in a
    gap (at least :data:`_GAP` wide) between two of its characters (the labels of side-by-side
    cells printed close enough to read as one word: 社会公益 | 法律服务)."""
    if not joints:
        return words
    out: list[W] = []
    for w in words:
        inside = [x for x in joints if w.x0 + 0.5 < x < w.x1 - 0.5]
        if not inside:
            out.append(w)
            continue
        cy = (w.top + w.bottom) / 2
        cs = sorted((c for c in chars if c.text.strip() and w.x0 - 0.1 <= (c.x0 + c.x1) / 2 <= w.x1 + 0.1
                     and c.top - 0.1 <= cy <= c.bottom + 0.1), key=lambda c: c.x0)
        piece: list[_Box] = []
        for c in cs:
            if piece and c.x0 - piece[-1].x1 >= _GAP and any(piece[-1].x1 <= x <= c.x0 for x in inside):
                out.append(_piece(w, piece))
                piece = []
            piece.append(c)
        out.append(_piece(w, piece) if piece else w)
    return out


def _piece(w: W, cs: list[_Box]) -> W:
    return replace(w, text="".join(c.text for c in cs), x0=min(c.x0 for c in cs), x1=max(c.x1 for c in cs))  # type: ignore[type-var]


def closed(stack: list[Edge], words: Sequence[_Box], is_data: Callable[[list[W]], bool],
           rules: Sequence[Edge] = (), page: tuple[float, float] | None = None) -> list[Edge]:
    """The rules of one table, closed: its first and its last rule drawn across the whole table
    (a cell continued over a page break draws no border at the break, yet the table ends
    there), and a row cut by a page break given the rule the browser did not draw.

    Under the last rule: the lines right under it (the first within a line's height of it,
    each within half a line of the one above, before the next of the page's ``rules``) are a
    row cut by the page break when they hold a row of numbers, or when nothing but them stands
    between the table and the end of the page's text (``page``: where it starts and ends,
    between the browser's header and footer; a blank row cut). Above the first rule, when no
    rule is above it: the lines right above it are a row continued from the page before (a
    row's rest, or a row whose top border the page before drew) when nothing but them stands
    between the start of the page's text and the table. Lines taken for a page's end (start)
    end (start) within :data:`_AT_PAGE_END` line heights of it."""
    left, right = min(e["x0"] for e in stack), max(e["x1"] for e in stack)
    top, bottom = min(e["top"] for e in stack), max(e["top"] for e in stack)
    out = [*stack, _rule(left, right, top, ()), _rule(left, right, bottom, ())]
    first = not any(e["top"] < top - SAME_ROW and e["x0"] < right and left < e["x1"] for e in rules)
    if page is not None and first:
        above = [w for w in words if page[0] < (w.top + w.bottom) / 2 < top]
        run = _run(sorted(above, key=lambda w: -w.bottom), top, up=True)
        if (run and len(run) == len(above) and _inside(run, left, right) and not _heading(run)
                and min(w.top for w in run) - page[0] <= _AT_PAGE_END * (run[0].bottom - run[0].top)):
            out.append(_rule(left, right, min(w.top for w in run) - 1.0, ()))
    limit = min((e["top"] for e in rules if e["top"] > bottom + SAME_ROW and e["x0"] < right and left < e["x1"]),
                default=float("inf"))
    below = [w for w in words if bottom < (w.top + w.bottom) / 2 < limit and (page is None or (w.top + w.bottom) / 2 < page[1])]
    run = _run(sorted(below, key=lambda w: w.top), bottom, up=False)
    if run and _inside(run, left, right) and (_has_data_line(run, is_data) or (
            page is not None and len(run) == len(below) and not _heading(run)
            and page[1] - max(w.bottom for w in run) <= _AT_PAGE_END * (run[0].bottom - run[0].top))):
        out.append(_rule(left, right, max(w.bottom for w in run) + 1.0, ()))
    return out


def _run(words: list[Any], edge: float, up: bool) -> list[Any]:
    """The lines right beside the rule at ``edge`` (``words`` nearest first): the first within a
    line's height of it, each within half a line of the one before; [] when none."""
    if not words:
        return []
    h = words[0].bottom - words[0].top
    if (edge - words[0].bottom if up else words[0].top - edge) > h:
        return []
    run: list[Any] = []
    reach = words[0].top if up else words[0].bottom
    for w in words:
        if (w.bottom < reach - 0.5 * h) if up else (w.top > reach + 0.5 * h):
            break
        run.append(w)
        reach = min(reach, w.top) if up else max(reach, w.bottom)
    return run


def _inside(words: list[Any], left: float, right: float) -> bool:
    return all(left <= (w.x0 + w.x1) / 2 <= right for w in words)


def _heading(words: list[Any]) -> bool:
    """A section heading's numbering (一、) and no number: the lines are no table row."""
    return any(_HEADING.match(w.text) for w in words) and not any(_NUMERIC.match(w.text) for w in words)


_HEADING = re.compile(r"^[一二三四五六七八九十]+\s*[、.．]")
_NUMERIC = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?$")


def _has_data_line(words: list[Any], is_data: Callable[[list[Any]], bool]) -> bool:
    lines: list[list[Any]] = []
    for w in sorted(words, key=lambda w: (w.top + w.bottom) / 2):
        cy = (w.top + w.bottom) / 2
        if lines and abs(cy - (lines[-1][0].top + lines[-1][0].bottom) / 2) < 0.4 * (w.bottom - w.top):
            lines[-1].append(w)
        else:
            lines.append([w])
    return any(is_data(sorted(ln, key=lambda w: w.x0)) for ln in lines)


def box_edges(stack: list[Edge], words: Sequence[_Box]) -> list[Edge] | None:
    """The edges of a stack of rules holding no number, cut at the joints of its rules that no
    word of the row crosses, when it is a web page's info box (``label：value`` pairs: 索引号,
    发布机构 …; the layout stage reads its fields as metadata hints, its text as no report
    text) or a table's header cut from its rows by a page break (the template's header words:
    申请人情况, 自然人 …; the next page's rows continue it). ``None`` for any other stack."""
    left, right = min(e["x0"] for e in stack), max(e["x1"] for e in stack)
    ys = sorted({e["top"] for e in stack})
    inside = [w for w in words if left <= (w.x0 + w.x1) / 2 <= right and ys[0] < (w.top + w.bottom) / 2 < ys[-1]]
    joints = sorted({x for e in stack for x in e.get("joints", ())})
    texts = [re.sub(r"\s+", "", w.text) for w in inside]
    box = sum(1 for t in texts if BOX_LABEL_RE.match(t)) >= 2
    header = bool(joints) and sum(1 for t in texts if any(k in t for k in TABLE_WORDS)) >= 2
    if not (box or header):
        return None
    out = [*stack, _vline(left, ys[0], ys[-1]), _vline(right, ys[0], ys[-1])]
    for a, b in zip(ys, ys[1:], strict=False):
        ws = [w for w in inside if a <= (w.top + w.bottom) / 2 < b]
        out += [_vline(x, a, b) for x in joints if not any(w.x0 + 0.5 < x < w.x1 - 0.5 for w in ws)]
    return out


def _vline(x: float, top: float, bottom: float) -> Edge:
    return {"object_type": "line", "orientation": "v", "x0": x, "x1": x, "top": top, "bottom": bottom,
            "doctop": top, "width": 0.0, "height": bottom - top}
