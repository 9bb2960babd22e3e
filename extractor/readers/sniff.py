"""Tell PDF, HTML and text apart by content, never by file name."""

from __future__ import annotations

import re

from ..errors import EmptyInput, UnsupportedFormat
from ..model import Format
from .encoding import decode_text

# magic numbers of files scrapers save next to reports that are not reports
_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or a .docx/.xlsx)",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7z archive",
    b"\xd0\xcf\x11\xe0": "an OLE file (.doc/.xls)",
    b"RIFF": "a RIFF file (WebP/AVI/WAV)",
}

_HTML_RE = re.compile(
    r"<\s*(!doctype\s+html|html|head|body|meta|div|table|p|title|br|span|script|style|link|iframe|frameset|"
    r"img|h[1-6]|tr|td|th|ul|ol|li|form|font|center|strong|noscript)\b",
    re.I,
)


def sniff_format(data: bytes) -> Format:
    """Return ``"pdf"``, ``"html"`` or ``"text"``; raise for empty or non-document bytes."""
    if not data or not data.strip():
        raise EmptyInput("the file is empty")
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise UnsupportedFormat(f"not a report: the file is {what}")
    decoded = decode_text(data[:65536], partial=True)
    if decoded.quality < 0.9:
        raise UnsupportedFormat("not a report: the bytes are neither PDF, HTML nor text")
    if _HTML_RE.search(decoded.text):
        return "html"
    return "text"
