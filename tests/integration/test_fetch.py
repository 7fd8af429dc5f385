"""The pull loop's fetches (services/runtime/fetch.py) on a real NATS: what a fetch takes, and what it leaves.

- A fetch takes what is there at once, in stream order, up to its count; with nothing there it waits for
  the first message and takes whatever came with it.
- A fetch never leaves a batch request open on the server: nothing is delivered between fetches, so a
  message not fetched is never held unheartbeated.
- A message that arrives for an abandoned request (the server answered late) is kept for the next fetch.
- A request for a consumer that does not exist is an error worth a pause, not an empty fetch forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext, api

from services.runtime.bus import consumer_config, reconcile_consumer, reconcile_stream
from services.runtime.fetch import Fetcher, FetchTrouble
from tests.support import bus, unique

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
