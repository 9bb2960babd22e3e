"""HTML reader: a scraped web page (CMS page, Word export, portal with site chrome) →
:class:`~extractor.model.Document`.

The reader only turns markup into lines and grids; recognising tables is the pipeline's
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
6. **Gaps**: tables published as images (an ``<img>`` where section 二/三/四 has no
   grid, or images and no grid at all) give ``gap.table_image`` errors; a page that only
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
``<o:p>`` is removed, ``<br>`` and paragraphs inside a cell are kept as ``\\n``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice
from typing import Any

from lxml import etree

from ..errors import LimitExceeded
from ..limits import DEFAULT_LIMITS, Limits, check_time
from ..model import Block, Cell, Document, Grid, Issue, Text
from ..text_norm import find_date
from ..vocab import HEADING_WORDS, TABLE_MARKERS, heading_number, raw_pattern
from .encoding import decode_text, normalise_encoding_name

__all__ = ["read", "MAX_COLSPAN"]

MAX_COLSPAN = 1000  # HTML's own bound; rowspans are bounded by the rows left in the table
LIBXML_HUGE_DEPTH = 2048  # deepest nesting libxml2 keeps with XML_PARSE_HUGE

# sentinels: Unicode noncharacters (lxml accepts them in text; they are removed from the
# input first, so they are free)
_SEP = "\ufdd0"  # a structural line break (block boundary, <br>)
_GRID = "\ufdd1"  # "\ufdd1<k>\ufdd1": grid k stands here
_IMG = "\ufdd2"  # "\ufdd2<k>\ufdd2": content image k stands here

_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufdd0-\ufdef\ufffe\uffff]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
# (every pattern that scans for a closing ">" is applied by a loop that stops at the first
# miss: a regex search retried at each of thousands of unclosed openings is quadratic)
_DOCTYPE_OPEN = re.compile(r"<!DOCTYPE[^\[<>]*\[", re.I)
_SUBSET_END = re.compile(r"\]\s*>")
_MARKUP_DECL_OPEN = re.compile(r"<!(?:ENTITY|ELEMENT|ATTLIST|NOTATION)\b", re.I)
_RAW_TEXT_OPEN = re.compile(r"<(script|style)\b", re.I)
_RAW_TEXT_CLOSE = {"script": re.compile(r"</script", re.I), "style": re.compile(r"</style", re.I)}

_CHARSET_RES = (
    re.compile(rb"<meta[^<>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.\-]+)", re.I),
    re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9_.\-]+)", re.I),
)

_CJK_ENCODINGS = frozenset(("utf-8", "gb18030", "big5", "big5hkscs", "utf-16", "utf-16-le", "utf-16-be"))
_CJK = "\u2e80-\u303f\u3040-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[^\S\n]*\n\s*(?=[{_CJK}])")
_WS_RUN = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")

_BLOCK_TAGS = (
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "section", "article", "aside", "header", "footer", "nav", "main", "blockquote", "pre",
    "center", "hr", "address", "figure", "figcaption", "form", "fieldset", "legend",
    "details", "summary", "body", "br",
)
_TABLE_PART_TAGS = ("table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th")
_JUNK_TAGS = (
    "script", "style", "noscript", "iframe", "frame", "frameset", "template", "svg", "math",
    "object", "embed", "applet", "select", "button", "input", "textarea", "link", "meta",
    "audio", "video", "canvas", "map", "head",
)
_CHROME_TAGS = ("nav", "header", "footer", "aside")
_CONTAINER_TAGS = frozenset(
    ("div", "td", "th", "article", "section", "main", "body", "form", "center", "blockquote", "li", "dd")
)
# class / id words that name site chrome (substring match; short words match whole tokens)
_CHROME_SUB = re.compile(
    r"breadcrumb|crumb|footer|copyright|bdshare|share|fenxiang|related|relate|xgxx|xglj|xgwz|"
    r"sidebar|navbar|toolbar|dqwz|location|position|banner|login|search|qrcode|erweima|"
    r"printbtn|print-btn|pagebar|pager|pagination|friendlink|flink|weixin|weibo",
    re.I,
)
_CHROME_TOKEN = re.compile(r"(?:^|[\s_\-])(?:nav|menu|foot|bottom|top|head|header|side|print|close|tools?|links?)(?:$|[\s_\-\d])", re.I)
_CONTENT_CLASS = re.compile(
    r"trs_editor|trs_ueditor|ucap-content|zoom|content|article|detail|text|zhengwen|zw|wzy|wznr|nr|"
    r"main|view|pages_content",
    re.I,
)

# the metadata box of government pages
_BOX_WORDS = ("索引号", "发布机构", "发文机关", "发文日期", "成文日期", "发布日期", "发布时间")
_BOX_LABELS = (
    "信息索引号", "索引号", "主题分类", "组配分类", "体裁分类", "服务对象分类", "分类", "发布机构", "发文机关",
    "发文机构", "发布单位", "公开责任部门", "责任部门", "生成日期", "成文日期", "发文日期", "发布日期", "公开日期",
    "发布时间", "文号", "发文字号", "主题词", "关键词", "有效性", "时效性", "信息来源", "文章来源", "来源", "名称",
    "标题", "公开方式", "公开范围", "浏览次数", "访问量", "点击数", "字号",
)
_BOX_LABEL_RE = re.compile(r"(" + "|".join(r"\s*".join(lbl) for lbl in _BOX_LABELS) + r")\s*[:：]?", re.S)
_ISSUER_KEYS = ("发布机构", "发文机关", "发文机构", "发布单位", "信息来源", "文章来源", "来源")
_DATE_KEYS = ("发文日期", "成文日期", "发布日期", "公开日期", "生成日期", "发布时间")
_TITLE_KEYS = ("名称", "标题")
_META_KEYS = {"articletitle": "title", "pubdate": "published", "contentsource": "issuer"}
_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜]|\s[-–—]\s|--)\s*")

_ATTACHMENT = re.compile(r"\.(?:pdf|docx?|wps|xlsx?|et|ofd|zip|rar|7z)(?:$|[?#])", re.I)
_ICON_SRC = re.compile(
    r"icon|logo|share|print|close|qrcode|erweima|ewm|weixin|weibo|wechat|blank|spacer|dot\.|arrow|bullet|button|btn", re.I
)

_VOID = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr")
)
_AUTO_CLOSE = frozenset(("p", "li", "td", "th", "tr", "dt", "dd", "option"))
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:_\-]*)([^>]*)>")
_START_TAG = re.compile(r"<[A-Za-z]")
_CELL_TAG = re.compile(r"<t[dh](?=[\s>/])", re.I)
# where a page that only redirects sends the reader (script or meta refresh)
_REDIRECT = re.compile(
    r"""(?:(?:window|document|top|self|parent)\.)?location(?:\.href)?\s*=\s*["']([^"']{1,500})["']"""
    r"""|location\.(?:replace|assign)\(\s*["']([^"']{1,500})["']"""
    r"""|<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']?\s*\d*\s*;?\s*url\s*=\s*([^"'>\s]{1,500})""",
    re.I,
)

# the words are found in any spelling match_key folds (Traditional, Taiwan words, spaced)
_WORD_RES = {
    "box": re.compile("|".join(_BOX_WORDS)),
    "heading": raw_pattern(HEADING_WORDS),
    "table": raw_pattern(TABLE_MARKERS),
}

_ANY_WORD = re.compile("|".join(rx.pattern for rx in _WORD_RES.values()))


class _TextNode(str):
    """A text node that holds a word (what lxml's "smart strings" give, made only for the
    few nodes that match): the text, ``getparent()`` and ``is_tail``."""

    parent: Any
    is_tail: bool

    def getparent(self) -> Any:
        return self.parent


def _word_nodes(body: Any) -> dict[str, list[Any]]:
    """The text nodes that hold a box label, a section-heading word or a table label, in
    document order, in one pass that keeps only those (XPath's contains() would copy every
    node's text once per word; ``descendant::text()`` would hold every text node at once)."""
    out: dict[str, list[Any]] = {k: [] for k in _WORD_RES}
    for ev, el in etree.iterwalk(body, events=("start", "end")):
        if ev == "start":
            text, tail = (el.text if isinstance(el.tag, str) else None), False
        else:
            text, tail = (el.tail if el is not body else None), True
        if text and _ANY_WORD.search(text):
            node = _TextNode(text)
            node.parent = el
            node.is_tail = tail
            for kind, rx in _WORD_RES.items():
                if rx.search(node):
                    out[kind].append(node)
    return out


# --------------------------------------------------------------------------- public API


def read(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read an HTML page into a Document of Text lines and Grids (format ``"html"``).

    Raises :class:`~extractor.errors.LimitExceeded` when the decoded text exceeds
    ``limits.max_text_chars`` or the grids exceed ``limits.max_cells`` (the page holds
    more ``<td>``/``<th>`` tags than that: raised before parsing). A page of more than
    ``limits.max_elements`` start tags is cut there (``limit.max_elements`` warning).
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
    blocks, gaps = _gaps(items, images, attachments)
    issues.extend(gaps)
    if no_body and len(blocks) <= 1 and not gaps:
        return Document(blocks=tuple(blocks), format="html", hints=hints,
                        issues=(*issues, _redirect_issue(text) or _no_body_issue(hints, frames)))
    if not blocks and not gaps:
        return _fallback(text, issues, hints)
    return Document(blocks=tuple(blocks), format="html", hints=hints, issues=tuple(issues))


# --------------------------------------------------------------------------- decoding


def _declared_charset(data: bytes) -> str | None:
    head = data[:32768]
    for rx in _CHARSET_RES:
        m = rx.search(head)
        if m:
            return m.group(1).decode("ascii", "replace")
    return None


def _strict_utf8(data: bytes) -> str | None:
    """The page as UTF-8 when its bytes are valid UTF-8 (GBK or Big5 text never is, whatever
    the page declares), else None. UTF-16 (NUL bytes) is left to decode_text."""
    if b"\x00" in data[:4096]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _decode(data: bytes, limits: Limits) -> str:
    text = _strict_utf8(data)
    if text is None:
        declared = normalise_encoding_name(_declared_charset(data))
        if declared not in _CJK_ENCODINGS:
            declared = None  # a Western declaration on a Chinese page is a server default: the bytes decide
        if declared in (None, "gb18030") and b"\x00" not in data[:4096]:
            try:  # the common case (GBK pages, declared or not), without decode_text's quality scan
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                pass
        if text is None:
            text = decode_text(data, declared=declared).text
    if len(text) > limits.max_text_chars:
        raise LimitExceeded(
            "max_text_chars",
            f"the page has {len(text)} characters, over the limit max_text_chars={limits.max_text_chars}",
        )
    if _CTRL.search(text):
        text = _CTRL.sub("", text)
    text = _XML_DECL.sub("", text, count=1)
    if "<!" in text:
        text = _strip_declarations(text)
    return text


def _strip_declarations(text: str) -> str:
    """Remove the first DOCTYPE's internal subset (entity declarations: never resolved) and
    every stray ``<!ENTITY …>``-like declaration; an unterminated one loses only its opening."""
    m = _DOCTYPE_OPEN.search(text)
    if m:
        end = _SUBSET_END.search(text, m.end())
        text = text[:m.start()] + (text[end.end():] if end else text[m.end():])
    out: list[str] = []
    pos = 0
    while True:
        m = _MARKUP_DECL_OPEN.search(text, pos)
        if not m:
            break
        gt = text.find(">", m.end())
        if gt < 0:
            out.append(text[pos:m.end()])
            pos = m.end()
            break
        out.append(text[pos:m.start()])
        pos = gt + 1
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _strip_raw_text(text: str) -> str:
    """Remove ``<script>``/``<style>`` elements (an unclosed one runs to the end, as in a
    browser), in one pass."""
    if "<" not in text:
        return text
    out: list[str] = []
    pos = 0
    while True:
        m = _RAW_TEXT_OPEN.search(text, pos)
        if not m:
            break
        out.append(text[pos:m.start()])
        close = _RAW_TEXT_CLOSE[m.group(1).lower()].search(text, m.end())
        gt = text.find(">", close.end()) if close else -1
        if gt < 0:
            pos = len(text)
            break
        out.append(" ")
        pos = gt + 1
    out.append(text[pos:])
    return "".join(out)


def _cap_elements(text: str, limits: Limits, issues: list[Issue]) -> str:
    """Cut the page after ``limits.max_elements`` start tags (with a ``limit.max_elements``
    issue): the tree of a longer page would cost more memory than any report needs."""
    approx = text.count("<") - text.count("</") - text.count("<!")
    if approx <= limits.max_elements:
        return text
    cut = None
    for k, m in enumerate(_START_TAG.finditer(text), 1):
        if k > limits.max_elements:
            cut = m.start()
            break
    if cut is None:
        return text
    total = limits.max_elements + sum(1 for _ in _START_TAG.finditer(text, cut))
    issues.append(Issue(
        code="limit.max_elements", severity="warning",
        message=f"the page has {total} HTML elements; only the first max_elements={limits.max_elements} "
                f"were read (the rest of the page, {len(text) - cut} characters, is missing from this record)",
    ))
    return text[:cut]


# --------------------------------------------------------------------------- parsing


def _parse(text: str, limits: Limits, issues: list[Issue]) -> Any:
    data = text.encode("utf-8")
    huge = False
    flattened = False
    while True:
        parser = etree.HTMLParser(
            encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
            huge_tree=huge, default_doctype=False,
        )
        try:
            root = etree.fromstring(data, parser)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            root = None
        errors = [e for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"]
        if not errors:
            return root
        if not huge:
            huge = True
            continue
        if flattened or not any("depth" in e.message for e in errors):
            return root
        cap = min(limits.max_depth, LIBXML_HUGE_DEPTH - 100)
        data = _flatten(data.decode("utf-8"), cap).encode("utf-8")
        flattened = True
        issues.append(Issue(
            code="limit.max_depth", severity="warning",
            message=f"the HTML is nested deeper than max_depth={cap} levels; the markup below that "
                    f"depth was flattened (its text is kept, its structure is not)",
        ))


def _flatten(text: str, cap: int) -> str:
    """Drop start/end tags nested deeper than ``cap`` (an approximate HTML tokenizer)."""
    out: list[str] = []
    stack: list[tuple[str, bool]] = []
    kept = 0
    pos = 0
    for m in _TAG_RE.finditer(text):
        closing, name, rest = m.group(1), m.group(2).lower(), m.group(3)
        keep = True
        if closing:
            for i in range(len(stack) - 1, max(-1, len(stack) - 64), -1):
                if stack[i][0] == name:
                    keep = stack[i][1]
                    kept -= sum(1 for _, k in stack[i:] if k)
                    del stack[i:]
                    break
        elif name not in _VOID and not rest.rstrip().endswith("/"):
            if name in _AUTO_CLOSE and stack and stack[-1][0] == name:
                kept -= stack.pop()[1]
            keep = kept < cap
            stack.append((name, keep))
            kept += keep
        if not keep:
            out.append(text[pos:m.start()])
            out.append(" ")
            pos = m.end()
    out.append(text[pos:])
    return "".join(out)


# --------------------------------------------------------------------------- text helpers


def _norm_lines(s: str) -> list[str]:
    """Raw text with _SEP breaks → stripped non-empty lines, white space collapsed."""
    if "\n" in s:
        s = _CJK_BREAK.sub("", s)
    s = _WS_RUN.sub(" ", s)
    return [p for p in (x.strip() for x in s.split(_SEP)) if p]


def _flat(el: Any) -> str:
    """Text of an element, white space collapsed, without line structure."""
    return " ".join(_norm_lines("".join(el.itertext())))


def _text_with_breaks(el: Any) -> str:
    """Text of a small element with _SEP between blocks, cells and list items (no mutation)."""
    parts: list[str] = []
    for ev, node in etree.iterwalk(el, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if ev == "start":
            if tag in _BLOCK_TAGS or tag in _TABLE_PART_TAGS or tag == "span" or tag == "label":
                parts.append(_SEP)
            if node.text:
                parts.append(node.text)
        else:
            if tag in _BLOCK_TAGS or tag in _TABLE_PART_TAGS or tag == "span" or tag == "label":
                parts.append(_SEP)
            if node is not el and node.tail:
                parts.append(node.tail)
    return "".join(parts)


# --------------------------------------------------------------------------- hints


def _clean_title(s: str) -> str:
    return _WS_RUN.sub(" ", s).strip()


def _head_hints(root: Any) -> dict[str, str]:
    hints: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = _META_KEYS.get((meta.get("name") or "").strip().lower())
        value = _clean_title(meta.get("content") or "")
        if key == "issuer" and not _plausible_issuer(value):
            continue
        if key and value and key not in hints:
            if key == "published":
                date = find_date(value)
                if date:
                    hints[key] = date
            else:
                hints[key] = value
    if "title" not in hints:
        for h in root.iter("h1"):
            t = _flat(h)
            if "报告" in t and len(t) <= 120:
                hints["title"] = t
                break
    if "title" not in hints:
        title = root.find(".//title")
        if title is not None and title.text:
            parts = [p for p in _TITLE_SPLIT.split(_clean_title(title.text)) if "报告" in p]
            if parts:
                hints["title"] = parts[0]
    return hints


def _parse_box(text: str) -> dict[str, str]:
    """``label：value`` pairs of a metadata box's text (values end at the next label)."""
    fields: dict[str, str] = {}
    matches = list(_BOX_LABEL_RE.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        label = _WS_RUN.sub("", m.group(1))
        lines = _norm_lines(text[m.end():end])
        if lines and label not in fields:
            fields[label] = lines[0]
    return fields


def _box_hints(body: Any, nodes: list[Any], hints: dict[str, str]) -> None:
    """Read the 索引号/发布机构/发文日期 box into ``hints`` and remove it from the tree."""
    fields: dict[str, str] = {}
    boxes: list[Any] = []
    seen: set[Any] = set()
    for node in nodes:
        el = node.getparent()
        if el is not None and getattr(node, "is_tail", False):
            el = el.getparent()
        # climb from the label to the smallest element holding two labels with values
        for _ in range(6):
            if el is None or el in seen or el is body:
                break
            seen.add(el)
            txt = _text_with_breaks(el)
            if len(txt) > 3000:
                break
            found = _parse_box(txt)
            for k, v in found.items():
                fields.setdefault(k, v)
            if len(found) >= 2:
                if el.tag in ("tr", "tbody", "thead"):
                    table = next(el.iterancestors("table"), None)
                    if table is not None and len(_text_with_breaks(table)) <= 3000:
                        el = table
                boxes.append(el)
                break
            el = el.getparent()
    # the box is the page's formal record: it wins over the <meta> tags
    issuer = next((fields[k] for k in _ISSUER_KEYS if _plausible_issuer(fields.get(k))), None)
    if issuer:
        hints["issuer"] = issuer
    for k in _DATE_KEYS:
        date = find_date(fields.get(k, ""))
        if date:
            hints["published"] = date
            break
    title = next((fields[k] for k in _TITLE_KEYS if fields.get(k)), None)
    if title and "报告" in title:
        hints["title"] = title
    for box in boxes:
        _remove(box)


def _plausible_issuer(value: str | None) -> bool:
    """A body's name, not a site ("XX门户网站", "本站") or a sentence."""
    return bool(value) and 2 <= len(value or "") <= 60 and not re.search(r"(网|网站|本站|原创)$", value or "")


def _remove(el: Any) -> None:
    """Remove ``el`` and its subtree, keeping its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + _SEP + tail
        else:
            parent.text = (parent.text or "") + _SEP + tail
    parent.remove(el)


# --------------------------------------------------------------------------- body


def _block_of(node: Any) -> Any:
    el = node.getparent()
    if el is not None and getattr(node, "is_tail", False):
        el = el.getparent()
    while el is not None and el.tag not in _BLOCK_TAGS and el.tag not in ("td", "th", "caption"):
        if el.tag == "a":
            return None  # a link is never a section heading (related links, menus)
        el = el.getparent()
    return el


def _markers(body: Any, heading_nodes: list[Any], table_nodes: list[Any]) -> list[Any]:
    """Elements that hold a section heading, and tables that hold a standard label."""
    found: list[Any] = []
    seen: set[Any] = set()
    for node in heading_nodes:
        el = _block_of(node)
        if el is None or el in seen:
            continue
        line = " ".join(_norm_lines(str(node)))
        if not (len(line) <= 60 and heading_number(line)):
            if next(islice(el.iter(), 24, None), None) is not None:
                continue  # a big block (lines split by <br>): only its own text node counts
            line = _flat(el)
            if not (len(line) <= 60 and heading_number(line)):
                continue
        seen.add(el)
        found.append(el)
    for node in table_nodes:
        el = node.getparent()
        while el is not None and el.tag != "table":
            el = None if el.tag == "a" else el.getparent()  # menu links (自然人办事, 行政复议) are not labels
        if el is not None and el not in seen:
            seen.add(el)
            found.append(el)
    return found


def _content_root(body: Any, heading_nodes: list[Any], table_nodes: list[Any]) -> tuple[Any, set[Any]]:
    """The element holding the report, and the elements that must not be dropped."""
    markers = [m for m in _markers(body, heading_nodes, table_nodes) if body in m.iterancestors()]
    protected: set[Any] = set()
    if markers:
        chains = []
        for m in markers:
            chain = [m, *m.iterancestors()]
            protected.update(chain)
            chains.append(chain)
        common = set(chains[0])
        for ch in chains[1:]:
            common.intersection_update(ch)
        root = next(el for el in chains[0] if el in common)
        while root.tag not in _CONTAINER_TAGS and root.getparent() is not None:
            root = root.getparent()
        return root, protected
    return _content_container(body), protected


def _content_container(body: Any) -> Any:
    cands = []
    for el in body.iter("div", "td", "article", "section", "main"):
        attrs = (el.get("class") or "") + " " + (el.get("id") or "")
        if attrs.strip() and _CONTENT_CLASS.search(attrs) and not _is_chrome(el):
            cands.append(el)
            if len(cands) >= 64:
                break
    if not cands:
        return body
    sized = [(len("".join(el.itertext())), el) for el in cands]
    best_len, best = max(sized, key=lambda x: x[0])
    if best_len == 0:
        return body
    for n, el in sized:
        if n >= 0.8 * best_len and el is not best and best in el.iterancestors():
            best = el  # a deeper container holding nearly all of the text
    return best


def _is_chrome(el: Any) -> bool:
    if el.tag in _CHROME_TAGS or (el.get("role") or "").lower() in ("navigation", "banner", "contentinfo"):
        return True
    attrs = ((el.get("class") or "") + " " + (el.get("id") or "")).strip()
    return bool(attrs) and bool(_CHROME_SUB.search(attrs) or _CHROME_TOKEN.search(attrs))


def _drop_chrome(root: Any, protected: set[Any]) -> None:
    doomed = []
    for el in root.iter("div", "ul", "ol", "nav", "header", "footer", "aside", "section", "dl", "table", "span", "p", "a"):
        if el is root or el in protected:
            continue
        style = (el.get("style") or "").replace(" ", "").lower()
        if "display:none" in style or "visibility:hidden" in style or "mso-hide:all" in style:
            doomed.append(el)
        elif el.tag not in ("p", "span", "a") and _is_chrome(el):
            doomed.append(el)
    for el in doomed:
        # skip elements already removed with an ancestor
        if el.getparent() is not None and root in el.iterancestors():
            _remove(el)


def _attachments(root: Any) -> list[str]:
    out = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if _ATTACHMENT.search(href) or _ATTACHMENT.search(_flat(a) + "#"):
            out.append(_flat(a) or href)
    return out


# --------------------------------------------------------------------------- blocks


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
    """Where content image ``index`` stood (used for gap issues, not a block)."""

    index: int


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
    for img in root.iter("img"):
        src = (img.get("src") or "").strip()
        if _is_icon(img, src):
            continue
        img.tail = f"{_SEP}{_IMG}{len(images)}{_IMG}{_SEP}" + (img.tail or "")
        images.append(src or img.get("alt") or "(no src)")
    out: list[Block | _Img] = []
    lines = _norm_lines("".join(root.itertext()))
    n_text = 0
    for k, line in enumerate(lines):
        if line[0] == _GRID and line[-1] == _GRID and len(line) > 2:
            out.append(grids[int(line[1:-1])])
        elif line[0] == _IMG and line[-1] == _IMG and len(line) > 2:
            out.append(_Img(int(line[1:-1])))
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


# --------------------------------------------------------------------------- gaps


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
