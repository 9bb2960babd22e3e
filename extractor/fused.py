"""Fused-cell recovery: split the digit runs of a one-line body back into table cells.

A naive ``get_text()`` writes a table row as its label followed by its cells with no
separator: ``一、本年新收政府信息公开申请数量15620002160``.  The label is known, so the
digits after it are that row's cells, fused.  This module enumerates every way to cut
such a run into the row's number of cells and keeps the cuts that satisfy the
template's arithmetic (docs/report-formats.md, Identities).  A cell is *recovered* only
when every consistent combination of cuts puts the same text in it (wherever in the run
that text stands); otherwise it stays a gap.  Nothing here guesses: the answer is the set of all consistent splits.

Pure functions, no I/O.  Cells follow one grammar (:func:`cell_ok`): no leading zeros
(``0`` is a cell, ``05`` is not), optional thousands separators (``2,318``), a sign in
signed columns (2019 ``本年增/减``: ``+2``, ``-11``), a decimal part and a unit in money
columns (``3.52``, ``160.5964万元``).

API (all results are :class:`TableRecovery`)

* :func:`recover_s3` ``(runs, template="2021")`` — ``runs`` maps section-3 row ids
  (``new``, ``granted``, ``denied.state_secret`` …, as in :mod:`extractor.templates`) to
  the run printed after the row's label, or None when the row was seen without a
  usable run.  Rows absent from ``runs`` are unknown.  Identities used: ``s3.row_total``
  per row (the seventh cell is the sum of the first six), then ``s3.balance`` and
  ``s3.results_total`` per column, each only when all its rows have runs.
* :func:`recover_s4` ``(runs)`` — one run of 15 cells (the data row) or three runs of 5
  (one per group); identity ``s4.group_total`` per group.
* :func:`recover_s2` ``(runs, template)`` — ``runs`` maps section-2 row stems
  (``regulations``, ``normative``, ``fees`` …) to their runs.  Section 2 has no identity:
  a cell is recovered only when every cut of the run agrees on it (``000``; one cell; the
  ``45`` of ``45+21523``, whose sign must start the second cell).

For every row, :class:`RowRecovery` gives the recovered cells (a :class:`FusedCell` or
None per column, in the template's column order), ``splits`` (the number of ways to cut
the run into cells, arithmetic ignored) and ``consistent`` (the number of those cuts that
take part in at least one combination satisfying every identity used).  A pipeline
emits ``table.fused_cells`` from these: recovered values are ``inferred`` (lower
confidence), and a row with gaps quotes its digits (``row.run``) and ``splits``.
:func:`describe` words the ``table.fused_cells`` message of a row.
``TableRecovery.combinations`` counts the consistent whole-table combinations (0: the
printed numbers cannot satisfy the identities; then rows fall back to what their own
row identity, or the run alone, determines, and ``identities_failed`` names the
identities that could not be met).

Cost: a row is cut with the row identity built in (:func:`sum_splits`, in
:mod:`extractor.fused_cuts`): for each choice of the total cell (kept per choice, filtered
by the digit sum modulo 9 and by length), the other cells are met in the middle, each half
cut cell by cell with states shared by offset and sum (back-pointers: cuts are listed only
where the halves meet), and a state dropped as soon as the digits left cannot hold the
cells left with a sum that reaches the total (the least and greatest sums of n cells over
L digits); cells are made as the walks reach them and are never wider than the total.  A
total too wide for two cells of one digit less to fit beside it is found through its one
wide cell instead (the others must make up the difference, so that cell shares the
total's leading digits).  Section 3 cuts the total row first and bounds every other row's
total by what the column identities allow (:func:`_s3_caps`), cutting again without the
bounds when those identities fail.  Section 4 tries each pair of group boundaries
shortest group first.  Rows are combined by column sums with a forward/backward pass over
the result rows (states are partial column sums, bounded by the total row's candidates),
and a row with a single candidate costs nothing there.  A row no split satisfies falls
back to what every cut agrees on, found by reachability, stopping at the second text of a
column.  ``benchmarks/fused_speed.py`` measures whole reports (25 section-3 rows, the
section-4 row, section 2) in CPU time (``time.process_time``), every run cache cleared
before each (:func:`extractor.fused_cuts.clear_caches`), best of 5, on a shared 2-core
machine at load 5-9, the code before this version measured in the same runs beside it:
counts below 10 (runs of 7-18 digits) 1.3-1.4 ms (was 2.0-2.2); every cell in 0-99 (up to
33 digits) 1.8-3.1 ms (was 3.6-5.9); in 100-999 (48 digits) 2.3-2.8 ms (was 6.2-7.6); in
1000-9999 (63 digits) 3.1-3.9 ms (was 9.9-11.7, the old worst case); the same with a total
row that does not add up (every row cut again without bounds) 4.1-5.0 ms (was 6.0-6.8),
the worst case now; rows of one repeated digit (20-30 digits) 1.3-2.5 ms (was 1.6-3.8).
The old worst case measured 9-10 ms at load ~2; by the same ratio (about 0.42) the new
worst case would be about 4 ms there (an estimate), short of the 3 ms aimed at.  What is
left is mostly the meeting in the middle for totals one to five digits wider than the
true one (0.1-0.4 ms each), which no bound rules out before the halves meet.
"""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .fused_cuts import (  # the cutting half of this module's API, re-exported
    FusedCell,
    Span,
    Vec,
    agreed_cells,
    cell_ok,
    cell_value,
    count_splits,
    count_splits_cols,
    largest_total,
    plausible_run,
    splits,
    sum_splits,
)
from .templates import S2_ROWS, S3_ROWS, S4_GROUPS, s2_rows
from .vocab import match_key

__all__ = ["FusedCell", "RowRecovery", "Span", "TableRecovery", "Vec", "agreed_cells", "cell_ok", "cell_value",
           "count_splits", "count_splits_cols", "describe", "label_row", "plausible_run", "recover_s2",
           "recover_s3", "recover_s4", "s3_result_rows", "splits", "sum_splits"]

S3_RESULT_PREFIX = "三、本年度办理结果"
S3_BALANCE = ("new", "carried_over", "total", "carried_forward")


@dataclass(frozen=True)
class RowRecovery:
    key: str  # row id (s3), stem (s2), group id (s4)
    run: str | None  # the digits as printed, None when the row had no run
    cells: tuple[FusedCell | None, ...]  # per column; None = gap
    splits: int  # cuts of the run into cells (grammar only)
    consistent: int  # cuts that take part in a combination meeting every identity used

    @property
    def complete(self) -> bool:
        return all(c is not None for c in self.cells)


@dataclass(frozen=True)
class TableRecovery:
    table: str  # "s2" | "s3" | "s4"
    rows: dict[str, RowRecovery]
    combinations: int  # consistent whole-table combinations (rows without identities count once)
    identities_used: tuple[str, ...] = ()
    identities_failed: tuple[str, ...] = ()
    unknown_rows: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------- labels

_TRAILING_NOTE = re.compile(r"\([^()]*\)$")


def label_row(table: str, label: str) -> str | None:
    """The row a fused run's label names: a section-2 stem (``table`` "s2") or a section-3 row
    id ("s3"), else None.  The label of a run is everything printed since the run before it,
    so it may begin with a table's title and header words (第二十条第（一）项信息内容…规章):
    a section-2 label names the row label it *ends* with (the longest), a trailing
    explanation in brackets left out (其他对外管理服务事项（指行政许可证以外的…行政处罚…）);
    a section-3 label the row key that matches *last* in it (the longest there)."""
    key = match_key(label)
    return _s2_label_row(key) if table == "s2" else _s3_label_row(key)


def _s2_label_row(key: str) -> str | None:
    key = _TRAILING_NOTE.sub("", key)
    best: tuple[int, str] | None = None
    for row in S2_ROWS:
        for cand in {row.label, "规范性文件" if row.stem == "normative" else row.label}:
            k = match_key(cand)
            if key.endswith(k) and (best is None or len(k) > best[0]):
                best = (len(k), row.stem)
    return best[1] if best else None


def _s3_label_row(key: str) -> str | None:
    best: tuple[int, int, str] | None = None
    for row in S3_ROWS:
        for rx in row.keys:
            anchored = rx.startswith("^")
            for m in re.finditer(rx, key):
                if anchored and m.start() != 0:
                    continue
                cand = (m.start(), m.end() - m.start(), row.rid)
                if best is None or cand[:2] > best[:2]:
                    best = cand
    return best[2] if best else None


# ---------------------------------------------------------------- rows to recoveries


def _vec(run: str, cut: tuple[Span, ...]) -> Vec:
    return tuple(int(cell_value(run[a:b])) for a, b in cut)


def _row(key: str, run: str | None, n: int, kept: Sequence[tuple[Span, ...]], nsplits: int,
         signed: Sequence[bool] = (), money: Sequence[bool] = ()) -> RowRecovery:
    cells: list[FusedCell | None] = [None] * n
    distinct = set(kept)
    if run is not None and len(distinct) == 1:  # one cut: its cells (the common case, made directly)
        cells = [FusedCell(run[a:b], cell_value(run[a:b]), (a, b)) for a, b in kept[0]]
    elif run is not None and kept:
        for k in range(n):
            texts = {run[a:b] for a, b in (c[k] for c in kept)}
            if len(texts) == 1:
                spans = {c[k] for c in kept}
                raw = texts.pop()
                cells[k] = FusedCell(raw, cell_value(raw), spans.pop() if len(spans) == 1 else None)
    return RowRecovery(key, run, tuple(cells), nsplits, len(distinct))


def _add(a: Vec, b: Vec) -> Vec:
    return tuple(map(operator.add, a, b))


def _sub(a: Vec, b: Vec) -> Vec:
    return tuple(map(operator.sub, a, b))


def s3_result_rows(rids: Sequence[str]) -> list[str]:
    """The rows of ``rids`` that the （七）总计 row sums (one-row or split （六）)."""
    results = {r.rid for r in S3_ROWS if r.path[0] == S3_RESULT_PREFIX and r.rid != "total"}
    out = [r for r in rids if r in results]
    if "other" in out and any(r.startswith("other.") for r in out):
        out = [r for r in out if r != "other"]
    return out


def _balance(cands: Mapping[str, list[Vec]], totals: Sequence[Vec]) -> tuple[dict[Vec, int], dict[str, set[Vec]]]:
    """new + carried_over = total + carried_forward: per total that can balance, the number
    of (new, carried_over, carried_forward) combinations; and the candidates taking part."""
    pairs: dict[Vec, list[tuple[Vec, Vec]]] = {}
    for a in cands["new"]:
        for b in cands["carried_over"]:
            pairs.setdefault(_add(a, b), []).append((a, b))
    count: dict[Vec, int] = {}
    used: dict[str, set[Vec]] = {"new": set(), "carried_over": set(), "carried_forward": set()}
    for t in totals:
        for f in cands["carried_forward"]:
            hit = pairs.get(_add(t, f))
            if hit:
                count[t] = count.get(t, 0) + len(hit)
                used["carried_forward"].add(f)
                for a, b in hit:
                    used["new"].add(a)
                    used["carried_over"].add(b)
    return count, used


def _results(cands: Mapping[str, list[Vec]], rows: list[str], totals: Sequence[Vec]) -> tuple[
        dict[Vec, int], dict[str, set[Vec]]]:
    """Σ result rows = total: per total in ``totals`` that the rows can reach, the number of
    combinations; and the candidates of each result row that take part in one."""
    width = len(totals[0])
    cap = tuple(max(t[c] for t in totals) for c in range(width))
    zero = (0,) * width
    add, sub, le = operator.add, operator.sub, operator.le
    fwd: list[dict[Vec, int]] = [{zero: 1}]
    for r in rows:
        nxt: dict[Vec, int] = {}
        for p, cnt in fwd[-1].items():
            for v in cands[r]:
                q = tuple(map(add, p, v))
                if all(map(le, q, cap)):
                    nxt[q] = nxt.get(q, 0) + cnt
        fwd.append(nxt)
    reach = {t: fwd[-1][t] for t in totals if t in fwd[-1]}
    # backward: the remaining sums (target minus the prefix) that rows i.. can make
    need: list[dict[Vec, None]] = [{} for _ in range(len(rows) + 1)]
    need[len(rows)] = {zero: None}
    for i in range(len(rows) - 1, -1, -1):
        nxt2: dict[Vec, None] = {}
        for s in need[i + 1]:
            for v in cands[rows[i]]:
                q = tuple(map(add, s, v))
                if all(map(le, q, cap)):
                    nxt2[q] = None
        need[i] = nxt2
    used: dict[str, set[Vec]] = {r: set() for r in rows}
    for i, r in enumerate(rows):
        if len(cands[r]) == 1:  # a single candidate takes part whenever any total is reached
            used[r] = set(cands[r]) if reach else set()
            continue
        after = need[i + 1]
        for p in fwd[i]:
            for t in reach:
                gap = tuple(map(sub, t, p))
                for v in cands[r]:
                    if v not in used[r] and tuple(map(sub, gap, v)) in after:
                        used[r].add(v)
    return reach, used


@dataclass
class _S3Rows:
    cuts: dict[str, list[tuple[Span, ...]]] = field(default_factory=dict)
    cands: dict[str, list[Vec]] = field(default_factory=dict)
    nsplits: dict[str, int] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)


def _s3_caps(runs: Mapping[str, str | None], order: Sequence[str]) -> dict[str, int]:
    """Bounds on the row totals that the column identities give: with every cell at least
    0, the total row's total is at most the sum of the largest total each result row's run
    could end with, a result row's total at most the total row's (largest candidate;
    s3.results_total), new's and carried_over's at most that plus carried_forward's
    (s3.balance).  Empty when the total row has no candidate."""
    def last_cells(rid: str, cap: int | None = None) -> list[int]:
        run = runs.get(rid)
        if rid not in order or run is None or not plausible_run(run):
            return []
        return [int(cell_value(run[c[-1][0]:c[-1][1]])) for c in sum_splits(run, 6, 0, None, cap)]

    results = s3_result_rows(order)
    # the total row's own total is the sum of the result rows' totals: at most the sum of the
    # largest total cell each of their runs could end with (no cut needed to know those)
    largest = [largest_total(run, 6) if (run := runs.get(r)) is not None and plausible_run(run) else None
               for r in results]
    bound = sum(x for x in largest if x is not None) if results and None not in largest else None
    totals = last_cells("total", bound)
    if not totals:
        return {}
    caps = {r: max(totals) for r in results}
    if bound is not None:
        caps["total"] = bound
    forward = last_cells("carried_forward")
    if forward:
        caps.update(new=max(totals) + max(forward), carried_over=max(totals) + max(forward))
    return caps


def _s3_rows(runs: Mapping[str, str | None], order: Sequence[str], caps: Mapping[str, int]) -> _S3Rows:
    out = _S3Rows()
    for rid in order:
        run = runs.get(rid)
        if run is None or not plausible_run(run):
            out.unknown.append(rid)
            continue
        out.nsplits[rid] = count_splits(run, 7)
        out.cuts[rid] = list(sum_splits(run, 6, 0, None, caps[rid]) if rid in caps else sum_splits(run, 6))
        out.cands[rid] = [_vec(run, c) for c in out.cuts[rid]]
        if not out.cands[rid]:
            out.unknown.append(rid)  # its row total fails as printed: no column identity uses it
    return out


def _s3_columns(rows: _S3Rows, order: Sequence[str], keep: dict[str, set[Vec]]) -> tuple[int, list[str], list[str]]:
    """Apply s3.balance and s3.results_total (each when all its rows are known); narrow
    ``keep``; return the number of combinations of the rows they tie, used and failed ids."""
    known = [r for r in order if r not in rows.unknown]
    results = s3_result_rows(order)
    bal_on = all(r in known for r in S3_BALANCE)
    res_on = "total" in known and bool(results) and all(r in known for r in results)
    used = (["s3.balance"] if bal_on else []) + (["s3.results_total"] if res_on else [])
    if not used:
        return 1, [], []
    totals = list(dict.fromkeys(rows.cands["total"]))
    bal_n: dict[Vec, int] = {}
    res_n: dict[Vec, int] = {}
    if bal_on:
        bal_n, _ = _balance(rows.cands, totals)
    res_used: dict[str, set[Vec]] = {}
    if res_on:
        res_n, res_used = _results(rows.cands, results, totals)
    ok = [t for t in totals if (not bal_on or t in bal_n) and (not res_on or t in res_n)]
    if not ok:
        return 0, used, used
    keep["total"] = set(ok)
    if bal_on:
        bal_n, used_b = _balance(rows.cands, ok)
        keep.update({r: used_b[r] for r in ("new", "carried_over", "carried_forward")})
    if res_on:
        res_n, used_r = _results(rows.cands, results, ok) if ok != totals else (res_n, res_used)
        keep.update({r: used_r[r] for r in results})
    return sum(bal_n.get(t, 1) * res_n.get(t, 1) for t in ok), used, []


def recover_s3(runs: Mapping[str, str | None], rids: Sequence[str] | None = None) -> TableRecovery:
    """Recover section-3 cells from the runs after each row label (see the module docs).

    ``rids``: the rows of the table in order (default: the keys of ``runs``).

    The rows are cut first with the bounds of :func:`_s3_caps` (most wrong choices of a row's
    total cell are then never searched); that answer stands only when the identities behind
    the bounds were used and held and no bounded row lost all its cuts, else every row is cut
    again without bounds.  Either way the answer is the one without bounds."""
    order = list(rids) if rids is not None else list(runs)
    caps = _s3_caps(runs, order)
    if caps:
        rec = _recover_s3(runs, order, caps)
        if rec is not None:
            return rec
    rec = _recover_s3(runs, order, {})
    assert rec is not None
    return rec


def _recover_s3(runs: Mapping[str, str | None], order: list[str], caps: Mapping[str, int]) -> TableRecovery | None:
    """:func:`recover_s3` with row totals bounded by ``caps``; None when the bounds may have
    changed the answer (see there)."""
    rows = _s3_rows(runs, order, caps)
    known = [r for r in order if r not in rows.unknown]
    keep: dict[str, set[Vec]] = {r: set(rows.cands[r]) for r in known}
    tied, used, failed = _s3_columns(rows, order, keep)
    if caps and (failed or any(r in rows.unknown for r in caps) or (
            "s3.results_total" not in used and any(r in caps for r in [*s3_result_rows(order), "total"])) or (
            "s3.balance" not in used and ("new" in caps or "carried_over" in caps))):
        return None
    combos = 0
    if failed:  # the printed numbers cannot meet the column identities: row totals alone
        keep = {r: set(rows.cands[r]) for r in known}
    elif known:
        combos = tied
        tied_rows = set(S3_BALANCE if "s3.balance" in used else ()) | set(
            s3_result_rows(order) + ["total"] if "s3.results_total" in used else ())
        for rid in known:
            if rid not in tied_rows:
                combos *= len(keep[rid])
    out: dict[str, RowRecovery] = {}
    for rid in order:
        run = runs.get(rid)
        if rid in rows.unknown:
            n = rows.nsplits.get(rid, 0)
            cells = agreed_cells(run, 7) if run is not None and n else (None,) * 7
            out[rid] = RowRecovery(rid, run, cells, n, n)
            continue
        kept = [c for c, v in zip(rows.cuts[rid], rows.cands[rid], strict=True) if v in keep[rid]]
        out[rid] = _row(rid, run, 7, kept, rows.nsplits[rid])
    ids = (["s3.row_total"] if known else []) + used
    return TableRecovery("s3", out, combos, tuple(ids), tuple(failed), tuple(rows.unknown))


def _s4_cuts(run: str) -> list[tuple[Span, ...]]:
    """Every cut of a section-4 data row into three groups of five cells, each group's fifth
    cell the sum of its other four.  A group is cut by :func:`sum_splits`, whose cost grows
    with the group's length (a long group can have a wide total, and a wide total many ways
    to reach it), so each pair of group boundaries (``e``: group 1 ends, ``b``: group 3
    starts) is tried shortest group first and dropped at the first group with no cut.  The
    groups within two fifths of the row from either end are decided first, for every
    boundary; a pair with neither of those leaves a middle group of under a fifth of the row."""
    size = len(run)
    near = size * 2 // 5

    def cuts(lo: int, hi: int) -> tuple[tuple[Span, ...], ...]:
        return sum_splits(run, 4, lo, hi)

    ends = [e for e in range(5, size - 9) if e > near or cuts(0, e)]
    starts = [b for b in range(10, size - 4) if size - b > near or cuts(b, size)]
    found: list[tuple[Span, ...]] = []
    for e in ends:
        for b in starts[bisect.bisect_left(starts, e + 5):]:
            first, last = (e, 0, e), (size - b, b, size)  # (length, lo, hi); the decided ones hold
            todo = [g for g in (first, last) if g[0] > near]
            todo.append((b - e, e, b))
            if len(todo) > 1:
                todo.sort()
            if all(cuts(lo, hi) for _n, lo, hi in todo):
                found.extend((*c1, *c2, *c3) for c1 in cuts(0, e) for c2 in cuts(e, b) for c3 in cuts(b, size))
    return found


def recover_s4(runs: Sequence[str | None]) -> TableRecovery:
    """Recover the 15 section-4 cells from one run (the data row) or three runs of 5."""
    groups = [g for g, _, _ in S4_GROUPS]
    if len(runs) == 3:
        rows = {}
        total = 1
        for g, run in zip(groups, runs, strict=True):
            if run is None or not plausible_run(run):
                rows[g] = RowRecovery(g, run, (None,) * 5, 0, 0)
                continue
            kept = sum_splits(run, 4)
            rows[g] = _row(g, run, 5, kept, count_splits(run, 5))
            total *= len(kept)
        return TableRecovery("s4", rows, total, ("s4.group_total",))
    if len(runs) != 1:
        raise ValueError("section 4: one run of 15 cells or three runs of 5")
    run = runs[0]
    if run is None or not plausible_run(run):
        return TableRecovery("s4", {"row": RowRecovery("row", run, (None,) * 15, 0, 0)}, 0, (), (), ("row",))
    found = _s4_cuts(run)
    n = count_splits(run, 15)
    if not found:  # the group totals fail as printed: what every cut agrees on
        row = RowRecovery("row", run, agreed_cells(run, 15) if n else (None,) * 15, n, n)
        return TableRecovery("s4", {"row": row}, 0, ("s4.group_total",), ("s4.group_total",))
    row = _row("row", run, 15, found, n)
    return TableRecovery("s4", {"row": row}, len(found), ("s4.group_total",))


def recover_s2(runs: Mapping[str, str | None], template: str) -> TableRecovery:
    """Recover section-2 cells: those every cut of the row's run agrees on (no identity)."""
    defs = {r.stem: r for r in s2_rows(template)}
    rows: dict[str, RowRecovery] = {}
    combos = 1
    for stem, run in runs.items():
        d = defs.get(stem)
        if d is None:
            raise ValueError(f"section 2 of the {template} template has no row {stem!r}")
        n = len(d.columns)
        if run is None or not plausible_run(run):
            rows[stem] = RowRecovery(stem, run, (None,) * n, 0, 0)
            continue
        sg = [c.suffix in d.signed for c in d.columns]
        mn = [c.suffix in d.money for c in d.columns]
        count = count_splits_cols(run, sg, mn)
        rows[stem] = RowRecovery(stem, run, agreed_cells(run, n, sg, mn) if count else (None,) * n, count, count)
        combos *= count
    return TableRecovery("s2", rows, combos)


def describe(label: str, row: RowRecovery) -> str:
    """The ``table.fused_cells`` message for one row: the digits as printed, how many cuts
    they have and how many the arithmetic allows, and what was recovered."""
    n = len(row.cells)
    got = sum(1 for c in row.cells if c is not None)
    if row.run is None:
        return f"{label}: no digits after the label"
    head = f'{label}: the digits "{row.run}" cut into {n} cells {row.splits} way{"s" if row.splits != 1 else ""}'
    if row.consistent != row.splits:
        head += f", {row.consistent} of them consistent with the table's arithmetic"
    if got == n:
        return head + "; every cell recovered"
    if got == 0:
        return head + "; no cell can be told, all left as gaps"
    return head + f"; {got} of {n} cells recovered, {n - got} left as gaps"
