"""Entry points of the OCR path, for the readers (see the package docstring for the cells' scores).

* :func:`read_image_file` – the reader of image inputs (PNG, JPEG, TIFF, one page or many):
  bytes → :class:`Document`;
* :func:`read_images` – page images (arrays, PIL images or encoded bytes) → :class:`Document`;
* :func:`ocr_pdf_pages` – the PDF reader's call for pages without a text layer: the PDF's
  bytes and 0-based page indexes → the blocks of each page, ``where`` in PDF points of the
  page as displayed (pages are rendered at :data:`PDF_DPI`);
* :func:`ocr_image` – one image (an ``<img>`` table of an HTML page) → its blocks;
* :func:`local_image_path` – where an ``<img src>`` of an HTML file may be read from: inside
  the HTML file's own folder only.

All of them load the models once per process (:func:`extractor.ocr.engine.get_engine`)
and raise :class:`extractor.ocr.OcrUnavailable` when the extra is not installed.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import urllib.parse
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

from ..errors import DamagedDocument, LimitExceeded, UnsupportedFormat
from ..limits import DEFAULT_LIMITS, Limits, check_time
from ..model import Block, Document, Format, Issue
from . import OcrUnavailable

__all__ = ["PDF_DPI", "MAX_PAGE_PIXELS", "read_image_file", "read_images", "ocr_pdf_pages", "with_ocr_pages", "ocr_image",
           "local_image_path", "decode_image"]

#: resolution PDF pages without a text layer are rendered at
PDF_DPI = 200
#: a page image bigger than this (about A4 at 600 dpi) is scaled down before OCR
MAX_PAGE_PIXELS = 36_000_000
#: an image declaring more pixels than this is not decoded at all (a decompression bomb)
REFUSE_PIXELS = 400_000_000

ImageLike = np.ndarray | bytes | Any  # an array (gray/BGR), encoded image bytes, or a PIL image


def _engine() -> Any:
    try:
        import cv2  # noqa: F401

        from .engine import get_engine
    except ImportError as e:
        raise OcrUnavailable() from e
    return get_engine()


#: what Pillow raises on bytes it cannot decode (an unknown or truncated image, a broken chunk); any
#: other exception is a bug of ours and surfaces as itself, not as a damaged document
_PIL_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError)


def _pil_pages(data: bytes) -> list[np.ndarray]:
    """Every frame of an encoded image as a grayscale array (multi-page TIFF: every page)."""
    from PIL import Image, ImageSequence

    try:
        Image.MAX_IMAGE_PIXELS = REFUSE_PIXELS
        img = Image.open(io.BytesIO(data))
        w, h = img.size
    except Image.DecompressionBombError:
        raise LimitExceeded("max_bytes", f"the image declares more than {REFUSE_PIXELS} pixels") from None
    except _PIL_ERRORS as e:
        raise DamagedDocument(f"the image cannot be decoded ({type(e).__name__}: {e})") from None
    pages: list[np.ndarray] = []
    try:
        for frame in ImageSequence.Iterator(img):
            fw, fh = frame.size
            if fw * fh > REFUSE_PIXELS:
                raise LimitExceeded("max_bytes", f"an image page of {fw}x{fh} pixels is over the limit")
            g = frame.convert("L")
            if fw * fh > MAX_PAGE_PIXELS:
                s = (MAX_PAGE_PIXELS / (fw * fh)) ** 0.5
                g = g.resize((max(1, int(fw * s)), max(1, int(fh * s))))
            pages.append(np.asarray(g, dtype=np.uint8).copy())
    except (LimitExceeded, DamagedDocument):
        raise
    except _PIL_ERRORS as e:
        raise DamagedDocument(f"the image is damaged or truncated ({type(e).__name__}: {e})") from None
    if not pages or w <= 0 or h <= 0:
        raise DamagedDocument("the image has no pages")
    return pages


def decode_image(image: ImageLike) -> list[np.ndarray]:
    """Grayscale page arrays of an array, a PIL image or encoded bytes (PNG/JPEG/TIFF...)."""
    if isinstance(image, (bytes, bytearray, memoryview)):
        return _pil_pages(bytes(image))
    if isinstance(image, np.ndarray):
        if image.ndim == 3:
            import cv2

            code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
            return [cv2.cvtColor(image, code)]
        return [image.astype(np.uint8, copy=False)]
    if hasattr(image, "convert"):
        return [np.asarray(image.convert("L"), dtype=np.uint8).copy()]
    raise TypeError(f"not an image: {type(image).__name__}")


def _ocr_issue(pages: Sequence[int], info: dict[int, Any]) -> Issue:
    turned = [f"page {p} turned {info[p].rotation}°" for p in pages if info[p].rotation]
    return Issue("input.ocr", "info",
                 f"read by OCR (page(s) {', '.join(str(p) for p in pages)}): every value's confidence "
                 "includes the recogniser's score" + (f"; {', '.join(turned)}" if turned else ""),
                 where={"pages": list(pages)})


def read_images(images: Iterable[ImageLike], limits: Limits = DEFAULT_LIMITS, *, px_per_unit: float = 1.0,
                fmt: str = "image") -> Document:
    """OCR page images into one Document (pages numbered from 1 in image order).

    ``px_per_unit``: pixels per unit of ``where["bbox"]`` (1.0: pixels). ``fmt``: the
    Document's format (``"image"``; the lead adds it to :data:`extractor.model.Format`).
    """
    from .layout import PageInfo, read_page

    engine = _engine()
    blocks: list[Block] = []
    issues: list[Issue] = []
    info: dict[int, PageInfo] = {}
    empty: list[int] = []
    page_no = 0
    for image in images:
        for gray in decode_image(image):
            page_no += 1
            if page_no > limits.max_pages:
                issues.append(Issue("limit.max_pages", "warning",
                                    f"more than max_pages={limits.max_pages} page images; the rest were not read"))
                break
            check_time(f"at OCR of page {page_no}")
            info[page_no] = PageInfo()
            page_blocks = read_page(gray, page_no, engine, px_per_unit, info[page_no])
            if not page_blocks:
                empty.append(page_no)
            blocks.extend(page_blocks)
        else:
            continue
        break
    if page_no == 0:
        raise DamagedDocument("no page image to read")
    issues.insert(0, _ocr_issue(sorted(info), info))
    if empty:
        issues.append(Issue("gap.ocr_empty", "error" if len(empty) == page_no else "warning",
                            f"OCR found no text on page(s) {', '.join(map(str, empty))}", where={"pages": empty}))
    return Document(blocks=tuple(blocks), format=cast(Format, fmt), issues=tuple(issues))


#: what sniffing recognises as an image input (magic bytes → name)
IMAGE_MAGIC: dict[bytes, str] = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
}


def image_kind(data: bytes) -> str | None:
    """``"png"``, ``"jpeg"`` or ``"tiff"`` when the bytes start like one, else None."""
    return next((k for m, k in IMAGE_MAGIC.items() if data.startswith(m)), None)


def read_image_file(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Document:
    """The reader of image inputs: PNG, JPEG or TIFF bytes (every TIFF page) → Document.

    ``where["bbox"]`` is in pixels of the upright, deskewed page.
    """
    if image_kind(data) is None:
        raise UnsupportedFormat("not a PNG, JPEG or TIFF image")
    return read_images([data], limits)


def ocr_pdf_pages(pdf_bytes: bytes, page_indexes: Sequence[int], limits: Limits = DEFAULT_LIMITS,
                  dpi: int = PDF_DPI) -> list[list[Block]]:
    """OCR the given 0-based pages of a PDF: one list of blocks per index, in order.

    Pages are rendered by pdfium at ``dpi`` (grayscale, as displayed: ``/Rotate``
    applied), so ``where`` is ``{"page": index + 1, "bbox": [...]}`` in points from the
    top-left corner of the displayed page, as the PDF reader gives it for text pages.
    ``limits.time_s`` is checked before each page.
    """
    import pypdfium2 as pdfium

    engine = _engine()
    from .layout import read_page

    out: list[list[Block]] = []
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        for i in page_indexes:
            check_time(f"at OCR of PDF page {i + 1}")
            page = pdf[i]
            try:
                w, h = page.get_size()
                scale = dpi / 72
                if w * h * scale * scale > MAX_PAGE_PIXELS:  # a huge page: fewer dots per point
                    scale = (MAX_PAGE_PIXELS / (w * h)) ** 0.5
                bitmap = page.render(scale=scale, grayscale=True)
                arr = np.array(bitmap.to_numpy(), dtype=np.uint8)
                bitmap.close()
            finally:
                page.close()
            gray = arr if arr.ndim == 2 else arr[:, :, 0]
            out.append(read_page(gray, i + 1, engine, scale))
    finally:
        pdf.close()
    return out


def ocr_image(data: bytes | np.ndarray, page_no: int = 1, px_per_unit: float = 1.0) -> list[Block]:
    """Blocks of one image (e.g. a table image of an HTML page); the first frame only."""
    from .layout import read_page

    engine = _engine()
    gray = decode_image(data)[0]
    return read_page(gray, page_no, engine, px_per_unit)


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def data_uri_image(src: str) -> bytes | None:
    """The bytes of a ``data:image/...;base64,`` URI, else None."""
    m = re.match(r"^data:image/[\w.+-]+;base64,(.*)$", src.strip(), re.S)
    if not m:
        return None
    try:
        return base64.b64decode(m.group(1), validate=False)
    except ValueError:
        return None


def local_image_path(folder: str | Path, src: str) -> Path | None:
    """The file an ``<img src>`` names inside ``folder`` (the HTML file's own folder), or None.

    Refused (None): any scheme (``http:``, ``file:``, ``data:`` – see :func:`data_uri_image`),
    absolute paths, ``..`` components, backslash paths, a path through or to a symlink, and
    anything that does not resolve to a regular file inside ``folder``. Query strings and
    fragments are ignored, %-escapes decoded.
    """
    src = (src or "").strip()
    if not src or _SCHEME.match(src) or src.startswith(("/", "\\", "//")) or "\\" in src:
        return None
    path = urllib.parse.unquote(urllib.parse.urlsplit(src).path)
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." or "\x00" in p for p in parts):
        return None
    base = Path(folder)
    try:
        base_real = base.resolve(strict=True)
        cur = base
        for p in parts:
            cur = cur / p
            if cur.is_symlink():
                return None
        real = cur.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_file() or not real.is_relative_to(base_real):
        return None
    return real


def with_ocr_pages(doc: Document, pdf_bytes: bytes, limits: Limits = DEFAULT_LIMITS) -> Document:
    """The PDF reader's Document with its pages without a text layer read by OCR.

    The pages named by the ``gap.no_text_layer`` issue (``where["pages"]``, 1-based) are
    OCR'd (:func:`ocr_pdf_pages`), at most ``limits.max_ocr_pages`` of them, and their blocks
    put in page order among the text pages' blocks; the gap issue is replaced by an
    ``input.ocr`` info issue listing the pages (pages past the limit keep a
    ``gap.no_text_layer`` warning, and a ``limit.max_ocr_pages`` warning says so). A
    Document without that issue is returned unchanged. (The PDF reader's paragraph joining
    does not run over OCR'd lines: each OCR line is its own Text block.)
    """
    gap = next((i for i in doc.issues if i.code == "gap.no_text_layer" and i.where and i.where.get("pages")), None)
    if gap is None or gap.where is None:
        return doc
    all_pages = sorted(int(p) for p in gap.where["pages"])
    pages, rest = all_pages[:limits.max_ocr_pages], all_pages[limits.max_ocr_pages:]
    from .layout import PageInfo  # noqa: F401  (the extra is there: fail early otherwise)

    ocr_blocks = dict(zip(pages, ocr_pdf_pages(pdf_bytes, [p - 1 for p in pages], limits), strict=True))
    blocks: list[Block] = []
    pending = sorted(ocr_blocks)
    for b in doc.blocks:
        page = _first_page(b)
        while pending and page is not None and pending[0] < page:
            blocks.extend(ocr_blocks[pending.pop(0)])
        blocks.append(b)
    for p in pending:
        blocks.extend(ocr_blocks[p])
    issues = [i for i in doc.issues if i is not gap]
    issues.insert(0, Issue("input.ocr", "info",
                           f"page(s) {', '.join(map(str, pages))} have no text layer and were read by OCR",
                           where={"pages": pages}))
    empty = [p for p in pages if not ocr_blocks[p]]
    if empty:
        issues.append(Issue("gap.ocr_empty", "warning",
                            f"OCR found no text on page(s) {', '.join(map(str, empty))}", where={"pages": empty}))
    if rest:
        issues.append(Issue("gap.no_text_layer", "warning",
                            f"page(s) {', '.join(map(str, rest))} have no text layer (scanned images) and were "
                            f"not read by OCR; their content is missing", where={"pages": rest}))
        issues.append(Issue("limit.max_ocr_pages", "warning",
                            f"{len(all_pages)} pages need OCR; only the first max_ocr_pages={limits.max_ocr_pages} "
                            f"were read", where={"pages": rest}))
    return Document(blocks=tuple(blocks), format=doc.format, hints=doc.hints, issues=tuple(issues))


def _first_page(b: Block) -> int | None:
    p = b.where.get("page") if isinstance(b.where, dict) else None
    return int(p) if isinstance(p, int) else None
