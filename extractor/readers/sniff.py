"""Tell PDF, HTML, text and Word documents apart by content, never by file name.

A ZIP is a DOCX when it holds a Word main part, an ODT when its ``mimetype`` says so
(:func:`.docx.sniff_zip`); an OLE file is a .doc (or Kingsoft .wps) when it holds a
``WordDocument`` stream (:func:`.office.sniff_ole`); RTF starts with ``{\\rtf``.
Other ZIP and OLE files (.xlsx, .pptx, .xls, archives) are refused with what they are.
"""

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
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7z archive",
    b"RIFF": "a RIFF file (WebP/AVI/WAV)",
}

_HTML_RE = re.compile(
    r"<\s*(!doctype\s+html|html|head|body|meta|div|table|p|title|br|span|script|style|link|iframe|frameset|"
    r"img|h[1-6]|tr|td|th|ul|ol|li|form|font|center|strong|noscript)\b",
    re.I,
)


def sniff_format(data: bytes) -> Format:
    """Return ``"pdf"``, ``"html"``, ``"text"``, ``"docx"``, ``"doc"``, ``"odt"`` or ``"rtf"``;
    raise for empty or non-document bytes."""
    if not data or not data.strip():
        raise EmptyInput("the file is empty")
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        from .docx import sniff_zip

        return sniff_zip(data)  # type: ignore[return-value]
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        from .office import sniff_ole

        return sniff_ole(data)  # type: ignore[return-value]
    if data.lstrip()[:5] == b"{\\rtf":
        return "rtf"
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise UnsupportedFormat(f"not a report: the file is {what}")
    decoded = decode_text(data[:65536], partial=True)
    if decoded.quality < 0.9:
        raise UnsupportedFormat("not a report: the bytes are neither PDF, HTML nor text")
    if _HTML_RE.search(decoded.text):
        return "html"
    return "text"
