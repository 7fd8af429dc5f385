"""Operators' repository over a service's plumbing tables: its dead letters, its outbox backlog.

The routes in ``ops.py`` and the figures in ``health.py`` read and write these tables only through it; it
returns frozen dataclasses, never rows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.db import PlumbingTables


@dataclass(frozen=True)
class DeadLetter:
    """死信: a message a consumer gave up on (or an event the server refused), as kept for operators."""

    id: int
    consumer: str
    subject: str
    kind: str
    reason: str
    deliveries: int
    created_at: datetime
    replayed_at: datetime | None
    body: bytes


@dataclass(frozen=True)
class DeadLetterTally:
    consumer: str
    kind: str
    total: int
    unreplayed: int


@dataclass(frozen=True)
class Backlog:
    """Committed events the relay has not published, and the age of the oldest (``None`` when there is none)."""

    events: int
    oldest_age_s: float | None


class OpsStore:
    def __init__(self, session: AsyncSession, tables: PlumbingTables) -> None:
        self.session = session
        self.tables = tables

    @classmethod
    def over(cls, tables: PlumbingTables) -> Callable[[AsyncSession], OpsStore]:
        """The repository kind to hand ``uow.repository``: this service's plumbing tables, bound."""
        return functools.partial(cls, tables=tables)

    async def dead_letters(self, limit: int) -> list[DeadLetter]:
        """The newest first."""
        table = self.tables.dead_letter
        rows = await self.session.execute(sa.select(table).order_by(table.c.id.desc()).limit(limit))
        return [_dead_letter(row) for row in rows]

    async def dead_letter(self, dead_letter_id: int) -> DeadLetter | None:
        table = self.tables.dead_letter
        row = (await self.session.execute(sa.select(table).where(table.c.id == dead_letter_id))).first()
        return None if row is None else _dead_letter(row)

    async def mark_replayed(self, dead_letter_id: int, *, at: datetime) -> None:
        table = self.tables.dead_letter
        await self.session.execute(table.update().where(table.c.id == dead_letter_id).values(replayed_at=at))

    async def backlog(self) -> Backlog:
        outbox = self.tables.outbox
        events = await self.session.scalar(sa.select(sa.func.count()).select_from(outbox))
        # The oldest row is the lowest seq (the primary key's first entry), not a scan for min(created_at); the
        # age is taken on the database's clock, the one that stamped created_at.
        age = sa.func.extract("epoch", sa.func.clock_timestamp() - outbox.c.created_at)
        oldest = await self.session.scalar(sa.select(age).order_by(outbox.c.seq).limit(1))
        return Backlog(events=events or 0, oldest_age_s=None if oldest is None else max(float(oldest), 0.0))

    async def dead_letter_tallies(self) -> list[DeadLetterTally]:
        """Dead letters by consumer and kind, replayed or not."""
        table = self.tables.dead_letter
        unreplayed = sa.func.count().filter(table.c.replayed_at.is_(None))
        rows = await self.session.execute(
            sa.select(table.c.consumer, table.c.kind, sa.func.count().label("total"), unreplayed.label("unreplayed"))
            .group_by(table.c.consumer, table.c.kind)
            .order_by(table.c.consumer, table.c.kind)
        )
        return [DeadLetterTally(row.consumer, row.kind, row.total, row.unreplayed) for row in rows]


def _dead_letter(row: sa.Row[Any]) -> DeadLetter:
    return DeadLetter(
        id=row.id,
        consumer=row.consumer,
        subject=row.subject,
        kind=row.kind,
        reason=row.reason,
        deliveries=row.deliveries,
        created_at=row.created_at,
        replayed_at=row.replayed_at,
        body=bytes(row.body),
    )
