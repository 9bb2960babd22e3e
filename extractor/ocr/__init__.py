"""OCR of scanned pages and table images (the optional extra ``pip install 'extractor[ocr]'``).

Modules:

* :mod:`.engine` – RapidOCR's detector and recogniser (PP-OCR models shipped in the
  ``rapidocr-onnxruntime`` wheel; CPU, no network), loaded once per process;
* :mod:`.rulings` – ruling lines and merged cells of tables (OpenCV morphology);
* :mod:`.layout` – one page image → orientation, deskew, tables as :class:`Grid` blocks,
  the text outside tables as :class:`Text` lines;
* :mod:`.read` – the entry points the readers call: :func:`read_images`,
  :func:`read_image_file`, :func:`ocr_pdf_pages`, :func:`ocr_image_tables`;
* :mod:`.suspect` – ``ocr.suspect_digit``: a cell whose reading breaks an identity that the
  recogniser's alternative reading would satisfy.

Every OCR'd cell carries ``where["ocr"] = {"score": s, "alt": [...]}``: ``score`` is the
recogniser's probability for the cell text (the least sure character), ``alt`` the
alternative readings (one uncertain digit swapped), present only when there are any.

Nothing here is imported by the core package unless OCR is asked for; without the extra
:func:`available` is False and the readers keep their ``gap.*`` issues, with a hint
naming the extra.
"""

from __future__ import annotations

from functools import lru_cache

from ..errors import ExtractorError

EXTRA_HINT = "install the OCR extra to read it: pip install 'extractor[ocr]'"


class OcrUnavailable(ExtractorError):
    """OCR was asked for but the ``ocr`` extra (rapidocr-onnxruntime, OpenCV) is not installed."""

    exit_code = 5

    def __init__(self, message: str = "") -> None:
        super().__init__(message or f"OCR is not installed; {EXTRA_HINT}")


@lru_cache(maxsize=1)
def available() -> bool:
    """True when the OCR extra is installed and loads (the models are not loaded). OpenCV is imported
    once to find out: its wheel is there without the system's libGL on a bare machine, and then the
    extra is as good as absent."""
    import importlib.util

    if not all(importlib.util.find_spec(m) is not None for m in ("rapidocr_onnxruntime", "cv2", "onnxruntime")):
        return False
    try:
        import cv2  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


#: why a page or image was not read when OCR is switched off
OFF_HINT = "OCR is switched off (Limits.ocr=False, --no-ocr)"


def why_not(ocr_on: bool) -> str | None:
    """None when OCR can run (``ocr_on``, i.e. ``Limits.ocr``, and the extra installed);
    otherwise the reason the readers add to their gap issues."""
    if not ocr_on:
        return OFF_HINT
    return None if available() else EXTRA_HINT


__all__ = ["EXTRA_HINT", "OFF_HINT", "OcrUnavailable", "available", "why_not"]
