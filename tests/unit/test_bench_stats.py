"""The bench's own arithmetic and the shape of its JSON; no timing is asserted here (targets live in its output)."""

from __future__ import annotations

import json
import math

import pytest

from bench import report, stats
from bench.catalogue import Measured
from bench.load import PhaseLog, Tracker, result
from bench.plan import QUICK
from bench.workload import Workload, parse_mark

REQUIRED = (
    "machine",
    "platform.throughput_cps",
    "platform.p99_ms_at_100cps",
    "bare.batched_throughput_cps",
    "bare.per_message_throughput_cps",
    "ratio_throughput",
    "lookup_p99_ms",
    "impact_ms",
    "rss_mb",
)


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert stats.percentile(values, 50) == pytest.approx(50.5)
    assert stats.percentile(values, 99) == pytest.approx(99.01)
    assert stats.percentile(values, 100) == 100.0
    assert stats.percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError, match="no values"):
        stats.percentile([], 50)


def test_latency_is_reported_in_milliseconds_and_none_without_samples() -> None:
    summary = stats.latency([0.001, 0.002, 0.003])
    assert summary is not None
    assert (summary.count, summary.p50_ms, summary.max_ms) == (3, pytest.approx(2.0), pytest.approx(3.0))
    assert stats.latency([]) is None


def test_rates_and_ratios_refuse_what_cannot_be_told() -> None:
    assert stats.rate(101, 10.0, 12.0) == pytest.approx(50.5)
    assert stats.rate(1, 10.0, 12.0) is None
    assert stats.rate(5, 12.0, 12.0) is None
    assert stats.ratio(300.0, 1000.0) == pytest.approx(0.3)
    assert stats.ratio(300.0, None) is None
    assert stats.cpu_percent(3.0, 2.0) == pytest.approx(150.0)


def test_a_case_carries_its_phase_and_number_to_the_department() -> None:
    case = Workload().case("scale_1x-abc123", 41)
    body = json.loads(case.body)
    assert case.subject == "intake.case.reported.v1"
    assert case.headers["Nats-Msg-Id"] == body["id"]
    assert parse_mark(body["data"]["description"]) == ("scale_1x-abc123", 41)
    assert parse_mark("小区门口垃圾堆积") is None


def test_a_phase_log_counts_each_case_once_and_knows_when_it_is_done() -> None:
    log = PhaseLog("t", 3)
    log.sent[:] = [0.0, 1.0, 2.0]
    for seq, at in ((0, 0.5), (1, 1.5), (1, 1.6), (7, 9.0)):
        log.record(seq, at)
    assert (log.delivered, log.duplicates, log.done.is_set()) == (2, 1, False)
    log.record(2, 2.5)
    assert log.done.is_set()
    assert log.latencies() == pytest.approx([0.5, 0.5, 0.5])
    assert log.window() == (0.0, 2.5)


def test_the_tracker_routes_deliveries_by_tag_and_counts_strangers() -> None:
    tracker = Tracker()
    log = tracker.open("p1", 2)
    tracker.record(json.dumps({"data": {"description": "bench:p1:1"}}).encode(), 3.0)
    tracker.record(json.dumps({"data": {"description": "bench:other:1"}}).encode(), 3.0)
    tracker.record(b"not json", 3.0)
    assert (log.delivered, tracker.foreign) == (1, 2)


def _phase(name: str, *, offered: float | None, count: int = 100) -> object:
    log = PhaseLog(name, count)
    for seq in range(count):
        log.sent[seq] = seq / 100
        log.record(seq, seq / 100 + 0.004 + (0.02 if seq == count - 1 else 0.0))
    return result(name, log, offered=offered, cpu={"dispatch": 50.0, "machine": 120.0})


def test_the_json_has_every_key_the_issue_names_and_the_table_renders() -> None:
    platform = {name: _phase(name, offered=rate) for name, rate in (("at_100cps", 100.0), ("flat_out", None))}
    bare = {name: _phase(name, offered=None) for name in ("batched_flat_out", "single_flat_out", "batched_at_100cps")}
    lookups = {"catalog_http": Measured(stats.latency([0.001] * 10)), "law_change_impact": Measured(None, "not built")}
    doc = report.build(
        plan=QUICK,
        machine={
            "cpu_model": "test",
            "logical_cpus": 2,
            "memory_gib": 1.0,
            "os": "x",
            "python": "3",
            "nats_server": "n",
            "load_average_at_start": [0.0, 0.0, 0.0],
        },
        bare=bare,  # type: ignore[arg-type]
        platform=platform,  # type: ignore[arg-type]
        lookups=lookups,
        rss_mb={"dispatch": 100.0, "catalog": 90.0, "nats": 30.0},
        meta={"started": "2026-01-01T00:00:00+00:00"},
    )
    for dotted in REQUIRED:
        node = doc
        for key in dotted.split("."):
            assert key in node, dotted
            node = node[key]
    assert doc["impact_ms"] is None
    assert doc["impact_note"] == "not built"
    assert doc["ratio_throughput"] == pytest.approx(1.0)
    assert not any(isinstance(v, float) and math.isnan(v) for v in doc["platform"].values())
    json.dumps(doc)
    table = report.render(doc)
    assert "bare batched" in table
    assert "rss_mb" in table
