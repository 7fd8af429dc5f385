"""An outage is not a failure of the message: telling one from the other, and waiting one out.

A handler that fails because Postgres is unreachable (connection refused or reset, shut down by an
administrator, or silent past the statement timeout) says nothing about the message it was handling. The
watch then marks the database down and probes it until it answers. Meanwhile the pull loops fetch nothing,
the messages already in hand are kept alive with in-progress heartbeats and handled again once the
database is back: an outage, however long, spends no delivery attempt and dead-letters nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

PROBE_INTERVAL_S = 1.0

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

    async def explains(self, error: BaseException) -> bool:
        """Whether the failure is the database's: a connection error, or a database that does not answer now.

        A failure with the database answering is the message's, and spends a delivery as usual.
        """
        if not self.up:
            return True
        if is_disconnect(error) or not await self.probe():
            self.mark_down(error)
            return True
        return False

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
