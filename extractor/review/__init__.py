"""The review: the pages researchers read before they trust a dataset.

``review.html`` is the index: how many tables are flagged, counts by issue code, year,
template and issuing body, each a link to the list of those cards, and links to the pages
of cards. ``review/page-0001.html`` … hold every flagged table of every ok report with an
``error`` or ``warning`` issue, worst first, :data:`PAGE_CARDS` cards a page, so a page
opens at once whatever the size of the run. ``review/code-CODE-0001.html``,
``review/year-YEAR-0001.html``, ``review/template-T-0001.html`` and
``review/bodies-0001.html`` … list the cards of one issue code, year, template or body as
links; ``review/failed-0001.html`` … the files that could not be read.

Memory stays flat in the number of reports: the cards are chosen and ordered in SQLite
(:mod:`extractor.review.cards`) and each page is written from a stream
(:mod:`extractor.review.pages`).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from .cards import SEVERITY_RANK, TABLE_TITLES, Built, Card, build, collect_cards, drop, layout, split_field
from .pages import (
    LIST_ROWS,
    PAGE_CARDS,
    page_name,
    render_index,
    write_body_lists,
    write_card_pages,
    write_facet_lists,
    write_failed_lists,
)
from .sources import Sources

__all__ = ["LIST_ROWS", "PAGE_CARDS", "SEVERITY_RANK", "TABLE_TITLES", "Card", "collect_cards", "layout",
           "page_name", "render_review", "Sources", "split_field", "write_review", "write_review_files"]

#: the folder of the pages, beside review.html
PAGES_DIR = "review"


def _built(conn: sqlite3.Connection) -> Built | None:
    if conn.execute("SELECT 1 FROM sqlite_temp_master WHERE name = 'rv_rank'").fetchone() is None:
        return None
    n_cards = conn.execute("SELECT COUNT(*) FROM rv_cards").fetchone()[0]
    n_reports = conn.execute("SELECT COUNT(DISTINCT sha256) FROM rv_cards").fetchone()[0]
    return Built(n_cards, n_reports)


def render_review(conn: sqlite3.Connection) -> str:
    """``review.html`` (the index) of the dataset in ``conn``, as one HTML string."""
    built = _built(conn)
    if built is not None:
        return render_index(conn, built.n_cards, built.n_reports, PAGES_DIR)
    built = build(conn)
    try:
        return render_index(conn, built.n_cards, built.n_reports, PAGES_DIR)
    finally:
        drop(conn)


def write_review_files(conn: sqlite3.Connection, index: Path, pages: Path, *, crops: bool = True) -> Sources:
    """Write the index to ``index`` and every page into the folder ``pages`` (created);
    ``crops``: the source beside each card's grid, PDF crops as PNG files in ``pages``
    (:mod:`extractor.review.sources`). Returns the :class:`Sources` (counts of images, bytes)."""
    pages.mkdir(parents=True, exist_ok=True)

    def write_image(name: str, data: bytes) -> None:
        with open(pages / name, "wb") as fh:
            fh.write(data)

    sources = Sources(write_image, enabled=crops)

    def open_file(name: str) -> TextIO:
        return open(pages / name, "w", encoding="utf-8", newline="")

    opener: Callable[[str], TextIO] = open_file
    build(conn)
    try:
        built = _built(conn)
        assert built is not None
        write_card_pages(conn, built.n_cards, opener, sources)
        write_facet_lists(conn, opener)
        write_body_lists(conn, opener)
        write_failed_lists(conn, opener)
        page = render_review(conn)
    finally:
        drop(conn)
    with open(index, "w", encoding="utf-8", newline="") as fh:
        fh.write(page)
    return sources


def write_review(sqlite_path: str | os.PathLike[str], outdir: str | os.PathLike[str], *, crops: bool = True) -> None:
    """Write ``review.html`` and ``review/`` into ``outdir`` for an existing ``dataset.sqlite``
    (in place, not atomically: :func:`extractor.export.export` is the atomic way)."""
    conn = sqlite3.connect(str(sqlite_path))
    try:
        out = Path(outdir)
        write_review_files(conn, out / "review.html", out / PAGES_DIR, crops=crops)
    finally:
        conn.close()
