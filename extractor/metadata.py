"""Issuer, report year and publication date, and the template generation."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .model import Grid, Text
from .text_norm import clean_line, find_date, halfwidth, match_key, norm_label
from .vocab import MODERN_WORDS, PRE2019_WORDS, REPORT_WORDS, TEMPLATE_2019_WORDS, TEMPLATE_2021_WORDS

_ISSUER_RE = re.compile(
    r"^[\u4e00-\u9fff（）()·]{2,40}(人民政府|政府办公室|办公室|办公厅|委员会|局|厅|委|办|中心|街道办事处|管理处|政府|院|署|部|处|所|站|会)$")


def _issuer_from_title(title: str) -> str | None:
    t = norm_label(title)
    m = re.match(r"^(.*?)((?:19|20)\d{2})\s*年", t)
    cand = m.group(1) if m else ""
    if not cand:
        m2 = re.match(r"^(.*?)(?:关于)?(?:政府)?信息公开", t)
        cand = m2.group(1) if m2 else ""
    cand = cand.strip("#*《》 ")
    cand = re.sub(r"关于$", "", cand)
    return cand if cand and _ISSUER_RE.match(match_key(cand)) else None


def _published(sig: list[str], hints: dict[str, str], how: dict[str, str]) -> str | None:
    """The signature's date, else the page's info box."""
    for s in reversed(sig):
        d = find_date(s)
        if d:
            how["published"] = "signature"
            return d
    if hints.get("published"):
        how["published"] = "page"
        return find_date(hints["published"]) or hints["published"]
    return None


def _issuer(sig: list[str], titles: list[str], head: list[str], hints: dict[str, str],
            how: dict[str, str]) -> str | None:
    """The signature, else the title, else the page's info box."""
    for s in sig:
        k = norm_label(s)
        if _ISSUER_RE.match(match_key(k)) and not find_date(k):
            how["issuer"] = "signature"
            return k
    for h in titles:
        cand = _issuer_from_title(h)
        if cand:
            how["issuer"] = "title"
            return cand
    # a title split into lines: "# 哈拉直沟乡人民政府" / "## 政府信息公开工作年度报告"
    for h in head[:4]:
        k = norm_label(h)
        if _ISSUER_RE.match(match_key(k)):
            how["issuer"] = "title"
            return k
    if hints.get("issuer"):
        how["issuer"] = "page"
        return norm_label(hints["issuer"])
    return None


def _year(titles: list[str], near_start: list[str], published: str | None, how: dict[str, str]) -> int | None:
    """The title's "YYYY年(度)…报告", else the first "YYYY年" near the start (not after the
    publication), else the year before an early-year publication date."""
    for h in titles:
        m = re.search(r"((?:19|20)\d{2})\s*年度?", halfwidth(h))
        if m and REPORT_WORDS.search(match_key(h)):
            how["year"] = "title"
            return int(m.group(1))
    pub_year = int(published[:4]) if published else None
    for h in near_start:
        for m in re.finditer(r"((?:19|20)\d{2})\s*年", halfwidth(h)):
            y = int(m.group(1))
            if pub_year is None or 0 <= pub_year - y <= 1:
                how["year"] = "text"
                return y
    if published:
        y, mo = int(published[:4]), int(published[5:7])
        how["year"] = "published"
        return y - 1 if mo <= 6 else y
    return None


def find_metadata(
    lines: Sequence[Text],
    preamble_end: int,
    signature_start: int,
    hints: dict[str, str],
) -> tuple[str | None, int | None, str | None, dict[str, str]]:
    """Return issuer, year, published (YYYY-MM-DD) and where each came from."""
    how: dict[str, str] = {}
    head = [clean_line(t.text) for t in lines[: max(preamble_end, 0)][:12]]
    sig = [clean_line(t.text) for t in lines[signature_start:]]
    published = _published(sig, hints, how)
    titles = [h for h in head if h] + ([hints["title"]] if hints.get("title") else [])
    issuer = _issuer(sig, titles, head, hints, how)
    near_start = head + [clean_line(t.text) for t in lines[preamble_end: preamble_end + 3]]
    year = _year(titles, near_start, published, how)
    return issuer, year, published, how


def detect_template(blocks: Sequence[Text | Grid], year: int | None) -> tuple[str, float, str]:
    """Classify by the table labels: ("2021"|"2019"|"pre2019"|"unknown", confidence, why)."""
    texts: list[str] = []
    for b in blocks:
        if isinstance(b, Grid):
            for r in b.rows:
                for c in r:
                    if c.origin and c.text.strip():
                        texts.append(match_key(c.text))
        elif len(b.text) <= 80:
            texts.append(match_key(b.text))
        else:
            texts.append(match_key(b.text[:400]))
    blob = "\n".join(texts)
    n21 = sum(1 for m in TEMPLATE_2021_WORDS if m in blob)
    n19 = sum(1 for m in TEMPLATE_2019_WORDS if m in blob)
    modern = sum(1 for m in MODERN_WORDS if m in blob)
    pre = sum(1 for m in PRE2019_WORDS if m in blob)
    if n21 > n19 and (modern or n21 >= 2):
        return "2021", 0.98 if n19 == 0 else 0.85, f"{n21} 2021-format labels, {n19} 2019-format"
    if n19 > n21 and (modern or n19 >= 2):
        return "2019", 0.98 if n21 == 0 else 0.85, f"{n19} 2019-format labels, {n21} 2021-format"
    if modern >= 2:
        if year is not None:
            t = "2021" if year >= 2021 else "2019"
            return t, 0.7, f"modern tables without distinguishing labels; chosen by the year {year}"
        return "2021", 0.5, "modern tables without distinguishing labels and no year"
    if pre >= 2 or (pre >= 1 and year is not None and year <= 2018):
        return "pre2019", 0.9, f"{pre} pre-2019 report words and no modern tables"
    return "unknown", 0.9, "no template table labels found"
