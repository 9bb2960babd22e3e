"""Cutting fused runs of digits into cells: the grammar of a cell, the cuts of a run, and
the cuts whose last cell is the sum of the others (a row total).  The search behind
:mod:`extractor.fused` (see its docs for the API and the measured costs)."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

Vec = tuple[int, ...]
Span = tuple[int, int]

_INT = r"(?:0|[1-9]\d*|[1-9]\d{0,2}(?:,\d{3})+)"
_UNITS = ("万元", "亿元", "千元", "元")
_CELL_RES = {
    (False, False): re.compile(_INT),
    (True, False): re.compile(r"[+-]?" + _INT),
    (False, True): re.compile(_INT + r"(?:\.\d+)?(?:" + "|".join(_UNITS) + r")?"),
    (True, True): re.compile(r"[+-]?" + _INT + r"(?:\.\d+)?(?:" + "|".join(_UNITS) + r")?"),
}
_RUN_CHARS = re.compile(r"^[0-9,.+\-万亿千元]+$")

_POW10 = [10**k for k in range(0, 400)]


@dataclass(frozen=True)
class FusedCell:
    """A recovered cell: its text as printed (a slice of the run) and its value."""

    raw: str
    value: int | float
    span: Span | None  # start and end offsets in the run; None when the cuts agree on the
    # text but not on where it stands ("0" at offset 1 in one cut, at offset 2 in another)




def cell_ok(text: str, signed: bool = False, money: bool = False) -> bool:
    """Whether ``text`` is a whole cell of a fused run (no leading zeros)."""
    return _CELL_RES[(signed, money)].fullmatch(text) is not None


def cell_value(text: str) -> int | float:
    """The number a cell text stands for (thousands separators, sign and unit dropped)."""
    if text.isdigit() and text.isascii():
        return int(text)
    s = text.replace(",", "")
    for unit in _UNITS:
        if s.endswith(unit):
            s = s[: -len(unit)]
            break
    if "." in s:
        v = float(s)
        return int(v) if v.is_integer() else v
    return int(s)


def plausible_run(run: str) -> bool:
    """A run this module can cut: digits with separators, signs, decimal points, units."""
    return bool(run) and _RUN_CHARS.match(run) is not None and any(ch.isdigit() for ch in run)


@lru_cache(maxsize=512)
def _cell_table(run: str, signed: bool, money: bool) -> tuple[tuple[tuple[int, int | float], ...], ...]:
    """For each start offset, the (end, value) of every cell that may start there."""
    n = len(run)
    if run.isdigit() and run.isascii():  # the fast, common case
        out: list[tuple[tuple[int, int | float], ...]] = []
        digits = [ord(ch) - 48 for ch in run]
        for i in range(n):
            if digits[i] == 0:
                out.append(((i + 1, 0),))
                continue
            v = 0
            row: list[tuple[int, int | float]] = []
            for j in range(i, n):
                v = v * 10 + digits[j]
                row.append((j + 1, v))
            out.append(tuple(row))
        return tuple(out)
    rx = _CELL_RES[(signed, money)]
    return tuple(
        tuple((j, cell_value(run[i:j])) for j in range(i + 1, n + 1) if rx.fullmatch(run, i, j))
        for i in range(n)
    )


def count_splits(run: str, n: int, signed: bool = False, money: bool = False) -> int:
    """How many ways ``run`` cuts into ``n`` cells (grammar only)."""
    return count_splits_cols(run, (signed,) * n, (money,) * n)


def count_splits_cols(run: str, signed: Sequence[bool], money: Sequence[bool]) -> int:
    """How many ways ``run`` cuts into ``len(signed)`` cells, each with its column's grammar."""
    size = len(run)
    if run.isdigit() and run.isascii():
        return _count_digit_cuts(run, len(signed))
    ways = [0] * (size + 1)
    ways[0] = 1
    for sg, mn in zip(signed, money, strict=True):
        table = _cell_table(run, sg, mn)
        nxt = [0] * (size + 1)
        for i in range(size):
            if ways[i]:
                for j, _v in table[i]:
                    nxt[j] += ways[i]
        ways = nxt
    return ways[size]


@lru_cache(maxsize=1024)
def _count_digit_cuts(run: str, n: int) -> int:
    """How many ways a run of digits cuts into ``n`` cells with no leading zeros, counted
    rather than walked.  A cut is a choice of the ``len(run) - 1`` inner boundaries; the one
    rule is that a cell starting at a 0 ends right after it, so for a block of zeros at
    ``z .. z + r - 1`` a boundary at any of ``z .. z + r - 1`` forces one at the next
    position too: the block's boundaries are some of its last ones (the run's own start
    and end are boundaries already).  Blocks share no boundary, the other boundaries are
    free; the answer is the coefficient of ``x ** (n - 1)`` in the product of one
    polynomial per block and ``(1 + x) ** free``."""
    size = len(run)
    if not 1 <= n <= size:
        return 0
    deg = n - 1
    if "0" not in run:
        return math.comb(size - 1, deg)
    poly = [1] + [0] * deg  # coefficients up to x ** deg
    free = size - 1
    for m in re.finditer("0+", run):
        z, r = m.start(), m.end() - m.start()
        chain = [b for b in range(z, z + r + 1) if 0 < b < size]  # the block's inner boundaries
        free -= len(chain)
        if z == 0:  # the run starts with a boundary: the block's boundaries are all forced
            poly = ([0] * len(chain) + poly)[:deg + 1]
        else:  # none, or the last k of them (the run's end, when the block reaches it, is one):
            # times 1 + x + ... + x ** len(chain), as sums over a window of the coefficients
            pre = list(itertools.accumulate(poly, initial=0))
            poly = [pre[d + 1] - pre[max(0, d - len(chain))] for d in range(deg + 1)]
    return sum(poly[d] * math.comb(free, deg - d) for d in range(deg + 1))


def splits(run: str, n: int, signed: Sequence[bool] = (), money: Sequence[bool] = ()) -> list[tuple[Span, ...]]:
    """Every cut of ``run`` into ``n`` cells, as spans; ``signed``/``money`` per column."""
    sg = tuple(signed) or (False,) * n
    mn = tuple(money) or (False,) * n
    tables = [_cell_table(run, sg[k], mn[k]) for k in range(n)]
    size = len(run)
    out: list[tuple[Span, ...]] = []
    cut: list[Span] = []

    def walk(i: int, k: int) -> None:
        if k == n:
            if i == size:
                out.append(tuple(cut))
            return
        if size - i < n - k:
            return
        for j, _v in tables[k][i]:
            cut.append((i, j))
            walk(j, k + 1)
            cut.pop()

    walk(0, 0)
    return out


@lru_cache(maxsize=512)
def _cells_ending(run: str) -> tuple[tuple[tuple[int, int], ...], ...]:
    """For each end offset, the (start, value) of every unsigned cell ending there,
    shortest first (values grow as the start moves left)."""
    table = _cell_table(run, False, False)
    ends: list[list[tuple[int, int]]] = [[] for _ in range(len(run) + 1)]
    for i in range(len(run) - 1, -1, -1):  # starts from the right: each end's list comes shortest first
        for e, v in table[i]:
            ends[e].append((i, int(v)))
    return tuple(tuple(x) for x in ends)


def _least(d: int) -> int:
    """The least cell of ``d`` digits (no leading zeros: 0, 10, 100 …)."""
    return 0 if d == 1 else _POW10[d - 1]


_BOUNDS: dict[tuple[int, int], list[tuple[tuple[int, int], ...]]] = {}


def _bounds(width: int, size: int, cells: int) -> list[tuple[tuple[int, int], ...]]:
    """``[length][n]``: the least and the greatest sum of ``n`` cells (``n`` up to ``cells``)
    of at most ``width`` digits each, no leading zeros, that together span ``length``
    digits (``length`` up to at least ``size``); ``(1, 0)`` when there are no such cells.
    The least spreads the digits evenly over the cells, the greatest gives as many cells as
    it can ``width`` digits (``_least`` and ``10**d - 1`` are convex in ``d``).  Rows are
    added as longer lengths are asked for, once per process (no run enters the table)."""
    table = _BOUNDS.setdefault((width, cells), [])
    for length in range(len(table), size + 1):
        row: list[tuple[int, int]] = [(0, 0) if length == 0 else (1, 0)]
        for n in range(1, cells + 1):
            if not n <= length <= n * width:
                row.append((1, 0))
                continue
            q, r = divmod(length, n)
            least = r * _least(q + 1) + (n - r) * _least(q)
            extra = length - n  # digits beyond one per cell, given to as few cells as possible
            full = n if width == 1 else min(n, extra // (width - 1))
            most = full * (_POW10[width] - 1)
            if full < n:
                most += _POW10[1 + extra - full * (width - 1)] - 1 + (n - full - 1) * 9
            row.append((least, most))
        table.append(tuple(row))
    return table


def clear_caches() -> None:
    """Forget every cut and table computed for a run so far (what a new report starts with).
    The sum bounds of :func:`_bounds` stay: they depend on no run (widths and lengths only),
    a constant table grown on demand, like ``_POW10``."""
    for cache in (_cell_table, _cells_ending, _count_digit_cuts, sum_splits, _target_cuts, _digit_sums, _cells_box):
        cache.cache_clear()


State = tuple[int, int]  # (offset, sum of the cells so far)
Layers = list[set[State]]  # per cell: the states reached (:func:`_cuts` finds the way back)
Row = Sequence[tuple[int, int]]


_DIGIT_VALUES = bytes(range(256)).replace(b"0123456789", bytes(range(10)))


class _Cells:
    """The cells of a run that a walk may take: by start offset, (end, value) with growing
    ends; by end offset, (start, value) shortest first (values grow in both).  For a run of
    digits a row is made the first time a walk reaches its offset (most offsets never are),
    with cells of at most ``width`` digits (a walk stops at the first cell above its total);
    for a run with separators every row comes from :func:`_cell_table`."""

    def __init__(self, run: str, width: int) -> None:
        self.width = width
        self.digits: bytes | None = None
        if run.isdigit() and run.isascii():
            self.digits = run.encode().translate(_DIGIT_VALUES)  # byte k is the digit's value
            self.starting: list[Row | None] = [None] * (len(run) + 1)
            self.ending: list[Row | None] = [None] * (len(run) + 1)
        else:
            self.starting = [*(tuple((e, int(v)) for e, v in row) for row in _cell_table(run, False, False)), ()]
            self.ending = [*_cells_ending(run)]

    def start(self, i: int) -> Row:
        """The cells starting at ``i`` (made now if need be)."""
        row = self.starting[i]
        if row is None:
            d = self.digits
            assert d is not None
            if d[i] == 0:
                row = ((i + 1, 0),)
            else:
                v = 0
                made = []
                for j in range(i, min(len(d), i + self.width)):
                    v = v * 10 + d[j]
                    made.append((j + 1, v))
                row = tuple(made)
            self.starting[i] = row
        return row

    def end(self, e: int) -> Row:
        """The cells ending at ``e`` (made now if need be)."""
        row = self.ending[e]
        if row is None:
            d = self.digits
            assert d is not None
            v, p = 0, 1
            made = []
            for i in range(e - 1, max(0, e - self.width) - 1, -1):
                v += d[i] * p
                p *= 10
                if d[i] or i == e - 1:  # no leading zero
                    made.append((i, v))
            row = tuple(made)
            self.ending[e] = row
        return row


@lru_cache(maxsize=512)
def _cells_box(run: str) -> list[_Cells]:
    """The widest :class:`_Cells` made for ``run`` so far, in a box."""
    return []


def _cells(run: str, width: int) -> _Cells:
    """A :class:`_Cells` of ``run`` with cells of at least ``width`` digits: the one made so
    far when it is wide enough (a walk stops at the first cell above its total, so wider
    rows cost only their making), else a new one (:func:`sum_splits` asks for its widest
    total first)."""
    box = _cells_box(run)
    if not box or box[0].width < width:
        box[:] = [_Cells(run, width)]
    return box[0]


def _half(cells: _Cells, start: int, parts: int, t: int, end: int, rest: int) -> Layers:
    """Cuts of ``parts`` cells from ``start`` forwards that ``rest`` more cells can complete
    to a cut of ``run[start:end]`` summing to ``t``, as layers of states (offset, sum) with
    no back-pointers (:func:`_cuts` lists the cuts of a state).  Every step keeps the rest
    possible: the digits left must be cut into the cells left (each at most as wide as ``t``)
    with a sum between their least and greatest (:func:`_bounds`).  Cuts that reach the
    same offset with the same sum share one state."""
    bounds = _bounds(len(str(t)), end - start, parts + rest)
    least, most = bounds[end - start][parts + rest]
    layers: Layers = [{(start, 0)}]
    if not least <= t <= most:
        return [set()]
    starting = cells.starting
    for k in range(parts):
        after = parts - k - 1 + rest  # cells still to cut after this one
        nxt: set[State] = set()
        for i, acc in layers[-1]:
            for e, v in starting[i] or cells.start(i):
                got = acc + v
                if got > t or e > end:
                    break
                least, most = bounds[end - e][after]  # what the cells after it can sum to
                if least <= t - got <= most:
                    nxt.add((e, got))
        layers.append(nxt)
    return layers


def _half_back(cells: _Cells, end: int, parts: int, t: int, start: int, before: int) -> Layers:
    """Cuts of ``parts`` cells ending exactly at ``end`` that ``before`` more cells from
    ``start`` can complete to a cut summing to ``t`` (as :func:`_half`, backwards: the
    states are (start offset, sum))."""
    bounds = _bounds(len(str(t)), end - start, parts + before)
    layers: Layers = [{(end, 0)}]
    ending = cells.ending
    for k in range(parts):
        after = parts - k - 1 + before
        nxt: set[State] = set()
        for e, acc in layers[-1]:
            for i, v in ending[e] or cells.end(e):
                got = acc + v
                if got > t or i < start:
                    break
                least, most = bounds[i - start][after]
                if least <= t - got <= most:
                    nxt.add((i, got))
        layers.append(nxt)
    return layers


def _cuts(layers: Layers, k: int, state: State, cells: _Cells, backwards: bool = False) -> list[tuple[Span, ...]]:
    """The cuts of the first ``k`` cells that reach ``state`` (in run order), found by walking
    back through the layers: forwards, a state (e, sum) comes from (i, sum - v) for a cell
    (i, e) of value v (the cells by end); backwards, from the cells by start.  A step into
    a state depends on that state alone, so every such predecessor led to it."""
    if k == 0:
        return [()]
    out: list[tuple[Span, ...]] = []
    off, got = state
    before = layers[k - 1]
    for other, v in cells.start(off) if backwards else cells.end(off):
        prev = (other, got - v)
        if prev in before:
            span = (off, other) if backwards else (other, off)
            for cut in _cuts(layers, k - 1, prev, cells, backwards):
                out.append((span, *cut) if backwards else (*cut, span))
    return out


@lru_cache(maxsize=512)
def _digit_sums(run: str) -> tuple[int, ...]:
    """Prefix sums of the digits of ``run`` (a number is its digit sum modulo 9)."""
    if run.isdigit() and run.isascii():  # the code points less 48 (ord("0")) each
        return tuple(acc - 48 * k for k, acc in enumerate(itertools.accumulate(run.encode(), initial=0)))
    out = [0]
    for ch in run:
        out.append(out[-1] + (ord(ch) - 48 if "0" <= ch <= "9" else 0))
    return tuple(out)


def _targets(run: str, parts: int, lo: int, end: int, cap: int | None) -> list[tuple[int, int]]:
    """The (start, value) of every last cell of ``run[lo:end]`` worth a search (at most
    ``cap``).  In a run of digits only the starts ``j`` where the prefix is not too long for
    cells as wide as the total (``j - lo <= parts * (end - j)``) and the total is at most one
    digit wider than the widest cell the prefix leaves room for (``end - j <= j - lo - parts
    + 2``), with no leading zero, and with the prefix's digit sum the total's modulo 9."""
    if not (run.isdigit() and run.isascii()):
        table = _cell_table(run, False, False)
        return [(j, int(last[0])) for j in range(lo + parts, end)
                if (last := [v for e, v in table[j] if e == end]) and (cap is None or last[0] <= cap)]
    dsum = _digit_sums(run)
    out = []
    for j in range(max(lo + parts, (end + lo + parts - 1) // 2), min(end, (parts * end + lo) // (parts + 1) + 1)):
        if (run[j] != "0" or j == end - 1) and not (2 * dsum[j] - dsum[lo] - dsum[end]) % 9:
            t = int(run[j:end])
            if cap is None or t <= cap:
                out.append((j, t))
    return out


def largest_total(run: str, parts: int) -> int | None:
    """The largest last cell a cut of ``run`` by :func:`sum_splits` could have (an upper
    bound found without cutting: the largest total that passes the cheap tests), or None."""
    return max((t for _j, t in _targets(run, parts, 0, len(run), None)), default=None)


@lru_cache(maxsize=8192)
def sum_splits(run: str, parts: int, lo: int = 0, hi: int | None = None, cap: int | None = None) -> tuple[
        tuple[Span, ...], ...]:
    """Cuts of ``run[lo:hi]`` into ``parts + 1`` unsigned cells whose last equals the sum of
    the others (spans are offsets into ``run``); with ``cap``, only those whose last cell is
    at most ``cap`` (a bound another identity gives: :func:`extractor.fused.recover_s3`).

    For each choice of the last cell (its value is the target ``t``), the prefix is cut
    into ``parts`` cells meeting in the middle: the first half of the cells from the left,
    the second half back from the last cell, joined on the offset where they meet and on
    ``t`` minus the first half's sum.  Before any walk a prefix must pass three necessary
    tests: its digit sum is ``t`` modulo 9 (every cut of it sums to its digit sum modulo 9,
    so this rules out eight targets in nine), it is not too long for cells of at most
    ``len(str(t))`` digits, and not too short to reach ``t``."""
    end = len(run) if hi is None else hi
    targets = _targets(run, parts, lo, end, cap)  # the widest total first (see _cells)
    return tuple(sorted(cut for j, t in targets for cut in _target_cuts(run, parts, lo, end, j, t)))


@lru_cache(maxsize=16384)
def _target_cuts(run: str, parts: int, lo: int, end: int, j: int, t: int) -> list[tuple[Span, ...]]:
    """The cuts of :func:`sum_splits` whose last cell is ``run[j:end]`` (value ``t``); kept per
    target, so a search again without a ``cap`` only walks the targets above it."""
    dsum = _digit_sums(run)
    width = len(str(t))
    m = j - lo
    if (dsum[j] - dsum[lo] - t) % 9 or m > parts * width or t > _POW10[m - parts + 1] + 9 * (parts - 1):
        return []
    cells = _cells(run, end - j)
    if cells.digits is not None and 3 <= width and parts < 10 and m <= 2 * (width - 1) + parts - 3:
        return _wide_cuts(cells, parts, lo, j, t, end)  # a cut can hold one cell of width - 1 digits, not two
    first = parts // 2
    second = parts - first
    left = _half(cells, lo, first, t, j, second)
    if not left[-1]:
        return []
    right = _half_back(cells, j, second, t, lo, first)
    meet = left[-1]
    out: list[tuple[Span, ...]] = []
    for p, s2 in right[-1]:
        if (p, t - s2) in meet:
            for cut1 in _cuts(left, first, (p, t - s2), cells):
                out.extend((*cut1, *cut2, (j, end)) for cut2 in _cuts(right, second, (p, s2), cells, True))
    return out


def _wide_cuts(cells: _Cells, parts: int, lo: int, j: int, t: int, end: int) -> list[tuple[Span, ...]]:
    """:func:`_target_cuts` for a total too wide for two cells of ``width - 1`` digits to fit
    in the prefix with the others (the meeting in the middle would walk every way to cut
    narrow cells).  Fewer than ten cells below ``width - 1`` digits sum to less than
    ``10 ** (width - 1)``, so a cut has a cell ``c`` of at least ``width - 1`` digits, and
    here only one: the others, all narrower, sum to ``t - c`` over the digits left, which is
    possible only when ``t - c`` lies between their least and greatest sums
    (:func:`_bounds`), that is when ``c`` shares ``t``'s leading digits.  The cells before
    and after ``c`` are then cut with :func:`_segment` and joined on their sums."""
    d = cells.digits
    assert d is not None
    width = len(str(t))
    bounds = _bounds(width - 2, j - lo, parts)
    out: list[tuple[Span, ...]] = []
    for p in range(lo, j - width + 2):
        if d[p] == 0:
            continue
        for w in (width - 1, width):
            q = p + w
            if q > j:
                continue
            c = cells.start(p)[w - 1][1]
            if c > t:
                continue
            for k in range(min(parts, p - lo + 1)):  # cells before c (each at least one digit)
                right = parts - 1 - k
                (least1, most1), (least2, most2) = bounds[p - lo][k], bounds[j - q][right]
                if not least1 + least2 <= t - c <= most1 + most2:
                    continue
                before = _segment(cells, lo, p, k, t - c, width - 2, False)
                after = _segment(cells, q, j, right, t - c, width - 2, True)
                sums = before[-1]
                for _q, s2 in after[-1]:
                    if (p, t - c - s2) in sums:
                        for cut1 in _cuts(before, k, (p, t - c - s2), cells):
                            out.extend((*cut1, (p, q), *cut2, (j, end))
                                       for cut2 in _cuts(after, right, (q, s2), cells, True))
    return out


def _segment(cells: _Cells, a: int, b: int, n: int, limit: int, width: int, backwards: bool) -> Layers:
    """Cuts of ``run[a:b]`` into ``n`` cells of at most ``width`` digits summing to at most
    ``limit``, as layers of states (forwards from ``a``; ``backwards`` from ``b``) for :func:`_cuts`."""
    layers: Layers = [{(b if backwards else a, 0)}]
    for k in range(n):
        left = n - k - 1  # cells after this one
        nxt: set[State] = set()
        for off, acc in layers[-1]:
            for other, v in cells.end(off) if backwards else cells.start(off):
                rest = other - a if backwards else b - other
                if abs(other - off) > width or acc + v > limit or rest < 0:
                    break
                if left <= rest <= left * width:
                    nxt.add((other, acc + v))
        layers.append(nxt)
    return layers


def agreed_cells(run: str, n: int, signed: Sequence[bool] = (), money: Sequence[bool] = ()) -> tuple[
        FusedCell | None, ...]:
    """The cells every cut of ``run`` into ``n`` cells agrees on (no identity used), found by
    reachability (which cells lie on some complete cut) rather than by listing the cuts."""
    sg = tuple(signed) or (False,) * n
    mn = tuple(money) or (False,) * n
    tables = [_cell_table(run, sg[k], mn[k]) for k in range(n)]
    fwd, bwd = _reachable(run, tables)
    out: list[FusedCell | None] = []
    for k in range(n):
        out.append(_agreed(run, tables[k], sorted(fwd[k] & bwd[k]), bwd[k + 1]))
    return tuple(out)


def _reachable(run: str, tables: Sequence[Sequence[Sequence[tuple[int, int | float]]]]) -> tuple[
        list[set[int]], list[set[int]]]:
    """The offsets a cut can reach after ``k`` cells (``fwd[k]``) and from which the
    remaining cells can end the run (``bwd[k]``).  A run of digits alone needs no table: a
    cell starting at a 0 is that 0, any other runs to any later offset."""
    size, n = len(run), len(tables)
    fwd: list[set[int]] = [{0}]
    bwd: list[set[int]] = [set() for _ in range(n + 1)]
    bwd[n] = {size}
    if run.isdigit() and run.isascii():
        for _ in range(n):
            starts = [i for i in fwd[-1] if i < size]
            nonzero = [i for i in starts if run[i] != "0"]
            nxt = {i + 1 for i in starts if run[i] == "0"}
            if nonzero:
                nxt.update(range(min(nonzero) + 1, size + 1))
            fwd.append(nxt)
        for k in range(n - 1, -1, -1):
            last = max(bwd[k + 1], default=-1)
            bwd[k] = {i for i in range(size) if (i + 1 in bwd[k + 1] if run[i] == "0" else i < last)}
        return fwd, bwd
    for k in range(n):
        fwd.append({j for i in fwd[k] if i < size for j, _v in tables[k][i]})
    for k in range(n - 1, -1, -1):
        bwd[k] = {i for i in range(size) if any(j in bwd[k + 1] for j, _v in tables[k][i])}
    return fwd, bwd


def _agreed(run: str, table: Sequence[Sequence[tuple[int, int | float]]], starts: Sequence[int],
            ends: set[int]) -> FusedCell | None:
    """The cell of one column when every cell from ``starts`` to ``ends`` has the same text
    (its span when there is one such cell), else None; stops at the second text."""
    text: str | None = None
    span: Span | None = None
    for i in starts:
        for j, _v in table[i]:
            if j not in ends:
                continue
            if text is None:
                text, span = run[i:j], (i, j)
            elif run[i:j] != text:
                return None
            elif (i, j) != span:
                span = None
    return FusedCell(text, cell_value(text), span) if text is not None else None


