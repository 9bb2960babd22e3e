"""`extractor run` at scale: the pace of the exports during a run, and the parent's memory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extractor.batch import runner


class _Store:
    def maybe_flush(self) -> None:
        pass

    def drop_content_indexes(self) -> None:
        pass


class _Clock:
    """A run's clock that only moves when told: one second per tick, an export's cost per export."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, cost_per_report: float = 0.0, fixed_cost: float = 0.0):
        self.now = 0.0
        self.reports = 0
        self.exports: list[tuple[float, float]] = []  # (start, seconds)
        self.cost_per_report = cost_per_report
        self.fixed_cost = fixed_cost
        monkeypatch.setattr(runner, "export", self.export)

    def export(self, store: object, out: Path, **kw: object) -> list[str]:
        cost = self.fixed_cost + self.cost_per_report * self.reports
        self.exports.append((self.now, cost))
        self.now += cost
        return []

    def run(self, every: float | None, seconds: int, rate: int = 0) -> None:
        tick = runner._exporter(_Store(), Path("unused"), every, None, True, clock=lambda: self.now)
        for _ in range(seconds):
            self.now += 1
            self.reports += rate
            tick()


def test_export_every_seconds_is_a_fixed_pace(monkeypatch):
    c = _Clock(monkeypatch, fixed_cost=100)
    c.run(300, 1200)
    assert [t for t, _ in c.exports] == [301, 702, 1103]


def test_export_every_auto_waits_twenty_times_the_last_export(monkeypatch):
    c = _Clock(monkeypatch, fixed_cost=100)
    c.run(None, 5000)
    # the first after 300 s; then 20 x 100 s after the end of the last one
    assert [t for t, _ in c.exports] == [301, 2402, 4503]
    c = _Clock(monkeypatch, fixed_cost=1)
    c.run(None, 1000)
    assert [t for t, _ in c.exports] == [301, 603, 905]  # cheap exports: every 300 s, not every 20 s


def test_export_every_auto_keeps_exports_a_bounded_share_of_a_million_report_run(monkeypatch):
    """100 reports/s for 10 000 s (a million reports), each export 3 ms per report so far (as
    measured by benchmarks/scale.py): with a fixed 300 s the run would spend most of its time
    exporting; auto keeps the exports under 5 % of the time between them, plus the last one."""
    fixed = _Clock(monkeypatch, cost_per_report=0.003)
    fixed.run(300, 10_000, rate=100)
    auto = _Clock(monkeypatch, cost_per_report=0.003)
    auto.run(None, 10_000, rate=100)
    share_fixed = sum(s for _, s in fixed.exports) / fixed.now
    assert share_fixed > 0.5
    spent = sum(s for _, s in auto.exports)
    assert [round(t, 1) for t, _ in auto.exports] == [301, 2198.3]  # 90.3 s then 20 x 90.3 s later
    assert spent - auto.exports[-1][1] <= 0.05 * (auto.now - spent)
    assert spent / auto.now < 0.2


def test_export_every_option_takes_auto_or_seconds():
    import argparse

    from extractor.cli import add_run_arguments

    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    assert parser.parse_args(["x"]).export_every is None
    assert parser.parse_args(["x", "--export-every", "auto"]).export_every is None
    assert parser.parse_args(["x", "--export-every", "60"]).export_every == 60.0
    assert parser.parse_args(["x", "--export-every", "0"]).export_every == 0.0
    with pytest.raises(SystemExit):
        parser.parse_args(["x", "--export-every", "often"])


def _cached_run_memory(tmp_path: Path, n: int) -> tuple[int, int]:
    """Python memory the books of a run hold after going through ``n`` input files that the
    store has already done (traced bytes still held; files counted as cached)."""
    import gc
    import hashlib
    import threading
    import tracemalloc

    from extractor.batch import InputSpool, Progress
    from extractor.batch.inputs import spool_inputs
    from extractor.dataset import Store, failure_content

    corpus = tmp_path / f"in-{n}"
    corpus.mkdir()
    store = Store(tmp_path / f"store-{n}.sqlite")
    store.group_commit = True
    for i in range(n):
        p = corpus / f"{i:06d}-a-file-name-of-a-usual-length.html"
        data = f"not a report {i}".encode()
        p.write_bytes(data)
        store.write_result([str(p)], hashlib.sha256(data).hexdigest(),
                           failure_content("not_a_report", "UnsupportedFormat", "not a report"))
    store.flush()
    store.group_commit = False
    gc.collect()
    tracemalloc.start()
    try:
        spool = InputSpool(tmp_path / f"spool-{n}.sqlite")
        spool_inputs([str(corpus)], spool)
        state = runner._Run(store, spool.by_size(), retry_failed=False, force=False,
                            progress=Progress(spool.count, open(os.devnull, "w"), False))  # noqa: SIM115
        assert state.next_task() is None
        state.stop.set()
        while any(t.name == "extractor-hash" for t in threading.enumerate()):
            threading.Event().wait(0.01)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
        cached = state.counts["cached"]
        spool.close()
    finally:
        tracemalloc.stop()
        store.close()
    return held, cached


def test_the_parent_holds_no_per_file_state(tmp_path):
    """The books of a run over 5 times the files hold the same memory (the inputs are in a
    SQLite spool, what is done is asked of the store): before, ~0.5 KB per input file."""
    small, cached_small = _cached_run_memory(tmp_path, 400)
    large, cached_large = _cached_run_memory(tmp_path, 2000)
    assert (cached_small, cached_large) == (400, 2000)
    assert large - small < 0.05 * 1024 * 1600, (small, large)  # under 50 bytes per file
