"""Property-based tests over the HTML reader (bounded example counts so CI time stays fixed).

1. Any input read as HTML gives a report or a library error (never another exception):
   random bytes, random markup built from the tokens real and hostile pages hold, and
   fixture pages broken by random cuts, insertions and repeats.
2. One report rendered as text and as HTML gives the same values: random cell values
   (numbers, "", 无, -) are drawn into a copy of a fixture report's spec, rendered by the
   fixture generators (text: tsv, md; HTML: cms, word, portal), parsed, and the
   (field, kind, value) lists compared with each other and with the spec.
"""

from __future__ import annotations

import dataclasses
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import extractor
from extractor.errors import ExtractorError

from conftest import FIXTURES

sys.path.insert(0, str(FIXTURES))
import make_html  # noqa: E402
import make_text  # noqa: E402

import reports  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def report_or_library_error(data: bytes, fmt: str | None = "html") -> extractor.Report | None:
    try:
        rep = extractor.parse(data, format=fmt)  # type: ignore[arg-type]
    except ExtractorError:
        return None
    d = rep.to_dict()
    assert 0 <= d["confidence"] <= 1
    assert all(0 <= v["confidence"] <= 1 for v in d["values"])
    fields = [v["field"] for v in d["values"]]
    assert len(fields) == len(set(fields))
    assert all(i["code"] and i["severity"] in ("error", "warning", "info") for i in d["issues"])
    return rep


# ---------------------------------------------------------------- 1. any input


@SETTINGS
@given(st.binary(max_size=4000))
def test_any_bytes_read_as_html_give_a_report_or_a_library_error(data):
    report_or_library_error(data)


_SPAN = st.sampled_from(["1", "2", "3", "0", "-1", "99999999", "2px", "x", "", " 4", "1e3"])
_TAG = st.sampled_from(["table", "tr", "td", "th", "tbody", "thead", "caption", "p", "div", "span", "br", "img",
                        "h3", "li", "ul", "a", "font", "strong", "script", "style", "iframe", "frameset", "frame",
                        "meta", "title", "head", "body", "html", "o:p", "xi:include", "svg", "noscript", "center"])
_TEXT = st.sampled_from(["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                         "四、行政复议、行政诉讼情况", "自然人", "总计", "信息内容", "本年新收政府信息公开申请数量",
                         "结果维持", "行政复议", "（三）不予公开", "1.属于国家秘密", "无", "-", "0", "12", "1,234",
                         "&nbsp;", "&lol;", "&#0;", "&#xD800;", "&amp;", "发布机构：某县人民政府", "发文日期：2024-01-29",
                         "location.href='/x.html'", "\u3000", "\r\n", "\t", "字" * 50])


@st.composite
def markup(draw: st.DrawFn) -> bytes:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 80))):
        kind = draw(st.integers(0, 9))
        if kind <= 2:
            tag = draw(_TAG)
            attrs = ""
            if tag in ("td", "th") and draw(st.booleans()):
                attrs = f' rowspan="{draw(_SPAN)}" colspan="{draw(_SPAN)}"'
            elif tag in ("img", "iframe", "frame", "a"):
                attrs = f' src="{draw(st.sampled_from(["t.png", "file:///etc/passwd", "http://127.0.0.1:9/"]))}"'
            elif tag == "meta":
                attrs = draw(st.sampled_from([' charset="gbk"', ' charset="utf-16"', ' http-equiv="refresh" content="0;url=/a"',
                                              ' name="PubDate" content="2024-01-29"']))
            parts.append(f"<{tag}{attrs}>")
        elif kind <= 4:
            parts.append(f"</{draw(_TAG)}>")
        elif kind <= 7:
            parts.append(draw(_TEXT))
        elif kind == 8:
            parts.append(draw(st.sampled_from(["<!--", "-->", "<!DOCTYPE x [", "]>", '<!ENTITY lol "lol">',
                                               "<![CDATA[", "]]>", "<?xml version='1.0'?>", "<", ">", "<p", "<td"])))
        else:
            parts.append(draw(st.text(max_size=8)))
    return "".join(parts).encode(draw(st.sampled_from(["utf-8", "gb18030", "utf-16"])), errors="replace")


@SETTINGS
@given(markup())
def test_random_markup_gives_a_report_or_a_library_error(data):
    report_or_library_error(data)
    report_or_library_error(data, fmt=None)


_PAGES = [FIXTURES / "html" / f"{name}.{style}.html"
          for name in ("county-2021", "bureau-2021-oneline-other", "dept-2019") for style in ("cms", "word", "portal")]


@SETTINGS
@given(st.sampled_from(_PAGES), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 3000), st.integers(0, 3),
                                                   st.binary(max_size=20)), min_size=1, max_size=6))
def test_broken_fixture_pages_give_a_report_or_a_library_error(path, edits):
    data = bytearray(path.read_bytes())
    for at, n, how, junk in edits:
        at %= len(data) + 1
        if how == 0:
            del data[at:at + n]  # a cut (a truncated download, a lost block)
        elif how == 1:
            data[at:at] = junk  # garbage inserted
        elif how == 2:
            data[at:at] = data[at:at + n]  # a repeated block
        else:
            data[at:at + len(junk)] = junk  # bytes overwritten
    report_or_library_error(bytes(data))


# ---------------------------------------------------------------- 2. text and HTML agree

_SPECS = ("county-2021", "dept-2019", "bureau-2021-oneline-other", "seed-halazhigou-2023")
_CELL = st.one_of(st.integers(0, 10**6).map(str), st.integers(1000, 10**7).map(lambda n: f"{n:,}"),
                  st.sampled_from(["", "无", "-", "不详", "见附件"]))


def _values(rep: extractor.Report) -> list[tuple[str, str, object]]:
    return [(v.field, v.kind, v.value) for v in rep.values]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(_SPECS), st.sampled_from(["tsv", "md"]), st.sampled_from(["cms", "word", "portal"]), st.data())
def test_the_same_report_as_text_and_as_html_gives_the_same_values(name, text_style, html_style, data):
    base = reports.REPORTS[name]
    drawn = {table: dict(zip(getattr(base, table), data.draw(st.lists(_CELL, min_size=len(getattr(base, table)),
                                                                         max_size=len(getattr(base, table)))),
                             strict=True))
             for table in ("s2", "s3", "s4")}
    spec = dataclasses.replace(base, **drawn)

    tf = make_text.TextFile(name, text_style, text_style)
    as_text = _values(extractor.parse(make_text.encode(make_text.render(spec, tf), tf), format="text"))
    as_html = _values(extractor.parse(make_html.RENDER[html_style](spec), format="html"))
    assert as_text == as_html

    # and both are what the spec printed
    truth = [(f, *reports.cell_kind(spec.raw(f))) for f in spec.field_ids()]
    assert as_html == truth


@pytest.mark.parametrize("style", ["word", "cms"])
def test_a_blank_section4_group_keeps_its_cells(style):
    base = reports.REPORTS["county-2021"]
    blank = "s4.review." if style == "word" else "s4."
    spec = dataclasses.replace(base, s4={f: ("" if f.startswith(blank) else v) for f, v in base.s4.items()})
    got = {v.field: v.kind for v in extractor.parse(make_html.RENDER[style](spec), format="html").values}
    assert all(got.get(f) == "blank" for f in spec.s4 if f.startswith(blank))
