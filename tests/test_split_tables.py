"""Tables split by page breaks or converters, built as grids the way a PDF reader gives
them: fragments without the header, starting inside a merged label, with another column
count, and a row cut in two. The table stage must join them and keep each cell's page."""

from __future__ import annotations

import pytest

import extractor
from extractor.model import Cell, Document, Grid, Text

from conftest import FIXTURES, load_expected

EXP = load_expected("county-2021")


def _rows_from_tsv() -> tuple[list[str], list[list[str]], list[str]]:
    """The county-2021 text fixture's lines: text before section 3's table, the table rows, and after."""
    lines = (FIXTURES / "text" / "county-2021.tsv.txt").read_text(encoding="utf-8").splitlines()
    start = next(i for i, t in enumerate(lines) if t.startswith("（本列数据"))
    end = next(i for i in range(start, len(lines)) if "\t" not in lines[i])
    return lines[:start], [t.split("\t") for t in lines[start:end]], lines[end:]


def _blocks(lines: list[str], page: int) -> list:
    out: list = []
    run: list[list[str]] = []
    for t in lines + [""]:
        if "\t" in t:
            run.append(t.split("\t"))
            continue
        if run:
            out.append(_grid(run, page))
            run = []
        if t.strip():
            out.append(Text(t, {"page": page}))
    return out


def _grid(rows: list[list[str]], page: int) -> Grid:
    return Grid(tuple(tuple(Cell(x, {"page": page, "row": r, "column": c}) for c, x in enumerate(row))
                      for r, row in enumerate(rows)), {"page": page}, source="pdf")


def _check(rep, page_of_row: dict[str, int] | None = None) -> None:
    got = {v.field: (v.kind, v.value) for v in rep.values if v.field.startswith("s3.")}
    exp = {f: (e["kind"], e["value"]) for f, e in EXP["values"].items() if f.startswith("s3.")}
    assert got == exp
    for rid, page in (page_of_row or {}).items():
        assert {v.where["page"] for v in rep.values if v.field.startswith(f"s3.{rid}.")} == {page}, rid


def _doc(before, frag1, between, frag2, after) -> Document:
    blocks = _blocks(before, 1) + [_grid(frag1, 1)] + [Text(t, {"page": 1}) for t in between] \
        + [_grid(frag2, 2)] + _blocks(after, 2)
    return Document(tuple(blocks), "pdf")


def test_split_right_after_the_header_without_repeating_it():
    before, rows, after = _rows_from_tsv()
    rep = extractor.parse_document(_doc(before, rows[:3], [], rows[3:], after))
    _check(rep, {"new": 2, "carried_forward": 2})


def test_split_inside_a_group_with_the_header_repeated():
    before, rows, after = _rows_from_tsv()
    cut = next(i for i, r in enumerate(rows) if any("4.保护第三方" in x for x in r))
    rep = extractor.parse_document(_doc(before, rows[:cut], [], rows[:3] + rows[cut:], after))
    _check(rep, {"denied.state_secret": 1, "denied.third_party": 2})


def test_fragment_with_another_column_count():
    # on page 2 the merged label area has no inner rules: one label column instead of two or three
    before, rows, after = _rows_from_tsv()
    cut = next(i for i, r in enumerate(rows) if any("（四）无法提供" in x for x in r))
    frag2 = [["".join(x for x in r[:-7] if x)] + r[-7:] for r in rows[cut:]]
    rep = extractor.parse_document(_doc(before, rows[:cut], ["- 3 -"], frag2, after))
    _check(rep, {"unable.not_held": 2, "denied.query_matters": 1})


@pytest.mark.parametrize(("at", "codes"), [
    (3, []),  # "（二）" alone names no row: it waits for the rest of its label, nothing to join
    (8, ["table.row_joined"]),  # "（二）部分公开（" names the row: the next line continues it
    (14, ["table.row_joined"]),
])
def test_row_cut_in_two_by_the_page_break(at, codes):
    before, rows, after = _rows_from_tsv()
    cut = next(i for i, r in enumerate(rows) if any("部分公开" in x for x in r))
    head = list(rows[cut])
    label_at = next(k for k, x in enumerate(head) if "部分公开" in x)
    first, second = head[label_at][:at], head[label_at][at:]
    top = head[:label_at] + [first] + [""] * (len(head) - label_at - 1)  # label start, no values yet
    bottom = [""] * label_at + [second] + head[label_at + 1:]  # rest of the label and the values
    rep = extractor.parse_document(_doc(before, rows[:cut] + [top], [], [bottom] + rows[cut + 1:], after))
    _check(rep, {"partly_granted": 2})
    assert rep.issue_codes() == codes
