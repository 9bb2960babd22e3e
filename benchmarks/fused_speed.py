"""Worst-case time of fused-cell recovery (extractor/fused.py) per report.

Run: ``.venv/bin/python benchmarks/fused_speed.py``.  Builds consistent 2021 section-3
tables (25 rows), section-4 rows and section-2 rows whose cells are fused into digit runs,
from small counts (7-digit runs, the common case) to every cell in the hundreds and
thousands (runs of 21 to 32 digits), section-3 tables whose printed total row does not add
up (every row then cut twice, see ``recover_s3``), adversarial runs of one repeated digit, and
prints the slowest report (CPU time, best of 5 runs each, so a busy machine does not inflate it).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extractor import fused, fused_cuts  # noqa: E402
from extractor.fused import s3_result_rows  # noqa: E402
from extractor.templates import s3_rows  # noqa: E402

RIDS = [r.rid for r in s3_rows("2021", True)]


def s3_table(rng: random.Random, lo: int, hi: int) -> dict[str, list[int]]:
    results = s3_result_rows(RIDS)
    six = {r: [rng.randint(lo, hi) for _ in range(6)] for r in results}
    total = [sum(six[r][c] for r in results) for c in range(6)]
    co = [rng.randint(lo, hi) for _ in range(6)]
    cf = [rng.randint(lo, hi) for _ in range(6)]
    new = [t + f - c for t, f, c in zip(total, cf, co, strict=True)]
    if min(new) < 0:
        co = [min(c, t + f) for c, t, f in zip(co, total, cf, strict=True)]
        new = [t + f - c for t, f, c in zip(total, cf, co, strict=True)]
    six.update(total=total, carried_over=co, carried_forward=cf, new=new)
    return {r: six[r] + [sum(six[r])] for r in RIDS}


def glue(cells: list[int]) -> str:
    return "".join(str(v) for v in cells)


def best_of(fn, n: int = 5) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(n):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def report_cases() -> list[tuple[str, dict[str, str], list[str], dict[str, str]]]:
    rng = random.Random(13)
    cases = []
    for label, lo, hi in (("small counts 0-9", 0, 9), ("counts 0-99", 0, 99), ("counts 100-999", 100, 999),
                          ("counts 1000-9999", 1000, 9999)):
        for k in range(4):
            t = s3_table(rng, lo, hi)
            s4 = []
            for _ in range(3):
                g = [rng.randint(lo, hi) for _ in range(4)]
                s4.append(glue(g + [sum(g)]))
            cases.append((f"{label} #{k}", {r: glue(v) for r, v in t.items()}, ["".join(s4)], {}))
    # printed totals that do not add up: the total row one less in its first column, so the
    # bounded first pass of recover_s3 fails and every row is cut again without bounds
    for k in range(2):
        t = s3_table(rng, 1000, 9999)
        t["total"] = [t["total"][0] - 1, *t["total"][1:6], t["total"][6] - 1]
        cases.append((f"counts 1000-9999, bad total #{k}", {r: glue(v) for r, v in t.items()}, [], {}))
    # adversarial: runs of one repeated digit, 20 to 30 digits long (most cuts satisfy nothing)
    for d in "139":
        for n in (20, 25, 30):
            runs = {r: d * n for r in RIDS}
            cases.append((f"repeated {d} x{n}", runs, [d * n], {}))
    # section 2: rows with no identity, long runs
    s2 = {"regulations": "12345678901234567890", "normative": "98765432109876543210", "licensing": "123456",
          "penalty": "1", "coercion": "0", "fees": "1234.5678"}
    cases.append(("section 2, 20-digit runs", {}, [], s2))
    return cases


def recover_cold(s3: dict[str, str], s4: list[str], s2: dict[str, str]) -> None:
    """One report from scratch: the cut caches cleared, as a new report would find them."""
    fused_cuts.clear_caches()
    if s3:
        fused.recover_s3(s3, RIDS)
    if s4:
        fused.recover_s4(s4)
    if s2:
        fused.recover_s2(s2, "2021")


def main() -> int:
    worst = ("", 0.0)
    for name, s3, s4, s2 in report_cases():
        dt = best_of(lambda s3=s3, s4=s4, s2=s2: recover_cold(s3, s4, s2))
        longest = max((len(v) for v in [*s3.values(), *s4, *s2.values()]), default=0)
        print(f"{name:28s} longest run {longest:3d} digits  {dt * 1000:8.2f} ms")
        if dt > worst[1]:
            worst = (name, dt)
    print(f"worst case: {worst[0]}: {worst[1] * 1000:.2f} ms per report")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
