"""Every PDF fixture (fixtures/pdf, made by fixtures/make_pdf.py, listed in fixtures/pdf/cases.json)
through ``extractor.parse``: the expected record of fixtures/expected/<name>.json exactly, the same
values as its text twin in fixtures/text, and — for a table split across pages — the page of
every cell kept in the values' ``where``."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

import pytest

import extractor
from extractor.errors import EncryptedDocument
from extractor.limits import Limits
from extractor.model import Report

from conftest import FIXTURES, load_expected

sys.path.insert(0, str(FIXTURES))
import reports  # noqa: E402

PDF = FIXTURES / "pdf"
CASES: dict[str, dict] = json.loads((PDF / "cases.json").read_text(encoding="utf-8"))
# the files of fixtures/make_pdf_producers.py have their own manifest (tests/test_pdf_producers.py)
PRODUCERS: dict[str, dict] = json.loads((PDF / "producers.json").read_text(encoding="utf-8"))
PDF_FILES = sorted(p for p in PDF.glob("*.pdf") if p.name not in PRODUCERS)
READABLE = [n for n, c in CASES.items() if c["expect"] == "values"]
SPLIT = [n for n, c in CASES.items() if c["split"] and c["expect"] == "values"]
# Issues a report's record carries besides the template checks its expected record lists
# (``issues`` of fixtures/expected/<report>.json): city-2022-bad-totals' 总体情况 text quotes
# 410 new requests and 24 carried forward where its table prints 401 and 25 (fixtures/reports.py).
PROSE_WARNINGS: dict[str, set[str]] = {"city-2022-bad-totals": {"check.prose_mismatch"}}


@cache
def parsed(name: str) -> Report:
    return extractor.parse(PDF / name)


def _record(rep: Report) -> dict[str, dict]:
    return {v.field: {"kind": v.kind, "value": v.value, "raw": v.raw, "unit": v.unit} for v in rep.values}


def test_manifest_lists_every_pdf_and_every_report_has_an_expected_record():
    assert sorted(CASES) == [p.name for p in PDF_FILES]
    for name, case in CASES.items():
        assert (FIXTURES / "expected" / f"{case['report']}.json").exists()
        base = name.split(".", 1)[0]
        if case["expect"] in ("values", "encrypted"):  # shares the expected record of its report
            assert base == case["report"]
        else:  # scanned / not yet read: must not be scored against the report's record
            assert not (FIXTURES / "expected" / f"{base}.json").exists()


def test_fixture_set_covers_the_cases():
    templates = {load_expected(CASES[n]["report"])["template"] for n in READABLE}
    assert templates == {"2021", "2019"}
    where = {(c["split"]["table"], c["split"]["cut"], c["split"]["repeat_header"]) for c in (CASES[n] for n in SPLIT)}
    assert ("s3", True, False) in where and ("s3", False, True) in where and ("s4", False, False) in where
    assert {c["expect"] for c in CASES.values()} >= {"values", "partial", "no_text_layer", "encrypted"}
    assert all(c["bytes"] < 200_000 for c in CASES.values())


@pytest.mark.parametrize("name", READABLE)
def test_pdf_fixture_matches_expected(name):
    exp = load_expected(CASES[name]["report"])
    rep = parsed(name)
    md = rep.metadata
    assert rep.source.format == "pdf"
    assert (md.template, md.issuer, md.year, md.published) == (
        exp["template"], exp["issuer"], exp["year"], exp["published"])
    assert [(s.number, s.title) for s in rep.sections] == [(s["number"], s["title"]) for s in exp["sections"]]
    assert _record(rep) == exp["values"]
    # the whole set of issue codes: a spurious warning fails
    assert set(rep.issue_codes()) == set(exp["issues"]) | PROSE_WARNINGS.get(CASES[name]["report"], set())


@pytest.mark.parametrize("name", READABLE)
def test_pdf_gives_the_same_values_as_its_text_twin(name):
    """The same report as PDF and as text gives the same values (and metadata)."""
    report = CASES[name]["report"]
    twins = sorted((FIXTURES / "text").glob(f"{report}.*.txt"))
    assert twins, f"no text twin of {report}"
    pdf = parsed(name)
    for twin in twins:
        text = extractor.parse(twin)
        assert [(v.field, v.kind, v.value, v.raw, v.unit) for v in pdf.values] == [
            (v.field, v.kind, v.value, v.raw, v.unit) for v in text.values], twin.name
        assert pdf.metadata == text.metadata, twin.name
        assert [(s.number, s.title) for s in pdf.sections] == [(s.number, s.title) for s in text.sections]
        identities = {c for c in text.issue_codes() if not c.startswith(("gap.", "table.", "check."))}
        assert identities == {c for c in pdf.issue_codes() if not c.startswith(("gap.", "table.", "check."))}


def _expected_pages(name: str) -> dict[str, int]:
    """The page each value of the split table must come from, from the forced break."""
    case = CASES[name]
    split = case["split"]
    spec = reports.REPORTS[case["report"]]
    first, second = split["pages"]
    pages: dict[str, int] = {}
    if split["table"] == "s4":
        for g in reports.S4_GROUP_IDS:
            for c in reports.S4_COLS:
                pages[f"s4.{g}.{c}"] = second if split["row"] <= reports.S4_HEADER_ROWS else first
        return pages
    for i, row in enumerate(reports.s3_row_defs(spec)):
        table_row = reports.S3_HEADER_ROWS + i
        # a cut row keeps its numbers (at the top of their cells) on the first page
        on_first = table_row < split["row"] or (split["cut"] and table_row == split["row"])
        for c in reports.S3_COLS:
            pages[f"s3.{row.rid}.{c}"] = first if on_first else second
    return pages


@pytest.mark.parametrize("name", SPLIT)
def test_split_table_keeps_the_page_of_each_cell(name):
    rep = parsed(name)
    want = _expected_pages(name)
    got = {v.field: v.where["page"] for v in rep.values if v.field in want}
    assert got == want
    split = CASES[name]["split"]
    header = reports.S3_HEADER_ROWS if split["table"] == "s3" else reports.S4_HEADER_ROWS
    assert len(set(want.values())) == (2 if split["row"] > header else 1)
    for v in rep.values:
        assert isinstance(v.where["page"], int) and len(v.where["bbox"]) == 4


def test_split_section4_values_come_from_the_page_after_the_header():
    rep = parsed("county-2021.split-s4-header.pdf")
    assert {rep.value(f"s4.{g}.total").where["page"] for g in reports.S4_GROUP_IDS} == {4}
    assert rep.value("s4.review.total").value == 4


def test_image_only_pdf_reports_no_text_layer():
    # OCR off: the gap (read by OCR, the default with the extra: tests/test_ocr.py)
    rep = extractor.parse(PDF / "county-2021-scanned.image-only.pdf", limits=Limits(ocr=False))
    assert rep.values == ()
    # nothing read: no text layer, hence no template and no section
    assert [(i.code, i.severity) for i in rep.issues] == [
        ("gap.no_text_layer", "error"), ("gap.template", "error"), ("gap.section", "warning")]
    issue = next(i for i in rep.issues if i.code == "gap.no_text_layer")
    assert "nothing can be read without OCR" in issue.message and "--no-ocr" in issue.message


def test_partly_scanned_pdf_reads_the_pages_with_text():
    exp = load_expected("county-2021")["values"]
    rep = extractor.parse(PDF / "county-2021-part-scanned.first-page-image.pdf", limits=Limits(ocr=False))
    # page 1 (the headings of sections 1 to 3, the section-2 table) is a picture: those are
    # the gaps, and nothing else is
    assert [(i.code, i.severity) for i in rep.issues] == [
        ("gap.no_text_layer", "warning"), ("gap.section", "warning"), ("gap.section", "warning"),
        ("gap.section", "warning"), ("gap.table", "warning")]
    assert [i.message.split(" (")[0] for i in rep.issues if i.code == "gap.section"] == [
        "section 1", "section 2", "section 3"]
    got = _record(rep)
    assert got == {f: v for f, v in exp.items() if not f.startswith("s2.")}  # page 1 held section 2


def test_encrypted_pdf_with_a_password_fails_with_a_reason(tmp_path: Path):
    with pytest.raises(EncryptedDocument):
        extractor.parse(PDF / "county-2021.encrypted-password.pdf")
    from extractor.cli import main

    assert main(["parse", str(PDF / "county-2021.encrypted-password.pdf")]) == EncryptedDocument.exit_code
