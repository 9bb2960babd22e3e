"""A Traditional-Chinese mirror of a report (report-formats.md §8) reads the same values;
what the report prints (issuer, headings) stays as printed."""

from __future__ import annotations

import extractor
from extractor.text_norm import match_key

from conftest import FIXTURES, load_expected


def test_traditional_mirror_reads_the_same_values():
    rep = extractor.parse(FIXTURES / "traditional" / "county-2021.tsv-traditional.txt")
    exp = load_expected("county-2021")
    assert {v.field: (v.kind, v.value) for v in rep.values} == {
        f: (e["kind"], e["value"]) for f, e in exp["values"].items()}
    assert rep.metadata.template == "2021"
    assert (rep.metadata.issuer, rep.metadata.year, rep.metadata.published) == ("臨江縣人民政府", 2021, "2022-01-25")
    assert [(s.number, s.title) for s in rep.sections][:2] == [(1, "一、總體情況"), (2, "二、主動公開政府信息情況")]
    assert rep.issues == ()


def test_match_keys_fold_traditional_variants():
    assert match_key("三、本年度辦理結果") == match_key("三、本年度办理结果")
    assert match_key("行政複議") == match_key("行政復議") == match_key("行政复议") == "行政复议"
    assert match_key("（七）總計") == "(七)总计"
