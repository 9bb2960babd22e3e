"""Tell PDF, HTML, text, Word documents and images apart by content, never by file name.

A ZIP is a DOCX when it holds a Word main part, an ODT when its ``mimetype`` says so
(:func:`.docx.sniff_zip`); an OLE file is a .doc (or Kingsoft .wps) when it holds a
``WordDocument`` stream (:func:`.office.sniff_ole`); RTF starts with ``{\\rtf``.
Other ZIP and OLE files (.xlsx, .pptx, .xls, archives) are refused with what they are.

PNG, JPEG and TIFF images are report inputs (``"image"``, read by OCR) only when the OCR
extra is installed; without it they stay "not a report", with a hint naming the extra.
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

# image inputs (OCR): magic bytes -> kind
_IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg", b"II*\x00": "tiff", b"MM\x00*": "tiff"}
_IMAGE_WHAT = {"png": "a PNG image", "jpeg": "a JPEG image", "tiff": "a TIFF image"}


def _image_kind(data: bytes) -> str | None:
    """The image kind when the bytes start like a well-formed PNG/JPEG/TIFF header (the
    magic alone followed by noise is not an image input)."""
    kind = next((k for m, k in _IMAGE_MAGIC.items() if data.startswith(m)), None)
    if kind == "png" and data[12:16] != b"IHDR":
        return None
    if kind == "jpeg" and (len(data) < 4 or not (0xC0 <= data[3] <= 0xFE)):
        return None
    if kind == "tiff":
        offset = int.from_bytes(data[4:8], "little" if data[:2] == b"II" else "big")
        if not 8 <= offset < len(data):
            return None
    return kind


_HTML_RE = re.compile(
    r"<\s*(!doctype\s+html|html|head|body|meta|div|table|p|title|br|span|script|style|link|iframe|frameset|"
    r"img|h[1-6]|tr|td|th|ul|ol|li|form|font|center|strong|noscript)\b",
    re.I,
)


def sniff_format(data: bytes) -> Format:
    """Return ``"pdf"``, ``"html"``, ``"text"``, ``"docx"``, ``"doc"``, ``"odt"``, ``"rtf"`` or (OCR
    extra installed) ``"image"``; raise for empty or non-document bytes."""
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
    image = _image_kind(data)
    if image is not None:
        from ..ocr import EXTRA_HINT, available

        if available():
            return "image"
        raise UnsupportedFormat(f"not a report: the file is {_IMAGE_WHAT[image]} (a scan?); {EXTRA_HINT}")
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise UnsupportedFormat(f"not a report: the file is {what}")
    decoded = decode_text(data[:65536], partial=True)
    if decoded.quality < 0.9:
        raise UnsupportedFormat("not a report: the bytes are neither PDF, HTML nor text")
    if _HTML_RE.search(decoded.text):
        return "html"
    return "text"
