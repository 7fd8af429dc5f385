"""The pull loops compared by ``bench.pull_loop``: each drains one durable with the same handler work.

A bare nats-py loop, and FastStream 0.7's public pull subscribers: a batch handler that acks each raw
message (with FastStream's default decoder, and with one that hands the raw messages over), a handler per
message, and the batch handler under the middlewares ``create_broker`` installs. Every FastStream broker logs
its per-message lines at DEBUG, as ``create_broker``'s does.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

import nats
from faststream import AckPolicy, BaseMiddleware, Context, NoCast
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from faststream.nats.message import NatsBatchMessage
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from prometheus_client import CollectorRegistry

from contracts import decode
from contracts.events.intake import CaseReported

STREAM = "BENCHPULL"
FILTER = "benchpull.case.*"
FETCH_TIMEOUT_S = 1.0  # the runtime's
BASELINE = "bare"


class Tally:
    """What the handler saw: when each event id was first handled, and how many deliveries in all."""

    def __init__(self) -> None:
        self.first_seen: dict[uuid.UUID, float] = {}
        self.deliveries = 0
        self.redelivered = 0  # deliveries after the first: what a loop dropped or held too long
        self.goal = 0
        self.reached = asyncio.Event()

    def expect(self, goal: int) -> None:
        self.goal = goal
        self.reached.clear()
        if len(self.first_seen) >= goal:
            self.reached.set()

    def handle(self, msg: Msg) -> None:
        """The fixed work of every variant, short of the ack; the delivery count is what the runtime reads too."""
        envelope = decode(msg.data, CaseReported)
        self.deliveries += 1
        if (msg.metadata.num_delivered or 1) > 1:
            self.redelivered += 1
        self.first_seen.setdefault(envelope.id, time.monotonic())
        if len(self.first_seen) >= self.goal:
            self.reached.set()


@dataclass(frozen=True)
class Fetch:
    batch: int
    """Messages per fetch, in every variant."""
    fill_s: float = FETCH_TIMEOUT_S
    """FastStream's batch subscriber only: how long it keeps fetching to fill a batch before handing it over
    (``PullSub.timeout``). nats-py's ``fetch`` and the per-message subscriber return what is there at once."""


class Loop(Protocol):
    async def connect(self) -> None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class BareLoop:
    """fetch(batch), then handle and ack each message; nothing else."""

    def __init__(self, url: str, durable: str, tally: Tally, fetch: Fetch) -> None:
        self.url, self.durable, self.tally, self.batch = url, durable, tally, fetch.batch
        self.nc: Client | None = None
        self.task: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.nc = await nats.connect(self.url)

    async def start(self) -> None:
        assert self.nc is not None
        subscription = await self.nc.jetstream().pull_subscribe(FILTER, durable=self.durable, stream=STREAM)
        self.task = asyncio.create_task(self._run(subscription))

    async def _run(self, subscription: JetStreamContext.PullSubscription) -> None:
        while True:
            try:
                messages = await subscription.fetch(self.batch, timeout=FETCH_TIMEOUT_S)
            except TimeoutError:  # nats-py raises its own and the builtin one
                continue
            for msg in messages:
                self.tally.handle(msg)
                await msg.ack()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)  # a fetch cut short ends as an error
        if self.nc is not None:
            await self.nc.close()


class FastStreamLoop:
    """FastStream's public subscriber API only: a batch handler acking each raw message, or one per message."""

    def __init__(
        self,
        url: str,
        durable: str,
        tally: Tally,
        fetch: Fetch,
        *,
        each: bool = False,
        raw: bool = False,
        middlewares: bool = False,
    ) -> None:
        self.broker = NatsBroker(url, log_level=logging.DEBUG, middlewares=_middlewares() if middlewares else ())
        stream = JStream(STREAM, declare=False)
        if each:

            @self.broker.subscriber(
                FILTER,
                stream=stream,
                durable=durable,
                pull_sub=PullSub(batch_size=fetch.batch, timeout=FETCH_TIMEOUT_S),
                ack_policy=AckPolicy.MANUAL,
            )
            async def on_message(message: NatsMessage) -> None:
                tally.handle(message.raw_message)
                await message.ack()

        elif raw:

            @self.broker.subscriber(
                FILTER,
                stream=stream,
                durable=durable,
                pull_sub=PullSub(batch_size=fetch.batch, timeout=fetch.fill_s, batch=True),
                ack_policy=AckPolicy.MANUAL,
                decoder=raw_messages,
            )
            async def on_raw_batch(msgs: NoCast[list[Msg]]) -> None:
                for msg in msgs:
                    tally.handle(msg)
                    await msg.ack()

        else:

            @self.broker.subscriber(
                FILTER,
                stream=stream,
                durable=durable,
                pull_sub=PullSub(batch_size=fetch.batch, timeout=fetch.fill_s, batch=True),
                ack_policy=AckPolicy.MANUAL,
            )
            async def on_batch(message: Annotated[NatsBatchMessage, Context("message")]) -> None:
                for msg in message.raw_message:
                    tally.handle(msg)
                    await msg.ack()

    async def connect(self) -> None:
        await self.broker.connect()

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()


async def raw_messages(message: NatsBatchMessage) -> list[Msg]:
    """The batch's nats-py messages as the handler's body: FastStream's default decoder builds a message
    object per entry and sniffs its content type, work our handler repeats with ``contracts.decode``."""
    return message.raw_message


def _middlewares() -> Sequence[type[BaseMiddleware] | Any]:
    """As ``services/runtime/bus.py``'s ``create_broker`` installs them; spans off, as with no OTLP endpoint."""
    provider = TracerProvider(sampler=ALWAYS_OFF)
    return (
        NatsTelemetryMiddleware(tracer_provider=provider),
        NatsPrometheusMiddleware(registry=CollectorRegistry(), app_name="bench"),
    )


LoopFactory = Callable[[str, str, Tally, Fetch], Loop]
VARIANTS: dict[str, LoopFactory] = {
    BASELINE: BareLoop,
    "faststream-batch": FastStreamLoop,
    "faststream-batch-raw": lambda *args: FastStreamLoop(*args, raw=True),
    "faststream-each": lambda *args: FastStreamLoop(*args, each=True),
    "faststream-batch+mw": lambda *args: FastStreamLoop(*args, middlewares=True),
}
