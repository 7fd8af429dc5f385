"""The outbox relay: publishes committed outbox rows to JetStream and deletes them once PubAck'd."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from faststream.nats import NatsBroker
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import stream_for_subject

log = logging.getLogger(__name__)

PUBACK_TIMEOUT_S = 5.0


class OutboxRelay:
    """Replicas may run one each: rows are locked with SKIP LOCKED, and JetStream drops re-sends by event id."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: sa.Table,
        broker: NatsBroker,
        *,
        batch: int,
        poll_s: float,
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._broker = broker
        self._batch = batch
        self._poll_s = poll_s
        self._wake = asyncio.Event()
        self._js: tuple[Client, JetStreamContext] | None = None
        columns = (outbox.c.seq, outbox.c.subject, outbox.c.body, outbox.c.headers)
        self._pending = sa.select(*columns).order_by(outbox.c.seq).limit(batch).with_for_update(skip_locked=True)

    def wake(self) -> None:
        """Called after a commit that emitted events, so they leave now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        failures = 0
        while True:
            self._wake.clear()  # a commit from now on wakes the next round
            try:
                sent = await self.publish_pending()
                failures = 0
            except Exception:
                failures += 1
                log.exception("outbox relay round failed (%d in a row); retrying", failures)
                await asyncio.sleep(min(0.2 * 2**failures, 5.0))
                continue
            if sent < self._batch:
                await self._sleep()

    async def publish_pending(self) -> int:
        """Publish one batch in seq order; the rows are deleted only after every PubAck arrived."""
        table = self._outbox
        async with self._sessions() as session, session.begin():
            rows = (await session.execute(self._pending)).all()
            if rows:
                await self._publish(rows)
                await session.execute(sa.delete(table).where(table.c.seq.in_([row.seq for row in rows])))
        return len(rows)

    async def _publish(self, rows: Sequence[Row[tuple[object, ...]]]) -> None:
        """Send the whole batch before waiting, then wait for every PubAck (or fail the round).

        Straight to JetStream rather than through the broker's publisher: its middlewares cost more per
        message than the send. The headers still carry the ``traceparent`` written when the event was
        emitted, so consumers continue the emitting trace.
        """
        js = self._jetstream()
        acks: list[asyncio.Future[Any]] = []
        try:
            for row in rows:
                subject = str(row.subject)
                stream = stream_for_subject(subject).name
                acks.append(await js.publish_async(subject, row.body, headers=dict(row.headers), stream=stream))
            async with asyncio.timeout(PUBACK_TIMEOUT_S):
                await asyncio.gather(*acks)
        finally:
            for ack in acks:
                ack.cancel()  # an ack never answered must not hold one of the client's pending-publish slots

    def _jetstream(self) -> JetStreamContext:
        # One context for the client's life: each context subscribes once to its own PubAck inbox.
        connection = self._broker.connection
        if self._js is None or self._js[0] is not connection:
            self._js = (connection, connection.jetstream())
        return self._js[1]

    async def _sleep(self) -> None:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that races a wake-up
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._poll_s):
                await self._wake.wait()
