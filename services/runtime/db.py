"""The async engine of one service and the plumbing tables each service keeps in its own schema."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID, Insert, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def create_engine(
    url: str, *, pool_size: int, connect_timeout_s: float = 5.0, statement_timeout_s: float = 30.0
) -> AsyncEngine:
    # Overflow connections are closed as soon as they are returned: steady load must fit in pool_size, or
    # every busy moment opens (and Postgres forks) new connections. The overflow only absorbs surges.
    # No pre-ping: it costs a round trip on every checkout. A connection a Postgres restart broke is
    # invalidated on its first error; consumers tell such an error from a failure of the message (outage.py).
    # Both timeouts bound how long a database that stopped answering (frozen, unplugged) can hold a handler:
    # the server's statement_timeout for a slow statement, asyncpg's command_timeout for a silent server.
    connect_args = {
        "timeout": connect_timeout_s,
        "command_timeout": statement_timeout_s,
        "server_settings": {"statement_timeout": str(int(statement_timeout_s * 1000))},
    }
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size // 2,
        pool_recycle=1800,
        pool_timeout=connect_timeout_s + statement_timeout_s,
        connect_args=connect_args,
    )


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


# Statements whose text does not depend on how many values they carry. asyncpg prepares each distinct
# text once per connection (a round trip) and keeps 100; ``IN (...)`` lists and multi-row ``VALUES``
# render a new text for every length, so batches of varying size would prepare again nearly every time.


def any_of(column: sa.ColumnElement[Any], parameter: str) -> sa.ColumnElement[bool]:
    """``column = ANY(:parameter)``: the ``IN`` test with one array parameter, given at execution.

    Built once at import, such a statement also skips SQLAlchemy's per-call construction and cache key.
    """
    return column == sa.any_(sa.bindparam(parameter, type_=ARRAY(column.type)))


def insert_rows(table: sa.Table, columns: Sequence[str]) -> Insert:
    """``INSERT ... SELECT unnest(:column_1), unnest(:column_2), ...``: many rows, one array per column.

    Execute it with ``as_arrays(rows)``; ``on_conflict_*`` and ``returning`` chain on as usual.
    """
    targets = [table.c[name] for name in columns]
    arrays = [sa.func.unnest(sa.bindparam(c.name, type_=ARRAY(c.type))) for c in targets]
    return insert(table).from_select(targets, sa.select(*arrays))


def as_arrays(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The parameters of an ``insert_rows`` statement: each column's values, row by row."""
    return {name: [row[name] for row in rows] for name in rows[0]}


class DeadLetterKind(StrEnum):
    """Why a message became a dead letter; operators count them by kind."""

    UNPARSEABLE = "unparseable"  # not the contract it was sent as; it never will be
    HANDLER = "handler"  # the handler failed on it at every delivery
    MAX_DELIVERIES = "max-deliveries"  # JetStream stopped redelivering it (advisory), e.g. cut at its last delivery
    TERMINATED = "terminated"  # terminated by something other than our own give-up (advisory)
    REFUSED = "refused"  # an outgoing event the server would not store (outbox relay)


@dataclass(frozen=True)
class PlumbingTables:
    """Outbox, inbox, dead letters and audit: the reliability tables of one service schema."""

    outbox: sa.Table
    inbox: sa.Table
    dead_letter: sa.Table
    audit: sa.Table


def plumbing_tables(metadata: sa.MetaData) -> PlumbingTables:
    """Declare the plumbing tables in ``metadata`` (whose ``schema`` is the service's)."""
    return PlumbingTables(
        outbox=_outbox(metadata), inbox=_inbox(metadata), dead_letter=_dead_letter(metadata), audit=_audit(metadata)
    )


def _outbox(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "outbox",
        metadata,
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("headers", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def _inbox(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.Text, primary_key=True),
        sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def _dead_letter(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "dead_letter",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("consumer", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("headers", JSONB, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("deliveries", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("replayed_at", sa.DateTime(timezone=True)),
        sa.Column("kind", sa.Text, nullable=False, server_default=DeadLetterKind.HANDLER),
        sa.Column("stream", sa.Text),
        sa.Column("stream_seq", sa.BigInteger),
        # One record per stored message a consumer gave up on, however many ways it is reported
        # (our own give-up, then JetStream's terminated or max-deliveries advisory).
        sa.UniqueConstraint("consumer", "stream", "stream_seq", name="dead_letter_origin"),
    )


def _audit(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "audit",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("actor", sa.Text, nullable=False),
        # Added by migrate.secure_schema, not by a revision (it says why); Alembic's autogenerate skips it.
        sa.Column("role", sa.Text, nullable=False, server_default="system"),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("before", JSONB),
        sa.Column("after", JSONB),
        sa.Column("trace_id", sa.Text),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
