"""``ocr.suspect_digit``: a cell whose reading breaks an identity the recogniser's alternative
reading would satisfy.

OCR never changes a number on its own. When an identity fails (``s3.balance``,
``s3.row_total`` …, see docs/report-formats.md, "Identities") and one of its cells was read
by OCR with an alternative reading (``where["ocr"]["alt"]``, e.g. ``8`` read with ``3`` a
close second), the identity is checked again with that one cell replaced; if it then holds,
an ``ocr.suspect_digit`` warning names the cell, both readings and the identity. The value
stays as read.

:func:`suspect_digits` is pure: values, alternatives and the identity checker in, issues out.
The pipeline calls it after its identity checks, e.g.::

    from extractor.checks import identities
    from extractor.ocr.suspect import alternatives_of, suspect_digits
    found = suspect_digits(prov, alternatives_of(values), id_issues,
                           lambda vals: identities(vals, template, other_split))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from ..model import Issue, Value
from ..values import parse_value

__all__ = ["suspect_digits", "alternatives_of"]

Checker = Callable[[Mapping[str, Value]], Sequence[Issue]]


def alternatives_of(values: Iterable[Value]) -> dict[str, list[str]]:
    """Field id → alternative readings, from the ``where["ocr"]["alt"]`` OCR puts on cells."""
    out: dict[str, list[str]] = {}
    for v in values:
        ocr = v.where.get("ocr") if isinstance(v.where, dict) else None
        if isinstance(ocr, dict) and ocr.get("alt"):
            out[v.field] = [str(a) for a in ocr["alt"]]
    return out


def _key(issue: Issue) -> tuple[str, tuple[str, ...]]:
    return issue.code, tuple(issue.fields)


def suspect_digits(values: Mapping[str, Value], alternatives: Mapping[str, Sequence[str]],
                   failed: Sequence[Issue], check: Checker) -> list[Issue]:
    """One ``ocr.suspect_digit`` warning per (cell, failed identity) that an alternative
    reading of the cell would make hold. ``failed``: the identity issues found on
    ``values``; ``check``: the identity checker that found them (run again per candidate).
    """
    out: list[Issue] = []
    for issue in failed:
        if issue.severity != "error":
            continue
        for f in issue.fields:
            v = values.get(f)
            if v is None:
                continue
            for alt in alternatives.get(f, ()):
                parsed = parse_value(alt, v.unit)
                if parsed.kind != "number" or parsed.raw == v.raw:
                    continue
                trial = dict(values)
                trial[f] = replace(v, value=parsed.value, kind=parsed.kind, raw=parsed.raw)
                if _key(issue) in {_key(i) for i in check(trial) if i.severity == "error"}:
                    continue
                out.append(Issue(
                    "ocr.suspect_digit", "warning",
                    f"{f} was read by OCR as {v.raw!r}; the recogniser's alternative reading {alt!r} "
                    f"would satisfy {issue.code} ({issue.message}). The value is kept as read: check the scan.",
                    (f, *[x for x in issue.fields if x != f]),
                    where=dict(v.where) if v.where else None,
                ))
                break
    return out
