"""The real report in shared/seed: every 'Done when' of the foundation issue."""

from __future__ import annotations

from extractor.templates import S3_COLUMNS, s3_rows

S3_ROW_IDS = [r.rid for r in s3_rows("2021", other_split=False)]


def test_metadata(seed_report):
    md = seed_report.metadata
    assert (md.issuer, md.year, md.published, md.template) == ("哈拉直沟乡人民政府", 2023, "2024-01-29", "2021")


def test_sections_one_to_five_with_titles(seed_report):
    assert [(s.number, s.title) for s in seed_report.sections] == [
        (1, "一、总体情况"),
        (2, "二、主动公开政府信息情况"),
        (3, "三、收到和处理政府信息公开申请情况"),
        (4, "四、政府信息公开行政复议、行政诉讼情况"),
        (5, "五、存在的主要问题及改进情况"),
    ]
    assert seed_report.sections[2].text == "行政机关依申请公开政府信息和不予公开政府信息的情况：\n无。"
    assert seed_report.sections[0].text.startswith("（一）加强组织领导，健全工作机制。")
    # preamble and signature are kept apart from the sections
    assert seed_report.preamble.startswith("哈拉直沟乡人民政府\n政府信息公开工作年度报告\n2023年，")
    assert seed_report.signature == "哈拉直沟乡人民政府\n2024年1月29日"
    assert "2024年1月29日" not in seed_report.sections[4].text


def test_section2_ten_zeros(seed_report):
    s2 = [v for v in seed_report.values if v.field.startswith("s2.")]
    assert [v.field for v in s2] == [
        "s2.regulations.issued", "s2.regulations.repealed", "s2.regulations.in_force",
        "s2.normative.issued", "s2.normative.repealed", "s2.normative.in_force",
        "s2.licensing.decisions", "s2.penalty.decisions", "s2.coercion.decisions", "s2.fees.amount",
    ]
    assert all(v.kind == "number" and v.value == 0 and v.raw == "0" for v in s2)


def test_section3_all_161_cells(seed_report):
    s3 = {v.field: v for v in seed_report.values if v.field.startswith("s3.")}
    expected = {f"s3.{r}.{c.suffix}" for r in S3_ROW_IDS for c in S3_COLUMNS}
    assert len(expected) == 161
    assert set(s3) == expected
    none_cells = {f for f, v in s3.items() if v.kind == "none"}
    assert none_cells == {"s3.new.total", "s3.carried_over.total", "s3.total.total", "s3.carried_forward.total"}
    assert all(s3[f].raw == "无" and s3[f].value is None for f in none_cells)
    assert all(v.kind == "blank" and v.raw == "" for f, v in s3.items() if f not in none_cells)


def test_misaligned_rows_are_reported_and_lower_confidence(seed_report):
    short = [i for i in seed_report.issues if i.code == "table.short_row"]
    # the （三） 8 rows, （四） 3 rows and （五） 4 rows carry three label cells and one value cell too few
    assert len(short) == 15
    touched = {f for i in short for f in i.fields}
    assert "s3.denied.state_secret.natural_person" in touched
    assert "s3.not_processed.excessive.total" in touched
    # rows that line up are not touched
    assert not any(f.startswith("s3.granted.") or f.startswith("s3.not_processed.confirm_reissue.") for f in touched)
    by = {v.field: v for v in seed_report.values}
    assert by["s3.denied.state_secret.natural_person"].where.get("inferred") is True
    assert by["s3.denied.state_secret.commercial"].confidence < by["s3.granted.commercial"].confidence
    assert by["s3.denied.state_secret.natural_person"].confidence < by["s3.denied.state_secret.commercial"].confidence


def test_section4_sixteen_cells_for_fifteen_columns(seed_report):
    s4 = {v.field: v for v in seed_report.values if v.field.startswith("s4.")}
    assert len(s4) == 15
    assert {f for f, v in s4.items() if v.kind == "none"} == {
        "s4.review.total", "s4.suit_direct.total", "s4.suit_after_review.total"}
    mis = [i for i in seed_report.issues if i.code == "table.misaligned_cell"]
    assert [i.fields for i in mis] == [("s4.suit_after_review.total",)]
    assert s4["s4.suit_after_review.total"].confidence < s4["s4.suit_direct.total"].confidence
    assert s4["s4.suit_after_review.total"].where == {"line": 79, "column": 15}


def test_no_identity_errors_on_an_all_blank_report(seed_report):
    assert not [i for i in seed_report.issues if i.severity == "error"]


def test_report_confidence_in_range(seed_report):
    assert 0.5 < seed_report.confidence < 0.95
    assert all(0 <= v.confidence <= 1 for v in seed_report.values)
