"""Text reader: the renderings scrapers and converters produce.

* tab-separated cells with merged cells collapsed (rows of different lengths);
* markdown pipe tables (``| a | b |`` with a ``|---|`` rule), possibly one table split
  into several by a converter (the table stage joins them again);
* flattened lines with ``|`` separators (``a|b|c``, rows ending in ``||``);
* one cell per line (left as Text lines; the table stage re-flows them by their labels).

Every non-empty line that is not part of a table becomes a :class:`Text`.
"""

from __future__ import annotations

import re

from ..errors import EmptyInput, LimitExceeded
from ..limits import DEFAULT_LIMITS, Limits
from ..model import Block, Cell, Document, Grid, Issue, Text
from .encoding import decode_text

_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_URLISH = re.compile(r"https?://|www\.", re.I)


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


def read(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Document:
    decoded = decode_text(data)
    text = decoded.text
    if len(text) > limits.max_text_chars:
        raise LimitExceeded("max_text_chars", f"text has {len(text)} characters, over max_text_chars")
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
    lines = text.splitlines()
    blocks: list[Block] = []
    cells_total = 0
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        kind = _line_kind(line)
        if kind in ("blank", "mdrule"):
            i += 1
            continue
        if kind == "text":
            blocks.append(Text(line.strip(), {"line": i + 1}))
            i += 1
            continue
        # a run of table lines: tab-separated, or lines with "|" (markdown or flattened)
        family = "tsv" if kind == "tsv" else "bar"
        start = i
        run: list[int] = []
        while i < n:
            k = _line_kind(lines[i])
            if (family == "tsv") != (k == "tsv") or k in ("blank", "text"):
                break
            run.append(i)
            i += 1
        if family == "bar":
            bar_lines = [lines[j].strip() for j in run]
            is_md = any(_line_kind(lines[j]) == "mdrule" for j in run) or all(
                b.startswith("|") and b.endswith("|") for b in bar_lines)
            family = "md" if is_md else "pipes"
        rows: list[tuple[Cell, ...]] = []
        for j in run:
            if _line_kind(lines[j]) == "mdrule":
                continue
            parts = _split(lines[j], family)
            cells_total += len(parts)
            if cells_total > limits.max_cells:
                raise LimitExceeded("max_cells", f"more than max_cells={limits.max_cells} table cells")
            rows.append(tuple(Cell(p, {"line": j + 1, "column": c}) for c, p in enumerate(parts)))
        if not rows:
            continue
        if family == "pipes" and len(rows) == 1 and len(rows[0]) <= 2:
            # a lone "a|b" line in prose is text, not a table
            blocks.append(Text(lines[start].strip(), {"line": start + 1}))
            continue
        blocks.append(Grid(tuple(rows), {"line": start + 1}, source=family))
    return Document(tuple(blocks), "text", issues=tuple(issues))
