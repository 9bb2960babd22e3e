"""Which ruled grids are data tables: the rest is page layout or a page's metadata box.

Word and WPS shade headings and paragraphs, draw page borders and text boxes; a page
printed from a browser keeps the site's boxes (header, menu, info box, a frame around the
article). pdfplumber's table finder turns every such rectangle into a grid. A grid is a data
table only when it looks like one: more than one column holding text, and cells that are
short (labels and numbers), not paragraphs. Otherwise it is *layout*: the reader drops the
grid and its characters go back into the document's lines in reading order, so a shaded
heading stays a heading and a framed paragraph stays a paragraph.

A grid whose cells are ``label：value`` pairs of a publication record (索引号, 发布机构,
发文日期 …, :data:`~.words.BOX_LABELS`) is the *info box* of a printed government web page:
not report text; its issuer, date and title become the Document's hints (as the HTML reader
reads the same box).

Every box the reader leaves out this way (and every one-cell box ``grids`` drops: a framed
or shaded paragraph, a page border) is told to :data:`LAYOUT_OBSERVER` when one is set, as a
:class:`LayoutBox` (page, box, why): ``extractor debug`` draws them.

Used by ``grids`` (every grid found is classified) and by ``__init__`` (the hints).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from ...model import Block, Cell, Grid, Text
from .words import BOX_DATE_KEYS, BOX_ISSUER_KEYS, BOX_LABEL_RE, BOX_TITLE_KEYS

__all__ = ["grid_kind", "grid_verdict", "box_hints", "text_box", "LayoutBox", "LAYOUT_OBSERVER", "tell_dropped"]

GridKind = Literal["table", "layout", "infobox"]


@dataclass(frozen=True)
class LayoutBox:
    """A ruled box the reader did not read as a table: its page (1-based), its box in points
    from the top-left corner of the page as displayed, and why (:data:`WHY`)."""

    page: int
    bbox: tuple[float, float, float, float]
    why: str


#: why a box is left out (``LayoutBox.why``)
WHY = {
    "one-cell": "one cell: a framed or shaded paragraph, a page border",
    "empty": "no text in its cells",
    "single-column": "a single column: a frame or shaded lines around text",
    "one-row": "one row of two words, no number (nor 无, —): a box such as a search box",
    "paragraphs": "its cells hold paragraphs: a box around prose",
    "infobox": "a web page's info box (索引号, 发布机构 …): its fields are hints, not report text",
}

#: set (``LAYOUT_OBSERVER.set(callback)``) to be told every box the reader leaves out
LAYOUT_OBSERVER: ContextVar[Callable[[LayoutBox], None] | None] = ContextVar("LAYOUT_OBSERVER", default=None)


def tell_dropped(g: Grid, why: str) -> None:
    """Tell the observer (if one is set) that grid ``g`` is left out, and why (a key of :data:`WHY`)."""
    observe = LAYOUT_OBSERVER.get()
    if observe is None:
        return
    b = g.where["bbox"]
    observe(LayoutBox(int(g.where["page"]), (float(b[0]), float(b[1]), float(b[2]), float(b[3])), why))

# a cell holding a paragraph: a sentence end inside or after a long run of text
_SENTENCE = re.compile(r"[。；！？]")
_PARAGRAPH_CHARS = 40
_NUMBER = re.compile(r"[\d,.\s]+")
_NO_NUMBER = frozenset({"无", "—", "–", "-", "/", "／"})  # what a report prints in a value cell for no number
_DATE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")


def _texts(g: Grid) -> list[str]:
    return [c.text.strip() for r in g.rows for c in r if c.origin and c.text.strip()]


def _is_paragraph(text: str) -> bool:
    return len(text) >= _PARAGRAPH_CHARS and bool(_SENTENCE.search(text[:-1]) or text.endswith("。"))


def grid_kind(g: Grid) -> GridKind:
    """``table``, ``layout`` (boxes around prose, a one-column frame) or ``infobox``."""
    return grid_verdict(g)[0]


def grid_verdict(g: Grid) -> tuple[GridKind, str]:
    """The grid's kind and why (a key of :data:`WHY`; ``""`` for a table)."""
    texts = _texts(g)
    if not texts:
        return "layout", "empty"
    if len(_box_fields(g)) >= 2:
        return "infobox", "infobox"
    used_cols = {j for r in g.rows for j, c in enumerate(r) if c.origin and c.text.strip()}
    used_rows = sum(1 for r in g.rows if any(c.origin and c.text.strip() for c in r))
    if len(used_cols) <= 1:
        return "layout", "single-column"
    if used_rows <= 1 and len(used_cols) < 3 and not any(_NUMBER.fullmatch(t) or t in _NO_NUMBER for t in texts):
        return "layout", "one-row"  # a one-row box of two words (a search box), no table fragment
    paragraphs = sum(1 for t in texts if _is_paragraph(t))
    if 2 * paragraphs >= len(texts):
        return "layout", "paragraphs"
    return "table", ""


def _box_fields(g: Grid) -> dict[str, str]:
    """``label：value`` pairs of an info box grid: a label cell and the value cell right of it,
    or both in one cell."""
    fields: dict[str, str] = {}
    for r in g.rows:
        cells = [c for c in r if c.origin]
        for k, c in enumerate(cells):
            text = re.sub(r"\s+", "", c.text)
            m = BOX_LABEL_RE.fullmatch(text) or BOX_LABEL_RE.match(text)
            if m is None:
                continue
            label = re.sub(r"\s+", "", m.group(1))
            value = text[m.end():]
            if not value and k + 1 < len(cells) and not BOX_LABEL_RE.match(re.sub(r"\s+", "", cells[k + 1].text)):
                value = cells[k + 1].text.strip()
            if label not in fields:
                fields[label] = value
    return {k: v for k, v in fields.items() if k}


def box_hints(g: Grid) -> dict[str, str]:
    """The issuer, publication date (``YYYY-MM-DD``) and title an info box names."""
    fields = _box_fields(g)
    hints: dict[str, str] = {}
    issuer = next((fields[k] for k in BOX_ISSUER_KEYS if 2 <= len(fields.get(k, "")) <= 60), None)
    if issuer and not re.search(r"(网|网站|本站)$", issuer):
        hints["issuer"] = issuer
    for k in BOX_DATE_KEYS:
        m = _DATE.search(fields.get(k, ""))
        if m:
            y, mo, d = m.groups()
            hints["published"] = f"{y}-{int(mo):02d}-{int(d):02d}"
            break
    title = next((fields[k] for k in BOX_TITLE_KEYS if fields.get(k)), None)
    if title and "报告" in title:
        hints["title"] = title
    return hints


Box = tuple[float, float, float, float]


def sort_grids(grids_by_page: dict[int, list[Grid]]) -> tuple[dict[int, list[Grid]], dict[int, list[Box]], dict[str, str]]:
    """The data tables of each page; the boxes of the info boxes (their text is not report
    text: the reader leaves it out); the hints the first info box gives. Layout grids are
    dropped, their text is read as lines."""
    tables: dict[int, list[Grid]] = {}
    hidden: dict[int, list[Box]] = {}
    hints: dict[str, str] = {}
    for page, grids in grids_by_page.items():
        for g in grids:
            kind, why = grid_verdict(g)
            if kind == "table":
                tables.setdefault(page, []).append(g)
                continue
            tell_dropped(g, why)
            if kind == "infobox":
                b = g.where["bbox"]
                hidden.setdefault(page, []).append((b[0], b[1], b[2], b[3]))
                for k, v in box_hints(g).items():
                    hints.setdefault(k, v)
    return tables, hidden, hints


_BOX_LINES = 30  # an info box printed as text stands among the page's first lines
_BOX_MIN_LABELS = 3


def text_box(blocks: list[Block]) -> tuple[list[Block], dict[str, str]]:
    """An info box printed without rules (text lines ``索引号：… 主题分类：…``) among the
    first lines: its lines left out of the blocks, and its hints (as :func:`box_hints`). At
    least :data:`_BOX_MIN_LABELS` box labels on two lines or more, each line starting with one."""
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    for k, b in enumerate(blocks[:_BOX_LINES]):
        if not isinstance(b, Text):
            continue
        starts = [m.start() for m in BOX_LABEL_RE.finditer(b.text)]
        if starts and not b.text[: starts[0]].strip():
            cuts = [*starts, len(b.text)]
            rows.append((k, tuple(Cell(b.text[a:z].strip(), dict(b.where)) for a, z in zip(cuts, cuts[1:], strict=False))))
    if len(rows) < 2 or sum(len(cells) for _, cells in rows) < _BOX_MIN_LABELS:
        return blocks, {}
    hints = box_hints(Grid(tuple(cells for _, cells in rows), {}))
    drop = {k for k, _ in rows}
    return [b for k, b in enumerate(blocks) if k not in drop], hints
