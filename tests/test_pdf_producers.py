"""The PDF fixtures of more producers and styles (fixtures/pdf/producers.json, made by
fixtures/make_pdf_producers.py: WPS-styled Word exports, borderless and horizontal-rule tables,
vertical and damaged labels, cut and mis-merged section-4 headers, web pages printed by Chromium)
through ``extractor.parse``: every expected value of fixtures/expected/<report>.json (kind and
value), the sections found, and the metadata.

The files the reader cannot read yet are marked ``xfail(strict=True)`` with what goes wrong, so
that each mark must be removed when the reader learns the case (issue 10)."""

from __future__ import annotations

import json
from functools import cache

import pytest

import extractor
from extractor.model import Report

from conftest import FIXTURES, load_expected

PDF = FIXTURES / "pdf"
PRODUCERS: dict[str, dict] = json.loads((PDF / "producers.json").read_text(encoding="utf-8"))
CASES: dict[str, dict] = json.loads((PDF / "cases.json").read_text(encoding="utf-8"))
READABLE = [n for n, c in PRODUCERS.items() if c["expect"] == "values"]

_SHADED = ("shaded heading boxes read as a table: section 2 (二、主动公开政府信息情况) lost, the prose "
           "sub-headings （一）主动公开。… matched as section-3 rows")
_BORDERLESS = ("no ruling lines: cells not placed by column positions, blank and missing cells shift "
               "the rows (short rows, header mismatch); sections 2-4 mostly lost")
VALUES_FAIL = {
    "county-2021.wps-shaded.pdf": _SHADED,
    "dept-2019.wps-shaded.pdf": _SHADED,
    "county-2021.borderless.pdf": _BORDERLESS,
    "bureau-2021-oneline-other.borderless.pdf": _BORDERLESS,
    "county-2021.hrules-only.pdf": "horizontal rules only: columns not placed by word positions, "
                                   "sections 2-4 read as short rows (100 of 200 cells)",
    "county-2021.vertical-groups-hrules.pdf": "horizontal rules only, vertical group labels: rows "
                                              "read as short rows (about half the cells lost)",
    "county-2021.label-typos.pdf": "damaged label 2.其他法律行政止公开 matches no template row "
                                   "(no approximate matching): s3.denied.prohibited_by_law lost",
    "county-2021.split-s4-cut-2.pdf": "section-4 header cut after its 2nd character: the header "
                                      "columns are not rebuilt, 15 values for 13 columns",
    "county-2021.split-s4-cut-3.pdf": "section-4 header cut after its 3rd character: the header "
                                      "columns are not rebuilt, 15 values for 11 columns",
    "county-2021.chromium-word.pdf": "Chromium cuts the row 2.没有现成信息需要另行制作 by a page break "
                                     "(label on two pages): s3.unable.needs_creation lost",
    "dept-2019.chromium-word-narrow.pdf": "narrow page, labels one character per line, rows cut by "
                                          "page breaks: three section-3 rows lost",
    "county-2021.chromium-cms-narrow.pdf": "A5 page: the row 1.信访举报投诉类申请 after the page "
                                           "break is lost (s3.not_processed.petition)",
}
_CHROME_META = "printed web page: the info box (发布机构, 公开日期) is not read, published date lost"
META_FAIL = {
    "county-2021.chromium-portal.pdf": _CHROME_META + ", issuer taken from the site header",
    "dept-2019.chromium-portal.pdf": _CHROME_META + ", issuer taken from the site header",
    "seed-halazhigou-2023.chromium-portal.pdf": _CHROME_META + ", issuer taken from the site header",
    "county-2021.chromium-word.pdf": _CHROME_META,
    "dept-2019.chromium-cms.pdf": _CHROME_META,
    "dept-2019.chromium-word-narrow.pdf": _CHROME_META,
    "county-2021.chromium-cms-narrow.pdf": _CHROME_META,
}


def _params(fail: dict[str, str]) -> list:
    return [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=fail[n])) if n in fail else n
            for n in READABLE]


@cache
def parsed(name: str) -> Report:
    return extractor.parse(PDF / name)


def test_manifest_lists_the_files_and_their_reports():
    names = sorted(p.name for p in PDF.glob("*.pdf") if p.name not in CASES)
    assert sorted(PRODUCERS) == names
    assert set(VALUES_FAIL) <= set(READABLE) and set(META_FAIL) <= set(READABLE)
    for name, case in PRODUCERS.items():
        assert name == f"{case['report']}.{case['case']}.pdf"
        assert (FIXTURES / "expected" / f"{case['report']}.json").exists()
        assert case["producer"] in ("libreoffice", "chromium")
        assert case["bytes"] == (PDF / name).stat().st_size < 400_000


def test_the_styles_are_covered():
    styles = {s for c in PRODUCERS.values() for s in c["styles"]}
    assert styles >= {"shaded-headings", "shaded-s2-titles", "page-border", "text-box", "borderless",
                      "hrules-only", "vertical-groups", "label-typos", "s4-row1-2-lines", "s4-row1-3-lines",
                      "s4-mismerged", "portal", "cms", "word", "narrow"}
    assert {c["split"]["pages"][1] - c["split"]["pages"][0] for c in PRODUCERS.values() if c.get("split")} == {1}


@pytest.mark.parametrize("name", _params(VALUES_FAIL))
def test_values_and_sections(name):
    exp = load_expected(PRODUCERS[name]["report"])
    rep = parsed(name)
    assert rep.source.format == "pdf"
    got = {v.field: (v.kind, v.value) for v in rep.values}
    assert got == {f: (e["kind"], e["value"]) for f, e in exp["values"].items()}
    assert [(s.number, s.title) for s in rep.sections] == [(s["number"], s["title"]) for s in exp["sections"]]


@pytest.mark.parametrize("name", _params(META_FAIL))
def test_metadata(name):
    exp = load_expected(PRODUCERS[name]["report"])
    md = parsed(name).metadata
    assert (md.template, md.issuer, md.year, md.published) == (
        exp["template"], exp["issuer"], exp["year"], exp["published"])
