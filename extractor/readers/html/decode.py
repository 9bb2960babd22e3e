"""Bytes → clean markup → lxml tree (steps 1 and 2 of the HTML reader): decoding,
control characters and declarations removed, the element cap, the parse (with the
flattening of markup nested deeper than libxml2 keeps)."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from ...errors import LimitExceeded
from ...limits import Limits
from ...model import Issue
from ..encoding import PLAUSIBLE, cjk_plausibility, decode_text, normalise_encoding_name
from ._common import _CTRL, LIBXML_HUGE_DEPTH

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


_VOID = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr")
)


_AUTO_CLOSE = frozenset(("p", "li", "td", "th", "tr", "dt", "dd", "option"))


_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:_\-]*)([^>]*)>")


_START_TAG = re.compile(r"<[A-Za-z]")


_CELL_TAG = re.compile(r"<t[dh](?=[\s>/])", re.I)


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


_TAGS = re.compile(r"<[^<>]*>")


def _visible_sample(text: str) -> str:
    """About 8,000 characters of the page's text without its tags (ideographs in markup are
    rare; the sample only feeds :func:`cjk_plausibility`)."""
    return _TAGS.sub("", text[:40000])


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
            # Big5 bytes mostly decode as GB18030 without an error, as garbage: an undeclared
            # (or mislabelled) page is kept only when the decode reads as Chinese, else decode_text
            # tries Big5, Big5-HKSCS and the detector
            if text is not None and cjk_plausibility(_visible_sample(text)) < PLAUSIBLE:
                text = None
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
