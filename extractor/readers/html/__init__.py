"""HTML reader: a scraped web page (CMS page, Word export, portal with site chrome) →
:class:`~extractor.model.Document`.

The reader (modules :mod:`.decode`, :mod:`.page`, :mod:`.blocks`) only turns markup into
lines and grids; recognising tables is the pipeline's
job. What it does, in one parse and a few C-level passes over the lxml tree:

1. **Decode** the bytes itself: valid UTF-8 is UTF-8 whatever the page declares (GBK text
   never is); otherwise a GB-family declaration (``<meta charset>``, ``http-equiv``
   content type, XML declaration) or none means gb18030 when the bytes decode so, and
   anything else goes to :func:`~extractor.readers.encoding.decode_text` with the
   declaration as a hint (Western declarations are ignored: the bytes decide). Remove
   control characters, the XML declaration and any DOCTYPE internal subset or entity
   declaration (entities are never resolved, nothing is fetched: the parser has
   ``no_network=True``; libxml2's HTML parser has no entity expansion to switch off).
2. **Parse** with lxml's libxml2 HTML parser. ``huge_tree`` is switched on only when the
   plain parse hits a resource limit (depth 256, text nodes over 10 MB); when markup is
   nested deeper than libxml2 keeps even then (2048 levels; it would silently drop the
   rest of the page), a tokenizer first flattens it to ``min(limits.max_depth, 1948)``
   levels (the text is kept, the structure below that depth is lost, and a
   ``limit.max_depth`` issue says so). Nothing here recurses in Python.
3. **Hints**: the 索引号 / 发布机构 / 发文日期 (成文日期, 发布日期) box, else the standard
   CMS ``<meta name="ArticleTitle|PubDate|ContentSource">`` tags, an ``<h1>`` or the
   ``<title>`` part that holds 报告, give ``Document.hints`` ``issuer``, ``published``
   (YYYY-MM-DD) and ``title``. The box itself is removed from the body; the title becomes
   the first line when the body does not start with it.
4. **Body**: the report is the lowest common ancestor of its *markers* — numbered section
   headings (一、总体情况 …) and tables holding the standard labels (信息内容, 申请人情况,
   结果维持 …) — lifted to the nearest container element; with no markers, the largest
   common CMS content container (TRS_Editor, zoom, content, article …) or ``<body>``.
   Scripts, styles, forms controls, iframes, hidden elements, ``nav``/``header``/
   ``footer``/``aside`` and elements whose class or id names site chrome (breadcrumbs,
   share buttons, related links, footers) are dropped, unless they hold a marker.
5. **Blocks**: every table without a nested table and with at least one row of two
   cells is a :class:`~extractor.model.Grid`; the spans are rebuilt into the full
   rectangle (the origin :class:`Cell` at the top-left slot, one shared copy with
   ``origin=False`` in every other covered slot, ``where`` always naming the origin;
   slots no cell covers — rows with fewer cells than the widest, e.g. a blank 总计 cell
   left out — hold an empty origin cell of their own). Spans are bounded (colspan ≤
   ``MAX_COLSPAN``, rowspan ≤ the rows left) and every slot counts against
   ``limits.max_cells``. Empty rows that only shape the layout (Word's zero-height trailing
   width row, one-cell spacers, hidden or borderless rows) are dropped; a row of empty
   bordered cells is data left blank and is kept.
   Layout tables (those holding other tables, one-column tables, cells of running text)
   are read as text, so a data table nested in a layout table is never swallowed. All
   other text becomes one :class:`~extractor.model.Text` per paragraph, heading, list
   item, layout cell or ``<br>``-separated line, in document order between the grids.
6. **Table images** (:mod:`.images`): an ``<img>`` where section 二/三/四 has no grid (or
   images and no grid at all) is read by OCR where it stands, from the HTML file's own
   folder only, when the ``ocr`` extra is installed, ``limits.ocr`` is on and the page was
   given by its path; an ``input.ocr`` issue names the images read.
7. **Gaps**: tables published as images that were not read by OCR give
   ``gap.table_image`` errors (saying why they were not read); a page that only
   links to a PDF/DOC attachment gives ``gap.attachment_only``; a page without text that
   only redirects (script, meta refresh) gives ``gap.redirect`` naming the target; a page
   with no body (a head, frames) gives ``input.no_body``; any other page with no text at
   all gives ``input.no_text``. A document is never empty without an issue saying why.

Limits (:mod:`extractor.limits`): a page with more ``<td>``/``<th>`` tags than
``max_cells`` is refused before parsing (``LimitExceeded``), one with more start tags than
``max_elements`` is read up to there and one with more lines than ``max_lines`` keeps its
first lines (``limit.*`` warnings); ``time_s`` is checked between the stages and tables.
Every scan for a closing ``>`` (declarations, scripts, tags) is linear, however many
openings are never closed.

Cell and line text: ``&nbsp;`` and other white space runs become one space, a line break
in the HTML source between two CJK characters disappears (as browsers render it),
``<o:p>`` is removed, ``<br>`` and paragraphs inside a cell are kept as ``\n``.
"""

from __future__ import annotations

import os
from pathlib import Path

from lxml import etree

from ...errors import LimitExceeded
from ...limits import DEFAULT_LIMITS, Limits, check_time
from ...model import Document, Issue
from ._common import _JUNK_TAGS, MAX_COLSPAN
from .blocks import _blocks, _fallback, _gaps, _no_body_issue, _redirect_issue, _with_title
from .decode import _CELL_TAG, _cap_elements, _decode, _parse
from .images import ocr_issues, ocr_table_images
from .page import _attachments, _box_hints, _content_root, _drop_chrome, _head_hints, _word_nodes


def read(data: bytes, limits: Limits = DEFAULT_LIMITS, folder: str | os.PathLike[str] | None = None) -> Document:
    """Read an HTML page into a Document of Text lines and Grids (format ``"html"``).

    Raises :class:`~extractor.errors.LimitExceeded` when the decoded text exceeds
    ``limits.max_text_chars`` or the grids exceed ``limits.max_cells`` (the page holds
    more ``<td>``/``<th>`` tags than that: raised before parsing). A page of more than
    ``limits.max_elements`` start tags is cut there (``limit.max_elements`` warning).

    ``folder``: the HTML file's own folder; table images are read from it by OCR
    (:mod:`.images`; with the ``ocr`` extra and ``limits.ocr``), never from anywhere else.
    """
    text = _decode(data, limits)
    issues: list[Issue] = []
    n_cells = _CELL_TAG.subn("", text)[1] if "<" in text else 0
    if n_cells > limits.max_cells:
        raise LimitExceeded(
            "max_cells",
            f"the page's tables have {n_cells} cells, more than max_cells={limits.max_cells}",
        )
    text = _cap_elements(text, limits, issues)
    check_time("after decoding the page")
    root = _parse(text, limits, issues)
    check_time("after parsing the page")
    if root is None:
        return _fallback(text, issues)
    hints = _head_hints(root)
    frames = [src for f in root.iter("frame", "iframe") if (src := (f.get("src") or "").strip())]
    etree.strip_elements(root, *_JUNK_TAGS, with_tail=False)
    body = root.find("body")
    no_body = body is None
    if body is None:
        body = root
    nodes = _word_nodes(body)
    _box_hints(body, nodes["box"], hints)
    content, protected = _content_root(body, nodes["heading"], nodes["table"])
    _drop_chrome(content, protected)
    attachments = _attachments(content)
    check_time("before reading the page's tables")
    items, images = _blocks(content, limits, issues)
    if hints.get("title"):
        items = _with_title(items, hints["title"])
    items, image_ocr = ocr_table_images(items, Path(folder) if folder is not None else None, limits)
    blocks, gaps = _gaps(items, images, attachments)
    issues = ocr_issues(image_ocr, limits, [*issues, *gaps])
    if no_body and len(blocks) <= 1 and not gaps:
        return Document(blocks=tuple(blocks), format="html", hints=hints,
                        issues=(*issues, _redirect_issue(text) or _no_body_issue(hints, frames)))
    if not blocks and not gaps:
        return _fallback(text, issues, hints)
    return Document(blocks=tuple(blocks), format="html", hints=hints, issues=tuple(issues))


__all__ = ["read", "MAX_COLSPAN"]
