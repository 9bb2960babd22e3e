"""Checks across the reports of one body over the years (docs/report-formats.md, Soft checks).

They need several reports, so they run on a dataset, not on one report:

* ``check.carry_over_chain``: carried_over(Y) = carried_forward(Y−1) of the same body;
* ``check.in_force_chain``: (2021 format) in_force(Y) = in_force(Y−1) + issued(Y) − repealed(Y)
  for 规章 and 行政规范性文件;
* ``check.copied_report``: a report whose table numbers repeat another year's exactly.

Input: report records as :meth:`Report.to_dict` gives them (with ``source.sha256``).
Output: ``(sha256, Issue)`` pairs, attached to the later report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from .model import Issue
from .text_norm import match_key


def _numbers(rec: dict[str, Any]) -> dict[str, float]:
    return {v["field"]: float(v["value"]) for v in rec.get("values", [])
            if v.get("kind") == "number" and v.get("value") is not None}


def _cells(rec: dict[str, Any]) -> dict[str, float]:
    """Numbers, with blank/无/- read as 0 (the way the identities read them)."""
    out = {}
    for v in rec.get("values", []):
        if v.get("kind") == "number" and v.get("value") is not None:
            out[v["field"]] = float(v["value"])
        elif v.get("kind") in ("blank", "none", "na"):
            out[v["field"]] = 0.0
    return out


def body_key(issuer: str) -> str:
    """The body that issued a report, as a key that matches its reports over the years:
    :func:`match_key` of the issuer, with 人民政府 and its short form 政府 read as one
    (县人民政府办公室 and 县政府办公室 are the same office)."""
    return match_key(issuer).replace("人民政府", "政府")


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def cross_year_issues(records: Iterable[dict[str, Any]]) -> list[tuple[str, Issue]]:
    """The checks across the years of one body: (sha256 of the report, issue) pairs."""
    by_body: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for rec in records:
        md = rec.get("metadata") or {}
        issuer, year = md.get("issuer"), md.get("year")
        if not issuer or not year or md.get("template") not in ("2019", "2021"):
            continue
        # two files of the same body and year: keep the one read with more confidence
        key = body_key(issuer)
        prev = by_body[key].get(year)
        if prev is None or (rec.get("confidence") or 0) > (prev.get("confidence") or 0):
            by_body[key][year] = rec
    out: list[tuple[str, Issue]] = []
    for years in by_body.values():
        for y in sorted(years):
            rec = years[y]
            sha = rec["source"]["sha256"]
            prev_rec = years.get(y - 1)
            if prev_rec is not None:
                out += [(sha, issue) for issue in _chain_issues(y, rec, prev_rec)]
            copied = _copied_issue(y, rec, years)
            if copied is not None:
                out.append((sha, copied))
    return out


def _chain_issues(y: int, rec: dict[str, Any], prev_rec: dict[str, Any]) -> list[Issue]:
    """Year ``y`` against year ``y - 1``: carried-over cases, documents in force."""
    out: list[Issue] = []
    cur, prev = _cells(rec), _cells(prev_rec)
    a, b = cur.get("s3.carried_over.total"), prev.get("s3.carried_forward.total")
    if a is not None and b is not None and a != b:
        out.append(Issue(
            "check.carry_over_chain", "warning",
            f"{y}: 上年结转 总计 is {_fmt(a)} but the {y - 1} report carried forward {_fmt(b)}",
            ("s3.carried_over.total",)))
    if rec["metadata"]["template"] != "2021" or prev_rec["metadata"]["template"] != "2021":
        return out
    for stem in ("regulations", "normative"):
        f_now, f_iss, f_rep = (f"s2.{stem}.in_force", f"s2.{stem}.issued", f"s2.{stem}.repealed")
        if all(f in cur for f in (f_now, f_iss, f_rep)) and f_now in prev:
            want = prev[f_now] + cur[f_iss] - cur[f_rep]
            if cur[f_now] != want:
                out.append(Issue(
                    "check.in_force_chain", "warning",
                    f"{y}: {f_now} is {_fmt(cur[f_now])} but {y - 1}'s {_fmt(prev[f_now])} + issued "
                    f"{_fmt(cur[f_iss])} − repealed {_fmt(cur[f_rep])} = {_fmt(want)}",
                    (f_now, f_iss, f_rep)))
    return out


def _copied_issue(y: int, rec: dict[str, Any], years: dict[int, dict[str, Any]]) -> Issue | None:
    """Every number of year ``y`` repeats an earlier year's report of the same body."""
    nums = _numbers(rec)
    if sum(1 for x in nums.values() if x) < 5:
        return None
    for y2 in sorted(years):
        if y2 >= y:
            break
        if _numbers(years[y2]) == nums:
            return Issue("check.copied_report", "warning",
                         f"every number of the {y} report repeats the {y2} report of the same body",
                         tuple(sorted(nums)))
    return None
