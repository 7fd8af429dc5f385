"""The outbox relay: publishes committed outbox rows to JetStream and deletes them once PubAck'd."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import sqlalchemy as sa
from faststream.nats import NatsBroker
from opentelemetry import context, propagate
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import stream_for_subject

log = logging.getLogger(__name__)


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
            query = sa.select(table).order_by(table.c.seq).limit(self._batch).with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            if rows:
                await asyncio.gather(*(self._publish(row) for row in rows))
                await session.execute(sa.delete(table).where(table.c.seq.in_([row.seq for row in rows])))
        return len(rows)

    async def _publish(self, row: Row[tuple[object, ...]]) -> None:
        headers: dict[str, str] = dict(row.headers)
        token = context.attach(propagate.extract(headers))  # continue the trace the event was emitted in
        try:
            await self._broker.publish(
                row.body, row.subject, headers=headers, stream=stream_for_subject(row.subject).name, timeout=5.0
            )
        finally:
            context.detach(token)

    async def _sleep(self) -> None:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that races a wake-up
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._poll_s):
                await self._wake.wait()
