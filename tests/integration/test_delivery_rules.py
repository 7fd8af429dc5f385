"""The delivery rules on a real NATS and Postgres: what spends a delivery attempt, and what JetStream's
advisories leave behind.

- A handler slower than AckWait is not redelivered: the pull loop keeps its message in progress.
- A handler that fails because the database connection failed is run again in place, with no nak and no
  redelivery; one that fails on its data is nak'd, spending an attempt.
- A message JetStream gave up on (max deliveries) or that was terminated becomes a dead letter, once, with
  the body read back from the stream; one our consumer already dead-lettered is not recorded twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from opentelemetry.context import Context
from opentelemetry.trace import NoOpTracerProvider
from prometheus_client import CollectorRegistry

from contracts import CloudEvent, encode
from contracts.envelope import envelop
from contracts.events.enforcement import MatterRegistered
from services.enforcement.app import create_app
from services.enforcement.settings import Settings
from services.runtime.advisories import AdvisoryCapture, advisory_consumer, advisory_stream
from services.runtime.bus import Subscription, consumer_config, reconcile_consumer, reconcile_stream
from services.runtime.consumer import Consumer, dead_letter_row
from services.runtime.db import DeadLetterKind
from services.runtime.kit import ServiceKit
from services.runtime.outage import DatabaseWatch
from services.runtime.pull import LoopMetrics, PullLoop
from services.runtime.uow import UnitOfWork
from tests.support import bus, eventually, settings_env, unique

pytestmark = pytest.mark.integration


@dataclasses.dataclass
class Lane:
    """A stream of the test's own and a durable on it."""

    client: Client
    js: JetStreamContext
    stream: str
    subject: str
    durable: str

    async def publish(self, data: bytes = b"{}") -> int:
        return (await self.js.publish(self.subject, data, headers={"Nats-Msg-Id": str(uuid.uuid4())})).seq

    async def info(self) -> api.ConsumerInfo:
        return await self.js.consumer_info(self.stream, self.durable)


@contextlib.asynccontextmanager
async def lane(nats_url: str, *, max_deliver: int, ack_wait_s: float) -> AsyncIterator[Lane]:
    name = unique("rules").replace("-", "")
    async with bus(nats_url) as (client, js):
        await reconcile_stream(js, api.StreamConfig(name=name.upper(), subjects=[f"{name}.>"]))
        config = consumer_config(f"{name}-durable", f"{name}.>", max_deliver=max_deliver, ack_wait_s=ack_wait_s)
        await reconcile_consumer(js, name.upper(), config)
        try:
            yield Lane(client, js, name.upper(), f"{name}.event", f"{name}-durable")
        finally:
            await js.delete_stream(name.upper())


@contextlib.asynccontextmanager
async def looping(loop: PullLoop) -> AsyncIterator[None]:
    task = asyncio.create_task(loop.run())
    try:
        yield
    finally:
        await loop.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def pull_loop(consumer: Any, it: Lane, watch: DatabaseWatch, *, ack_wait_s: float) -> PullLoop:
    return PullLoop(
        consumer,
        it.client,
        limit=4,
        tracer=NoOpTracerProvider().get_tracer("tests"),
        recording=False,
        metrics=LoopMetrics(CollectorRegistry()),
        watch=watch,
        ack_wait_s=ack_wait_s,
        drain_s=5,
    )


@dataclasses.dataclass
class Slow:
    """Settles one message after holding it for ``hold_s``."""

    durable: str
    stream: str
    hold_s: float
    batches: bool = False
    handled: int = 0

    async def consume(self, msg: Msg) -> str:
        self.handled += 1
        await asyncio.sleep(self.hold_s)
        await msg.ack()
        return "acked"

    async def consume_many(self, msgs: Sequence[Msg], traces: Sequence[Context]) -> list[str]:
        return [await self.consume(msg) for msg in msgs]


async def test_a_handler_slower_than_ack_wait_is_kept_in_progress_not_redelivered(
    nats_url: str, database_url: str
) -> None:
    async with lane(nats_url, max_deliver=3, ack_wait_s=1.0) as it:
        await it.publish()
        slow = Slow(it.durable, it.stream, hold_s=3.5)
        async with looping(pull_loop(slow, it, DatabaseWatch(database_url, timeout_s=2), ack_wait_s=1.0)):
            await eventually(lambda: slow.handled == 1)
            await eventually(_settled(it), timeout=10)
        assert slow.handled == 1
        assert (await it.info()).num_redelivered == 0


def _settled(it: Lane) -> Any:
    async def check() -> bool:
        info = await it.info()
        return info.num_pending == 0 and info.num_ack_pending == 0

    return check


@pytest.fixture
async def kit(nats_url: str, database_url: str) -> AsyncIterator[ServiceKit]:
    """Enforcement's kit, unstarted: its database tables and dead-letter writer, nothing consuming."""
    service_kit: ServiceKit = create_app(Settings(**settings_env(nats_url, database_url))).state.kit
    try:
        yield service_kit
    finally:
        await service_kit.engine.dispose()


def matter_event() -> bytes:
    event = MatterRegistered(matter_id=uuid.uuid4(), item_code="QL-001", name="检查", department_code="cgj")
    return encode(envelop(event, source="/tests"))


def failing(errors: list[BaseException]) -> Subscription[MatterRegistered]:
    """A subscription whose handler raises each of ``errors`` in turn, then succeeds."""

    async def handler(event: CloudEvent[MatterRegistered], uow: UnitOfWork) -> None:
        if errors:
            raise errors.pop(0)

    return Subscription(MatterRegistered, handler)


REFUSED = ConnectionRefusedError(111, "refused")


@pytest.mark.parametrize(
    ("errors", "outcome", "naks"),
    [([REFUSED], "acked", 0), ([REFUSED] * 4, "retried", 1), ([ValueError("bad data")], "retried", 1)],
    ids=["connection-broke", "connection-keeps-breaking", "data"],
)
async def test_a_broken_connection_is_retried_in_place_and_a_data_failure_spends_a_delivery(
    nats_url: str, kit: ServiceKit, errors: list[BaseException], outcome: str, naks: int
) -> None:
    """With the database answering, a broken connection is run again in place, but only a few times: one
    that keeps breaking is a fault like any other, not an outage to wait out forever."""
    async with lane(nats_url, max_deliver=5, ack_wait_s=5) as it:
        await it.publish(matter_event())
        raised = list(errors)
        config = consumer_config(it.durable, f"{it.stream.lower()}.>", max_deliver=5, ack_wait_s=5)
        consumer = Consumer(failing(raised), it.stream, config, kit.uow, kit.write_dead_letter, kit.watch, (60.0,))
        [msg] = await (await it.js.pull_subscribe_bind(it.durable, it.stream)).fetch(1, timeout=5)

        assert await consumer.consume(msg) == outcome

        assert raised == []  # the handler ran into each of its errors

        async def settled() -> api.ConsumerInfo | None:  # an ack or nak reaches the server asynchronously
            info = await it.info()
            return info if info.num_ack_pending == naks else None  # nak'd with a minute's delay, or acked

        info = await eventually(settled, timeout=10)
        assert info.num_redelivered == 0


async def dead_letters_of(kit: ServiceKit, consumer: str) -> list[Any]:
    table = kit.tables.dead_letter
    async with kit.sessions() as session:
        return list(await session.execute(sa.select(table).where(table.c.consumer == consumer)))


async def test_messages_jetstream_gave_up_on_become_dead_letters_once(nats_url: str, kit: ServiceKit) -> None:
    async with lane(nats_url, max_deliver=2, ack_wait_s=1.0) as it:
        await reconcile_stream(it.js, advisory_stream(replicas=1))
        config = advisory_consumer(unique("svc"), [(it.stream, it.durable)])
        await reconcile_consumer(it.js, "ADVISORIES", config)
        capture = AdvisoryCapture(config, it.client, kit.write_dead_letter, kit.watch)
        subscription = await it.js.pull_subscribe_bind(it.durable, it.stream)

        given_up = await it.publish(b'{"abandoned": "\xe6\xa1\x88"}')
        for _ in range(2):  # delivered twice, never settled: JetStream stops at max_deliver
            await subscription.fetch(1, timeout=5)
            await asyncio.sleep(1.2)
        terminated = await it.publish(b'{"terminated": true}')
        [msg] = await subscription.fetch(1, timeout=5)
        await msg.term()
        ours = await it.publish(b'{"ours": true}')
        [msg] = await subscription.fetch(1, timeout=5)
        row = dead_letter_row(msg, consumer=it.durable, kind=DeadLetterKind.HANDLER, reason="handler failed")
        await kit.write_dead_letter(**row)
        await msg.term()

        async with looping(pull_loop(capture, it, kit.watch, ack_wait_s=30)):
            await eventually(lambda: _recorded(kit, it.durable, 3), timeout=20)
            await eventually(lambda: _drained(it.js, capture.durable), timeout=10)  # ours' advisory too
        rows = {row.stream_seq: row for row in await dead_letters_of(kit, it.durable)}

    assert set(rows) == {given_up, terminated, ours}  # one row each, the advisory of our own adding none
    assert rows[given_up].kind == DeadLetterKind.MAX_DELIVERIES
    assert bytes(rows[given_up].body) == b'{"abandoned": "\xe6\xa1\x88"}'
    assert rows[given_up].subject == it.subject
    assert rows[given_up].deliveries == 2
    assert rows[terminated].kind == DeadLetterKind.TERMINATED
    assert rows[ours].kind == DeadLetterKind.HANDLER
    assert rows[ours].reason == "handler failed"


async def _drained(js: JetStreamContext, durable: str) -> bool:
    info = await js.consumer_info("ADVISORIES", durable)
    return info.num_pending == 0 and info.num_ack_pending == 0


async def _recorded(kit: ServiceKit, consumer: str, count: int) -> bool:
    return len(await dead_letters_of(kit, consumer)) >= count


async def test_a_durable_left_with_old_settings_is_brought_to_the_declared_ones_keeping_its_place(
    nats_url: str,
) -> None:
    async with lane(nats_url, max_deliver=5, ack_wait_s=15) as it:
        declared = (await it.info()).config
        await it.js.delete_consumer(it.stream, it.durable)
        old = dataclasses.replace(declared, ack_wait=30.0, backoff=[1.0, 5.0, 15.0, 30.0])  # the settings before
        await it.js.add_consumer(it.stream, old)
        assert (await it.info()).config.ack_wait == 1.0  # the server took AckWait from the first backoff step
        for _ in range(3):
            await it.publish()
        [msg] = await (await it.js.pull_subscribe_bind(it.durable, it.stream)).fetch(1, timeout=5)
        await msg.ack_sync()

        await reconcile_consumer(it.js, it.stream, declared)

        info = await it.info()
        assert (info.config.ack_wait, info.config.backoff) == (15.0, None)
        assert (info.ack_floor.stream_seq, info.num_pending) == (1, 2)  # updated in place, not recreated
