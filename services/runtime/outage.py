"""An outage is not a failure of the message: telling one from the other, and waiting one out.

A handler that fails because Postgres is unreachable (connection refused or reset, shut down by an
administrator, or silent past the statement timeout) says nothing about the message it was handling. The
watch then marks the database down and probes it until it answers. Meanwhile the pull loops fetch nothing,
the messages already in hand are kept alive with in-progress heartbeats and handled again once the
database is back: an outage, however long, spends no delivery attempt and dead-letters nothing.

The test is a fresh connection: a failure while the database answers one is the work's, except a
connection that broke (pooled before a restart, say), which is retried in place a few times.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from enum import Enum

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

PROBE_INTERVAL_S = 1.0
BROKEN_CONNECTION_RETRIES = 3
"""A connection that keeps breaking while the database answers is a bug somewhere, not an outage: after
these in-place retries the failure counts like any other."""

# Errors that say the connection, not the statement, failed: asyncpg's connection errors (refused by a
# server starting or stopping, 57P01 admin shutdown...) and the OS's (refused, reset, unreachable).
_CONNECTION_ERRORS = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
)


def is_disconnect(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is the database connection failing rather than the work."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa.exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, _CONNECTION_ERRORS):
            return True
        current = current.__cause__ or current.__context__
    return False


class Verdict(Enum):
    OUTAGE = "outage"
    BROKEN_CONNECTION = "broken connection"
    FAILURE = "failure"


class DatabaseWatch:
    """Whether the service's database answers; consumers ask it when a handler fails, and wait on it."""

    def __init__(self, database_url: str, *, timeout_s: float) -> None:
        self._dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._timeout_s = timeout_s
        self._up = asyncio.Event()
        self._up.set()
        self._recovering: asyncio.Task[None] | None = None

    @property
    def up(self) -> bool:
        return self._up.is_set()

    async def judge(self, error: BaseException) -> Verdict:
        """Whose failure ``error`` is: the database's (it does not answer a fresh connection), a connection's
        that broke while the database answers (e.g. pooled before a restart), or else the work's own."""
        if not self.up:
            return Verdict.OUTAGE
        if not await self.probe():
            self.mark_down(error)
            return Verdict.OUTAGE
        return Verdict.BROKEN_CONNECTION if is_disconnect(error) else Verdict.FAILURE

    def mark_down(self, error: BaseException) -> None:
        if not self.up:
            return
        log.warning("database unreachable (%r): consumers hold their messages until it answers", error)
        self._up.clear()
        self._recovering = asyncio.create_task(self._recover(), name="database-watch")

    async def wait_up(self) -> None:
        await self._up.wait()

    async def probe(self) -> bool:
        """One fresh connection and ``SELECT 1`` within the timeout: the pool may hold connections a restart
        broke, and a pool exhausted by a busy moment is no outage."""
        try:
            async with asyncio.timeout(self._timeout_s):
                connection = await asyncpg.connect(self._dsn, timeout=self._timeout_s)
                try:
                    await connection.fetchval("SELECT 1")
                finally:
                    await connection.close(timeout=self._timeout_s)
        except Exception:
            return False
        return True

    async def close(self) -> None:
        if self._recovering is not None:
            self._recovering.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovering

    async def _recover(self) -> None:
        # Polling is the point: nothing else can tell when a database comes back.
        while not await self.probe():  # noqa: ASYNC110
            await asyncio.sleep(PROBE_INTERVAL_S)
        log.info("database answers again: consumers resume")
        self._up.set()


class InPlace:
    """Whether one piece of work (a message, a batch, a dead-letter write) should simply run again now.

    Through an outage, always, once the database answers again; for a broken connection, a few times.
    A failure of the work itself, never: that one is settled by the caller (nak, dead letter).
    """

    def __init__(self, watch: DatabaseWatch) -> None:
        self._watch = watch
        self._broken = 0

    async def again(self, error: BaseException) -> bool:
        verdict = await self._watch.judge(error)
        if verdict is Verdict.OUTAGE:
            await self._watch.wait_up()
            return True
        if verdict is Verdict.BROKEN_CONNECTION and self._broken < BROKEN_CONNECTION_RETRIES:
            self._broken += 1
            return True
        return False
