"""Property-based tests (bounded example counts so CI time stays fixed)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import extractor
from extractor.errors import ExtractorError
from extractor.values import parse_value

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_LABELS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "自然人", "总计",
           "（三）不予公开", "1.属于国家秘密", "行政复议", "结果维持", "第二十条第（一）项", "信息内容", "规章",
           "本年制发件数", "无", "-", "0", "12", "", "\t", "|", "\n", "２０２３年１月２日", "###"]


@SETTINGS
@given(st.binary(max_size=4000))
def test_any_bytes_give_a_report_or_a_library_error(data):
    try:
        rep = extractor.parse(data, format="text")
    except ExtractorError:
        return
    d = rep.to_dict()
    assert 0 <= d["confidence"] <= 1
    assert all(0 <= v["confidence"] <= 1 for v in d["values"])


@SETTINGS
@given(st.lists(st.sampled_from(_LABELS) | st.text(max_size=12), max_size=120))
def test_report_like_text_never_crashes(parts):
    data = "".join(p if p in ("\t", "|", "\n") else p + ("\t" if len(p) % 3 == 0 else "\n") for p in parts)
    try:
        rep = extractor.parse(data.encode("utf-8"))
    except ExtractorError:
        return
    fields = [v.field for v in rep.values]
    assert len(fields) == len(set(fields))


@SETTINGS
@given(st.text(max_size=30))
def test_value_parser_is_total(text):
    cv = parse_value(text)
    assert cv.kind in ("number", "blank", "none", "na", "text")
    if cv.kind == "number":
        assert isinstance(cv.value, int | float)
    if cv.kind in ("blank", "none", "na"):
        assert cv.value is None


@SETTINGS
@given(st.integers(min_value=-10**9, max_value=10**9))
def test_numbers_round_trip_in_every_printed_form(n):
    forms = [str(n), f"{n:,}", str(n).translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))]
    for f in forms:
        cv = parse_value(f)
        assert (cv.kind, cv.value) == ("number", n), f
