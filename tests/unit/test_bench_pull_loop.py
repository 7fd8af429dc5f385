"""The pull-loop bench's own arithmetic: run order, whole batches, medians and ratios to the bare loop."""

from __future__ import annotations

import pytest

from bench.pull_loop import Plan, Run, order, summarise


def run(variant: str, repeat: int, *, seconds: float, cpu: float, trickle: list[float] | None = None) -> Run:
    return Run(variant, repeat, 1000, seconds, cpu, True, 0, 0, 0, trickle or [1.0])


def test_order_alternates_so_no_variant_always_runs_first() -> None:
    assert order(["bare", "a", "b"], 3) == [
        ("bare", 0), ("a", 0), ("b", 0),
        ("b", 1), ("a", 1), ("bare", 1),
        ("bare", 2), ("a", 2), ("b", 2),
    ]  # fmt: skip


def test_load_is_whole_batches() -> None:
    assert Plan(messages=20_000, batch=128, fill_s=1.0, repeats=3, trickle=0).load == 20_096
    assert Plan(messages=256, batch=128, fill_s=1.0, repeats=3, trickle=0).load == 256


def test_summary_takes_medians_and_ratios_to_the_bare_loop() -> None:
    runs = [
        run("bare", 0, seconds=1.0, cpu=0.5),
        run("bare", 1, seconds=2.0, cpu=0.4),
        run("bare", 2, seconds=0.5, cpu=0.9),  # an outlier in both: the median ignores it
        run("fs", 0, seconds=4.0, cpu=1.0),
        run("fs", 1, seconds=4.0, cpu=1.0, trickle=[500.0, 1000.0]),
    ]
    summary = summarise(runs)
    assert summary["bare"]["throughput"] == 1000
    assert summary["bare"]["throughput_range"] == (500, 2000)
    assert summary["bare"]["cpu_ms_per_message"] == pytest.approx(0.5)
    assert summary["fs"]["throughput_ratio"] == pytest.approx(0.25)
    assert summary["fs"]["cpu_ratio"] == pytest.approx(2.0)
    assert summary["fs"]["trickle"]["max_ms"] == 1000
    assert summary["fs"]["trickle"]["count"] == 3
