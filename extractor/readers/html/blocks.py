"""The report's elements → Text lines and Grids (steps 5 and 6 of the HTML reader): tables
with their spans rebuilt, layout tables read as text, images and attachments turned into
gap issues, and the fallback for markup lxml cannot parse."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ...errors import LimitExceeded
from ...limits import Limits, check_time
from ...model import Block, Cell, Document, Grid, Issue, Text
from ...vocab import heading_number
from ._common import _BLOCK_TAGS, _GRID, _IMG, _SEP, _TABLE_PART_TAGS, _WS_RUN, MAX_COLSPAN, _norm_lines
from .decode import _strip_raw_text

_ICON_SRC = re.compile(
    r"icon|logo|share|print|close|qrcode|erweima|ewm|weixin|weibo|wechat|blank|spacer|dot\.|arrow|bullet|button|btn", re.I
)


# where a page that only redirects sends the reader (script or meta refresh)
_REDIRECT = re.compile(
    r"""(?:(?:window|document|top|self|parent)\.)?location(?:\.href)?\s*=\s*["']([^"']{1,500})["']"""
    r"""|location\.(?:replace|assign)\(\s*["']([^"']{1,500})["']"""
    r"""|<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']?\s*\d*\s*;?\s*url\s*=\s*([^"'>\s]{1,500})""",
    re.I,
)


def _span(value: str | None, bound: int, zero: int = 1) -> int:
    """A rowspan/colspan attribute as browsers read it (leading digits, else 1), bounded;
    ``zero`` is what 0 means (rowspan=0: the rest of the table; colspan=0: 1)."""
    if not value:
        return 1
    m = re.match(r"\s*(\d{1,7})", value)
    if not m:
        return 1
    n = int(m.group(1))
    return min(zero if n == 0 else n, bound)


_CELL_SPECIAL = re.compile(rf"[\s\u200b\u200c\u200d\u2060\ufeff{_SEP}]")


def _cell_text(td: Any) -> str:
    """A cell's text: lines (``<br>``, paragraphs) joined by ``\\n``, white space collapsed."""
    raw = td.text or "" if len(td) == 0 else "".join(td.itertext())
    if not _CELL_SPECIAL.search(raw):
        return raw
    stripped = raw.strip(_SEP)
    if not _CELL_SPECIAL.search(stripped):
        return stripped
    return "\n".join(_norm_lines(raw))


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise LimitExceeded(
                "max_cells",
                f"the page's tables have more than max_cells={self.limit} cells (after spans are expanded)",
            )


_ZERO_HEIGHT = re.compile(r"^\s*[0-2](?:\.\d*)?\s*(?:px|pt)?\s*$")


def _spacer_row(tr: Any, tds: list[Any]) -> bool:
    """An empty row that only shapes the layout: no cells, or one (a spacer across the
    table), or zero height (Word's trailing width row), hidden, or cells without borders.
    A row of several empty bordered cells is data left blank (a 复议 row of blanks) and is
    kept."""
    if len(tds) <= 1:
        return True
    style = (tr.get("style") or "").replace(" ", "").lower()
    if _ZERO_HEIGHT.match(tr.get("height") or "x") or "display:none" in style or re.search(r"height:0(?![.\d])", style):
        return True
    return all("border:none" in (td.get("style") or "").replace(" ", "").lower() for td in tds)


def _grid(table: Any, t: int, budget: _Budget) -> Grid | None:
    """The table as a full rectangle, or None when it is not a data table."""
    trs = list(table.iter("tr"))
    nrows = len(trs)
    slots: list[list[Cell | None]] = []
    r = 0
    has_pair = False
    any_text = False
    for i, tr in enumerate(trs):
        if i & 1023 == 1023:
            check_time(f"at row {i + 1} of table {t + 1}")
        tds = [td for td in tr if td.tag == "td" or td.tag == "th"]
        texts = [_cell_text(td) for td in tds]
        if len(slots) <= r:
            slots.append([])
        row = slots[r]
        covered = any(x is not None for x in row)
        if not covered and not any(texts) and all(_span(td.get("rowspan"), 2, zero=2) == 1 for td in tds) \
                and _spacer_row(tr, tds):
            continue  # an empty row that is layout (Word's trailing width row, spacer rows)
        c = 0
        origins = 0
        for td, text in zip(tds, texts, strict=True):
            if len(text) > 400:
                return None  # running text: a layout table
            width = len(row)
            while c < width and row[c] is not None:
                c += 1
            rs_attr = td.get("rowspan")
            cs_attr = td.get("colspan")
            rs = _span(rs_attr, nrows - i, zero=nrows - i) if rs_attr else 1
            cs = _span(cs_attr, MAX_COLSPAN) if cs_attr else 1
            budget.take(rs * cs)
            cell = Cell(text=text, where={"table": t, "row": r, "column": c}, rowspan=rs, colspan=cs)
            if rs == 1 and cs == 1:
                if c == width:
                    row.append(cell)
                else:
                    row[c] = cell
            else:
                copy = Cell(text=text, where=cell.where, rowspan=rs, colspan=cs, origin=False)
                for dr in range(rs):
                    while len(slots) <= r + dr:
                        slots.append([])
                    target = slots[r + dr]
                    if len(target) < c + cs:
                        target.extend([None] * (c + cs - len(target)))
                    target[c:c + cs] = [copy] * cs
                row[c] = cell
            c += cs
            origins += 1
            any_text = any_text or bool(text)
        has_pair = has_pair or origins >= 2
        r += 1
    if not has_pair or not any_text:
        return None
    # the full rectangle: slots no cell covers (rows with fewer cells than the widest, holes
    # left by spans) hold an empty cell of their own, as a browser shows an empty area there
    width = max((len(row) for row in slots[:r]), default=0)
    budget.take(sum(width - len(row) for row in slots[:r]))
    rows: list[tuple[Cell, ...]] = []
    for ri, row in enumerate(slots[:r]):
        rows.append(tuple(
            x if x is not None else Cell(text="", where={"table": t, "row": ri, "column": ci})
            for ci, x in enumerate(row + [None] * (width - len(row)))
        ))
    return Grid(rows=tuple(rows), where={"table": t}, source="html")


@dataclass(frozen=True)
class _Img:
    """Where content image ``index`` stood (used for gap issues and OCR, not a block)."""

    index: int
    #: its ``src`` as written ("" when it has none)
    src: str = ""


def _blocks(root: Any, limits: Limits, issues: list[Issue]) -> tuple[list[Block | _Img], list[str]]:
    """Text lines and grids of ``root`` in document order, image places; the image sources.
    Lines past ``limits.max_lines`` are dropped (``limit.max_lines`` issue)."""
    etree.strip_elements(root, "o:p", with_tail=False)
    for el in root.iter(*_BLOCK_TAGS):
        if el.tag != "br":
            el.text = _SEP + el.text if el.text else _SEP
        el.tail = _SEP + el.tail if el.tail else _SEP
    grids: list[Grid] = []
    budget = _Budget(limits.max_cells)
    for k, table in enumerate(list(root.iter("table"))):
        check_time(f"at table {k + 1} of the page")
        if table.find(".//table") is not None:
            continue  # a layout table: read as text, its inner tables as grids
        grid = _grid(table, len(grids), budget)
        if grid is None:
            continue
        caption = table.find("caption")
        mark = etree.Element("x-grid")
        mark.text = (_SEP + "".join(caption.itertext()) if caption is not None else "") + f"{_SEP}{_GRID}{len(grids)}{_GRID}{_SEP}"
        mark.tail = table.tail
        grids.append(grid)
        parent = table.getparent()
        if parent is None:
            root = mark
        else:
            parent.replace(table, mark)
    for el in root.iter(*_TABLE_PART_TAGS):
        el.text = _SEP + el.text if el.text else _SEP
        el.tail = _SEP + el.tail if el.tail else _SEP
    images: list[str] = []
    srcs: list[str] = []
    for img in root.iter("img"):
        src = (img.get("src") or "").strip()
        if _is_icon(img, src):
            continue
        img.tail = f"{_SEP}{_IMG}{len(images)}{_IMG}{_SEP}" + (img.tail or "")
        images.append(src or img.get("alt") or "(no src)")
        srcs.append(src)
    out: list[Block | _Img] = []
    lines = _norm_lines("".join(root.itertext()))
    n_text = 0
    for k, line in enumerate(lines):
        if line[0] == _GRID and line[-1] == _GRID and len(line) > 2:
            out.append(grids[int(line[1:-1])])
        elif line[0] == _IMG and line[-1] == _IMG and len(line) > 2:
            out.append(_Img(int(line[1:-1]), srcs[int(line[1:-1])]))
        else:
            n_text += 1
            if n_text > limits.max_lines:
                issues.append(Issue(
                    code="limit.max_lines", severity="warning",
                    message=f"the page has about {len(lines) - k + limits.max_lines} lines of text; only the "
                            f"first max_lines={limits.max_lines} were read (the rest of the page is missing "
                            f"from this record)",
                ))
                break
            out.append(Text(text=line))
    return out, images


def _is_icon(img: Any, src: str) -> bool:
    for attr in ("width", "height"):
        m = re.match(r"\s*(\d+)", img.get(attr) or "")
        if m and int(m.group(1)) < 48:
            return True
    return bool(_ICON_SRC.search(src.rsplit("/", 1)[-1]))


def _with_title(blocks: list[Block | _Img], title: str) -> list[Block | _Img]:
    """Put the page title first unless the body already starts with it."""
    key = _WS_RUN.sub("", title)
    seen = ""
    for b in blocks[:8]:
        if isinstance(b, Text):
            seen += _WS_RUN.sub("", b.text)
            if key in seen:
                return blocks
    return [Text(text=title), *blocks]


_SECTION_NAMES = {2: "二、主动公开政府信息情况", 3: "三、收到和处理政府信息公开申请情况", 4: "四、行政复议、行政诉讼情况"}


def _gaps(items: list[Block | _Img], images: list[str], attachments: list[str]) -> tuple[list[Block], list[Issue]]:
    """The final blocks (numbered ``where={"block": i}``) and the reader's gap issues:
    tables published as images, attachment-only pages, pages without text."""
    section = 0
    headings = 0
    grids_in: dict[int, int] = {}
    images_in: dict[int, list[int]] = {}
    text_chars = 0
    blocks: list[Block] = []
    for b in items:
        if isinstance(b, _Img):
            images_in.setdefault(section, []).append(b.index)
            continue
        if isinstance(b, Grid):
            grids_in[section] = grids_in.get(section, 0) + 1
        else:
            text_chars += len(b.text)
            n = heading_number(b.text) if len(b.text) <= 60 else None
            if n:
                section = n
                headings += 1
            b = Text(text=b.text, where={"block": len(blocks)})
        blocks.append(b)
    n_grids = sum(grids_in.values())
    issues: list[Issue] = []
    for n in (2, 3, 4):
        if images_in.get(n) and not grids_in.get(n):
            srcs = [images[k] for k in images_in[n]]
            issues.append(Issue(
                code="gap.table_image", severity="error",
                message=f"section {_SECTION_NAMES[n]}: the table is published as an image "
                        f"({', '.join(srcs[:3])}); its values cannot be read from the HTML",
                where={"section": n, "images": srcs[:10]},
            ))
    if not issues and images and n_grids == 0:
        issues.append(Issue(
            code="gap.table_image", severity="error",
            message=f"the page has no tables but {len(images)} content image(s) "
                    f"({', '.join(images[:3])}): the report's tables (or the whole report) are "
                    f"published as images; no values can be read from the HTML",
            where={"images": images[:10]},
        ))
    if attachments and n_grids == 0 and headings < 2 and text_chars < 600:
        issues.append(Issue(
            code="gap.attachment_only", severity="error",
            message=f"the page only links to the report as an attachment ({', '.join(attachments[:3])}); "
                    f"parse the attached file instead",
            where={"attachments": attachments[:10]},
        ))
    return blocks, issues


def _redirect_issue(text: str) -> Issue | None:
    """A page without text that only redirects (script or meta refresh) says where to."""
    m = _REDIRECT.search(text)
    if not m:
        return None
    target = next(g for g in m.groups() if g).strip()
    return Issue(code="gap.redirect", severity="error",
                 message=f"the page has no text: it only redirects (script or meta refresh) to {target}; "
                         f"the report is at that address (it was not fetched)",
                 where={"target": target})


def _no_body_issue(hints: dict[str, str], frames: list[str]) -> Issue:
    title = f" (its title: {hints['title']})" if hints.get("title") else ""
    framed = (f"; its content is in frames ({', '.join(frames[:3])}), which were not fetched" if frames else "")
    return Issue(code="input.no_body", severity="error",
                 message=f"the HTML page has no body, only a head{title}{framed}: no report text is on it",
                 where={"frames": frames[:10]} if frames else None)


def _fallback(text: str, issues: list[Issue], hints: dict[str, str] | None = None) -> Document:
    """The parse gave no text: strip the tags by hand rather than return an empty page."""
    stripped = _strip_raw_text(text)
    stripped = re.sub(r"<br\b[^<>]*>|</(?:p|div|tr|td|th|li|h\d)\s*>", _SEP, stripped, flags=re.I)
    stripped = re.sub(r"<[^<>]*>", " ", stripped)
    for ent, ch in (("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&amp;", "&")):
        stripped = stripped.replace(ent, ch)
    lines = _norm_lines(stripped)
    blocks = tuple(Text(text=s, where={"block": i}) for i, s in enumerate(lines))
    redirect = _redirect_issue(text) if not blocks else None
    if blocks:
        issue = Issue(code="input.html_unparsed", severity="warning",
                      message="the HTML parser found no text in the page body; the text was read by stripping the tags")
    elif redirect:
        issue = redirect
    else:
        issue = Issue(code="input.no_text", severity="error", message="the HTML page has no readable text or tables")
    return Document(blocks=blocks, format="html", hints=hints or {}, issues=(*issues, issue))
