"""Drive load and time it: open-loop or flat-out senders, department pull consumers, a tracker that matches them.

Latency runs from the moment a case was *due* to be published (open loop, so a stalled sender does not
hide queueing) to the moment a department consumer's fetch returned it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import nats.errors
from nats.js import JetStreamContext, api

from bench import stats
from bench.workload import Outgoing, parse_mark

FETCH_BATCH = 512
FETCH_TIMEOUT_S = 0.25
MAX_ACK_PENDING = 50_000


@dataclass
class PhaseLog:
    """What was sent and received in one phase, indexed by case number."""

    tag: str
    count: int
    sent: list[float] = field(init=False)
    received: list[float] = field(init=False)
    delivered: int = 0
    duplicates: int = 0
    publish_errors: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.sent = [math.nan] * self.count
        self.received = [math.nan] * self.count

    def record(self, seq: int, at: float) -> None:
        if not 0 <= seq < self.count:
            return
        if not math.isnan(self.received[seq]):
            self.duplicates += 1
            return
        self.received[seq] = at
        self.delivered += 1
        if self.delivered == self.count:
            self.done.set()

    def latencies(self) -> list[float]:
        return [r - s for s, r in zip(self.sent, self.received, strict=True) if not (math.isnan(r) or math.isnan(s))]

    def window(self) -> tuple[float | None, float | None]:
        """First send and last receipt."""
        sent = [s for s in self.sent if not math.isnan(s)]
        received = [r for r in self.received if not math.isnan(r)]
        return (min(sent) if sent else None, max(received) if received else None)


class Tracker:
    """Routes each delivered task to the phase that sent its case."""

    def __init__(self) -> None:
        self._phases: dict[str, PhaseLog] = {}
        self.foreign = 0

    def open(self, tag: str, count: int) -> PhaseLog:
        log = PhaseLog(tag, count)
        self._phases[tag] = log
        return log

    def record(self, body: bytes, at: float) -> None:
        try:
            description = json.loads(body)["data"]["description"]
        except (ValueError, KeyError, TypeError):
            self.foreign += 1
            return
        mark = parse_mark(description) if isinstance(description, str) else None
        log = self._phases.get(mark[0]) if mark else None
        if mark is None or log is None:
            self.foreign += 1
            return
        log.record(mark[1], at)


async def receive(js: JetStreamContext, subject: str, durable: str, tracker: Tracker) -> None:
    """A department's durable pull consumer: fetch, timestamp, ack; runs until cancelled."""
    config = api.ConsumerConfig(
        durable_name=durable,
        ack_policy=api.AckPolicy.EXPLICIT,
        max_ack_pending=MAX_ACK_PENDING,
        ack_wait=30,
    )
    subscription = await js.pull_subscribe(subject, durable=durable, config=config)
    try:
        while True:
            try:
                messages = await subscription.fetch(FETCH_BATCH, timeout=FETCH_TIMEOUT_S)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            now = time.perf_counter()
            for message in messages:
                tracker.record(message.data, now)
                await message.ack()
    finally:
        with contextlib.suppress(Exception):
            await subscription.unsubscribe()


async def send(
    js: JetStreamContext, log: PhaseLog, messages: Sequence[Outgoing], *, rate: float | None, stream: str
) -> None:
    """Publish every message (PubAck awaited, but not before the next send): at ``rate`` per second, or flat out."""
    acks: list[asyncio.Future[Any]] = []
    start = time.perf_counter() + 0.01
    for seq, message in enumerate(messages):
        if rate is not None:
            due = start + seq / rate
            if (delay := due - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            log.sent[seq] = due
        else:
            log.sent[seq] = time.perf_counter()
        headers = dict(message.headers)
        acks.append(await js.publish_async(message.subject, message.body, stream=stream, headers=headers))
    outcomes = await asyncio.gather(*acks, return_exceptions=True)
    log.publish_errors = sum(isinstance(o, BaseException) for o in outcomes)


@dataclass(frozen=True)
class PhaseResult:
    name: str
    offered_cps: float | None
    """None: flat out."""
    sent: int
    delivered: int
    duplicates: int
    publish_errors: int
    send_cps: float | None
    throughput_cps: float | None
    latency: stats.Latency | None
    cpu: dict[str, float]
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "offered_cps": self.offered_cps,
            "sent": self.sent,
            "delivered": self.delivered,
            "duplicates": self.duplicates,
            "publish_errors": self.publish_errors,
            "send_cps": stats.rounded(self.send_cps),
            "throughput_cps": stats.rounded(self.throughput_cps),
            "latency": self.latency.as_json() if self.latency else None,
            "cpu_percent_of_one_core": self.cpu,
            "note": self.note,
        }


def result(name: str, log: PhaseLog, *, offered: float | None, cpu: dict[str, float]) -> PhaseResult:
    first, last = log.window()
    sent = [s for s in log.sent if not math.isnan(s)]
    missing = log.count - log.delivered
    return PhaseResult(
        name=name,
        offered_cps=offered,
        sent=len(sent),
        delivered=log.delivered,
        duplicates=log.duplicates,
        publish_errors=log.publish_errors,
        send_cps=stats.rate(len(sent), min(sent, default=None), max(sent, default=None)),
        throughput_cps=stats.rate(log.delivered, first, last),
        latency=stats.latency(log.latencies()),
        cpu=cpu,
        note=f"{missing} of {log.count} not delivered before the phase's deadline" if missing else None,
    )
