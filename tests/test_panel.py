from __future__ import annotations

import extractor
from extractor.panel import body_key, cross_year_issues

from conftest import FIXTURES


def _rec(path, year, sha, **changes):
    d = extractor.parse(path).to_dict()
    d["metadata"]["year"] = year
    d["source"]["sha256"] = sha
    for v in d["values"]:
        if v["field"] in changes:
            v["value"], v["kind"] = changes[v["field"]], "number"
    return d


def test_cross_year_chains_and_copies():
    p = FIXTURES / "text" / "county-2021.tsv.txt"
    base = extractor.parse(p)
    fwd = base.value("s3.carried_forward.total").value
    in_force = base.value("s2.normative.in_force").value
    y1 = _rec(p, 2021, "a")
    y2 = _rec(p, 2022, "b", **{"s3.carried_over.total": fwd + 1,
                               "s2.normative.in_force": in_force + 5,
                               "s2.normative.issued": 5, "s2.normative.repealed": 0})
    y3 = _rec(p, 2023, "c")  # the 2021 numbers again
    got = [(sha, i.code) for sha, i in cross_year_issues([y1, y2, y3])]
    assert ("b", "check.carry_over_chain") in got
    assert ("b", "check.in_force_chain") not in got  # 57 + 5 - 0 = 62 holds
    assert ("c", "check.copied_report") in got
    assert ("c", "check.in_force_chain") in got
    assert not [g for g in got if g[0] == "a"]


def test_a_body_under_its_full_and_short_name_is_one_body():
    """县人民政府办公室 one year, 县政府办公室 the next: the same office, so a copied report is
    caught; a different county is another body."""
    p = FIXTURES / "text" / "county-2021.tsv.txt"
    y1 = _rec(p, 2021, "a")
    y2 = _rec(p, 2022, "b")  # the same numbers
    y1["metadata"]["issuer"] = "临江县人民政府办公室"
    y2["metadata"]["issuer"] = "临江县政府办公室"
    got = [(sha, i.code) for sha, i in cross_year_issues([y1, y2])]
    assert ("b", "check.copied_report") in got
    y2["metadata"]["issuer"] = "临河县政府办公室"
    assert cross_year_issues([y1, y2]) == []
    assert body_key("临江县人民政府办公室") == body_key("临江县政府办公室") != body_key("临河县政府办公室")
