"""Confidence for every value and for the report (documented in README, "Confidence").

A value's confidence is the product of
  * how unambiguous its kind is: number 0.99, 无/零 0.98, blank 0.97, na 0.97, text 0.75;
  * how it was placed: by header position or an exact row count 1.0; aligned to the right
    in a grid whose positions did not fit 0.9; re-flowed from one-cell-per-line text 0.85;
  * what went wrong around it: a cell that stood in the wrong position 0.6; a row with the
    wrong number of cells (which cell is which is uncertain) 0.75; a row whose damaged
    label was matched approximately (``table.fuzzy_label``) 0.8; a cell cut from a run of
    fused digits as the single split the table's arithmetic allows (``table.fused_cells``)
    0.8; a cell that is not shown but inferred as blank is set to 0.45;
  * an arithmetic identity it takes part in that does not hold (the parse or the report is
    wrong): 0.8;
  * how sure the template detection is (field ids depend on it).
The report's confidence multiplies the template confidence, the share of the template's
cells found (coverage), the mean value confidence and 0.85 for every error issue; for a
report without tables (pre-2019, unknown) it reflects the sections found.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Flag, Issue, Kind

KIND_BASE: dict[str, float] = {"number": 0.99, "none": 0.98, "blank": 0.97, "na": 0.97, "text": 0.75}
FLAG_FACTOR: dict[Flag, float] = {Flag.FALLBACK: 0.9, Flag.REFLOWED: 0.85, Flag.MISALIGNED: 0.6, Flag.UNSURE: 0.75,
                                   Flag.FUZZY: 0.8, Flag.FUSED: 0.8}
INFERRED = 0.45
IDENTITY_FACTOR = 0.8
ERROR_FACTOR = 0.85


def value_confidence(kind: Kind, flags: Iterable[Flag], in_failed_identity: bool, template_conf: float) -> float:
    flags = set(flags)
    if Flag.INFERRED in flags:
        c = INFERRED
    else:
        c = KIND_BASE[kind]
        for f in flags:
            c *= FLAG_FACTOR.get(f, 1.0)
    if in_failed_identity:
        c *= IDENTITY_FACTOR
    c *= min(1.0, template_conf + 0.02)
    return round(max(0.0, min(1.0, c)), 3)


def report_confidence(
    template: str,
    template_conf: float,
    value_confs: list[float],
    coverage: float,
    sections_found: int,
    issues: Iterable[Issue],
) -> float:
    errors = sum(1 for i in issues if i.severity == "error")
    if template in ("2019", "2021"):
        mean = sum(value_confs) / len(value_confs) if value_confs else 0.0
        c = template_conf * coverage * mean
    elif template == "pre2019":
        c = template_conf * (0.9 if sections_found >= 3 else 0.6)
    else:
        c = template_conf * 0.5
    c *= ERROR_FACTOR ** errors
    return round(max(0.0, min(1.0, c)), 3)
