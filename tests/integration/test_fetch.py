"""The pull loop's fetches (services/runtime/fetch.py, pull.py) on a real NATS: what a fetch takes, and what it leaves.

- A fetch takes what is there at once, in stream order, up to its count; with nothing there it waits for
  the first message and takes whatever came with it.
- A fetch never leaves a batch request open on the server: nothing is delivered between fetches, so a
  message not fetched is never held unheartbeated.
- A message that arrives for an abandoned request (the server answered late) is kept for the next fetch.
- A request for a consumer that does not exist is an error worth a pause, not an empty fetch forever.
- A batch loop with a linger (a projection that may trail) gathers a trickle into fewer, fuller batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from opentelemetry.context import Context
from opentelemetry.trace import NoOpTracerProvider
from prometheus_client import CollectorRegistry

from contracts.events.enforcement import MatterRegistered
from services.runtime.bus import Subscription, consumer_config, reconcile_consumer, reconcile_stream
from services.runtime.fetch import Fetcher, FetchTrouble
from services.runtime.outage import DatabaseWatch
from services.runtime.pull import LoopMetrics, PullLoop
from tests.support import bus, eventually, unique

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def stream(nats_url: str) -> AsyncIterator[tuple[Client, JetStreamContext, str]]:
    name = unique("fetch").replace("-", "").upper()
    async with bus(nats_url) as (client, js):
        await reconcile_stream(js, api.StreamConfig(name=name, subjects=[f"{name.lower()}.>"]))
        await reconcile_consumer(js, name, consumer_config("reader", f"{name.lower()}.>", max_deliver=5, ack_wait_s=30))
        try:
            yield client, js, name
        finally:
            await js.delete_stream(name)


async def publish(js: JetStreamContext, name: str, count: int) -> None:
    for n in range(count):
        await js.publish(f"{name.lower()}.event", f"第{n}件".encode(), headers={"Nats-Msg-Id": str(uuid.uuid4())})


@contextlib.asynccontextmanager
async def fetcher(client: Client, name: str, *, durable: str = "reader", wait_s: float = 1.0) -> AsyncIterator[Fetcher]:
    it = Fetcher(client, stream=name, durable=durable, wait_s=wait_s)
    await it.start()
    try:
        yield it
    finally:
        await it.stop()


async def test_a_fetch_takes_what_is_there_in_order_and_leaves_no_request_open(nats_url: str) -> None:
    async with stream(nats_url) as (client, js, name), fetcher(client, name) as it:
        await publish(js, name, 7)
        first = await it.fetch(5)
        assert [m.data.decode() for m in first] == [f"第{n}件" for n in range(5)]
        await asyncio.sleep(0.3)  # an open batch request would deliver the other two meanwhile
        info = await js.consumer_info(name, "reader")
        assert (info.num_ack_pending, info.num_pending, info.num_waiting) == (5, 2, 0)
        assert list(it.in_hand()) == []
        rest = await it.fetch(5)
        assert [m.data.decode() for m in rest] == ["第5件", "第6件"]
        for msg in first + rest:
            await msg.ack()


async def test_with_nothing_there_a_fetch_waits_for_the_first_message(nats_url: str) -> None:
    async with stream(nats_url) as (client, js, name), fetcher(client, name, wait_s=2.0) as it:
        started = time.monotonic()
        assert await it.fetch(10) == []  # nothing came within wait_s
        assert 1.9 <= time.monotonic() - started < 3.0
        later = asyncio.create_task(it.fetch(10))
        await asyncio.sleep(0.2)
        await publish(js, name, 3)
        taken = await asyncio.wait_for(later, 2.0)
        assert 1 <= len(taken) <= 3
        assert taken[0].data.decode() == "第0件"
        assert len(taken) + len(await it.fetch(10)) == 3


async def test_a_late_delivery_is_kept_for_the_next_fetch(nats_url: str) -> None:
    async with stream(nats_url) as (client, js, name), fetcher(client, name) as it:
        await publish(js, name, 2)
        # a request the fetcher did not make (as if abandoned): its deliveries reach the fetcher's inbox
        await client.publish(
            f"$JS.API.CONSUMER.MSG.NEXT.{name}.reader", b'{"batch": 2, "no_wait": true}', reply=f"{it._inbox}.0"
        )  # the inbox a stale request answered to
        await asyncio.sleep(0.3)
        assert [m.data.decode() for m in it.in_hand()] == ["第0件", "第1件"]
        assert [m.data.decode() for m in await it.fetch(5)] == ["第0件", "第1件"]


async def test_a_missing_consumer_is_trouble(nats_url: str) -> None:
    async with stream(nats_url) as (client, _, name), fetcher(client, name, durable="nobody") as it:
        with pytest.raises(FetchTrouble):
            await it.fetch(3)


@dataclasses.dataclass
class Batches:
    """A batch consumer that acks everything and remembers each batch's size."""

    durable: str
    stream: str
    batches: bool = True
    sizes: list[int] = dataclasses.field(default_factory=list)

    async def consume(self, msg: Msg) -> str:
        raise AssertionError("a batch consumer is handed batches")

    async def consume_many(self, msgs: Sequence[Msg], traces: Sequence[Context]) -> list[str]:
        self.sizes.append(len(msgs))
        for msg in msgs:
            await msg.ack()
        return ["acked"] * len(msgs)


async def trickle_into(nats_url: str, database_url: str, *, linger_s: float) -> list[int]:
    """20 messages 20 ms apart into a batch loop; the sizes of the batches it handled them in."""
    async with stream(nats_url) as (client, js, name):
        consumer = Batches("reader", name)
        loop = PullLoop(
            consumer,
            client,
            limit=100,
            tracer=NoOpTracerProvider().get_tracer("tests"),
            recording=False,
            metrics=LoopMetrics(CollectorRegistry()),
            watch=DatabaseWatch(database_url, timeout_s=2),
            ack_wait_s=30,
            drain_s=2,
            linger_s=linger_s,
        )
        task = asyncio.create_task(loop.run())
        try:
            for _ in range(20):
                await publish(js, name, 1)
                await asyncio.sleep(0.02)
            await eventually(lambda: sum(consumer.sizes) == 20, timeout=10)
        finally:
            await loop.stop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return consumer.sizes


async def test_a_lingering_loop_gathers_a_trickle_into_fewer_fuller_batches(nats_url: str, database_url: str) -> None:
    eager = await trickle_into(nats_url, database_url, linger_s=0.0)
    lingering = await trickle_into(nats_url, database_url, linger_s=0.5)
    assert len(eager) >= 10  # at a trickle each message makes its own batch, or nearly
    assert len(lingering) <= 3  # the first batch waited half a second for the next 20-odd messages
    assert sum(eager) == sum(lingering) == 20


def test_batch_and_linger_need_a_batch_handler() -> None:
    async def one(event: Any, uow: Any) -> None: ...

    with pytest.raises(ValueError, match="many="):
        Subscription(MatterRegistered, one, linger_s=0.5)
    with pytest.raises(ValueError, match="many="):
        Subscription(MatterRegistered, one, batch=100)
