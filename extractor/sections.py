"""Split a Document's text into the numbered sections, the preamble and the signature.

Headings are lines "一、总体情况" … "六、其他需要报告的事项" in any of their printed
variants (spaces, "一." / "一．", markdown marks, a heading split over two lines,
Traditional characters); the heading words are those of :mod:`extractor.vocab`. Traps avoided: the section-3 row labels that start with the same numerals
("一、本年新收…", "三、本年度办理结果"), the （一）…（五） sub-headings of the prose, and
numbered lines inside paragraphs. Among all candidates the stage keeps the longest run
in increasing order, preferring lines whose words fit the section they number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .limits import check_time
from .model import Text
from .text_norm import clean_line, is_date_line
from .vocab import HEADING, NOT_HEADING, OFFICIAL_TITLES, SECTION_WORDS, cn_number, match_key

_ISSUER_TAIL = re.compile(r"(人民政府|政府办公室|办公室|办公厅|委员会|局|厅|委|办|中心|街道办事处|管理处|政府|院|署|部|处)$")


@dataclass(frozen=True)
class Heading:
    number: int
    title: str  # as printed, markdown marks removed
    index: int  # index of the heading line in the list of Text blocks
    end: int  # index just past the heading (2 when the title continued on the next line)
    fits: bool  # the words fit the section number


@dataclass(frozen=True)
class SectionSpan:
    number: int
    title: str
    start: int  # first body line index (into the Text list)
    end: int  # one past the last body line


@dataclass(frozen=True)
class Layout:
    headings: tuple[Heading, ...]
    spans: tuple[SectionSpan, ...]
    preamble_end: int
    signature_start: int  # index of the first signature line (== len(lines) when none)


def _candidate(lines: list[Text], i: int) -> Heading | None:
    raw = clean_line(lines[i].text)
    if len(raw) > 48:
        return None
    m = HEADING.match(raw)
    if not m:
        return None
    num = cn_number(m.group(1))
    if num is None or not 1 <= num <= 9:
        return None
    title_rest = m.group(2).strip()
    if title_rest.endswith(("。", "；", ";")) or "：" in title_rest[:-1] and len(title_rest) > 20:
        return None
    key = match_key(title_rest)
    if NOT_HEADING.search(key):
        return None
    end = i + 1
    title = raw
    # a heading split over two lines: "三、收到和处理政府信息公开" + "申请情况"
    if i + 1 < len(lines) and num in OFFICIAL_TITLES:
        nxt = clean_line(lines[i + 1].text)
        if 0 < len(nxt) <= 16 and not nxt.endswith("。"):
            joined = match_key(title_rest + nxt)
            for t in OFFICIAL_TITLES[num]:
                tk = match_key(t)
                if tk.startswith(key) and len(tk) > len(key) and joined.startswith(tk[: len(joined)]) \
                        and len(joined) <= len(tk):
                    title = raw + nxt
                    key = joined
                    end = i + 2
                    break
    fits = num in SECTION_WORDS and any(k in key for k in SECTION_WORDS[num])
    return Heading(num, title, i, end, fits)


def _best_chain(cands: list[Heading]) -> list[Heading]:
    """Best-scoring chain of headings, increasing in number and position.

    Linear in the number of candidates: section numbers are small, so the best chain
    ending in each number is kept while scanning in document order."""
    if not cands:
        return []
    score = [0.0] * len(cands)
    prev = [-1] * len(cands)
    best_by_number: dict[int, int] = {}  # number -> index of the best chain ending there
    pending: list[int] = []  # candidates whose heading has not ended yet at the scan point
    for j, c in enumerate(cands):
        still = []
        for i in pending:
            if cands[i].end <= c.index:
                a = cands[i]
                k = best_by_number.get(a.number)
                if k is None or score[i] > score[k]:
                    best_by_number[a.number] = i
            else:
                still.append(i)
        pending = still
        own = 1.0 + (2.0 if c.fits else 0.0)
        score[j] = own - 0.5 * (c.number - 1)
        for num, i in best_by_number.items():
            if num < c.number:
                s = score[i] + own + 0.5 * (c.number - 1 == num) - 0.5 * (c.number - num - 1)
                if s > score[j]:
                    score[j] = s
                    prev[j] = i
        pending.append(j)
    j = max(range(len(cands)), key=lambda k: score[k])
    chain = []
    while j >= 0:
        chain.append(cands[j])
        j = prev[j]
    chain.reverse()
    # a chain of one unfitting heading is noise
    if len(chain) == 1 and not chain[0].fits:
        return []
    return chain


def _signature_start(lines: list[Text], lo: int) -> int:
    """The signature: issuer and date lines at the very end (after the last section)."""
    n = len(lines)
    k = n
    seen_date = False
    while k - 1 >= lo and n - k < 4:
        t = clean_line(lines[k - 1].text)
        key = match_key(t)
        if is_date_line(t):
            seen_date = True
            k -= 1
            continue
        if seen_date and 2 <= len(key) <= 30 and _ISSUER_TAIL.search(key) and not key.endswith("。"):
            k -= 1
            continue
        break
    return k if seen_date else n


def find_layout(lines: list[Text]) -> Layout:
    cands = []
    for i in range(len(lines)):
        if i % 4096 == 0:
            check_time("finding the sections")
        if (h := _candidate(lines, i)) is not None:
            cands.append(h)
    chain = _best_chain(cands)
    first = chain[0].index if chain else len(lines)
    last_body = chain[-1].end if chain else len(lines)
    sig = _signature_start(lines, last_body)
    spans = []
    for k, h in enumerate(chain):
        end = chain[k + 1].index if k + 1 < len(chain) else sig
        spans.append(SectionSpan(h.number, h.title, h.end, end))
    return Layout(tuple(chain), tuple(spans), first, sig)
