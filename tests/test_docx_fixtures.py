"""Every Word fixture (fixtures/docx, made by fixtures/make_docx.py, listed in
fixtures/docx/cases.json) through ``extractor.parse``: the expected record of
fixtures/expected/<report>.json exactly and the same values as its text twins; the
official blank 2021 template as an empty 2021 report. The .doc/.odt twins need
LibreOffice (skipped without it); the .docx files never do."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

import extractor
from extractor.model import Report
from extractor.readers.office import soffice_path
from extractor.templates import expected_fields

from conftest import FIXTURES, load_expected

DOCX = FIXTURES / "docx"
CASES: dict[str, dict] = json.loads((DOCX / "cases.json").read_text(encoding="utf-8"))
READABLE = [n for n, c in CASES.items() if c["expect"] == "values"]
BLANK = "report-format-2021-blank.docx"
NO_SOFFICE = "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui"


def _needs_soffice(name: str) -> list[pytest.MarkDecorator]:
    if name.endswith(".docx"):
        return []
    return [pytest.mark.skipif(soffice_path() is None, reason=NO_SOFFICE)]


PARAMS = [pytest.param(n, marks=_needs_soffice(n), id=n) for n in READABLE]


@cache
def parsed(name: str) -> Report:
    return extractor.parse(DOCX / name)


def _record(rep: Report) -> dict[str, dict]:
    return {v.field: {"kind": v.kind, "value": v.value, "raw": v.raw, "unit": v.unit} for v in rep.values}


def test_manifest_lists_every_file_and_the_set_covers_the_styles() -> None:
    files = sorted(p.name for p in DOCX.iterdir() if p.suffix in (".docx", ".doc", ".odt"))
    assert sorted(CASES) == files
    for name in READABLE:
        assert name.split(".", 1)[0] == CASES[name]["report"]
        assert (FIXTURES / "expected" / f"{CASES[name]['report']}.json").exists()
    styles = {CASES[n]["style"] for n in READABLE}
    assert styles == {"plain", "numbered", "tracked", "split-repeat-header", "template"}
    assert {Path(n).suffix for n in READABLE} == {".docx", ".doc", ".odt"}
    templates = {load_expected(CASES[n]["report"])["template"] for n in READABLE}
    assert templates == {"2021", "2019", "pre2019", "unknown"}
    assert all(c["bytes"] < 200_000 for c in CASES.values())


@pytest.mark.parametrize("name", PARAMS)
def test_word_fixture_matches_expected(name: str) -> None:
    case = CASES[name]
    exp = load_expected(case["report"])
    rep = parsed(name)
    assert rep.source.format == Path(name).suffix.lstrip(".")
    md = rep.metadata
    assert md.template == exp["template"]
    if exp["template"] != "unknown":  # the notice's metadata is not asserted (fixtures/README.md)
        assert (md.issuer, md.year, md.published) == (exp["issuer"], exp["year"], exp["published"])
    assert [(s.number, s.title) for s in rep.sections] == [(s["number"], s["title"]) for s in exp["sections"]]
    assert _record(rep) == exp["values"]
    assert set(exp["issues"]) <= set(rep.issue_codes())


@pytest.mark.parametrize("name", PARAMS)
def test_word_gives_the_same_values_as_its_text_twins(name: str) -> None:
    report = CASES[name]["report"]
    twins = sorted((FIXTURES / "text").glob(f"{report}.*.txt"))
    assert twins, f"no text twin of {report}"
    word = parsed(name)
    for twin in twins:
        text = extractor.parse(twin)
        assert [(v.field, v.kind, v.value, v.raw, v.unit) for v in word.values] == [
            (v.field, v.kind, v.value, v.raw, v.unit) for v in text.values], twin.name
        assert word.metadata == text.metadata, twin.name
        assert [(s.number, s.title) for s in word.sections] == [(s.number, s.title) for s in text.sections]
        identities = {c for c in text.issue_codes() if not c.startswith(("gap.", "table.", "check."))}
        assert identities == {c for c in word.issue_codes() if not c.startswith(("gap.", "table.", "check."))}


def test_values_keep_their_table_cell_as_where() -> None:
    rep = parsed("county-2021.plain.docx")
    v = rep.value("s3.new.natural_person")
    assert v is not None and v.where == {"table": 1, "row": 3, "column": 3}
    total = rep.value("s4.suit_after_review.total")
    assert total is not None and total.where == {"table": 2, "row": 3, "column": 14}


def test_official_blank_template_reads_as_an_empty_2021_report() -> None:
    rep = extractor.parse(DOCX / BLANK)
    assert rep.source.format == "docx"
    assert rep.metadata.template == "2021"
    assert [s.number for s in rep.sections] == [1, 2, 3, 4, 5, 6]
    assert [s.title for s in rep.sections] == [
        "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    fields = {v.field for v in rep.values}
    assert set(expected_fields("2021")) <= fields
    assert {v.kind for v in rep.values} == {"blank"}
    assert all(v.value is None for v in rep.values)
    assert not [c for c in rep.issue_codes() if c.startswith("gap.")]


@pytest.mark.skipif(soffice_path() is None, reason=NO_SOFFICE)
def test_doc_and_odt_twins_equal_their_docx() -> None:
    base = parsed("county-2021.template.docx")
    for ext in ("doc", "odt"):
        twin = parsed(f"county-2021.template.{ext}")
        assert twin.source.format == ext
        assert [(v.field, v.kind, v.value, v.raw) for v in twin.values] == [
            (v.field, v.kind, v.value, v.raw) for v in base.values]
