"""Damaged row labels matched approximately (typos, dropped characters).

A section-3 row whose label names no template row is matched, after stitching, against
the template rows that can still stand there: rows not read yet, strictly between the
rows read before and after it in the template's order. The printed label (without its
numbering) must be within an edit distance of a third of the template label's length
(the ``regex`` module's fuzzy matching, best match), and one candidate must be closer
than every other. When the template's order leaves exactly one row for the label, and the
label carries that row's own number ("2." for 2.重复申请), the bound is half the template
label's length: the place and the number already name the row, and a scan's recogniser can
misread two characters of four ("2.重复甲调"). Such rows give ``table.fuzzy_label`` (naming the
printed and the template label) and their values the ``fuzzy`` flag (lower confidence).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import regex  # type: ignore[import-untyped]  # no stubs installed (types-regex)

from ..model import Issue
from ..templates import S3_COLUMNS, S3_ROWS, S3Row
from ..vocab import match_key

_NUMBERING = re.compile(r"^\(?[一二三四五六七八九十\d]{1,3}[).:]?")


def _bare(key: str) -> str:
    return _NUMBERING.sub("", key, count=1)


@lru_cache(maxsize=256)
def _template_label(r: S3Row) -> str:
    return _bare(match_key(r.path[-1]))


@lru_cache(maxsize=4096)
def distance(printed: str, template: str, share: int = 3) -> int | None:
    """The edit distance of ``printed`` from ``template`` when within a third (``share``) of
    the template's length, else None."""
    bound = max(1, len(template) // share)
    m = regex.fullmatch(f"(?:{regex.escape(template)}){{e<={bound}}}", printed, flags=regex.BESTMATCH)
    return sum(m.fuzzy_counts) if m else None


def closest_row(label: str, candidates: Sequence[S3Row]) -> tuple[S3Row, int] | None:
    """The one candidate row nearest to ``label`` within the bound, or None (none near, or a tie)."""
    printed = _bare(label)
    if len(printed) < 3:
        return None
    scored = sorted((d, k) for k, r in enumerate(candidates)
                    if (d := distance(printed, _template_label(r))) is not None)
    if not scored:
        return _only_place(label, printed, candidates[0]) if len(candidates) == 1 else None
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    d, k = scored[0]
    return candidates[k], d


def _only_place(label: str, printed: str, r: S3Row) -> tuple[S3Row, int] | None:
    """``r``, the one row the template's order leaves for ``label``, when the label carries
    ``r``'s own number and is within half the template label's length of it."""
    num, own = _NUMBERING.match(label), _NUMBERING.match(match_key(r.path[-1]))
    if num is None or own is None or num.group() != own.group():
        return None
    d = distance(printed, _template_label(r), 2)
    return (r, d) if d is not None else None


def candidates(before: Sequence[S3Row], after: Sequence[S3Row], used: set[str], template: str) -> list[S3Row]:
    """Template rows not read yet that fit between the rows read before and after."""
    order = {r.rid: k for k, r in enumerate(S3_ROWS)}
    lo = max((order[r.rid] for r in before), default=-1)
    hi = min((order[r.rid] for r in after), default=len(S3_ROWS))
    return [r for r in S3_ROWS[lo + 1: hi] if r.rid not in used and template in r.templates]


def fuzzy_issue(printed: str, r: S3Row, d: int, where: dict | None) -> Issue:
    return Issue("table.fuzzy_label", "warning",
                 f"section-3 row label {printed!r} read as {r.path[-1]!r} ({d} characters differ)",
                 tuple(f"s3.{r.rid}.{c.suffix}" for c in S3_COLUMNS), where)
