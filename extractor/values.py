"""Cell values (docs/report-formats.md, Cell values): raw cell text -> kind, number and unit.

Kinds: ``number`` (also a number followed by its unit: "160.5964万元" reads as 160.5964
with unit 万元; the Traditional 萬元 and 億元 read as the units 万元 and 亿元), ``blank`` (the cell exists and is empty), ``none`` (无/零: an explicit
none), ``na`` (-, —, /, --, 不适用), ``text`` (anything else; when the text holds a number
with a unit, as "约160.5964万元" does, that number and unit are kept as value and unit).

Two numbers in one cell ("12 34", "12\n34": digits on both sides of a space or line break)
are never joined into one number: such a cell is ``text`` with no value, and
:attr:`CellValue.two_numbers` is set (the pipeline gives it the issue ``table.two_numbers``).
The one exception is a space used as a thousands separator: a group of 1–3 digits followed
by groups of exactly 3 digits ("1 234", "12 345 678", "1 234.5") reads as one number, as
"1,234" does — not when a decimal part of more than two digits follows ("5 160.5964万元": a
count and an amount in 万元 to the yuan that a reader put in one cell). Whether two numbers side by side are two cells is the reader's business (the
columns show it); a cell that reaches this stage holding two is ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .model import Kind
from .text_norm import halfwidth

NONE_WORDS = {"无", "零", "没有", "无。"}
NA_WORDS = {"-", "--", "---", "/", "//", "\\", "不适用", "n/a", "N/A", "NA", "~", "×", "x", "X", "_", "—"}
UNITS = ("万元", "元", "亿元", "千元", "件", "个", "项", "人次", "次", "条", "份")

_NUM = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_NUM_UNIT = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(" + "|".join(UNITS) + r")$")
_WS = re.compile(r"\s+")
_DIGIT_SPACE_DIGIT = re.compile(r"\d \d")
#: digit groups separated by spaces that read as thousands separators ("1 234", "12 345 678");
#: not before a decimal part of more than two digits ("5 160.5964万元": a count and an amount in
#: 万元 to the yuan, printed side by side)
_THOUSANDS_SPACED = re.compile(r"(?<![\d,.])\d{1,3}(?: \d{3})+(?![\d,]|\.\d{3})")
#: Traditional spellings of the units (Traditional mirrors print 萬元); raw keeps the print
_UNIT_T2S = str.maketrans({"萬": "万", "億": "亿", "個": "个", "項": "项", "條": "条"})


@dataclass(frozen=True)
class CellValue:
    kind: Kind
    value: int | float | None
    unit: str | None
    raw: str
    two_numbers: bool = False  # digits on both sides of a space that is no thousands separator


def clean_raw(text: str) -> str:
    """The cell text as printed, with outer white space trimmed and inner runs folded."""
    return _WS.sub(" ", text.replace("\xa0", " ").replace("\u3000", " ")).strip()


def holds_two_numbers(text: str) -> bool:
    """True when ``text`` has digits on both sides of white space (a space, a line break)
    that is not a thousands separator: "12 34", "12\n34", "1 2345", "3.5 12" (see the module)."""
    s = _WS.sub(" ", halfwidth(clean_raw(text)))
    if not _DIGIT_SPACE_DIGIT.search(s):
        return False
    return bool(_DIGIT_SPACE_DIGIT.search(_THOUSANDS_SPACED.sub(lambda m: m.group().replace(" ", ""), s)))


def _to_number(sign: str, whole: str, frac: str | None) -> int | float:
    whole = whole.replace(",", "")
    v: int | float = float(f"{whole}.{frac}") if frac and frac.strip("0") else int(whole)
    return -v if sign == "-" else v


@lru_cache(maxsize=65536)
def parse_value(text: str, default_unit: str | None = None) -> CellValue:
    """Read one cell. ``default_unit`` is the unit the template prints in the column
    header (e.g. 万元 for 本年收费金额), given to plain numbers."""
    raw = clean_raw(text)
    t = halfwidth(raw)
    t = _WS.sub("", t).translate(_UNIT_T2S)
    if t == "":
        return CellValue("blank", None, None, raw)
    if t in NONE_WORDS or t.rstrip("。.") in NONE_WORDS:
        return CellValue("none", None, None, raw)
    if t in NA_WORDS or set(t) <= {"-", "—", "/", "_"}:
        return CellValue("na", None, None, raw)
    two = holds_two_numbers(raw)
    m = _NUM.match(t)
    mu = None if m else _NUM_UNIT.match(t)
    if two and (m or mu):
        return CellValue("text", None, None, raw, two_numbers=True)
    if m:
        return CellValue("number", _to_number(*m.groups()), default_unit, raw)
    if mu:
        sign, whole, frac, unit = mu.groups()
        return CellValue("number", _to_number(sign, whole, frac), unit, raw)
    # text that holds a number with a unit somewhere ("约160.5964万元", "见附件"), unless
    # its digits stand in two groups (which number would it be?)
    m = None if two else re.search(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(" + "|".join(UNITS) + r")", t)
    if m:
        sign, whole, frac, unit = m.groups()
        return CellValue("text", _to_number(sign, whole, frac), unit, raw)
    return CellValue("text", None, None, raw)


def is_value_like(text: str) -> bool:
    """True when a cell's text reads as a value (number, 无, -, blank, or two numbers in one
    cell, which are values even if not one number), not a label."""
    cv = parse_value(text)
    return cv.kind in ("number", "blank", "none", "na") or cv.two_numbers
