"""The per-file work of a batch run: read, sniff, parse, make the dataset rows (in a worker)."""

from __future__ import annotations

import hashlib
import io
import os
import time
import zipfile
from pathlib import Path
from typing import Any

from ..dataset import (
    failure_content,
    not_a_report_reason,
    rows_from_record,
)
from ..errors import ExtractorError
from ..limits import DEFAULT_LIMITS, Limits
from .inputs import display_path

#: text-like files that a scraper saves next to reports but that are never reports
NON_REPORT_TEXT_EXTS = frozenset({
    ".css", ".js", ".mjs", ".map", ".json", ".xml", ".svg", ".rss", ".atom", ".webmanifest",
})
#: binary files that are never reports (``not_a_report`` even when the bytes are not recognised);
#: Word files (.docx, .doc, .wps, .odt, .rtf) are not among them: they are parsed
NON_REPORT_BINARY_EXTS = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".ico", ".woff", ".woff2",
    ".ttf", ".otf", ".eot", ".zip", ".rar", ".7z", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".exe", ".dll",
    ".mp3", ".mp4", ".avi", ".mov", ".wav", ".swf", ".flv",
})

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _identified(data: bytes) -> bool:
    """True when the sniffer that refused ``data`` knew what it is (an image by its magic
    number, a ZIP package or an OLE file it opened: .xlsx, .pptx, .xls, an archive), False
    for bytes it could not make out (noise, a ZIP that does not open)."""
    from ..readers import sniff

    if any(data.startswith(m) for m in sniff._BINARY_MAGIC):
        return True
    if data.startswith(_OLE_MAGIC):
        return True  # sniff_ole raises DamagedDocument, not UnsupportedFormat, for one it cannot read
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)):
                return True
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
            return False
    return False


def _classify_unsupported(path: str, data: bytes, message: str) -> tuple[str, str]:
    """(status, reason) of a file the sniffer refused: ``not_a_report`` when it is something
    known that is never a report (an image, a workbook, a presentation, an archive; or bytes
    not made out under a non-report extension: font, media...), ``failed`` when it may be a
    broken report (noise named ``report.pdf``)."""
    if _identified(data):
        return "not_a_report", message
    ext = os.path.splitext(path)[1].lower()
    if ext in NON_REPORT_BINARY_EXTS or ext in NON_REPORT_TEXT_EXTS:
        return "not_a_report", f"not a report: a {ext} file ({message})"
    return "failed", message


def process_file(path: str, data: bytes | None = None, expected_sha256: str | None = None, *,
                 limits: Limits = DEFAULT_LIMITS, max_memory_mb: int = 0) -> dict[str, Any]:
    """The per-file work of a batch run (in a worker process): read, sniff, parse, make rows.

    Returns a picklable dict: ``sha256``, ``content`` (the per-content columns of the
    reports row), ``rows`` (:class:`ContentRows` or None) and ``retire`` (True when the
    worker should be replaced, e.g. after a MemoryError). Never raises for a bad file.
    """
    import extractor

    from ..errors import EmptyInput, UnsupportedFormat
    from ..readers.sniff import sniff_format

    t0 = time.perf_counter()
    version = extractor.__version__

    def fail(error_type: str, message: str, status: str = "failed", fmt: str | None = None,
             retire: bool = False, sha: str | None = None) -> dict[str, Any]:
        return {
            "sha256": sha if sha is not None else expected_sha256,
            "content": failure_content(status, error_type, message, fmt=fmt, version=version,
                                       seconds=time.perf_counter() - t0,
                                       size=None if data is None else len(data)),
            "rows": None,
            "retire": retire,
        }

    if data is None:
        try:
            size = os.stat(path).st_size
            if size > limits.max_bytes:
                return fail("LimitExceeded", f"the file is {size} bytes, over the limit max_bytes={limits.max_bytes}")
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as e:
            return fail("InputNotFound", f"cannot read {display_path(path)}: {e.strerror or e}")
    sha = hashlib.sha256(data).hexdigest()
    if expected_sha256 and sha != expected_sha256:
        return fail("changed", "the file changed while the run was reading it; run again")
    try:
        try:
            fmt = sniff_format(data)
        except UnsupportedFormat as e:
            status, reason = _classify_unsupported(path, data, str(e))
            return fail(type(e).__name__, reason, status=status, sha=sha)
        except EmptyInput as e:
            return fail(type(e).__name__, "the file is empty", sha=sha)
        ext = os.path.splitext(path)[1].lower()
        if fmt in ("text", "html") and ext in NON_REPORT_TEXT_EXTS:
            return fail("UnsupportedFormat", f"not a report: a {ext} file (web page asset)",
                        status="not_a_report", fmt=fmt, sha=sha)
        # the file's own folder: an HTML page's table images saved beside it are read by OCR
        report = extractor.parse(data, format=fmt, limits=limits, folder=os.path.dirname(os.path.abspath(path)))
        record = report.to_dict()
        why = not_a_report_reason(record)
        if why is not None:
            return fail("gap.template", why, status="not_a_report", fmt=fmt, sha=sha)
        record["source"]["path"] = path
        record["source"]["sha256"] = sha
        rows = rows_from_record(record, version=version, seconds=time.perf_counter() - t0, size=len(data))
        return {"sha256": sha, "content": rows.content, "rows": rows, "retire": False}
    except MemoryError:
        limit = f" (--max-memory-mb {max_memory_mb})" if max_memory_mb else ""
        return fail("memory", f"ran out of memory while parsing{limit}", retire=True, sha=sha)
    except ExtractorError as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        return fail(type(e).__name__, msg, sha=sha)
    except RecursionError as e:
        return fail("internal", f"RecursionError: {e}", sha=sha)
    except Exception as e:  # a bug in extractor: keep going, record it
        import traceback

        tb = traceback.extract_tb(e.__traceback__)
        at = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        return fail("internal", f"{type(e).__name__}: {e}{at}", sha=sha)
