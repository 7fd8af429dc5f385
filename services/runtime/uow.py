"""Unit of work: one transaction holding a use case's writes, its outgoing events and its inbox claim.

Outbox out, inbox in (STYLE.md rule 5): ``emit`` writes the event to the outbox table in the same
transaction as the state change; a unit of work opened for consumed events first claims their ids in
the inbox, so a redelivered or re-sent event is skipped instead of applied twice.

Rows are held until ``commit`` and written then, one multi-row insert per table in the order the tables were
first held: the outbox and audit rows, and whatever a repository holds (``hold``). A use case that handles a
batch of events pays one statement per table for them, not one per event, and cannot publish an event whose
rows were never written: they commit together or not at all.

A consumer that hands a batch to one unit of work registers each event's trace (``follow``); ``emit``,
``audit``, ``trace_id`` and ``annotate`` take the event a write is caused by (``cause``) and use its trace,
so use cases never switch traces themselves.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import sqlalchemy as sa
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.util.types import AttributeValue
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import Executable

from contracts import IntegrationEvent, encode
from contracts.envelope import CONTENT_TYPE, envelop
from services.runtime.db import PlumbingTables, insert_rows
from services.runtime.errors import EventTooLarge
from services.runtime.outbox import DEFAULT_MAX_PAYLOAD, relayed_headers, wire_size

R = TypeVar("R")
V = TypeVar("V")

InboxKey = tuple[str, uuid.UUID | Sequence[uuid.UUID]]
"""The consumer and the event id it handles, or the ids of a batch it handles in one transaction."""
HeldRows = dict[sa.Table, list[Mapping[str, Any]]]
_HELD = "linkage.held"  # the session's held rows (session.info), where repositories reach them


def hold(session: AsyncSession, table: sa.Table, row: Mapping[str, Any]) -> None:
    """Insert ``row`` when the session's unit of work commits, with the other rows held for ``table``.

    For repositories on hot paths: a batch of tasks or timeline entries becomes one statement. Rows keep the
    order they were held in, so a table's identity column follows the order of the use case's steps.
    """
    held: HeldRows = session.info[_HELD]
    held.setdefault(table, []).append(row)


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
        role: str | Callable[[], str] = "system",
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
        self._held: HeldRows = {}
        self._emitted = False
        self._traces: dict[uuid.UUID, otel_context.Context] = {}
        self.actor = actor
        self._role = role

    @property
    def role(self) -> str:
        """The role the actor acts in; for a request, read once its route admitted the caller (``Require``)."""
        return self._role if isinstance(self._role, str) else self._role()

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        await self.session.begin()
        self._held, self._emitted = {}, False
        self.session.info[_HELD] = self._held
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
        """Remember the trace an incoming event continues (its consumer span), for ``cause=``."""
        self._traces[event_id] = trace

    def trace_id(self, cause: uuid.UUID | None = None) -> str | None:
        """The W3C trace id of the event ``cause`` (as the consumer registered it), else of the current span."""
        span = trace.get_current_span(self._context(cause)).get_span_context()
        return format(span.trace_id, "032x") if span.is_valid else None

    def annotate(self, cause: uuid.UUID | None, attributes: Mapping[str, AttributeValue]) -> None:
        """Attributes on the span of the event ``cause`` (else the current span): which case a message became."""
        trace.get_current_span(self._context(cause)).set_attributes(attributes)

    def _context(self, cause: uuid.UUID | None) -> otel_context.Context | None:
        return None if cause is None else self._traces.get(cause)

    async def commit(self) -> None:
        """Write the held rows, table by table in the order first held, then commit."""
        held, self._held = self._held, {}
        self.session.info[_HELD] = self._held
        for table, rows in held.items():
            await self.session.execute(_insert_statement(table), rows)
        await self.session.commit()
        if self._emitted and self._on_emit is not None:
            self._on_emit()

    async def emit(
        self,
        event: IntegrationEvent,
        *,
        about: str | None = None,
        token: str | None = None,
        cause: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """Queue ``event`` for the bus; it leaves only if this transaction commits, in the trace of ``cause``.

        Raises ``EventTooLarge`` for an event the bus would refuse (``max_payload``, headers included): the
        use case fails before anything of it commits, instead of its event failing after.
        """
        envelope = envelop(event, source=self._source, subject=about)
        headers: dict[str, str] = {"Nats-Msg-Id": str(envelope.id), "content-type": CONTENT_TYPE}
        propagate.inject(headers, context=self._context(cause))  # the relay publishes inside this trace
        subject, body = event.subject(token), encode(envelope)
        if (size := wire_size(body, relayed_headers(headers, subject))) > self._max_payload:
            raise EventTooLarge(event.TYPE, size=size, limit=self._max_payload)
        self._hold(
            self._tables.outbox,
            {"event_id": envelope.id, "subject": subject, "body": body, "headers": headers},
        )
        self._emitted = True
        return envelope.id

    async def audit(
        self,
        *,
        action: str,
        entity: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        cause: uuid.UUID | None = None,
    ) -> None:
        """Append-only audit row (who did what, in which role, to which entity, under which trace), written at commit.

        The database refuses to change or delete one afterwards (``migrate.secure_schema``)."""
        row: dict[str, Any] = {"actor": self.actor, "role": self.role, "action": action, "entity": entity}
        row |= {"before": before, "after": after}
        self._hold(self._tables.audit, {**row, "trace_id": self.trace_id(cause)})

    def _hold(self, table: sa.Table, row: Mapping[str, Any]) -> None:
        self._held.setdefault(table, []).append(row)

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
