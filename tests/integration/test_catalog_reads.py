"""The catalogue's lookup path against a real Postgres: one statement on the pooled connection's own driver,
so a connection broken under it must be dropped from the pool by hand."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from services.catalog.store.items import CatalogReads
from services.runtime.db import create_engine
from tests.support import unique

pytestmark = pytest.mark.integration


async def test_a_lookup_on_a_broken_connection_fails_once_and_the_next_one_reconnects(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=1)  # one connection: the next lookup gets the same one back
    reads, code = CatalogReads(engine), unique("NONE")
    try:
        async with engine.connect() as connection:
            backend = await connection.scalar(sa.text("SELECT pg_backend_pid()"))
        assert await reads.item_history(code) == []
        await _terminate(database_url, backend)
        # Which error depends on whether the client has seen the socket close yet.
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError)):
            await reads.item_history(code)
        assert await reads.item_history(code) == []
    finally:
        await engine.dispose()


async def _terminate(database_url: str, backend: int) -> None:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", backend)
    finally:
        await admin.close()
