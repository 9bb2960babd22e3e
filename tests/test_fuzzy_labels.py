"""Damaged row labels (typos, dropped characters) matched approximately: the county-2021
text fixture with some labels damaged as real reports print them."""

from __future__ import annotations

import extractor
from extractor.tables.fuzzy import closest_row, distance
from extractor.templates import S3_ROWS

from conftest import FIXTURES, load_expected

TSV = (FIXTURES / "text" / "county-2021.tsv.txt").read_text(encoding="utf-8")
EXP = load_expected("county-2021")
COLS = ("natural_person", "commercial", "research", "nonprofit", "legal_services", "other_org", "total")


def damaged(*pairs: tuple[str, str]) -> extractor.Report:
    text = TSV
    for good, bad in pairs:
        assert text.count(good) == 1, good
        text = text.replace(good, bad)
    return extractor.parse(text.encode("utf-8"))


def readings(rep: extractor.Report) -> dict:
    return {v.field: (v.kind, v.value) for v in rep.values}


def expected_readings(without: str = "") -> dict:
    return {f: (e["kind"], e["value"]) for f, e in EXP["values"].items() if not (without and f.startswith(without))}


def test_dropped_characters_read_the_row_with_a_fuzzy_label_issue() -> None:
    rep = damaged(("2.其他法律行政法规禁止公开", "2.其他法律行政止公开"),
                  ("1.本机关不掌握相关政府信息", "1.本机关不掌相关政府信息"))
    assert readings(rep) == expected_readings()
    fuzzy = [i for i in rep.issues if i.code == "table.fuzzy_label"]
    assert [(i.severity, i.message, i.fields) for i in fuzzy] == [
        ("warning", "section-3 row label '2.其他法律行政止公开' read as '2.其他法律行政法规禁止公开' (3 characters differ)",
         tuple(f"s3.denied.prohibited_by_law.{c}" for c in COLS)),
        ("warning", "section-3 row label '1.本机关不掌相关政府信息' read as '1.本机关不掌握相关政府信息' (1 characters differ)",
         tuple(f"s3.unable.not_held.{c}" for c in COLS)),
    ]
    assert set(rep.issue_codes()) == {"table.fuzzy_label"}
    # number 0.99 x fuzzy 0.8 (the template is sure: x1.0)
    assert rep.value("s3.denied.prohibited_by_law.total").confidence == 0.792
    assert rep.value("s3.denied.state_secret.total").confidence == 0.99


def test_a_label_damaged_beyond_the_bound_is_not_guessed() -> None:
    rep = damaged(("2.其他法律行政法规禁止公开", "2.其他法律止"))
    assert readings(rep) == expected_readings(without="s3.denied.prohibited_by_law.")
    assert set(rep.issue_codes()) == {"table.unknown_label", "gap.cell"}


def test_a_damaged_label_never_takes_a_row_read_before_it() -> None:
    # "1.属于国家秘" is one character from 1.属于国家秘密, but it stands where 5.属于三类内部事务信息
    # stands, after rows that come later in the template: it is not read as state_secret again
    rep = damaged(("5.属于三类内部事务信息", "1.属于国家秘"))
    assert readings(rep) == expected_readings(without="s3.denied.internal_affairs.")
    assert set(rep.issue_codes()) == {"table.unknown_label", "gap.cell"}


def test_a_damaged_label_with_a_wrong_character_reads_between_its_neighbours() -> None:
    rep = damaged(("7.属于行政执法案卷", "7.属于行政执法桉卷"))
    assert readings(rep) == expected_readings()
    assert [i.message for i in rep.issues] == [
        "section-3 row label '7.属于行政执法桉卷' read as '7.属于行政执法案卷' (1 characters differ)"]


def test_three_kinds_of_internal_affairs_misprinted_reads_by_its_template_key() -> None:
    # "三类内容事务信息" for 三类内部事务信息: the template's keys (三类内, 内容事务) read it exactly
    rep = damaged(("5.属于三类内部事务信息", "5.三类内容事务信息"))
    assert readings(rep) == expected_readings()
    assert rep.issue_codes() == []


def test_distance_is_bounded_by_a_third_of_the_template_label() -> None:
    assert distance("其他法律行政止公开", "其他法律行政法规禁止公开") == 3
    assert distance("其他法律止", "其他法律行政法规禁止公开") is None
    assert distance("重复申请", "重复申请") == 0


def test_closest_row_refuses_a_tie() -> None:
    rows = {r.rid: r for r in S3_ROWS}
    # one character from both 2.重复申请 and nothing else: read
    assert closest_row("2.重夏申请", [rows["not_processed.repeated"], rows["not_processed.petition"]]) == (
        rows["not_processed.repeated"], 1)
    # equally near two candidates: not guessed
    assert closest_row("予以开", [rows["granted"], rows["granted"]]) is None


def test_ocr_misreading_two_of_four_characters_reads_the_one_row_its_place_and_number_leave() -> None:
    """Regression (the 72-dpi scan of county-2021): the recogniser read 2.重复申请 as
    '2.重复甲调', two of four characters off, beyond a third of the label; the row between
    1.信访举报投诉类申请 and 3.要求提供公开出版物 is the only one left there and carries the number
    2., so it is read, within half the label, with the fuzzy issue."""
    rep = damaged(("2.重复申请", "2.重复甲调"))
    assert readings(rep) == expected_readings()
    assert [(i.code, i.message) for i in rep.issues] == [
        ("table.fuzzy_label", "section-3 row label '2.重复甲调' read as '2.重复申请' (2 characters differ)")]


def test_a_label_two_characters_off_without_the_rows_own_number_is_not_guessed() -> None:
    for bad in ("3.重复甲调", "重复甲调"):
        rep = damaged(("2.重复申请", bad))
        assert readings(rep) == expected_readings(without="s3.not_processed.repeated."), bad
        assert "table.fuzzy_label" not in rep.issue_codes() and "gap.cell" in rep.issue_codes(), bad
    rows = {r.rid: r for r in S3_ROWS}
    # two rows left in its place: the looser bound does not apply
    assert closest_row("2.重复甲调", [rows["not_processed.petition"], rows["not_processed.repeated"]]) is None
    assert closest_row("2.重复甲调", [rows["not_processed.repeated"]]) == (rows["not_processed.repeated"], 2)
