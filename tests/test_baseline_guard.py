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
import baseline  # noqa: E402

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
    extra we read 193 of 200 (the 7 cells of row 2.重复申请, whose label the recogniser reads as
    "2.重复甲调", stay gaps: tests/test_ocr.py names them)."""
    s = sides["pdf/county-2021-scanned.image-only.pdf"]
    assert (s.cells, len(s.baseline)) == (200, 0)
    assert len(s.ours) == 193
    assert {f.rsplit(".", 1)[0] for f in set(accuracy.side_by_side_expected(s.path)["values"]) - s.ours} == {
        "s3.not_processed.repeated"}


# ------------------------------------------------------------ the baseline itself works

@pytest.mark.parametrize(("name", "exact", "missed"), [
    # a ruled PDF table read by pdfplumber: every cell, numbers, the decimal fee with its unit
    ("pdf/county-2021.plain.pdf", 200, set()),
    # the seed: blank cells and 无 in the totals, kept as blank/none
    ("pdf/seed-halazhigou-2023.plain.pdf", 186, set()),
    # Word HTML prints section 4 as three 5-column tables: no 15-cell row, no s4 cells
    ("html/county-2021.word.html", 185, S4_FIELDS),
    # pandas repeats the colspan cell 无 three times for a one-column row: three cells, no number
    ("html/bureau-2021-oneline-other.cms.html", 185, {"s2.licensing.decisions"}),
])
def test_the_baseline_reads_its_exact_count_on_known_fixtures(sides, name, exact, missed):
    s = sides[name]
    assert len(s.baseline) == exact
    exp = accuracy.side_by_side_expected(s.path)
    assert exp is not None
    assert set(exp["values"]) - s.baseline == missed


def test_the_baseline_reading_of_a_plain_pdf_has_the_printed_values():
    got = baseline.read(ROOT / "fixtures" / "pdf" / "county-2021.plain.pdf")
    assert got["s2.licensing.decisions"] == ("number", 2318, None)
    assert got["s2.fees.amount"] == ("number", 3.52, "万元")
    assert got["s3.new.total"] == ("number", 56, None)
    assert got["s3.other.other.total"] == ("number", 0, None)
    assert got["s4.review.total"] == ("number", 4, None)
    assert got["s4.suit_after_review.upheld"] == ("number", 1, None)


def test_the_baseline_mapper_rules_on_small_grids() -> None:
    grids: list[baseline.Grid] = [
        [["信息内容", "本年处理决定数量", None, None],
         ["行政许可", "2,318", None, None],  # one value cell, one column: by position
         ["行政处罚", "无", "5", "5"],  # three cells for one column: the numeric cells in order
         ["行政事业性收费", "", "", ""]],  # trailing empty padding dropped: one blank cell
        [["二、上年结转政府信息公开申请数量", None, None, None, None, None, None, None, None],
         [None, "（含跨年）", "1", "2", "3", "4", "5", "6", "21"],  # own label matches nothing: carried
         ["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密", "无", "-", "", "0", "0", "0", "0"],
         [None, None, "2.其他法律行政法规禁止公开", "1", "0", "0", "0", "0", "0", "1"],
         [None, None, "请", "9", "9", "9", "9", "9", "9", "9"]],  # no keyword here nor above: skipped
        [["1", "0", "0", "1", "2", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"],  # before 行政复议
         ["行政复议", None, None, None, None, "行政诉讼", None, None, None, None, None, None, None, None, None],
         ["2", "1", "0", "1", "4", "1", "0", "0", "1", "2", "1", "0", "0", "0", "1"]],
    ]
    got = baseline.map_grids(grids)
    assert got["s2.licensing.decisions"] == ("number", 2318, None)
    assert got["s2.penalty.decisions"] == ("number", 5, None)
    assert got["s2.fees.amount"] == ("blank", None, None)
    assert [got[f"s3.carried_over.{c}"][1] for c in ("natural_person", "other_org", "total")] == [1, 6, 21]
    assert [got[f"s3.denied.state_secret.{c}"][0] for c in ("natural_person", "commercial", "research")] == [
        "none", "na", "blank"]
    assert got["s3.denied.prohibited_by_law.total"] == ("number", 1, None)
    assert got["s4.review.upheld"] == ("number", 2, None)
    assert got["s4.suit_after_review.total"] == ("number", 1, None)
    assert len(got) == 3 + 7 + 7 + 7 + 15
