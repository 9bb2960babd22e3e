"""Scraped-text shapes the line-based text reader cannot read: pure functions, lines in, rows out.

Two shapes, both written by scrapers and converters (see fixtures/README.md, "Shapes"):

* **pipecells** — one cell per line ending in ``" |"``, a blank cell as a bare ``"|"`` line,
  the end of a row as a line of two or more pipes (``"||"``, ``"|||"``; header rows are
  often padded with ``"|||"``)::

      自然人 |
      |
      41 |
      ||

* **oneline** — a naive ``get_text()``: the whole body on one line, table cells fused with no
  separator (``…规章000行政规范性文件1524301…一、本年新收政府信息公开申请数量15620002160…``).

API, for readers/text.py:

``detect_shape(lines) -> "pipecells" | "oneline" | "lines"``
    ``"lines"`` means neither: read the lines as today.  Decided on the whole text: pipecells
    when at least 6 lines are cell lines (``x |``) and at least 2 are row ends (``||``) and
    the cell and row-end lines outnumber the pipe rows of other styles; oneline when one line
    holds at least two numbered section headings or a known table row label directly followed
    by a digit, and is at least 300 characters long.

``pipecell_blocks(lines) -> list[TextLine | CellRows]``
    The lines in order: every non-blank line outside a pipecell table as a :class:`TextLine`,
    every table (a run of cell, blank-cell and row-end lines) as a :class:`CellRows` whose rows
    hold the cells of each row in order (the *logical* cells, like ``<td>`` elements: a merged
    cell appears once).  Feed each ``CellRows`` to the table stage as a grid of source
    ``"pipes"`` (one row per line, logical cells), keeping ``CellText.line`` for positions.

``split_oneline(line) -> list[Piece]``
    The line cut into headings (``kind="heading"``, ``number`` 1-6), text between them
    (``"text"``) and, inside the table regions of sections 2, 3 and 4, table rows
    (``"row"``): the label as printed (``text``), the row it names (``table`` ``"s2"``/``"s3"``/
    ``"s4"`` and ``key``: a section-2 stem such as ``"normative"``, a section-3 row id such as
    ``"new"``, ``"row"`` for the section-4 data row) and the fused digits printed after it
    (``run``).  Headings are found in order (一 … 六) by their known wordings, Traditional
    Chinese and Taiwan vocabulary (資訊, 檔案) folded first; a table region starts at its
    first header word (第二十条/信息内容, 申请人情况/自然人, 结果维持) so numbers in the prose
    before a table are never read as cells.  A number that ends in a row label's numbering
    (``…00000002.其他法律…``) gives that digit back to the label.

``oneline_runs(pieces) -> dict[str, dict[str, str]]``
    The runs by table and key, ready for :mod:`extractor.fused`:
    ``recover_s2(runs["s2"], template)``, ``recover_s3(runs["s3"], rids)`` with ``rids`` the
    template's full row list (``[r.rid for r in templates.s3_rows(template, other_split)]``;
    rows missing from the text are then unknown and the identities they are in are not used),
    and ``recover_s4([runs["s4"]["row"]])``.  A row printed twice keeps its first run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..fused import label_row
from ..vocab import TAIWAN_WORDS

# ---------------------------------------------------------------- pipecells

_ROW_END = re.compile(r"^\|{2,}$")


@dataclass(frozen=True)
class TextLine:
    text: str
    line: int  # 1-based line number


@dataclass(frozen=True)
class CellText:
    text: str
    line: int


@dataclass(frozen=True)
class CellRows:
    rows: tuple[tuple[CellText, ...], ...]
    line: int  # first line of the table


def _pipe_kind(line: str) -> str:
    s = line.strip()
    if not s:
        return "blank"
    if s == "|":
        return "empty"
    if _ROW_END.match(s):
        return "end"
    if s.endswith("|") and s.count("|") == 1:  # "text |" (the text is not blank: s is stripped)
        return "cell"
    return "text"


def detect_shape(lines: Sequence[str]) -> str:
    """``"pipecells"``, ``"oneline"`` or ``"lines"`` (see the module docs)."""
    kinds = [_pipe_kind(x) for x in lines]
    cells = kinds.count("cell") + kinds.count("empty")
    ends = kinds.count("end")
    other_pipes = sum(1 for k, x in zip(kinds, lines, strict=True) if k == "text" and x.count("|") >= 2)
    if cells >= 6 and ends >= 2 and cells + ends > other_pipes:
        return "pipecells"
    for line in lines:
        if len(line) >= 300 and looks_oneline(line):
            return "oneline"
    return "lines"


def pipecell_blocks(lines: Sequence[str]) -> list[TextLine | CellRows]:
    """Text lines and pipecell tables, in order (see the module docs).  A run of cell lines
    with fewer than two row ends is not a table: its lines stay text."""
    out: list[TextLine | CellRows] = []
    block: list[int] = []  # 0-based indexes of the current run of cell / row-end lines

    def flush() -> None:
        kinds = [_pipe_kind(lines[k]) for k in block]
        if kinds.count("end") < 2:
            out.extend(TextLine(lines[k].strip(), k + 1) for k, kind in zip(block, kinds, strict=True)
                       if kind != "empty")
        else:
            rows: list[tuple[CellText, ...]] = []
            row: list[CellText] = []
            for k, kind in zip(block, kinds, strict=True):
                if kind == "end":
                    rows.append(tuple(row))
                    row = []
                else:
                    row.append(CellText(lines[k].strip()[:-1].strip(), k + 1))
            out.append(CellRows(tuple(rows + ([tuple(row)] if row else [])), block[0] + 1))
        block.clear()

    for i, line in enumerate(lines):
        kind = _pipe_kind(line)
        if kind in ("cell", "empty", "end"):
            block.append(i)
            continue
        if block:
            flush()
        if kind != "blank":
            out.append(TextLine(line.strip(), i + 1))
    if block:
        flush()
    return out


# ---------------------------------------------------------------- oneline

@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    from ..t2s_data import T2S
    from ..vocab import _FW

    table = {ord(t): s for t, s in T2S.items()}
    for k, v in _FW.items():
        if v is not None and k not in (0x3001,):  # keep 、 (headings are matched with it)
            table[k] = chr(v) if isinstance(v, int) else v
    return table


@lru_cache(maxsize=16)  # detect_shape, split_oneline and find_headings fold the same line
def fold(text: str) -> str:
    """``text`` with Traditional characters, Taiwan vocabulary and full-width ASCII folded,
    one character for one character (offsets into the fold are offsets into ``text``)."""
    out = text.translate(_fold_table())
    for tw, cn in TAIWAN_WORDS:
        out = out.replace(tw, cn)
    return out


_N = r"[、.]\s*"
HEADINGS: dict[int, re.Pattern[str]] = {
    1: re.compile(r"一" + _N + r"(?:总体情况|主要工作概述|基本工作情况|概述)"),
    2: re.compile(r"二" + _N + r"(?:行政机关)?主动公开(?:政府)?信息(?:的)?情况"),
    3: re.compile(r"三" + _N + r"(?:行政机关)?(?:收到和处理政府信息公开申请|依申请公开政府信息)(?:的)?情况"),
    4: re.compile(r"四" + _N + r"[^。0-9]{0,24}?(?:行政复议|行政诉讼)[^。0-9]{0,16}?情况"),
    5: re.compile(r"五" + _N + r"[^。0-9]{0,16}?存在的?主要问题[^。0-9]{0,8}?(?:情况|措施)"),
    6: re.compile(r"六" + _N + r"其他需要报告的事项"),
}
# where a table's cells begin inside its section (prose before it is never cells)
_TABLE_START = {2: re.compile(r"第二十条|信息内容"), 3: re.compile(r"[(（]?本列数据|申请人情况|自然人"),
                4: re.compile(r"行政复议\s*行政诉讼|结果维持")}
_TABLE_OF = {2: "s2", 3: "s3", 4: "s4"}
_RUN = re.compile(r"[+\-]?[0-9][0-9,.+\-]*(?:万元|亿元|千元|元)?")
_LABEL_NUMBER = re.compile(r"[0-9][.]$")  # "…00000002." : the "2." numbers the next label


@dataclass(frozen=True)
class Piece:
    kind: str  # "heading" | "text" | "row"
    text: str  # heading or text as printed; for rows the label as printed
    start: int  # offset in the line
    number: int | None = None  # section number of a heading
    table: str | None = None  # "s2" | "s3" | "s4" for rows
    key: str | None = None  # s2 stem, s3 row id, "row" for the s4 data row
    run: str | None = None  # the fused cells printed after the label


_DIGIT = re.compile(r"[0-9０-９]")
_NUMBERED = re.compile(r"[一二三四五六][、.．]")


def looks_oneline(line: str) -> bool:
    """Whether a line holds a one-line body: two numbered section headings, or the first
    section-3 row label followed by its digits.  Two cheap tests on the raw line first (a
    digit, and two numerals followed by 、 or a dot), so a long line of anything else is
    never folded."""
    if _DIGIT.search(line) is None or len(_NUMBERED.findall(line, 0, 2_000_000)) < 2:
        return False
    f = fold(line)
    found = sum(1 for rx in HEADINGS.values() if rx.search(f))
    return found >= 2 or re.search(r"本年新收政府信息公开申请数量[0-9]", f) is not None


def find_headings(line: str) -> list[tuple[int, int, int]]:
    """(number, start, end) of the section headings in ``line``, in order."""
    f = fold(line)
    out: list[tuple[int, int, int]] = []
    pos = 0
    for n, rx in HEADINGS.items():
        m = rx.search(f, pos)
        if m:
            out.append((n, m.start(), m.end()))
            pos = m.end()
    return out


def _table_rows(line: str, folded: str, table: str, start: int, end: int) -> list[Piece]:
    """(label, run) pieces of one table region ``line[start:end]``."""
    out: list[Piece] = []
    label_start = start
    pos = start
    while True:
        m = _RUN.search(folded, pos, end)
        if m is None:
            break
        a, b = m.start(), m.end()
        run = line[a:b]
        give_back = 0
        if _LABEL_NUMBER.search(run) and b < end and not folded[b:b + 1].isdigit():
            give_back = 2  # "2." belongs to the next label
        elif b < end and folded[b:b + 1] == "、" and run[-1:].isdigit():
            give_back = 1  # "2、" as well
        run = run[: len(run) - give_back]
        pos = b
        if not run:  # only a label's numbering ("（三）不予公开1.属于…"): part of the label
            continue
        label = line[label_start:a]
        key = label_row(table, fold(label)) if table != "s4" else (
            "row" if "结果维持" in fold(label) or out == [] else None)
        if label.strip():
            out.append(Piece("row", label, label_start, table=table, key=key, run=run))
            label_start = b - give_back
    if label_start < end and line[label_start:end].strip():
        out.append(Piece("text", line[label_start:end], label_start))
    return out


def split_oneline(line: str) -> list[Piece]:
    """Headings, text and table rows of a one-line body (see the module docs)."""
    folded = fold(line)
    heads = find_headings(line)
    out: list[Piece] = []
    first = heads[0][1] if heads else len(line)
    if line[:first].strip():
        out.append(Piece("text", line[:first], 0))
    for k, (n, a, b) in enumerate(heads):
        out.append(Piece("heading", line[a:b], a, number=n))
        end = heads[k + 1][1] if k + 1 < len(heads) else len(line)
        rx = _TABLE_START.get(n)
        m = rx.search(folded, b, end) if rx else None
        if m is None:
            if line[b:end].strip():
                out.append(Piece("text", line[b:end], b))
            continue
        if line[b:m.start()].strip():
            out.append(Piece("text", line[b:m.start()], b))
        out += _table_rows(line, folded, _TABLE_OF[n], m.start(), end)
    return out


_SENTENCE_END = re.compile(r"(?<=[。！？])(?![”’」』）)])|(?<=年度报告)(?=本报告|根据|依据|按照)")
_TRAILING_DATE = re.compile(r"(?<=\D)(?:\d{4}|[〇零○一二三四五六七八九]{4})年[0-9一二三四五六七八九十]{1,3}月"
                            r"[0-9一二三四五六七八九十]{1,3}日$")


def sentences(text: str, start: int = 0) -> list[tuple[int, str]]:
    """A text piece of a one-line body cut back into lines: after each sentence (。！？),
    after the report title (…年度报告 followed by 本报告…), and before a date that ends the
    text (the signature 临江县人民政府2022年1月25日).  (offset, text) each, offsets into the
    line (``start`` is the piece's)."""
    out: list[tuple[int, str]] = []
    pos = 0
    f = fold(text)
    for m in _SENTENCE_END.finditer(f):
        if m.start() > pos:
            out.append((start + pos, text[pos:m.start()]))
        pos = m.start()
    out.append((start + pos, text[pos:]))
    last_at, last = out[-1]
    date = _TRAILING_DATE.search(fold(last))
    if date and date.start() > 0:
        cut = date.start()
        out[-1:] = [(last_at, last[:cut]), (last_at + cut, last[cut:])]
    return [(k, t) for k, t in out if t.strip()]


def oneline_runs(pieces: Sequence[Piece]) -> dict[str, dict[str, str]]:
    """The fused runs by table and row key (the first run of a row printed twice)."""
    out: dict[str, dict[str, str]] = {"s2": {}, "s3": {}, "s4": {}}
    for p in pieces:
        if p.kind == "row" and p.table and p.key and p.run is not None:
            out[p.table].setdefault(p.key, p.run)
    return out
