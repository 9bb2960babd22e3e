"""Stage 5: assign field ids to the aligned cells of the stitched table lines.

:func:`assign` maps each line's header (stage 3), aligns its values (stage 4) and keys
every cell by its field id (``s2.<row>.<column>``, ``s3.<row>.<column>``,
``s4.<group>.<column>``), in document order; section-3 lines are read last, together,
under the last section-3 header.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Cell, Flag, Grid, Issue
from ..templates import S3_COLUMNS, S4_COLUMNS
from ..values import parse_value
from .align import align_row
from .header import Col, ColMap, s2_colmap, s3_colmap, s3_shown_columns, s4_colmap, s4_header_group
from .labels import S4_ORDER, has_text
from .stitch import Header, S2Line, S3Line, S4Line, Stitched


@dataclass(frozen=True)
class Mapped:
    """One template cell found in the document."""

    field: str
    cell: Cell | None  # None when inferred
    flags: frozenset[Flag] = frozenset()
    default_unit: str | None = None
    where: dict | None = None
    #: placed by its place in the row rather than by the header position it stands in
    #: (:attr:`extractor.tables.align.Placed.by_position`)
    by_position: bool = False

    @property
    def raw(self) -> str:
        return self.cell.text if self.cell is not None else ""

    def flagged(self, *flags: Flag) -> Mapped:
        return dataclasses.replace(self, flags=self.flags | set(flags))


@dataclass
class TableResult:
    """What the table stages found: the cells by field id, and the issues met."""

    cells: dict[str, Mapped] = dataclasses.field(default_factory=dict)
    issues: list[Issue] = dataclasses.field(default_factory=list)
    found: set[str] = dataclasses.field(default_factory=set)  # "s2", "s3", "s4"
    headers: set[str] = dataclasses.field(default_factory=set)  # tables whose title or header row was seen
    other_split: bool | None = None
    consumed_lines: set[int] = dataclasses.field(default_factory=set)  # ids of Text blocks used as cells
    #: what the parsing report (:mod:`extractor.tables.report`) is made of: the grids each table
    #: was read from, in document order, and the template rows each table's rows were matched to
    #: (row key: s2 stem, s3 row id, s4 group -> True when every match was approximate)
    fragments: dict[str, list[Grid]] = dataclasses.field(default_factory=dict)
    rows: dict[str, dict[str, bool]] = dataclasses.field(default_factory=dict)

    def fragment(self, table: str, grid: Grid) -> None:
        """``grid`` holds rows of ``table``."""
        grids = self.fragments.setdefault(table, [])
        if not any(g is grid for g in grids):
            grids.append(grid)

    def matched(self, table: str, row: str, approximate: bool = False) -> None:
        """A row of the document was read as the template row ``row`` of ``table``."""
        seen = self.rows.setdefault(table, {})
        seen[row] = seen.get(row, True) and approximate

    def put(self, m: Mapped) -> None:
        if m.field in self.cells:
            prev = self.cells[m.field]
            prev_empty = prev.cell is None or parse_value(prev.cell.text).kind == "blank"
            new_empty = m.cell is None or parse_value(m.cell.text).kind == "blank"
            if prev_empty and not new_empty:
                self.cells[m.field] = m
            elif not new_empty and prev.raw.strip() != m.raw.strip():
                self.issues.append(Issue(
                    "table.duplicate_row", "warning",
                    f"{m.field} appears twice with different values ({prev.raw!r} and {m.raw!r}); "
                    "the first is kept", (m.field,)))
                self.cells[m.field] = prev.flagged(Flag.UNSURE)
            return
        self.cells[m.field] = m


def _where(cell: Cell | None, row: Sequence[Cell]) -> dict:
    if cell is not None:
        return dict(cell.where)
    # an inferred cell: where its row is, without a column of its own
    w = {k: v for k, v in (row[0].where if row else {}).items() if k not in ("column", "bbox")}
    w["inferred"] = True
    return w


def assign_s2(line: S2Line, res: TableResult) -> None:
    r2, row = line.s2_row, line.row
    columns = [c.suffix for c in r2.columns]
    field_of = {c: f"s2.{r2.stem}.{c}" for c in columns}
    cm = s2_colmap(line.header.rows[0], r2.columns, line.header.positional) if line.header else None
    if cm is not None and not cm.cols:
        res.issues.append(Issue("table.header_mismatch", "warning",
                                f"the header over row {r2.label} names none of its columns "
                                f"({', '.join(c.label for c in r2.columns)})",
                                tuple(field_of.values()), dict(row[0].where)))
        cm = None
    if cm is not None and not line.positional:
        cm = cm._replace(positional=False)
    if cm is not None and not cm.positional and len(cm.cols) == len(columns):
        # a re-flowed stream: values follow the header's column order
        columns = [c.suffix for c in cm.cols]
    al = align_row(row, line.values, cm, columns, f"section-2 row {r2.label}", field_of)
    res.issues.extend(al.issues)
    res.matched("s2", r2.stem)
    for c, p in al.by_col.items():
        res.put(Mapped(field_of[c], p.cell, p.flags, r2.unit if c in r2.money else None, _where(p.cell, row),
                       p.by_position))


def _unnamed_issue(section: int, named: list[str], fields: list[str], at: Cell) -> Issue:
    """``table.unnamed_column``: header positions no label names, read by the template's order."""
    return Issue("table.unnamed_column", "info",
                 f"the section-{section} header names no column at {len(named)} position(s); read by the "
                 f"template's order as {', '.join(named)}", tuple(fields), dict(at.where))


def assign_s3(lines: Sequence[S3Line], header: Header | None, res: TableResult) -> None:
    if not lines:
        return
    cm = s3_colmap(header.rows, header.positional) if header else None
    if cm is not None and cm.unnamed and header is not None:
        labels = {c.suffix: c.label for c in S3_COLUMNS}
        res.issues.append(_unnamed_issue(3, [labels[c.suffix] for c in cm.unnamed],
                                         [f"s3.{ln.s3_row.rid}.{c.suffix}" for ln in lines for c in cm.unnamed],
                                         header.rows[0][0]))
    split = any(ln.s3_row.rid.startswith("other.") for ln in lines)
    res.other_split = split if res.other_split is None else (res.other_split or split)
    columns, gap = s3_shown_columns(cm, [ln.values for ln in lines], [ln.s3_row.rid for ln in lines])
    if gap is not None:
        res.issues.append(gap)
    for ln in lines:
        if ln.s3_row.rid == "other" and split:
            if has_text(ln.values):
                res.issues.append(Issue("table.group_row_values", "warning",
                                        "（六）其他处理 carries values although its three sub-rows are shown; "
                                        "the sub-rows are read", (), dict(ln.row[0].where)))
            continue
        field_of = {c: f"s3.{ln.s3_row.rid}.{c}" for c in columns}
        al = align_row(ln.row, ln.values, cm, columns, f"section-3 row {ln.name}", field_of)
        res.issues.extend(al.issues)
        res.matched("s3", ln.s3_row.rid, ln.fuzzy)
        for c, p in al.by_col.items():
            flags = p.flags | {Flag.FUZZY} if ln.fuzzy else p.flags
            res.put(Mapped(field_of[c], p.cell, flags, None, _where(p.cell, ln.row), p.by_position))


def _s4_columns(line: S4Line, cm: ColMap | None) -> tuple[list[str], ColMap | None]:
    """The column ids of one section-4 data row, and the map its positions follow."""
    n_vals = len([s for s in line.values if s.origin])
    group = S4_ORDER[min(line.before, 2)]
    if cm is None or not cm.cols:
        # no header: 15 values in template order, or 5 for the k-th group
        if n_vals >= 15 or line.before >= 3:
            return [f"{g}.{c.suffix}" for g in S4_ORDER for c in S4_COLUMNS], None
        return [f"{group}.{c.suffix}" for c in S4_COLUMNS], None
    cols = [c.suffix for c in cm.cols]
    if any(c.startswith("?.") for c in cols):
        assert line.header is not None
        g = s4_header_group(line.header.rows) or group
        cols = [c.replace("?.", f"{g}.") if c.startswith("?.") else c for c in cols]
        cm = cm._replace(cols=tuple(Col(c, col.positions) for c, col in zip(cols, cm.cols, strict=True)))
    if len(cols) == 15 and 4 <= n_vals <= 6:
        # three 5-column rows under one 15-column header
        return [f"{group}.{c.suffix}" for c in S4_COLUMNS], None
    return cols, cm


def assign_s4(line: S4Line, res: TableResult) -> None:
    hdr = line.header
    cols, cm = _s4_columns(line, s4_colmap(hdr.rows, hdr.positional) if hdr else None)
    if cm is not None and cm.unnamed:
        labels = {c.suffix: c.label for c in S4_COLUMNS}
        named = [f"{group} {labels[leaf]}" for group, leaf in (c.suffix.split(".") for c in cm.unnamed)]
        res.issues.append(_unnamed_issue(4, named, [f"s4.{c.suffix}" for c in cm.unnamed], line.row[0]))
    if cm is not None and not line.positional:
        cm = cm._replace(positional=False)
    field_of = {c: f"s4.{c}" for c in cols}
    al = align_row(line.row, line.values, cm, cols, "section-4 data row", field_of)
    res.issues.extend(al.issues)
    for group in dict.fromkeys(c.split(".", 1)[0] for c in cols):
        res.matched("s4", group)
    for c, p in al.by_col.items():
        res.put(Mapped(field_of[c], p.cell, p.flags, None, _where(p.cell, line.row), p.by_position))


def assign(st: Stitched, res: TableResult) -> None:
    """Every cell of the stitched lines into ``res``, keyed by its field id."""
    res.found |= st.found
    res.headers |= st.headers
    for table, grid in st.fragments:
        res.fragment(table, grid)
    for item in st.items:
        if isinstance(item, Issue):
            res.issues.append(item)
        elif isinstance(item, S2Line):
            assign_s2(item, res)
        else:
            assign_s4(item, res)
    assign_s3(st.s3_lines, st.s3_header, res)
