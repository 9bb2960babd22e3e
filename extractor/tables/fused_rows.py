"""Tables printed with their cells fused: the ``"fused"`` grids of a one-line body.

A naive ``get_text()`` writes a table row as its label and its cells with no separator
(``一、本年新收政府信息公开申请数量15620002160``).  The reader keeps each row as two cells,
the label and the digits as printed (:class:`extractor.model.Grid`, source ``"fused"``);
this stage names the row each label ends with (:func:`extractor.fused.label_row`) and
hands the digits of every table to :mod:`extractor.fused`, which keeps only the splits that
satisfy the template's arithmetic (row totals, column balances, the results total, the
section-4 group totals) with no leading zeros.  Nothing is guessed:

* a cell every consistent split agrees on is read, flagged :attr:`Flag.FUSED` (the value is
  marked ``inferred`` in the record, with lower confidence);
* a cell the splits disagree on stays a gap (``gap.cell``), and its row's digits are quoted.

Each table read this way gets one ``table.fused_cells`` issue: ``info`` when every cell
was recovered (it says how many splits the digits allow and how many meet the arithmetic),
``warning`` with the rows left as gaps otherwise (their digits, their number of splits).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..fused import RowRecovery, TableRecovery, describe, label_row, recover_s2, recover_s3, recover_s4
from ..model import Cell, Flag, Grid, Issue
from ..templates import S3_COLUMNS, S4_COLUMNS, s2_rows, s3_rows
from ..vocab import match_key
from .assign import Mapped, TableResult
from .labels import S4_ORDER

_TABLE_OF_SECTION = {2: "s2", 3: "s3", 4: "s4"}
#: words that open each table (its title or header row), on match keys
_OPENING = {"s2": ("第二十条", "信息内容"), "s3": ("申请人情况", "自然人", "勾稽关系"), "s4": ("行政复议", "结果维持")}
_NAME = {"s2": "section-2 主动公开 tables", "s3": "section-3 申请 table", "s4": "section-4 复议诉讼 table"}

Printed = tuple[Cell, Cell]  # the label and the digits of a row, as printed


def _table_of(grid: Grid, section: int | None) -> str | None:
    """The table a fused grid holds: by the section it stands in, else by its opening words."""
    if section in _TABLE_OF_SECTION:
        return _TABLE_OF_SECTION[section]
    first = match_key(grid.rows[0][0].text) if grid.rows and grid.rows[0] else ""
    return next((t for t, words in _OPENING.items() if any(w in first for w in words)), None)


def _collect(grids: Sequence[tuple[Grid, int | None]], template: str,
             res: TableResult) -> dict[str, dict[str, Printed]]:
    """The printed rows of every table by row key (s2 stem, s3 row id, s4 "0", "1", "2");
    a row printed twice keeps its first digits."""
    stems = {r.stem for r in s2_rows(template)}
    out: dict[str, dict[str, Printed]] = {"s2": {}, "s3": {}, "s4": {}}
    for g, section in grids:
        table = _table_of(g, section)
        if table is None:
            continue
        for row in g.rows:
            if len(row) < 2:
                continue
            label, run = row[0], row[1]
            if table == "s4":
                key: str | None = str(len(out["s4"]))
            else:
                key = label_row(table, label.text)
                if table == "s2" and key not in stems:
                    key = None
            if key is None:
                res.issues.append(Issue("table.unknown_label", "warning",
                                        f"the label before the digits {run.text!r} matches no row of the "
                                        f"{_NAME[table]}", (), dict(label.where)))
                continue
            out[table].setdefault(key, (label, run))
            res.fragment(table, g)
        opening = match_key(g.rows[0][0].text) if g.rows and g.rows[0] else ""
        if any(w in opening for w in _OPENING[table]):
            res.headers.add(table)  # the table's title or header words stand before its first row
    return out


def _where(run: Cell, row: RowRecovery, k: int) -> dict:
    cell = row.cells[k]
    where = dict(run.where)
    if cell is not None and cell.span is not None and "offset" in where:
        where["offset"] += cell.span[0]
    return where


def _put(res: TableResult, fields: Sequence[str], run: Cell, row: RowRecovery,
         units: Sequence[str | None]) -> tuple[list[str], list[str]]:
    """The recovered cells of one row into ``res``; the fields read and the fields left as gaps."""
    got: list[str] = []
    gaps: list[str] = []
    for k, f in enumerate(fields):
        cell = row.cells[k]
        if cell is None:
            gaps.append(f)
            continue
        where = _where(run, row, k)
        res.put(Mapped(f, Cell(cell.raw, where), frozenset({Flag.FUSED}), units[k], where))
        got.append(f)
    return got, gaps


def _issue(table: str, rec: TableRecovery, labels: dict[str, str], got: list[str], gaps: list[str],
           where: dict) -> Issue:
    splits = sum(r.splits for r in rec.rows.values())
    ids = ", ".join(rec.identities_used) or "no identity (the grammar of the cells alone)"
    head = (f"the cells of the {_NAME[table]} are printed fused (no separator between them); "
            f"the rows' digits cut into cells {splits} way{'s' if splits != 1 else ''} (grammar only), "
            f"checked against {ids}")
    if rec.identities_failed:
        head += f" ({', '.join(rec.identities_failed)} cannot hold for any split: row totals alone were used)"
    if not gaps:
        return Issue("table.fused_cells", "info",
                     f"{head}; every cell has a single consistent split: {len(got)} cells recovered, "
                     "marked inferred", tuple(got), where)
    rows = [describe(labels[k], r) for k, r in rec.rows.items() if not r.complete]
    return Issue("table.fused_cells", "warning",
                 f"{head}; {len(got)} cells recovered (marked inferred), {len(gaps)} left as gaps where more "
                 "than one split fits: " + "; ".join(rows), tuple(gaps), where)


def _read_s2(rows: dict[str, Printed], template: str, res: TableResult) -> Issue:
    defs = {r.stem: r for r in s2_rows(template)}
    for stem in rows:
        res.matched("s2", stem)
    rec = recover_s2({k: run.text for k, (_, run) in rows.items()}, template)
    got: list[str] = []
    gaps: list[str] = []
    for stem, row in rec.rows.items():
        d = defs[stem]
        fields = [f"s2.{stem}.{c.suffix}" for c in d.columns]
        units = [d.unit if c.suffix in d.money else None for c in d.columns]
        g, x = _put(res, fields, rows[stem][1], row, units)
        got += g
        gaps += x
    labels = {k: d.label for k, d in defs.items()}
    return _issue("s2", rec, labels, got, gaps, dict(next(iter(rows.values()))[0].where))


def _read_s3(rows: dict[str, Printed], template: str, res: TableResult) -> Issue:
    split = any(k.startswith("other.") for k in rows)
    res.other_split = split if res.other_split is None else (res.other_split or split)
    order = [r.rid for r in s3_rows(template, split)]
    for rid in (k for k in rows if k in order):
        res.matched("s3", rid)
    rec = recover_s3({k: run.text for k, (_, run) in rows.items() if k in order}, order)
    got: list[str] = []
    gaps: list[str] = []
    for rid, row in rec.rows.items():
        if rid not in rows:
            continue
        fields = [f"s3.{rid}.{c.suffix}" for c in S3_COLUMNS]
        g, x = _put(res, fields, rows[rid][1], row, [None] * len(fields))
        got += g
        gaps += x
    labels = {r.rid: r.path[-1] for r in s3_rows(template, split)}
    return _issue("s3", rec, labels, got, gaps, dict(next(iter(rows.values()))[0].where))


def _read_s4(rows: dict[str, Printed], res: TableResult) -> Issue:
    printed = list(rows.values())
    three = len(printed) == 3
    for group in S4_ORDER:  # three rows of 5 cells, or one row of 15: every group
        res.matched("s4", group)
    rec = recover_s4([run.text for _, run in printed] if three else [printed[0][1].text])
    got: list[str] = []
    gaps: list[str] = []
    for k, row in enumerate(rec.rows.values()):
        groups = [S4_ORDER[k]] if three else list(S4_ORDER)
        fields = [f"s4.{g}.{c.suffix}" for g in groups for c in S4_COLUMNS]
        g, x = _put(res, fields, printed[k][1], row, [None] * len(fields))
        got += g
        gaps += x
    labels = {row.key: "section-4 data row" if not three else f"section-4 {row.key}" for row in rec.rows.values()}
    return _issue("s4", rec, labels, got, gaps, dict(printed[0][0].where))


def read_fused(grids: Sequence[tuple[Grid, int | None]], template: str, res: TableResult) -> None:
    """The cells of the ``"fused"`` grids (each with the section it stands in) into ``res``."""
    tables = _collect(grids, template, res)
    for table, rows in tables.items():
        if not rows:
            continue
        res.found.add(table)
        if table == "s2":
            res.issues.append(_read_s2(rows, template, res))
        elif table == "s3":
            res.issues.append(_read_s3(rows, template, res))
        else:
            res.issues.append(_read_s4(rows, res))
