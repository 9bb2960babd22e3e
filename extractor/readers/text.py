"""Text reader: the renderings scrapers and converters produce.

* tab-separated cells with merged cells collapsed (rows of different lengths);
* markdown pipe tables (``| a | b |`` with a ``|---|`` rule), possibly one table split
  into several by a converter (the table stage joins them again);
* flattened lines with ``|`` separators (``a|b|c``, rows ending in ``||``);
* one cell per line (left as Text lines; the table stage re-flows them by their labels).

Two scraped shapes are recognised on the whole text first (:mod:`.shapes`):

* **pipecells** — one cell per line ending in ``" |"``, rows ended by a line of pipes: each
  table becomes a Grid of source ``"pipes"`` (one row per logical row, ``where`` of a cell
  is its own line);
* **oneline** — a naive ``get_text()``, the whole body on one line with the table cells
  fused: the line is cut into its headings and sentences (Texts, ``where``
  ``{"line", "offset"}``) and, per table, a Grid of source ``"fused"`` whose rows are
  (label, digits as printed) — the reader never splits the digits; the tables stage does,
  against the template's arithmetic (see :class:`extractor.model.Grid`).

Every non-empty line that is not part of a table becomes a :class:`Text`.
"""

from __future__ import annotations

import re
from itertools import groupby

from ..errors import EmptyInput, LimitExceeded
from ..limits import DEFAULT_LIMITS, Limits, check_time
from ..model import Block, Cell, Document, Grid, GridSource, Issue, Text
from .encoding import decode_text
from .shapes import CellRows, Piece, detect_shape, looks_oneline, pipecell_blocks, sentences, split_oneline

_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_URLISH = re.compile(r"https?://|www\.", re.I)
# the line boundaries of str.splitlines()
_LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def _first_lines(text: str, max_lines: int) -> tuple[list[str], int | None]:
    """``text.splitlines()``, but at most ``max_lines`` of them without ever splitting more
    (a file of millions of short lines costs nothing past the limit); the second value is
    a lower bound of the number of lines when the text was cut, else None."""
    if text.count("\n") + text.count("\r") + text.count("\x0b") + text.count("\x0c") <= max_lines and not any(
        ch in text for ch in "\x1c\x1d\x1e\x85\u2028\u2029"
    ):
        return text.splitlines(), None
    cut = None
    for k, m in enumerate(_LINE_BREAK.finditer(text), 1):
        if k == max_lines:
            cut = m.start()
            break
    if cut is None or not text[cut:].strip():
        return text.splitlines(), None
    breaks = text.count("\n", cut) + text.count("\r", cut) - text.count("\r\n", cut)
    total = max_lines - 1 + breaks + (0 if text.endswith(("\n", "\r")) else 1)
    return text[:cut].splitlines(), total


def _line_kind(line: str) -> str:
    if "\t" in line and line.strip("\t \u3000"):
        return "tsv"
    s = line.strip()
    if not s:
        return "blank"
    if _MD_RULE.match(s) and "|" in s:
        return "mdrule"
    if s.startswith("|") and s.count("|") >= 2:
        return "md"
    if s.count("|") >= 1 and not _URLISH.search(s) and len(s) < 400:
        return "pipes"
    return "text"


def _split(line: str, kind: str) -> list[str]:
    if kind == "tsv":
        return [c.strip() for c in line.rstrip("\r\n").split("\t")]
    s = line.strip()
    if kind == "md":
        s = s[1:]
        if s.endswith("|") and not s.endswith("\\|"):
            s = s[:-1]
        return [c.strip() for c in s.split("|")]
    return [c.strip() for c in s.split("|")]


def _decoded(data: bytes, limits: Limits) -> tuple[list[str], list[Issue]]:
    """The lines of the text (at most ``limits.max_lines``) and the issues of decoding."""
    decoded = decode_text(data)
    text = decoded.text
    if len(text) > limits.max_text_chars:
        raise LimitExceeded("max_text_chars", f"the text has {len(text)} characters, over the limit "
                                              f"max_text_chars={limits.max_text_chars}")
    issues: list[Issue] = []
    if "\x00" in text:
        text = text.replace("\x00", "")
        issues.append(Issue("input.nul_bytes", "warning", "the text holds NUL bytes; they were removed"))
        if not text.strip():
            raise EmptyInput("the file holds nothing but NUL bytes and white space")
    if decoded.quality < 0.98:
        issues.append(Issue("input.encoding", "warning",
                            f"decoded as {decoded.encoding} with some undecodable bytes "
                            f"({(1 - decoded.quality) * 100:.1f}% of characters replaced)"))
    check_time("after decoding the text")
    lines, total = _first_lines(text, limits.max_lines)
    if total is not None:
        issues.append(Issue("limit.max_lines", "warning",
                            f"the text has about {total} lines; only the first max_lines={limits.max_lines} "
                            f"were read (the rest of the document is missing from this record)"))
    return lines, issues


def _table_run(lines: list[str], i: int, family: str) -> list[int]:
    """The indexes of the table lines from ``i`` on: tab-separated, or lines with "|"."""
    run: list[int] = []
    while i < len(lines):
        k = _line_kind(lines[i])
        if k == "blank" and family == "tsv" and "\t" in lines[i]:
            k = "tsv"  # a row of empty cells inside a tab-separated table (a data row left blank)
        if (family == "tsv") != (k == "tsv") or k in ("blank", "text"):
            break
        run.append(i)
        i += 1
    return run


def _table_block(lines: list[str], run: list[int], family: str, cells_before: int,
                 limits: Limits) -> tuple[Block | None, int]:
    """The block a run of table lines makes (a Grid, or a Text for a lone "a|b" line in
    prose), and the number of cells read so far."""
    source: GridSource = "tsv"
    if family == "bar":
        bar_lines = [lines[j].strip() for j in run]
        is_md = any(_line_kind(lines[j]) == "mdrule" for j in run) or all(
            b.startswith("|") and b.endswith("|") for b in bar_lines)
        source = "md" if is_md else "pipes"
    rows: list[tuple[Cell, ...]] = []
    cells_total = cells_before
    for j in run:
        if _line_kind(lines[j]) == "mdrule":
            continue
        parts = _split(lines[j], source)
        cells_total += len(parts)
        if cells_total > limits.max_cells:
            raise LimitExceeded("max_cells", f"more than max_cells={limits.max_cells} table cells")
        rows.append(tuple(Cell(p, {"line": j + 1, "column": c}) for c, p in enumerate(parts)))
    if not rows:
        return None, cells_total
    if source == "pipes" and len(rows) == 1 and len(rows[0]) <= 2:
        return Text(lines[run[0]].strip(), {"line": run[0] + 1}), cells_total
    return Grid(tuple(rows), {"line": run[0] + 1}, source=source), cells_total


def _count_cells(cells_total: int, more: int, limits: Limits) -> int:
    cells_total += more
    if cells_total > limits.max_cells:
        raise LimitExceeded("max_cells", f"more than max_cells={limits.max_cells} table cells")
    return cells_total


def _pipecell_blocks(lines: list[str], limits: Limits) -> list[Block]:
    """The blocks of a text whose tables stand one cell per line (``x |``, rows ended by
    ``||``)."""
    out: list[Block] = []
    cells_total = 0
    for b in pipecell_blocks(lines):
        if isinstance(b, CellRows):
            cells_total = _count_cells(cells_total, sum(len(r) for r in b.rows), limits)
            rows = tuple(tuple(Cell(c.text, {"line": c.line, "column": k}) for k, c in enumerate(r))
                         for r in b.rows)
            out.append(Grid(rows, {"line": b.line}, source="pipes"))
        else:
            out.append(Text(b.text, {"line": b.line}))
    return out


def _fused_grid(rows: list[Piece], line_no: int) -> Grid:
    cells = tuple(
        (Cell(p.text, {"line": line_no, "offset": p.start}),
         Cell(p.run or "", {"line": line_no, "offset": p.start + len(p.text)}))
        for p in rows)
    return Grid(cells, {"line": line_no, "offset": rows[0].start}, source="fused")


def _oneline_blocks(line: str, line_no: int, cells_total: int, limits: Limits) -> tuple[list[Block], int]:
    """The blocks of a one-line body: headings and sentences as Texts, each table's rows as
    a ``"fused"`` Grid (label, digits as printed); and the number of cells read so far."""
    out: list[Block] = []
    for (is_row, _table), group in groupby(split_oneline(line), key=lambda p: (p.kind == "row", p.table)):
        pieces = list(group)
        if is_row:
            cells_total = _count_cells(cells_total, 2 * len(pieces), limits)
            out.append(_fused_grid(pieces, line_no))
            continue
        for p in pieces:
            if p.kind == "heading":
                out.append(Text(p.text, {"line": line_no, "offset": p.start}))
            else:
                out.extend(Text(t.strip(), {"line": line_no, "offset": k}) for k, t in sentences(p.text, p.start))
    return out, cells_total


def read(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Document:
    lines, issues = _decoded(data, limits)
    shape = detect_shape(lines)
    if shape == "pipecells":
        return Document(tuple(_pipecell_blocks(lines, limits)), "text", issues=tuple(issues))
    # a one-line body is cut into its parts; the other lines of the text read as usual
    oneline = {k for k, x in enumerate(lines) if len(x) >= 300 and looks_oneline(x)} if shape == "oneline" else set()
    blocks: list[Block] = []
    cells_total = 0
    i = 0
    n = len(lines)
    next_check = 0
    while i < n:
        if i >= next_check:
            check_time(f"at line {i + 1} of {n}")
            next_check = i + 4096
        line = lines[i]
        if i in oneline:
            more, cells_total = _oneline_blocks(line, i + 1, cells_total, limits)
            blocks.extend(more)
            i += 1
            continue
        kind = _line_kind(line)
        if kind in ("blank", "mdrule"):
            i += 1
            continue
        if kind == "text":
            blocks.append(Text(line.strip(), {"line": i + 1}))
            i += 1
            continue
        family = "tsv" if kind == "tsv" else "bar"
        run = _table_run(lines, i, family)
        i = run[-1] + 1
        block, cells_total = _table_block(lines, run, family, cells_total, limits)
        if block is not None:
            blocks.append(block)
    return Document(tuple(blocks), "text", issues=tuple(issues))
