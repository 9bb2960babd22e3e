"""Guard: on every PDF and HTML fixture we read at least the cells the naive baseline reads
(benchmarks/baseline.py: pdfplumber's extract_tables / pandas.read_html and a keyword mapper).

Both tools are scored by ``benchmarks/accuracy.py`` (``side_by_side``): a cell counts when the
field is present with the expected kind, value and unit. A fixture where the baseline wins is a
bug of our reader, to be fixed there, never by weakening the baseline. The tests at the end pin
the baseline's own readings with exact numbers, so the guard cannot pass by a baseline that
reads nothing.

Our side is ``extractor.parse`` with its defaults: with the OCR extra installed (the ``test``
extra installs it, so CI does), the scanned first page of county-2021-part-scanned is read by
OCR, and the test of that file asks for strictly more cells than the baseline.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import accuracy  # noqa: E402

from extractor import ocr  # noqa: E402

# Fixtures where the baseline reads cells we miss, until our reader is fixed: file id -> reason.
# Each becomes a strict xfail, so the test turns red (XPASS) the day the reader is fixed.
# (issue 10's section-4 header cut after its 2nd/3rd character was one; the reader joins it now)
BASELINE_WINS: dict[str, str] = {}

FILES = accuracy.side_by_side_files()
S4_FIELDS = {f"s4.{g}.{c}" for g in ("review", "suit_direct", "suit_after_review")
             for c in ("upheld", "corrected", "other", "pending", "total")}


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.fixture(scope="module")
def sides() -> dict[str, accuracy.SideBySide]:
    """Both readings of every fixture, computed once for the module."""
    return {_id(s.path): s for s in accuracy.side_by_side()}


def test_the_guard_covers_every_pdf_and_html_fixture_with_values():
    names = {_id(p) for p in FILES}
    assert {"pdf/county-2021.plain.pdf", "pdf/dept-2019.rotated-s4-pages.pdf", "html/county-2021.portal.html",
            "html/seed-halazhigou-2023.word.html"} <= names
    assert "pdf/county-2021-part-scanned.first-page-image.pdf" in names  # partial: read against county-2021
    assert "pdf/county-2021.encrypted-password.pdf" not in names  # cannot be opened by design
    assert "html/county-2017-pre2019.cms.html" not in names  # no table values to compare


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=BASELINE_WINS[_id(p)])) if _id(p) in BASELINE_WINS
    else p for p in FILES], ids=_id)
def test_we_read_at_least_the_cells_the_baseline_reads(path, sides):
    s = sides[_id(path)]
    assert len(s.ours) >= len(s.baseline), (
        f"{_id(path)}: we read {len(s.ours)} of {s.cells} cells, the baseline {len(s.baseline)}; "
        f"the baseline reads and we miss: {s.lost}")
    assert s.lost == [], f"{_id(path)}: the baseline reads and we miss: {s.lost}"


@pytest.mark.skipif(not ocr.available(), reason="the OCR extra is not installed: pip install 'extractor[ocr]'")
def test_ocr_reads_more_than_the_baseline_on_the_partly_scanned_pdf(sides):
    """Page 1 of county-2021-part-scanned is a picture (the section-2 table): the baseline, like
    our reader without OCR, ties at 190 of 200; with the OCR extra (installed by the ``test``
    extra, so in CI) we read strictly more: all 200, the 72-dpi picture included."""
    s = sides["pdf/county-2021-part-scanned.first-page-image.pdf"]
    assert (s.cells, len(s.baseline)) == (200, 190)
    assert len(s.ours) == 200 > len(s.baseline)
    assert s.baseline < s.ours


@pytest.mark.skipif(not ocr.available(), reason="the OCR extra is not installed: pip install 'extractor[ocr]'")
def test_ocr_reads_the_image_only_pdf_that_the_baseline_cannot(sides):
    """Every page of county-2021-scanned is a picture: the baseline reads no cell; with the OCR
    extra we read all 200 (the row label the recogniser misreads, '2.重复甲调', is matched by its
    place and number: tests/test_fuzzy_labels.py)."""
    s = sides["pdf/county-2021-scanned.image-only.pdf"]
    assert (s.cells, len(s.baseline)) == (200, 0)
    assert len(s.ours) == 200
