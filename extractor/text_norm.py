"""Text normalisation shared by every stage (labels, numerals, dates)."""

from __future__ import annotations

import re

# full-width ASCII block -> ASCII, ideographic space -> space, and common look-alikes
_FW: dict[int, int | None] = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FW[0x3000] = 0x20
_FW[0x00A0] = 0x20  # nbsp
_FW[0x2002] = 0x20
_FW[0x2003] = 0x20
_FW[0x2009] = 0x20
_FW[0x200B] = None  # zero width space
_FW[0xFEFF] = None
_FW[0x3001] = ord(".")  # 、
_FW[0xFF0E] = ord(".")  # ．
_FW[0x2014] = ord("-")  # —
_FW[0x2013] = ord("-")  # –
_FW[0x2212] = ord("-")  # minus sign
_FW[0xFF5E] = ord("~")
_FW[0x3010] = ord("[")  # 【
_FW[0x3011] = ord("]")  # 】
_FW[0x2018] = ord("'")
_FW[0x2019] = ord("'")
_FW[0x201C] = ord('"')
_FW[0x201D] = ord('"')

_WS = re.compile(r"\s+")


def halfwidth(s: str) -> str:
    """Full-width ASCII, brackets, dots and dashes folded to ASCII (、 and ． become '.')."""
    return s.translate(_FW)


def norm_label(s: str) -> str:
    """A label as a matching key: half-width, no white space, no quotes or bold marks."""
    s = halfwidth(s)
    s = s.replace("*", "").replace('"', "").replace("'", "")
    s = _WS.sub("", s)
    return s


_T2S_TABLE: dict[int, str] | None = None


def match_key(s: str) -> str:
    """A label as a matching key: :func:`norm_label`, and Traditional characters of our
    vocabulary folded to Simplified (a Traditional-Chinese mirror matches the same labels)."""
    global _T2S_TABLE
    if _T2S_TABLE is None:
        from .t2s_data import T2S

        _T2S_TABLE = {ord(t): s for t, s in T2S.items()}
    return norm_label(s).translate(_T2S_TABLE)


def clean_line(s: str) -> str:
    """A line of text with markdown heading/bold marks and surrounding space removed."""
    s = s.replace("\u3000", " ").replace("\xa0", " ").strip()
    s = re.sub(r"^#{1,6}\s*", "", s)
    s = re.sub(r"^\*\*(.*)\*\*$", r"\1", s)
    return s.strip()


CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_number(s: str) -> int | None:
    """一 -> 1, 十二 -> 12, 二十九 -> 29, 二〇二四 -> 2024 (digit by digit when no 十)."""
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(halfwidth(s))
    if "十" in s:
        a, _, b = s.partition("十")
        tens = CN_DIGITS.get(a, None) if a else 1
        ones = CN_DIGITS.get(b, None) if b else 0
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    out = 0
    for ch in s:
        d = CN_DIGITS.get(ch)
        if d is None:
            return None
        out = out * 10 + d
    return out


_DATE_RES = (
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"([〇零○一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日"),
)


def find_date(s: str) -> str | None:
    """The first date in ``s`` as YYYY-MM-DD (Arabic or Chinese numerals), or None."""
    s = halfwidth(s)
    for rx in _DATE_RES:
        m = rx.search(s)
        if m:
            y, mo, d = (cn_number(g) for g in m.groups())
            if y and mo and d and 1990 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def is_date_line(s: str) -> bool:
    t = norm_label(s)
    return bool(find_date(t)) and len(t) <= 16
