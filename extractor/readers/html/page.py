"""The page around the report (steps 3 and 4 of the HTML reader): the metadata hints
(info box, meta tags, title), the report's content root found from its markers (section
headings and table labels of :mod:`extractor.vocab`), and the site chrome dropped."""

from __future__ import annotations

import re
from itertools import islice
from typing import Any

from lxml import etree

from ...text_norm import find_date
from ...vocab import (
    BOX_DATE_KEYS,
    BOX_ISSUER_KEYS,
    BOX_MARKERS,
    BOX_TITLE_KEYS,
    HEADING_WORDS,
    TABLE_MARKERS,
    box_label_pattern,
    heading_number,
    raw_pattern,
)
from ._common import _BLOCK_TAGS, _WS_RUN, _flat, _norm_lines, _remove, _text_with_breaks

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


# the metadata box of government pages (the words are the shared vocabulary's)
_BOX_WORDS = BOX_MARKERS
_BOX_LABEL_RE = box_label_pattern(colon_required=False)
_ISSUER_KEYS = BOX_ISSUER_KEYS
_DATE_KEYS = BOX_DATE_KEYS
_TITLE_KEYS = BOX_TITLE_KEYS


_META_KEYS = {"articletitle": "title", "pubdate": "published", "contentsource": "issuer"}


_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜]|\s[-–—]\s|--)\s*")


_ATTACHMENT = re.compile(r"\.(?:pdf|docx?|wps|xlsx?|et|ofd|zip|rar|7z)(?:$|[?#])", re.I)


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
