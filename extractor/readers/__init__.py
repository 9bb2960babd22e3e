"""Readers: bytes -> :class:`extractor.model.Document`, nothing more.

Each reader module exposes ``read(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Document``.
"""

from __future__ import annotations

import os

from ..errors import UnsupportedFormat
from ..limits import DEFAULT_LIMITS, Limits
from ..model import Document, Format
from .sniff import sniff_format


def read(data: bytes, fmt: Format | None = None, limits: Limits = DEFAULT_LIMITS,
         folder: str | os.PathLike[str] | None = None) -> Document:
    """Read ``data`` with the reader for ``fmt`` (sniffed from the bytes when None).

    ``folder``: the input file's own folder, when it was given by its path (an HTML page's
    table images are read from there by OCR, never from anywhere else)."""
    fmt = fmt or sniff_format(data)
    if fmt == "text":
        from . import text

        return text.read(data, limits)
    if fmt == "html":
        from . import html

        return html.read(data, limits, folder)
    if fmt == "pdf":
        from . import pdf

        return pdf.read(data, limits)
    if fmt == "docx":
        from . import docx

        return docx.read(data, limits)
    if fmt in ("doc", "odt", "rtf"):
        from . import office

        return office.read(data, fmt, limits)
    if fmt == "image":  # PNG/JPEG/TIFF, sniffed only with the OCR extra
        from ..ocr.read import read_image_file

        return read_image_file(data, limits)
    raise UnsupportedFormat(f"unsupported format {fmt!r}")
