"""Unit of work: one transaction holding a use case's writes, its outgoing events and its inbox claim.

Outbox out, inbox in (STYLE.md rule 5): ``emit`` writes the event to the outbox table in the same
transaction as the state change; a unit of work opened for consumed events first claims their ids in
the inbox, so a redelivered or re-sent event is skipped instead of applied twice.

Outbox and audit rows are held until ``commit`` and written then, one multi-row insert per table, so a
use case that handles a batch of events pays two statements for them, not two per event.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import sqlalchemy as sa
from opentelemetry import context as otel_context
from opentelemetry import propagate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import Executable

from contracts import IntegrationEvent, encode
from contracts.envelope import CONTENT_TYPE, envelop
from services.runtime.db import PlumbingTables, insert_rows
from services.runtime.errors import EventTooLarge
from services.runtime.outbox import DEFAULT_MAX_PAYLOAD, relayed_headers, wire_size
from services.runtime.telemetry import current_trace_id

R = TypeVar("R")
V = TypeVar("V")

InboxKey = tuple[str, uuid.UUID | Sequence[uuid.UUID]]
"""The consumer and the event id it handles, or the ids of a batch it handles in one transaction."""


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
        inbox_key: InboxKey | None = None,
        on_emit: Callable[[], None] | None = None,
        max_payload: int = DEFAULT_MAX_PAYLOAD,
    ) -> None:
        self._sessions = sessions
        self._tables = tables
        self._source = source
        self._inbox_key = inbox_key
        self._on_emit = on_emit
        self._max_payload = max_payload
        self._claimed: frozenset[uuid.UUID] | None = None
        self._outbox: list[dict[str, Any]] = []
        self._audits: list[dict[str, Any]] = []
        self._emitted = False
        self._traces: dict[uuid.UUID, otel_context.Context] = {}
        self.actor = actor

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        await self.session.begin()
        self._outbox, self._audits, self._emitted = [], [], False
        if self._inbox_key is not None:
            consumer, ids = self._inbox_key
            batch = [ids] if isinstance(ids, uuid.UUID) else list(ids)
            self._claimed = await self._claim(consumer, batch)
            if isinstance(ids, uuid.UUID) and not self._claimed:
                await self.session.close()
                raise AlreadyHandled(str(self._inbox_key))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.session.close()  # rolls back whatever was not committed, held rows included

    def repository(self, kind: Callable[[AsyncSession], R]) -> R:
        """A repository over this transaction; a fake unit of work hands out in-memory ones instead."""
        return kind(self.session)

    def unhandled(self, events: Mapping[uuid.UUID, V]) -> dict[uuid.UUID, V]:
        """Of ``events`` (by event id), those this unit of work claimed: the rest were handled before.

        Without an inbox claim (a request, not a consumed event) every one is new.
        """
        claimed = self._claimed
        return dict(events) if claimed is None else {key: v for key, v in events.items() if key in claimed}

    def follow(self, event_id: uuid.UUID, trace: otel_context.Context) -> None:
        """Remember the trace an incoming event continues (its consumer span), for ``handling``."""
        self._traces[event_id] = trace

    @contextlib.contextmanager
    def handling(self, event_id: uuid.UUID) -> Iterator[None]:
        """Within it the event's own trace is current, so what a batch emits, audits or notes for this event
        carries the trace it came in with. A no-op for an event the consumer did not register."""
        trace = self._traces.get(event_id)
        if trace is None:
            yield
            return
        token = otel_context.attach(trace)
        try:
            yield
        finally:
            otel_context.detach(token)

    async def commit(self) -> None:
        if self._outbox:
            await self.session.execute(_insert_statement(self._tables.outbox), self._outbox)
        if self._audits:
            await self.session.execute(_insert_statement(self._tables.audit), self._audits)
        self._outbox, self._audits = [], []
        await self.session.commit()
        if self._emitted and self._on_emit is not None:
            self._on_emit()

    async def emit(self, event: IntegrationEvent, *, about: str | None = None, token: str | None = None) -> uuid.UUID:
        """Queue ``event`` for the bus; it leaves only if this transaction commits.

        Raises ``EventTooLarge`` for an event the bus would refuse (``max_payload``, headers included): the
        use case fails before anything of it commits, instead of its event failing after.
        """
        envelope = envelop(event, source=self._source, subject=about)
        headers: dict[str, str] = {"Nats-Msg-Id": str(envelope.id), "content-type": CONTENT_TYPE}
        propagate.inject(headers)  # the relay publishes inside this trace
        subject, body = event.subject(token), encode(envelope)
        if (size := wire_size(body, relayed_headers(headers, subject))) > self._max_payload:
            raise EventTooLarge(event.TYPE, size=size, limit=self._max_payload)
        self._outbox.append({"event_id": envelope.id, "subject": subject, "body": body, "headers": headers})
        self._emitted = True
        return envelope.id

    async def audit(
        self, *, action: str, entity: str, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None
    ) -> None:
        """Append-only audit row (who did what to which entity, under which trace), written at commit."""
        self._audits.append(
            {
                "actor": self.actor,
                "action": action,
                "entity": entity,
                "before": before,
                "after": after,
                "trace_id": current_trace_id(),
            }
        )

    async def _claim(self, consumer: str, event_ids: list[uuid.UUID]) -> frozenset[uuid.UUID]:
        claim = {"consumer": [consumer] * len(event_ids), "event_id": sorted(event_ids)}  # in lock order
        return frozenset((await self.session.execute(_claim_statement(self._tables.inbox), claim)).scalars())


@functools.cache
def _claim_statement(inbox: sa.Table) -> Executable:
    """Claim event ids for a consumer; returns those not claimed before. Built once per service."""
    return insert_rows(inbox, ("consumer", "event_id")).on_conflict_do_nothing().returning(inbox.c.event_id)


@functools.cache
def _insert_statement(table: sa.Table) -> Executable:
    return table.insert()
