"""Table images of an HTML page read by OCR (the ``ocr`` extra), in place of ``gap.table_image``.

A page whose section 二/三/四 shows an ``<img>`` instead of a table (or that has images and
no table at all) would give ``gap.table_image``. When the page was given as a file
(``extractor.parse(path)``), ``limits.ocr`` is on and the extra is installed, each such image
is read from **the HTML file's own folder only** (:func:`extractor.ocr.read.local_image_path`:
no ``..``, no absolute or ``file:`` path, no symlink, never fetched; a ``data:image/…;base64``
URI is part of the page and read as well) and OCR'd where it stands: its tables become
:class:`Grid` blocks, its other text lines. The image marker stays behind the blocks, so an
image that holds no table still gives its gap. ``where`` of the OCR'd blocks and cells is
``{"image": src, "bbox": [...] (pixels), "ocr": {...}}``. At most ``limits.max_ocr_pages``
images are read; an ``input.ocr`` issue names the images read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ...errors import DamagedDocument, LimitExceeded
from ...limits import Limits, check_time
from ...model import Block, Grid, Issue, Text
from ...vocab import heading_number
from .blocks import _Img

__all__ = ["ocr_table_images", "ImageOcr"]


@dataclass
class ImageOcr:
    """What the OCR hook did: the images read, and why the others were not."""

    read: list[str]
    unreadable: list[str]
    #: why no image was read (no folder, OCR off, no extra), for the gap issues; "" when some were
    why: str = ""
    over_limit: int = 0


def _table_image_places(items: Sequence[Block | _Img]) -> list[int]:
    """Positions in ``items`` of the images that would give ``gap.table_image`` (the same rule
    as :func:`.blocks._gaps`): images in sections 2-4 showing no grid, or every image when the
    page has no grid at all."""
    section = 0
    grids_in: dict[int, int] = {}
    images_in: dict[int, list[int]] = {}
    for k, b in enumerate(items):
        if isinstance(b, _Img):
            images_in.setdefault(section, []).append(k)
        elif isinstance(b, Grid):
            grids_in[section] = grids_in.get(section, 0) + 1
        elif len(b.text) <= 60 and (n := heading_number(b.text)):
            section = n
    if not grids_in:
        return sorted(k for ks in images_in.values() for k in ks)
    return sorted(k for n in (2, 3, 4) if not grids_in.get(n) for k in images_in.get(n, []))


def _image_bytes(src: str, folder: Path | None, limits: Limits) -> bytes | None:
    from ...ocr.read import data_uri_image, local_image_path

    data = data_uri_image(src)
    if data is not None:
        return data
    path = local_image_path(folder, src) if folder is not None else None
    if path is None:
        return None
    try:
        if path.stat().st_size > limits.max_bytes:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _in_image(blocks: list[Block], src: str) -> list[Block]:
    """The OCR'd blocks with ``where`` naming the image instead of a page."""

    def where(w: dict) -> dict:
        out = {k: v for k, v in w.items() if k != "page"}
        out["image"] = src
        return out

    out: list[Block] = []
    for b in blocks:
        if isinstance(b, Grid):
            seen: dict[int, object] = {}
            rows = []
            for row in b.rows:
                cells = []
                for c in row:  # a merged cell's copies are one object: keep them one
                    if id(c) not in seen:
                        seen[id(c)] = replace(c, where=where(c.where))
                    cells.append(seen[id(c)])
                rows.append(tuple(cells))
            out.append(replace(b, rows=tuple(rows), where=where(b.where)))  # type: ignore[arg-type]
        else:
            out.append(Text(b.text, where(b.where)))
    return out


def ocr_table_images(items: list[Block | _Img], folder: Path | None,
                     limits: Limits) -> tuple[list[Block | _Img], ImageOcr]:
    """``items`` with the table images OCR'd in place (see the module docstring)."""
    places = _table_image_places(items)
    if not places:
        return items, ImageOcr([], [])
    from ... import ocr

    why = ocr.why_not(limits.ocr)
    if why is not None:
        return items, ImageOcr([], [], why)
    from ...ocr.read import ocr_image

    done = ImageOcr([], [])
    found: dict[int, list[Block]] = {}
    for k in places:
        src = items[k].src  # type: ignore[union-attr]
        if len(done.read) >= limits.max_ocr_pages:
            done.over_limit += 1
            continue
        data = _image_bytes(src, folder, limits) if src else None
        if data is None:
            done.unreadable.append(src or "(no src)")
            continue
        check_time(f"at OCR of the page's image {src[:80]}")
        try:
            found[k] = _in_image(ocr_image(data, page_no=len(done.read) + 1), src[:300])
        except (DamagedDocument, LimitExceeded):
            done.unreadable.append(src[:300])
            continue
        done.read.append(src[:300])
    if done.unreadable and folder is None:
        done.why = ("not read by OCR: the page was given as bytes, so it has no folder to read its images from "
                    "(images are never fetched: parse the page by its path, with its images saved beside it)")
    elif done.unreadable:
        done.why = (f"not read by OCR: {', '.join(done.unreadable[:3])} not found in the HTML file's own folder "
                    "(images are never fetched: parse the page by its path, with its images saved beside it)")
    out: list[Block | _Img] = []
    for k, b in enumerate(items):
        out.extend(found.get(k, ()))
        out.append(b)
    return out, done


def ocr_issues(done: ImageOcr, limits: Limits, issues: list[Issue]) -> list[Issue]:
    """The page's issues with the OCR hook's: ``input.ocr`` for the images read, the reason
    on the ``gap.table_image`` issues that remain, ``limit.max_ocr_pages``."""
    out = list(issues)
    if done.why:
        out = [replace(i, message=f"{i.message}; {done.why}") if i.code == "gap.table_image" else i for i in out]
    if done.read:
        out.insert(0, Issue("input.ocr", "info",
                            f"{len(done.read)} table image(s) read by OCR ({', '.join(done.read[:3])}"
                            + (" …" if len(done.read) > 3 else "") + "): every value's confidence includes "
                            "the recogniser's score", where={"images": done.read[:20]}))
    if done.over_limit:
        out.append(Issue("limit.max_ocr_pages", "warning",
                         f"{done.over_limit} more table image(s) were not read: only the first "
                         f"max_ocr_pages={limits.max_ocr_pages} are read by OCR"))
    return out
