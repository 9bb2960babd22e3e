"""`extractor run` at scale: the pace of the exports during a run, and the parent's memory."""

from __future__ import annotations

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
