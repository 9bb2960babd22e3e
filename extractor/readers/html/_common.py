"""Sentinels, tag sets and text helpers shared by the HTML reader's modules."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

MAX_COLSPAN = 1000  # HTML's own bound; rowspans are bounded by the rows left in the table


LIBXML_HUGE_DEPTH = 2048  # deepest nesting libxml2 keeps with XML_PARSE_HUGE


# sentinels: Unicode noncharacters (lxml accepts them in text; they are removed from the
# input first, so they are free)
_SEP = "\ufdd0"  # a structural line break (block boundary, <br>)


_GRID = "\ufdd1"  # "\ufdd1<k>\ufdd1": grid k stands here


_IMG = "\ufdd2"  # "\ufdd2<k>\ufdd2": content image k stands here


_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufdd0-\ufdef\ufffe\uffff]")


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
