"""The arithmetic the template demands (docs/report-formats.md, Identities) and plausibility checks.

A violated identity is an ``error`` issue naming the identity and its fields; the numbers
stay as printed. Blank, 无 and - cells count as 0 in a sum when at least one number
takes part; an equation with no number at all is not checked. A total left blank (or 无)
while its parts hold numbers is reported with the identity's code as a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .model import Issue, Severity, Value
from .templates import FIELD_BY_ID, S3_COLUMNS, S4_COLUMNS, S4_GROUPS, s3_rows
from .text_norm import halfwidth

_APPLICANTS = [c.suffix for c in S3_COLUMNS if c.suffix != "total"]
_COLS = [c.suffix for c in S3_COLUMNS]


def _num(v: Value | None) -> float | None:
    if v is None:
        return None
    if v.kind == "number" and v.value is not None:
        return float(v.value)
    return 0.0 if v.kind in ("blank", "none", "na") else None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _check_sum(
    vals: Mapping[str, Value],
    code: str,
    lhs: list[str],
    rhs: list[str],
    label: str,
) -> Issue | None:
    """lhs fields sum = rhs fields sum. Returns an issue when violated."""
    fields = lhs + rhs
    present = [f for f in fields if f in vals]
    if len(present) < len(fields):
        return None  # a cell not shown: its gap is reported elsewhere
    if not any(vals[f].kind == "number" for f in fields):
        return None
    if any(vals[f].kind == "text" and vals[f].value is None for f in fields):
        return None
    a = sum(_num(vals[f]) or 0.0 for f in lhs)
    b = sum(_num(vals[f]) or 0.0 for f in rhs)
    if abs(a - b) < 1e-6:
        return None
    # a total side that is blank/none while the other side holds numbers: a gap, not a contradiction
    totals_blank = all(vals[f].kind != "number" for f in rhs) or all(vals[f].kind != "number" for f in lhs)
    sev: Severity = "warning" if totals_blank else "error"
    return Issue(code, sev,
                 f"{label}: {' + '.join(lhs)} = {_fmt(a)} but {' + '.join(rhs)} = {_fmt(b)}"
                 + (" (one side is left blank)" if totals_blank else ""),
                 tuple(fields))


def identities(vals: Mapping[str, Value], template: str, other_split: bool) -> list[Issue]:
    out: list[Issue] = []
    if any(f.startswith("s3.") for f in vals):
        for c in _COLS:
            iss = _check_sum(vals, "s3.balance", [f"s3.new.{c}", f"s3.carried_over.{c}"],
                             [f"s3.total.{c}", f"s3.carried_forward.{c}"],
                             f"column {c}: received + carried over must equal handled + carried forward")
            if iss:
                out.append(iss)
        for r in s3_rows(template, other_split):
            iss = _check_sum(vals, "s3.row_total", [f"s3.{r.rid}.{c}" for c in _APPLICANTS],
                             [f"s3.{r.rid}.total"], f"row {r.rid}: the six applicant columns must add up to 总计")
            if iss:
                out.append(iss)
        parts = [r.rid for r in s3_rows(template, other_split)
                 if r.rid not in ("new", "carried_over", "total", "carried_forward")]
        for c in _COLS:
            iss = _check_sum(vals, "s3.results_total", [f"s3.{p}.{c}" for p in parts], [f"s3.total.{c}"],
                             f"column {c}: the results (一)…(六) must add up to (七)总计")
            if iss:
                out.append(iss)
    for g, _, _ in S4_GROUPS:
        parts = [f"s4.{g}.{c.suffix}" for c in S4_COLUMNS if c.suffix != "total"]
        iss = _check_sum(vals, "s4.group_total", parts, [f"s4.{g}.total"],
                         f"section 4 {g}: 结果维持 + 结果纠正 + 其他结果 + 尚未审结 must equal 总计")
        if iss:
            out.append(iss)
    neg = [f for f, v in vals.items()
           if v.kind == "number" and v.value is not None and v.value < 0
           and not (FIELD_BY_ID.get(f) and FIELD_BY_ID[f].signed)]
    if neg:
        out.append(Issue("non_negative", "error",
                         "counts must not be negative: " + ", ".join(f"{f}={vals[f].raw}" for f in neg),
                         tuple(neg)))
    return out


_TOWNSHIP = re.compile(r"(乡|镇|街道|办事处|苏木)(人民政府)?$|乡人民政府|镇人民政府|街道办事处")
_DEPARTMENT = re.compile(r"(局|委员会|办公室|中心|厅|委|办)$")
_MINISTRY = re.compile(r"^(国家|中华人民共和国|国务院)|部$|^.{2,3}省人民政府$|^.{2,4}市人民政府$")


def plausibility(vals: Mapping[str, Value], issuer: str | None, year: int | None, template: str,
                 overview: str) -> list[Issue]:
    out: list[Issue] = []
    if issuer:
        reg = [f for f in ("s2.regulations.issued", "s2.regulations.in_force", "s2.regulations.made",
                           "s2.regulations.published", "s2.regulations.total_public")
               if f in vals and vals[f].kind == "number" and (vals[f].value or 0) > 0]
        low_level = _TOWNSHIP.search(issuer) or (_DEPARTMENT.search(issuer) and not _MINISTRY.search(issuer))
        if reg and low_level:
            out.append(Issue("check.regulations_level", "warning",
                             f"{issuer} reports 规章 although only State Council departments, provinces and "
                             "larger cities may make them", tuple(reg)))
    if year and template in ("2019", "2021"):
        if template == "2021" and year < 2021:
            out.append(Issue("check.template_year", "warning",
                             f"a {year} report filled in on the 2021 template (which starts with 2021 reports)"))
        if template == "2019" and year >= 2021:
            out.append(Issue("check.template_year", "warning",
                             f"a {year} report filled in on the 2019 template (replaced by the 2021 template)"))
    out += prose_mismatches(vals, overview)
    return out


# numbers the 总体情况 prose quotes, and the table cells they must equal
_PROSE = (
    (re.compile(r"(?:新收|收到|受理)[^。；，,]{0,16}?申请(?:共|合计|数量)?\s*(\d+)\s*[件份个条]"), ("s3.new.total",)),
    (re.compile(r"上年结转[^。；，,\d]{0,12}?(\d+)\s*[件份个条]"), ("s3.carried_over.total",)),
    (re.compile(r"结转(?:到|至)?下(?:一)?年度?[^。；，,\d]{0,10}?(\d+)\s*[件份个条]"), ("s3.carried_forward.total",)),
    (re.compile(r"(?:被申请|提起)?行政复议\s*(\d+)\s*[件起]"), ("s4.review.total",)),
    (re.compile(r"(?:被提起|提起)?行政诉讼\s*(\d+)\s*[件起]"), ("s4.suit_direct.total", "s4.suit_after_review.total")),
)


def prose_mismatches(vals: Mapping[str, Value], overview: str) -> list[Issue]:
    """check.prose_mismatch: a count quoted in the 总体情况 text that the table contradicts."""
    out: list[Issue] = []
    t = halfwidth(overview)
    for rx, fields in _PROSE:
        m = rx.search(t)
        if not m or any(f not in vals for f in fields):
            continue
        nums = [_num(vals[f]) for f in fields]
        if any(n is None for n in nums) or not any(vals[f].kind == "number" for f in fields):
            continue
        table = sum(n or 0.0 for n in nums)
        if int(m.group(1)) != table:
            out.append(Issue("check.prose_mismatch", "warning",
                             f"the 总体情况 text says {m.group(0)!r} but the table gives "
                             f"{' + '.join(fields)} = {_fmt(table)}", tuple(fields)))
    return out
