"""extractor: Chinese government information-disclosure annual reports -> research datasets.

>>> import extractor
>>> report = extractor.parse("report.pdf")        # or bytes
>>> report.to_dict()["metadata"]["template"]
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

from .errors import EmptyInput, ExtractorError, InputNotFound, LimitExceeded
from .limits import DEFAULT_LIMITS, Limits, check_time, time_limit
from .model import Document, Format, Issue, Report, Source, Text

__version__ = "0.1.0"
__all__ = ["parse", "parse_document", "Report", "Document", "ExtractorError", "Limits", "__version__"]


def _load(path_or_bytes: str | os.PathLike[str] | bytes, limits: Limits) -> tuple[bytes, str | None]:
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        data = bytes(path_or_bytes)
        path = None
    else:
        p = Path(path_or_bytes)
        path = str(p)
        try:
            size = p.stat().st_size
        except OSError as e:
            raise InputNotFound(f"cannot read {path}: {e.strerror or e}") from None
        if not p.is_file():
            raise InputNotFound(f"cannot read {path}: not a regular file")
        if size > limits.max_bytes:
            raise LimitExceeded("max_bytes", f"{path} is {size} bytes, over the limit max_bytes={limits.max_bytes}")
        try:
            data = p.read_bytes()
        except OSError as e:
            raise InputNotFound(f"cannot read {path}: {e.strerror or e}") from None
    if len(data) > limits.max_bytes:
        raise LimitExceeded("max_bytes", f"input is {len(data)} bytes, over the limit max_bytes={limits.max_bytes}")
    if not data.strip():
        raise EmptyInput(f"{path or 'input'} is empty")
    return data, path


def parse(
    path_or_bytes: str | os.PathLike[str] | bytes,
    *,
    format: Format | None = None,
    limits: Limits = DEFAULT_LIMITS,
    folder: str | os.PathLike[str] | None = None,
) -> Report:
    """Parse one report (PDF, HTML, text, Word or, with the OCR extra, an image; the format is
    sniffed from the bytes).

    ``folder``: for an input given as bytes, the folder the file came from, where an HTML
    page's table images are looked for (a path's own folder is used when a path is given).

    Returns a :class:`Report`; ``report.to_dict()`` is the JSON record (README, "The record of one report").
    Raises a subclass of :class:`ExtractorError` when the input cannot be read at all,
    :class:`~extractor.errors.LimitExceeded` (naming the limit) when one of ``limits`` is
    hit and the document cannot be read in part (see :mod:`extractor.limits`);
    ``limits.time_s`` is checked cooperatively while reading and before the format-blind
    stages.

    With the ``ocr`` extra installed (and ``limits.ocr``, the default), PDF pages without a
    text layer, image files and — when a path is given — an HTML page's table images saved
    in its own folder are read by OCR (README, "Scans and images (OCR)").
    """
    from .pipeline import build_report
    from .readers import read

    with time_limit(limits.time_s):
        data, path = _load(path_or_bytes, limits)
        if path is not None:
            folder = Path(path).parent
        doc = read(data, format, limits, folder=folder)
        doc = _cap_lines(doc, limits)
        check_time("after reading the document")
        source = Source(path=path, sha256=hashlib.sha256(data).hexdigest(), format=doc.format)
        return build_report(doc, source)


def _cap_lines(doc: Document, limits: Limits) -> Document:
    """Keep the first ``limits.max_lines`` text lines (and the grids among them)."""
    n_text = sum(1 for b in doc.blocks if isinstance(b, Text))
    if n_text <= limits.max_lines:
        return doc
    kept = 0
    end = len(doc.blocks)
    for i, b in enumerate(doc.blocks):
        if isinstance(b, Text):
            kept += 1
            if kept > limits.max_lines:
                end = i
                break
    issue = Issue("limit.max_lines", "warning",
                  f"the document has {n_text} text lines; only the first max_lines={limits.max_lines} "
                  f"were read (the rest of the document is missing from this record)")
    return dataclasses.replace(doc, blocks=doc.blocks[:end], issues=(*doc.issues, issue))


def parse_document(doc: Document, path: str | None = None, sha256: str = "") -> Report:
    """Run the format-blind stages on a Document a reader (or a test) produced."""
    from .pipeline import build_report

    return build_report(doc, Source(path=path, sha256=sha256, format=doc.format))
