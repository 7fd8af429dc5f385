"""The pull loop of one durable consumer, on nats-py's connection and JetStream's pull requests (fetch.py).

Ours rather than FastStream's: its public pull subscriber costs throughput, and runs neither our ack
rules nor our batches (measured side by side: ``python -m bench.pull_loop``, figures in bench/README.md).
Nor nats-py's ``fetch``, which pays a task per message (fetch.py).

The loop keeps up to ``limit`` messages in hand, fetches again once half of them are done, and wraps each
message in one consumer span continuing the producer's trace. A consumer that handles batches gets each
fetch as one batch, one batch at a time: what arrives while a batch is handled makes the next one, so
batches grow with the load (at a trickle each is a single message); concurrent small batches would each
pay a transaction's fixed cost instead. Only with a backlog (a batch came at least half full) does a second
batch run beside the first, overlapping one's CPU with the other's database wait. A subscription that may
trail (a projection) can linger: a batch that came short waits ``linger_s`` for more, so batches fill up.

Held messages are kept alive: every third of AckWait, each message in hand for longer gets an in-progress
heartbeat, so neither a long batch nor a database outage makes JetStream redeliver (and count) them.
While the database is down the loop fetches nothing. At shutdown it stops fetching and lets what it holds
finish for ``drain_s``; anything still running then is left unacked, for JetStream to redeliver.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Awaitable, Coroutine, Sequence
from typing import Any, Protocol

from nats.aio.client import Client
from nats.aio.msg import Msg
from opentelemetry import propagate
from opentelemetry.context import Context, attach, detach
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    Span,
    SpanContext,
    SpanKind,
    Tracer,
    get_current_span,
    set_span_in_context,
)
from prometheus_client import CollectorRegistry, Counter, Histogram

from services.runtime.fetch import Fetcher
from services.runtime.outage import DatabaseWatch

log = logging.getLogger(__name__)

FETCH_WAIT_S = 1.0
IDS = RandomIdGenerator()
RETRY_PAUSE_S = 1.0


class Settles(Protocol):
    """What the loop needs of a consumer (consumer.py, advisories.py)."""

    @property
    def durable(self) -> str: ...

    @property
    def stream(self) -> str: ...

    @property
    def batches(self) -> bool: ...

    async def consume(self, msg: Msg) -> str: ...

    async def consume_many(self, msgs: Sequence[Msg], traces: Sequence[Context]) -> list[str]: ...


class LoopMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.handled = Counter(
            "linkage_messages_handled", "Consumed messages by outcome", ["durable", "outcome"], registry=registry
        )
        self.seconds = Histogram(
            "linkage_message_handling_seconds", "Time to handle a message, or a batch", ["durable"], registry=registry
        )


class PullLoop:
    def __init__(
        self,
        consumer: Settles,
        connection: Client,
        *,
        limit: int,
        tracer: Tracer,
        recording: bool,
        metrics: LoopMetrics,
        watch: DatabaseWatch,
        ack_wait_s: float,
        drain_s: float,
        linger_s: float = 0.0,
    ) -> None:
        self.consumer = consumer
        self.connection = connection
        self.limit = limit
        self.tracer = tracer
        self.recording = recording
        self.handled = metrics.handled
        self.seconds = metrics.seconds.labels(consumer.durable)
        self.watch = watch
        self.heartbeat_s = ack_wait_s / 3
        self.drain_s = drain_s
        self.linger_s = linger_s
        self.fetcher = Fetcher(connection, stream=consumer.stream, durable=consumer.durable, wait_s=FETCH_WAIT_S)
        self._held: dict[int, tuple[Msg, float]] = {}  # each message in hand (Msg is unhashable) and when it came
        self._running: dict[asyncio.Task[None], int] = {}  # each task and the messages it holds
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        heartbeat = asyncio.create_task(self._heartbeat(), name=f"{self.consumer.durable}-heartbeat")
        try:
            await self._start_fetching()
            while not self._stopping.is_set():
                await self._step()
        finally:
            heartbeat.cancel()
            await self.fetcher.stop()
            for task in self._running:
                task.cancel()  # unacked: JetStream redelivers after ack_wait

    async def stop(self) -> None:
        """Fetch no more and give what is in hand ``drain_s`` to finish."""
        self._stopping.set()
        if self._running:
            await asyncio.wait(list(self._running), timeout=self.drain_s)

    async def _step(self) -> None:
        if not self.watch.up:
            await self._until(self.watch.wait_up())  # an outage: fetch nothing, hold what is in hand
            return
        many = self.consumer.batches
        in_hand = sum(self._running.values())
        backlog = many and any(held >= self.limit // 2 for held in self._running.values())
        # batches: one at a time, a second only with a backlog; single messages: up to ``limit`` in hand,
        # fetching again at half
        busy = (len(self._running) >= 2 or (bool(self._running) and not backlog)) if many else in_hand > self.limit // 2
        if busy:
            await self._until(asyncio.wait(list(self._running), return_when=asyncio.FIRST_COMPLETED))
            return
        fetched = await self._fetch(self.limit if many else self.limit - in_hand)
        if many and fetched:
            fetched = await self._topped_up(fetched)
            self._start(self._run_many(fetched), fetched)
        else:
            for msg in fetched:
                self._start(self._run(msg), [msg])

    async def _topped_up(self, fetched: list[Msg]) -> list[Msg]:
        """With a linger, a batch that came short waits that long (or until stop()) for what comes after it."""
        if not self.linger_s or len(fetched) >= self.limit:
            return fetched
        await self._until(asyncio.sleep(self.linger_s))
        return fetched + await self._fetch(self.limit - len(fetched), wait=False)

    async def _until(self, waiting: Awaitable[object]) -> None:
        """Wait for ``waiting`` or for stop(), whichever comes first."""
        task = asyncio.ensure_future(waiting)
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait([task, stop], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pending in (task, stop):
                pending.cancel()

    def _start(self, run: Coroutine[Any, Any, None], msgs: list[Msg]) -> None:
        now = asyncio.get_running_loop().time()
        for msg in msgs:
            self._held[id(msg)] = (msg, now)
        task = asyncio.create_task(run)
        self._running[task] = len(msgs)

        def settled(done: asyncio.Task[None]) -> None:
            self._running.pop(done, None)
            for msg in msgs:
                self._held.pop(id(msg), None)

        task.add_done_callback(settled)

    async def _start_fetching(self) -> None:
        while True:
            try:
                return await self.fetcher.start()
            except Exception as error:  # reconnecting: nats-py retries forever underneath
                log.warning("%s: cannot subscribe yet (%r); retrying", self.consumer.durable, error)
                await asyncio.sleep(RETRY_PAUSE_S)

    async def _fetch(self, count: int, *, wait: bool = True) -> list[Msg]:
        try:
            return await self.fetcher.fetch(count, wait=wait)
        except Exception as error:  # disconnected, or a stream whose leader is being elected: try again
            log.debug("%s: fetch failed (%r)", self.consumer.durable, error)
            await asyncio.sleep(RETRY_PAUSE_S)
            return []

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            due = asyncio.get_running_loop().time() - self.heartbeat_s
            waiting = [msg for msg, since in self._held.values() if since <= due] + list(self.fetcher.in_hand())
            for msg in waiting:
                with contextlib.suppress(Exception):  # a lost connection: the message is redelivered, no harm
                    await msg.in_progress()

    def _trace(self, msg: Msg) -> tuple[Context, Span | None]:
        """The message's trace: a consumer span continuing the producer's, from the message headers.

        With spans unrecorded (nowhere to send them) no span is made: the producer's context as it came
        carries the same trace id onward, at a fraction of a span's cost per message. A message that came
        without one (published by hand, or by a client that does not trace) starts a trace of its own.
        """
        headers = msg.headers or {}
        context = propagate.extract(headers)
        if not self.recording:
            if get_current_span(context).get_span_context().is_valid:
                return context, None
            root = SpanContext(IDS.generate_trace_id(), IDS.generate_span_id(), is_remote=False)
            return set_span_in_context(NonRecordingSpan(root), context), None
        attributes = {
            "messaging.system": "nats",
            "messaging.destination.name": msg.subject,
            "messaging.consumer.group.name": self.consumer.durable,
            "messaging.message.id": headers.get("Nats-Msg-Id", ""),
        }
        span = self.tracer.start_span(
            f"{msg.subject} process", context=context, kind=SpanKind.CONSUMER, attributes=attributes
        )
        return set_span_in_context(span, context), span

    async def _run_many(self, msgs: list[Msg]) -> None:
        """A batch: a span per message as for one, and a batch span linking them for the shared statements."""
        traced = [self._trace(msg) for msg in msgs]
        spans = [span for _, span in traced if span is not None]
        batch = self.tracer.start_as_current_span(
            f"{self.consumer.durable} process batch",
            kind=SpanKind.CONSUMER,
            links=[Link(span.get_span_context()) for span in spans],
            attributes={"messaging.batch.message_count": len(msgs)},
        )
        with self.seconds.time(), batch:
            try:
                outcomes = await self.consumer.consume_many(msgs, [context for context, _ in traced])
            except Exception:  # e.g. an ack failed: what is unacked, JetStream redelivers (the inbox skips it)
                log.exception("%s could not settle a batch of %d", self.consumer.durable, len(msgs))
                outcomes = ["failed"] * len(msgs)
        for span in spans:
            span.end()
        for outcome, count in collections.Counter(outcomes).items():
            self.handled.labels(self.consumer.durable, outcome).inc(count)

    async def _run(self, msg: Msg) -> None:
        context, span = self._trace(msg)
        token = attach(context)
        try:
            with self.seconds.time():
                try:
                    outcome = await self.consumer.consume(msg)
                except Exception:  # e.g. the dead-letter write or the ack failed: unacked, so JetStream redelivers
                    log.exception("%s could not settle a message on %s", self.consumer.durable, msg.subject)
                    outcome = "failed"
        finally:
            detach(token)
            if span is not None:
                span.end()
        self.handled.labels(self.consumer.durable, outcome).inc()
