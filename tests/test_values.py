from __future__ import annotations

import pytest

from extractor.values import parse_value


@pytest.mark.parametrize(
    "raw,kind,value,unit",
    [
        ("12", "number", 12, None),
        ("0", "number", 0, None),
        ("", "blank", None, None),
        ("\xa0", "blank", None, None),
        ("无", "none", None, None),
        ("零", "none", None, None),
        ("-", "na", None, None),
        ("—", "na", None, None),
        ("--", "na", None, None),
        ("/", "na", None, None),
        ("不适用", "na", None, None),
        ("１２", "number", 12, None),
        ("1,234", "number", 1234, None),
        (" 5 ", "number", 5, None),
        ("+2", "number", 2, None),
        ("-11", "number", -11, None),
        ("3.52", "number", 3.52, None),
        ("3.00", "number", 3, None),
        ("160.5964万元", "number", 160.5964, "万元"),
        ("见附件", "text", None, None),
        ("约160.5964万元", "text", 160.5964, "万元"),
    ],
)
def test_cell_kinds(raw, kind, value, unit):
    cv = parse_value(raw)
    assert (cv.kind, cv.value, cv.unit) == (kind, value, unit)
    assert type(cv.value) is type(value)


def test_raw_is_kept_as_printed():
    assert parse_value(" １２ ").raw == "１２"
    assert parse_value("1\n2").raw == "1 2"


def test_default_unit_for_money_columns():
    assert parse_value("3.5", default_unit="万元").unit == "万元"
