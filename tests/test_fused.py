"""Fused-cell recovery (extractor/fused.py): hand-checked cases, and property tests against an
independent brute force (every cut of every row, every combination of rows)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from extractor.fused import (
    cell_ok,
    count_splits,
    recover_s2,
    recover_s3,
    recover_s4,
    s3_result_rows,
    splits,
    sum_splits,
)
from extractor.templates import s3_rows

RIDS_2021 = [r.rid for r in s3_rows("2021", True)]
RIDS_2019 = [r.rid for r in s3_rows("2019", False)]


def raws(row) -> list[str | None]:  # type: ignore[no-untyped-def]
    return [c.raw if c is not None else None for c in row.cells]


# ---------------------------------------------------------------- brute force (independent)


def brute_cuts(run: str, n: int) -> list[tuple[int, ...]]:
    """Every cut of a digit run into n cells with no leading zeros, as value tuples."""
    out = []
    for pos in itertools.combinations(range(1, len(run)), n - 1):
        bounds = (0, *pos, len(run))
        cells = [run[a:b] for a, b in itertools.pairwise(bounds)]
        if all(c == "0" or c[0] != "0" for c in cells):
            out.append(tuple(int(c) for c in cells))
    return out


def brute_s3(runs: dict[str, str], rids: list[str]) -> list[dict[str, tuple[int, ...]]]:
    """Every combination of row cuts meeting row_total, balance and results_total."""
    cands = {r: [v for v in brute_cuts(runs[r], 7) if v[6] == sum(v[:6])] for r in rids}
    results = s3_result_rows(rids)
    out = []
    for combo in itertools.product(*(cands[r] for r in rids)):
        t = dict(zip(rids, combo, strict=True))
        if all(t["new"][c] + t["carried_over"][c] == t["total"][c] + t["carried_forward"][c]
               and t["total"][c] == sum(t[r][c] for r in results) for c in range(7)):
            out.append(t)
    return out


def brute_s4(run: str) -> list[tuple[int, ...]]:
    return [v for v in brute_cuts(run, 15)
            if all(v[5 * g + 4] == sum(v[5 * g:5 * g + 4]) for g in range(3))]


# ---------------------------------------------------------------- hand-checked cases


def test_issue_example_new_row():
    rec = recover_s3({"new": "15620002160"})
    row = rec.rows["new"]
    assert raws(row) == ["156", "2", "0", "0", "0", "2", "160"]
    assert [c.value for c in row.cells if c] == [156, 2, 0, 0, 0, 2, 160]
    assert row.splits == 57  # C(10, 6) cuts less those with a leading zero
    assert row.consistent == 1
    assert rec.identities_used == ("s3.row_total",)


def test_section2_row_without_identity_stays_a_gap_and_counts_its_cuts():
    rec = recover_s2({"normative": "1524301", "regulations": "000", "licensing": "2318",
                      "fees": "3.52"}, "2021")
    assert raws(rec.rows["normative"]) == [None, None, None]
    assert rec.rows["normative"].splits == 11  # 1|5|24301 … 15243|0|1, no leading zeros
    assert rec.rows["normative"].run == "1524301"
    assert raws(rec.rows["regulations"]) == ["0", "0", "0"]
    assert raws(rec.rows["licensing"]) == ["2318"]
    assert raws(rec.rows["fees"]) == ["3.52"]
    assert rec.rows["fees"].cells[0] is not None and rec.rows["fees"].cells[0].value == 3.52


def test_leading_zeros_are_not_cells():
    assert cell_ok("0") and cell_ok("10") and not cell_ok("05") and not cell_ok("00")
    assert cell_ok("2,318") and not cell_ok("23,18") and not cell_ok("0,318")
    assert cell_ok("-11", signed=True) and not cell_ok("-11")
    assert cell_ok("160.5964万元", money=True) and not cell_ok("160.5964")
    # "105" into two cells: 1|05 is not a cut, 10|5 is
    assert splits("105", 2) == [((0, 2), (2, 3))]
    assert count_splits("000", 3) == 1 and count_splits("000", 2) == 0


def test_2019_section2_signed_and_money_cells():
    rec = recover_s2({"licensing": "45+21523", "procurement": "5160.5964万元", "fees": "30"}, "2019")
    # 45|+2|1523 … 45|+21|523 …: the sign starts a cell but its end is open
    assert raws(rec.rows["licensing"])[0] == "45"
    assert raws(rec.rows["licensing"])[1:] == [None, None]
    assert rec.rows["licensing"].splits == 4
    assert raws(rec.rows["procurement"]) == [None, None]  # 5|160.5964万元 or 51|60.5964万元 …
    assert raws(rec.rows["fees"]) == ["3", "0"]


def test_section4_one_run_and_three_runs():
    one = recover_s4(["9324185103920114"])  # (9,3,2,4,18) (5,1,0,3,9) (2,0,1,1,4)
    assert raws(one.rows["row"]) == ["9", "3", "2", "4", "18", "5", "1", "0", "3", "9", "2", "0", "1", "1", "4"]
    assert one.combinations == 1 and one.rows["row"].splits == 13
    three = recover_s4(["932418", "51039", "20114"])
    assert [raws(r) for r in three.rows.values()] == [
        ["9", "3", "2", "4", "18"], ["5", "1", "0", "3", "9"], ["2", "0", "1", "1", "4"]]


def test_section4_ambiguous_group_stays_a_gap():
    rec = recover_s4(["10102", "00000", "00000"])
    assert raws(rec.rows["review"]) == ["1", "0", "1", "0", "2"]
    assert rec.rows["review"].splits == 1 and rec.rows["review"].consistent == 1  # 5 digits, 5 cells
    # 2|0|2|20|24, 2|0|22|0|24 and 20|2|2|0|24 all meet the total: only 24 is known
    two = recover_s4(["2022024", "00000", "00000"])
    assert raws(two.rows["review"]) == [None, None, None, None, "24"]
    assert two.rows["review"].consistent == 3
    assert two.combinations == 3


def test_column_identities_resolve_what_one_row_cannot():
    # new 1|0|10|0|0|0|11 and 10|1|0|0|0|0|11 both meet the row total; total (1,0,1,0,0,0,2)
    # and carried_forward (0,0,9,0,0,0,9) are forced (7 digits), and the balance picks the first
    runs = {"new": "101000011", "carried_over": "0000000", "total": "1010002", "carried_forward": "0090009"}
    alone = recover_s3({"new": runs["new"]})
    assert raws(alone.rows["new"]) == [None, None, None, "0", "0", "0", "11"]
    assert alone.rows["new"].consistent == 2
    rec = recover_s3(runs, ["new", "carried_over", "total", "carried_forward"])
    assert raws(rec.rows["new"]) == ["1", "0", "10", "0", "0", "0", "11"]
    # 101|…, 1|0|100|…, 10|10|…, 10|…|11, 1|0|10|…|11: five cuts
    assert rec.rows["new"].consistent == 1 and rec.rows["new"].splits == 5
    assert rec.combinations == 1
    assert rec.identities_used == ("s3.row_total", "s3.balance")


def test_balance_that_cannot_hold_falls_back_to_row_totals():
    runs = {"new": "0000000", "carried_over": "101000011", "total": "100001011", "carried_forward": "0000000"}
    # carried_over: (1,0,10,0,0,0,11) or (10,1,0,0,0,0,11); total: (1,0,0,0,0,10,11) or (10,0,0,0,1,0,11)
    rec = recover_s3(runs, ["new", "carried_over", "total", "carried_forward"])
    assert rec.combinations == 0 and rec.identities_failed == ("s3.balance",)
    assert raws(rec.rows["carried_over"]) == [None, None, None, "0", "0", "0", "11"]
    assert raws(rec.rows["total"]) == [None, "0", "0", "0", None, None, "11"]
    same = recover_s3({**runs, "total": "101000011"}, ["new", "carried_over", "total", "carried_forward"])
    assert same.combinations == 2 and same.identities_failed == ()
    assert raws(same.rows["carried_over"]) == [None, None, None, "0", "0", "0", "11"]


def test_a_row_without_a_run_drops_the_identities_it_is_in():
    runs = {"new": "101000011", "carried_over": "0000000", "carried_forward": "0090009"}
    rec = recover_s3(runs, ["new", "carried_over", "total", "carried_forward"])
    assert rec.unknown_rows == ("total",)
    assert rec.identities_used == ("s3.row_total",)
    assert raws(rec.rows["new"])[:3] == [None, None, None]
    assert raws(rec.rows["total"]) == [None] * 7 and rec.rows["total"].run is None


def test_printed_numbers_that_break_the_identities_recover_only_forced_cuts():
    # city-2022-bad-totals' new row: 312 58 4 6 21 9 printed with the total 401 (410)
    rec = recover_s3({"new": "3125846219401"})
    assert rec.rows["new"].consistent == len(
        [v for v in brute_cuts("3125846219401", 7) if v[6] == sum(v[:6])])
    assert all(v[6] == sum(v[:6]) for v in brute_cuts("3125846219401", 7)) is False


def test_sum_splits_agrees_with_brute_force_on_a_long_run():
    run = "1234567891011121314151617181920"
    want = sorted(v for v in brute_cuts(run, 7) if v[6] == sum(v[:6]))
    got = sorted(tuple(int(run[a:b]) for a, b in cut) for cut in sum_splits(run, 6))
    assert got == want


# ---------------------------------------------------------------- property tests


def _s3_table(draw, rids: list[str]) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    results = s3_result_rows(rids)
    big = draw(st.sets(st.sampled_from(results + ["carried_over", "carried_forward"]), max_size=3))
    six: dict[str, list[int]] = {}
    for r in results + ["carried_over", "carried_forward"]:
        hi = 150 if r in big else 9
        six[r] = draw(st.lists(st.integers(0, hi), min_size=6, max_size=6))
    total = [sum(six[r][c] for r in results) for c in range(6)]
    six["carried_over"] = [min(a, t + f) for a, t, f in zip(six["carried_over"], total, six["carried_forward"],
                                                              strict=True)]
    six["total"] = total
    six["new"] = [t + f - a for t, f, a in zip(total, six["carried_forward"], six["carried_over"], strict=True)]
    return {r: six[r] + [sum(six[r])] for r in rids}


@st.composite
def s3_tables(draw):  # type: ignore[no-untyped-def]
    rids = draw(st.sampled_from([RIDS_2021, RIDS_2019]))
    return rids, _s3_table(draw, rids)


def _check(rec_rows, truth: dict[str, tuple[int, ...]], combos: list[dict[str, tuple[int, ...]]],
           width: int) -> None:  # type: ignore[no-untyped-def]
    for key, values in truth.items():
        row = rec_rows[key]
        for c in range(width):
            seen = {combo[key][c] for combo in combos}
            cell = row.cells[c]
            if cell is not None:
                assert cell.value == values[c], (key, c)  # every recovered cell is right
                assert seen == {values[c]}
            else:
                assert len(seen) >= 2, (key, c, seen)  # every gap is really ambiguous


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(s3_tables())
def test_s3_recovered_cells_are_right_and_gaps_are_ambiguous(drawn):  # type: ignore[no-untyped-def]
    rids, table = drawn
    runs = {r: "".join(str(v) for v in table[r]) for r in rids}
    size = 1
    for r in rids:
        size *= len([v for v in brute_cuts(runs[r], 7) if v[6] == sum(v[:6])])
    assume(size <= 5000)
    combos = brute_s3(runs, rids)
    truth = {r: tuple(table[r]) for r in rids}
    assert truth in combos
    rec = recover_s3(runs, rids)
    assert rec.combinations == len(combos)
    _check(rec.rows, truth, combos, 7)
    for r in rids:
        assert rec.rows[r].consistent == len({combo[r] for combo in combos})
        assert rec.rows[r].splits == len(brute_cuts(runs[r], 7))


@st.composite
def s4_rows(draw):  # type: ignore[no-untyped-def]
    out: list[int] = []
    for _ in range(3):
        g = draw(st.lists(st.integers(0, draw(st.sampled_from([3, 12, 40]))), min_size=4, max_size=4))
        out += g + [sum(g)]
    return out


@settings(max_examples=60, deadline=None)
@given(s4_rows())
def test_s4_recovered_cells_are_right_and_gaps_are_ambiguous(values):  # type: ignore[no-untyped-def]
    run = "".join(str(v) for v in values)
    assume(len(run) <= 21)
    combos = [{"row": v} for v in brute_s4(run)]
    rec = recover_s4([run])
    assert rec.combinations == len(combos)
    _check(rec.rows, {"row": tuple(values)}, combos, 15)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=3, max_size=3))
def test_s2_rows_recover_only_a_single_cut(values):  # type: ignore[no-untyped-def]
    run = "".join(str(v) for v in values)
    rec = recover_s2({"normative": run}, "2021")
    cuts = brute_cuts(run, 3)
    assert rec.rows["normative"].splits == len(cuts)
    combos = [{"normative": v} for v in cuts]
    _check(rec.rows, {"normative": tuple(values)}, combos, 3)


def test_describe_quotes_the_digits():
    from extractor.fused import describe

    s2 = recover_s2({"normative": "1524301"}, "2021").rows["normative"]
    assert describe("行政规范性文件", s2) == (
        '行政规范性文件: the digits "1524301" cut into 3 cells 11 ways; no cell can be told, all left as gaps')
    new = recover_s3({"new": "15620002160"}).rows["new"]
    assert describe("一、本年新收政府信息公开申请数量", new) == (
        '一、本年新收政府信息公开申请数量: the digits "15620002160" cut into 7 cells 57 ways, '
        "1 of them consistent with the table's arithmetic; every cell recovered")
    part = recover_s4(["2022024", "00000", "00000"]).rows["review"]
    assert describe("行政复议", part).endswith("1 of 5 cells recovered, 4 left as gaps")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(s3_tables(), st.integers(1, 9))
def test_s3_rows_keep_every_row_total_cut_when_the_column_identities_fail(drawn, bump):  # type: ignore[no-untyped-def]
    # recover_s3 first bounds each row's total by the total row's; when the identities behind
    # the bounds fail, every row must still have all the cuts its own row total allows
    rids, table = drawn
    runs = {r: "".join(str(v) for v in table[r]) for r in rids}
    total = list(table["total"])
    col = max(range(6), key=lambda c: total[c])
    assume(total[col] > 0)
    cut = min(bump, total[col])  # the total row still meets its own row total, smaller than the rows it sums
    total[col] -= cut
    total[6] -= cut
    runs["total"] = "".join(str(v) for v in total)
    rec = recover_s3(runs, rids)
    own = {r: [v for v in brute_cuts(runs[r], 7) if v[6] == sum(v[:6])] for r in rids}
    assume(all(own.values()))
    assert rec.identities_failed != ()
    for r in rids:
        assert rec.rows[r].consistent == len(set(own[r])), r


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0012", min_size=1, max_size=12), st.integers(1, 8))
def test_count_splits_of_a_digit_run_matches_brute_force(run, n):  # type: ignore[no-untyped-def]
    assert count_splits(run, n) == len(brute_cuts(run, n))


def test_a_row_above_a_broken_total_row_keeps_its_row_total_cuts():
    # the total row (1,0,0,0,0,0,1) bounds granted's total by 1, but granted (1|0|10|…|11 or
    # 10|1|0|…|11) does not add up to it: results_total fails, and granted keeps both cuts
    rids = ["new", "carried_over", "granted", "partly_granted", "total", "carried_forward"]
    runs = {"new": "0000000", "carried_over": "0000000", "granted": "101000011", "partly_granted": "0000000",
            "total": "1000001", "carried_forward": "0000000"}
    rec = recover_s3(runs, rids)
    assert rec.identities_failed == ("s3.balance", "s3.results_total")
    assert rec.unknown_rows == ()
    assert raws(rec.rows["granted"]) == [None, None, None, "0", "0", "0", "11"]
    assert rec.rows["granted"].consistent == 2 and rec.rows["granted"].splits == 5


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="00123456789", min_size=3, max_size=14), st.integers(2, 6))
def test_sum_splits_matches_brute_force_on_any_run(run, parts):  # type: ignore[no-untyped-def]
    # totals of every width: narrow ones are met in the middle, a total too wide for two cells
    # of one digit less to fit is split on its one wide cell (extractor.fused_cuts._wide_cuts)
    want = sorted(v for v in brute_cuts(run, parts + 1) if v[-1] == sum(v[:-1]))
    got = sorted(tuple(int(run[a:b]) for a, b in cut) for cut in sum_splits(run, parts))
    assert got == want


def test_a_wide_total_is_found_through_its_one_wide_cell():
    # 123456 = 123400 + 5 + 1 + 50: the total is too wide for two 5-digit cells beside it
    for run, want in (("1234005150123456", ("123400", "5", "1", "50", "123456")),
                      ("5123400150123456", ("5", "123400", "1", "50", "123456")),
                      ("5015123400123456", ("50", "1", "5", "123400", "123456"))):
        cuts = [tuple(run[a:b] for a, b in cut) for cut in sum_splits(run, 4)]
        assert want in cuts
        assert sorted(cuts) == sorted(tuple(str(x) for x in v) for v in brute_cuts(run, 5) if v[-1] == sum(v[:-1]))


def test_a_total_row_above_the_sum_of_its_rows_keeps_its_row_total_cuts():
    # granted and partly_granted can end only with 1 and 0: the total row's total is bounded by 1
    # while its run ends with 11 (1|0|10|…|11 or 10|1|0|…|11); the identities fail and it keeps both
    rids = ["new", "carried_over", "granted", "partly_granted", "total", "carried_forward"]
    runs = {"new": "0000000", "carried_over": "0000000", "granted": "1000001", "partly_granted": "0000000",
            "total": "101000011", "carried_forward": "0000000"}
    rec = recover_s3(runs, rids)
    assert rec.identities_failed == ("s3.balance", "s3.results_total")
    assert rec.unknown_rows == ()
    assert raws(rec.rows["total"]) == [None, None, None, "0", "0", "0", "11"]
    assert rec.rows["total"].consistent == 2
