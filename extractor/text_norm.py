"""Lines and dates; the normalisation of labels and numerals lives in :mod:`extractor.vocab`
(re-exported here)."""

from __future__ import annotations

import re

from .vocab import CN_DIGITS, cn_number, halfwidth, match_key, norm_label

__all__ = ["CN_DIGITS", "clean_line", "cn_number", "find_date", "halfwidth", "is_date_line", "match_key",
           "norm_label"]


def clean_line(s: str) -> str:
    """A line of text with markdown heading/bold marks and surrounding space removed."""
    s = s.replace("\u3000", " ").replace("\xa0", " ").strip()
    s = re.sub(r"^#{1,6}\s*", "", s)
    s = re.sub(r"^\*\*(.*)\*\*$", r"\1", s)
    return s.strip()


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
