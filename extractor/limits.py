"""Explicit, configurable limits on what one file may cost.

Every limit is a field of :class:`Limits` (pass ``extractor.parse(..., limits=Limits(...))``,
or the ``--max-*`` / ``--timeout`` options of ``extractor parse``). Hitting one never
crashes and never hangs; it has one of two outcomes, and both name the limit:

* **read the first part, with an issue** ``limit.<name>`` (severity warning) when the
  document is merely long: ``max_pages``, ``max_lines``, ``max_elements``, ``max_depth``.
  The issue says what was not read; the report holds everything before it. Likewise
  ``max_ocr_pages``: the pages past it are not read by OCR (``limit.max_ocr_pages``).
* **a** :class:`~extractor.errors.LimitExceeded` **error** (``error.limit == "<name>"``,
  CLI exit code 8) when the document as a whole is too big to read safely or took too
  long: ``max_bytes``, ``max_text_chars``, ``max_cells``, ``max_inflated_bytes``, ``time_s``.

``ocr`` is a switch, not a limit: False keeps scanned pages and table images as gaps.

``time_s`` is enforced inside :func:`extractor.parse` by cooperative checks (between PDF
pages and OCR'd pages, HTML stages and tables, every few thousand text lines, and between reading and the
format-blind stages), so a parse stops within about one page's work of the limit; the
batch runner and the CLI add a hard stop on top (``extractor run --timeout`` kills the
worker, ``extractor parse --timeout`` arms an alarm).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from .errors import LimitExceeded

__all__ = ["Limits", "DEFAULT_LIMITS", "LIMIT_NAMES", "time_limit", "check_time"]


@dataclass(frozen=True)
class Limits:
    """Per-file limits (the defaults are about 100 times what a real report needs)."""

    #: input file size in bytes (error)
    max_bytes: int = 200 * 1024 * 1024
    #: PDF pages read; a longer PDF gives a ``limit.max_pages`` warning and only its first
    #: ``max_pages`` pages are read (real reports have 3–30 pages)
    max_pages: int = 500
    #: table cells over all grids of one document, after spans are expanded (error; a
    #: report's three tables have about 400)
    max_cells: int = 250_000
    #: decoded characters of a text or HTML file, characters of a PDF's text layer (error)
    max_text_chars: int = 20_000_000
    #: text lines / paragraphs kept (text lines, HTML lines, PDF paragraphs); the rest of a
    #: longer document is not read (``limit.max_lines`` warning)
    max_lines: int = 200_000
    #: HTML elements (start tags) parsed; the rest of a longer page is not read
    #: (``limit.max_elements`` warning)
    max_elements: int = 300_000
    #: HTML nesting kept; deeper markup is flattened, its text kept (``limit.max_depth``)
    max_depth: int = 2000
    #: what the compressed streams of a PDF (all but images, which are never decoded) may
    #: inflate to in total; a decompression bomb is an error before any page is read
    max_inflated_bytes: int = 64 * 1024 * 1024
    #: per-file time in seconds; 0 (or less) means no limit (error ``time_s``)
    time_s: float = 120.0
    #: read pages without a text layer (scans) and HTML table images by OCR when the ``ocr``
    #: extra is installed (:mod:`extractor.ocr`); False: they stay ``gap.no_text_layer`` /
    #: ``gap.table_image`` (``--no-ocr``). OCR costs several seconds of CPU per page.
    ocr: bool = True
    #: pages (PDF pages without a text layer, HTML table images) read by OCR per document; the
    #: rest are not read (``limit.max_ocr_pages`` warning, their gap issue stays)
    max_ocr_pages: int = 30

    def __post_init__(self) -> None:
        for name in LIMIT_NAMES:
            value = getattr(self, name)
            if name != "time_s" and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"Limits.{name} must be a positive integer, not {value!r}")
        if not isinstance(self.time_s, (int, float)) or isinstance(self.time_s, bool):
            raise ValueError(f"Limits.time_s must be a number of seconds, not {self.time_s!r}")
        if not isinstance(self.ocr, bool):
            raise ValueError(f"Limits.ocr must be True or False, not {self.ocr!r}")


LIMIT_NAMES: tuple[str, ...] = (
    "max_bytes", "max_pages", "max_cells", "max_text_chars", "max_lines", "max_elements", "max_depth",
    "max_inflated_bytes", "time_s", "max_ocr_pages",
)

DEFAULT_LIMITS = Limits()


# ---------------------------------------------------------------- the per-file deadline

# (deadline on time.monotonic(), the limit in seconds) of the parse running in this thread
# / context; None outside a parse or without a time limit
_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("extractor_deadline", default=None)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Run the block under a deadline ``seconds`` from now (None or <= 0: no deadline);
    :func:`check_time` inside it raises ``LimitExceeded("time_s", ...)`` once it is past."""
    if seconds is None or seconds <= 0:
        token = _DEADLINE.set(None)
    else:
        token = _DEADLINE.set((time.monotonic() + seconds, float(seconds)))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_time(where: str = "") -> None:
    """A cooperative check point: raise ``LimitExceeded("time_s")`` when the deadline of the
    running parse is past. Cheap (one clock read); a no-op outside :func:`time_limit`."""
    d = _DEADLINE.get()
    if d is not None and time.monotonic() > d[0]:
        at = f" (stopped {where})" if where else ""
        raise LimitExceeded("time_s", f"parsing took longer than the time limit time_s={d[1]:g} s{at}")
