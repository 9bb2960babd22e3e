"""The PDF fixtures of more producers and styles (fixtures/pdf/producers.json, made by
fixtures/make_pdf_producers.py: WPS-styled Word exports, borderless and horizontal-rule tables,
vertical and damaged labels, cut and mis-merged section-4 headers, web pages printed by Chromium)
through ``extractor.parse``: every expected value of fixtures/expected/<report>.json (kind and
value), the sections found, and the metadata.

The files the reader cannot read yet are marked ``xfail(strict=True)`` with what goes wrong, so
that each mark must be removed when the reader learns the case (issue 10)."""

from __future__ import annotations

import json
import re
from functools import cache

import pytest

import extractor
from extractor.model import Report

from conftest import FIXTURES, load_expected

PDF = FIXTURES / "pdf"
PRODUCERS: dict[str, dict] = json.loads((PDF / "producers.json").read_text(encoding="utf-8"))
CASES: dict[str, dict] = json.loads((PDF / "cases.json").read_text(encoding="utf-8"))
READABLE = [n for n, c in PRODUCERS.items() if c["expect"] == "values"]

VALUES_FAIL: dict[str, str] = {}
META_FAIL: dict[str, str] = {}


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


# ---------------------------------------------------------------- each file shows its style

# D9D9D9, DEEAF6, F2F7FC, FFF2CC
_FILL = {"grey": (0.851, 0.851, 0.851), "light-blue": (0.871, 0.918, 0.965), "pale-blue": (0.949, 0.969, 0.988),
         "yellow": (1.0, 0.949, 0.8)}


def _has_fill(page, rgb: tuple[float, float, float]) -> bool:
    return any(r.get("fill") and len(c := (r.get("non_stroking_color") or ())) == 3
               and all(abs(a - b) < 0.01 for a, b in zip(c, rgb, strict=True)) for r in page.rects + page.curves)


def _stacked(page, top: str, below: str) -> bool:
    """``below`` printed right under ``top`` in the same column (one character per line)."""
    chars = page.chars
    return any(a["text"] == top and b["text"] == below and abs(a["x0"] - b["x0"]) < 1.5
               and 0 < b["top"] - a["top"] < 2.5 * a["size"] for a in chars for b in chars)


# typo, dropped characters, a stray space (a browser may wrap the cell's line at that space)
TYPO_TEXT = (r"2\.其他法律行政止公开", r"5\.属于三类内容事务信息", r"这一情\s+形")
# labels cut by a line break: each part a word of its own (a line of the cell)
TYPO_LINES = ("1.本机关不掌", "握相关政府信息", "4.保护第三方合", "法权益")
SITE = "www.linjiang.gov.cn"


def _s4_cut(page, n: int) -> bool:
    """The first page of the cut section-4 header holds the first ``n`` characters of 结果维持."""
    label = "结果维持"
    return (all(_stacked(page, a, b) for a, b in zip(label[: n - 1], label[1:n], strict=True))
            and not _stacked(page, label[n - 1], label[n]))


def _s4_mismerged(pages) -> bool:
    """行政诉讼 centred over columns 9-15 (right of 70% of the text width), not over 6-15."""
    for page in pages:
        for w in page.extract_words():
            if w["text"] == "行政诉讼":
                return (w["x0"] + w["x1"]) / 2 > 72 + 0.7 * (page.width - 144)
    return False


def _label_typos(pages, text) -> bool:
    words = {w["text"] for p in pages for w in p.extract_words()}
    return all(re.search(t, text) for t in TYPO_TEXT) and all(t in words for t in TYPO_LINES)


# what each style must show in the file: rules, fills, page size, text (pages, text, edges, case)
_STYLE_CHECKS = {
    "shaded-headings": lambda pages, text, edges, case: _has_fill(pages[0], _FILL["grey"]),
    "shaded-s2-titles": lambda pages, text, edges, case: any(_has_fill(p, _FILL["light-blue"]) for p in pages),
    "text-box": lambda pages, text, edges, case: _has_fill(pages[0], _FILL["pale-blue"]),
    "drawing-text-box": lambda pages, text, edges, case: any(_has_fill(p, _FILL["yellow"]) for p in pages),
    # a double rule 24 pt outside the text area on every page
    "page-border": lambda pages, text, edges, case: all(
        any(e["orientation"] == "v" and e["x0"] < 60 for e in p.edges) for p in pages),
    # no rule of a table below a portal page's header (its search box, icons): no vertical edge a
    # line of text tall, no horizontal one as long as a table (a link's underline is short)
    "borderless": lambda pages, text, edges, case: not [
        e for p in pages for e in p.edges if e["top"] > 0.15 * p.height and (
            e["orientation"] == "v" and e["height"] >= 10 or e["orientation"] == "h" and e["width"] >= 150)],
    # Chromium draws a rule as a thin filled box: its two sides are vertical edges 0.75 pt tall;
    # a vertical rule of a table is at least a line of text tall
    "hrules-only": lambda pages, text, edges, case: any(e["orientation"] == "h" for e in edges) and all(
        e["orientation"] == "h" or e["height"] < 10 for e in edges),
    "vertical-groups": lambda pages, text, edges, case: any(
        _stacked(p, "不", "予") and _stacked(p, "无", "法") for p in pages),
    "label-typos": lambda pages, text, edges, case: _label_typos(pages, text),
    "s4-mismerged": lambda pages, text, edges, case: _s4_mismerged(pages),
    "narrow": lambda pages, text, edges, case: all(p.width < 421 for p in pages),  # A5 is 419.5 pt wide
}
for _site_style in ("portal", "cms", "word"):  # the browser's footer: the site's address
    _STYLE_CHECKS[_site_style] = lambda pages, text, edges, case: all(
        f"http://{SITE}/" in (p.extract_text() or "") for p in pages)


# styles with no check of their own: Chromium's synthetic bold as Type 3 glyphs (the values test reads it)
_UNCHECKED_STYLES = frozenset({"type3-bold"})


def _style_check(style: str, pages, text, edges, case) -> bool:
    if style.startswith("s4-row1-"):
        return _s4_cut(pages[case["split"]["pages"][0] - 1], int(style[8]))
    return _STYLE_CHECKS[style](pages, text, edges, case)


def _style_checks(name: str) -> dict[str, bool]:
    """What each style must show in the file: rules, fills, page size, text."""
    import pdfplumber

    case = PRODUCERS[name]
    with pdfplumber.open(PDF / name) as pdf:
        pages = pdf.pages
        text = "\n".join(p.extract_text() or "" for p in pages)
        edges = [e for p in pages for e in p.edges]
        checks = {style: _style_check(style, pages, text, edges, case) for style in case["styles"]
                  if style not in _UNCHECKED_STYLES}
        if "portal" in case["styles"]:
            checks["info box"] = "索引号" in text and "发布机构" in text
    return checks


@pytest.mark.parametrize("name", sorted(PRODUCERS))
def test_each_file_shows_its_style(name):
    checks = _style_checks(name)
    assert checks and all(checks.values()), checks


def test_the_style_checks_fail_on_a_plain_export():
    """The checks above can fail: the plain LibreOffice export has rules in both directions, no
    fills, no stacked group labels, no damaged labels."""
    import pdfplumber

    with pdfplumber.open(PDF / "county-2021.plain.pdf") as pdf:
        page = pdf.pages[1]
        assert not any(_has_fill(p, rgb) for p in pdf.pages for rgb in _FILL.values())
        assert not (_stacked(page, "不", "予") and _stacked(page, "无", "法"))
        assert {e["orientation"] for e in page.edges} == {"h", "v"}
        assert "行政止公开" not in (page.extract_text() or "")
        assert not _s4_mismerged(pdf.pages)
    cut = CASES["county-2021.split-s4-label-cut.pdf"]["split"]["pages"][0]  # cut after 1 character
    with pdfplumber.open(PDF / "county-2021.split-s4-label-cut.pdf") as pdf:
        assert not _s4_cut(pdf.pages[cut - 1], 2) and not _s4_cut(pdf.pages[cut - 1], 3)
