"""Unit of work: one transaction holding a use case's writes, its outgoing events and its inbox claim.

Outbox out, inbox in (STYLE.md rule 5): ``emit`` writes the event to the outbox table in the same
transaction as the state change; a unit of work opened for a consumed event first claims the event id
in the inbox, so a redelivered or re-sent event is skipped instead of applied twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

from opentelemetry import propagate
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import IntegrationEvent, encode
from contracts.envelope import CONTENT_TYPE, envelop
from services.runtime.db import PlumbingTables
from services.runtime.telemetry import current_trace_id

R = TypeVar("R")


class AlreadyHandled(Exception):
    """The inbox already holds this event: a redelivery or a re-send, to be acked and skipped."""


class UnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tables: PlumbingTables,
        *,
        source: str,
        actor: str = "system",
        inbox_key: tuple[str, uuid.UUID] | None = None,
        on_emit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._tables = tables
        self._source = source
        self._inbox_key = inbox_key
        self._on_emit = on_emit
        self._emitted = False
        self.actor = actor

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        await self.session.begin()
        if self._inbox_key is not None and not await self._claim(*self._inbox_key):
            await self.session.close()
            raise AlreadyHandled(str(self._inbox_key))
        self._emitted = False
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.session.close()  # rolls back whatever was not committed

    def repository(self, kind: Callable[[AsyncSession], R]) -> R:
        """A repository over this transaction; a fake unit of work hands out in-memory ones instead."""
        return kind(self.session)

    async def commit(self) -> None:
        await self.session.commit()
        if self._emitted and self._on_emit is not None:
            self._on_emit()

    async def emit(self, event: IntegrationEvent, *, about: str | None = None, token: str | None = None) -> uuid.UUID:
        """Queue ``event`` for the bus; it leaves only if this transaction commits."""
        envelope = envelop(event, source=self._source, subject=about)
        headers: dict[str, str] = {"Nats-Msg-Id": str(envelope.id), "content-type": CONTENT_TYPE}
        propagate.inject(headers)  # the relay publishes inside this trace
        await self.session.execute(
            self._tables.outbox.insert().values(
                event_id=envelope.id, subject=event.subject(token), body=encode(envelope), headers=headers
            )
        )
        self._emitted = True
        return envelope.id

    async def audit(
        self, *, action: str, entity: str, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None
    ) -> None:
        """Append-only audit row (who did what to which entity), in this transaction."""
        trace_id = current_trace_id()
        await self.session.execute(
            self._tables.audit.insert().values(
                actor=self.actor, action=action, entity=entity, before=before, after=after, trace_id=trace_id
            )
        )

    async def audit_many(self, rows: list[dict[str, Any]]) -> None:
        """Several audit rows (action, entity, before, after, trace_id) in one statement, for hot paths."""
        if rows:
            await self.session.execute(self._tables.audit.insert().values([{"actor": self.actor, **r} for r in rows]))

    async def _claim(self, consumer: str, event_id: uuid.UUID) -> bool:
        inbox = self._tables.inbox
        claimed = await self.session.execute(
            insert(inbox)
            .values(consumer=consumer, event_id=event_id)
            .on_conflict_do_nothing()
            .returning(inbox.c.event_id)
        )
        return claimed.first() is not None
