"""NATS and Postgres for one bench run: a NATS server of its own, a fresh database, every schema migrated."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from services.platform.embedded import NatsServer
from services.platform.embedded_postgres import EmbeddedPostgres
from services.platform.supervisor import migrate_all


@dataclass(frozen=True)
class Infra:
    nats_url: str
    database_url: str
    """SQLAlchemy URL, as the services read ``LINKAGE_DATABASE_URL``."""
    nats_pid: int | None
    postgres_pid: int | None
    postgres_port: int
    postgres_source: str

    @property
    def dsn(self) -> str:
        """libpq URL for asyncpg."""
        return make_url(self.database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def infrastructure(workdir: Path, *, say: Say) -> Iterator[Infra]:
    """Start NATS (always our own, on a free port) and Postgres (``LINKAGE_DATABASE_URL``'s server, or embedded)."""
    with contextlib.ExitStack() as stack:
        say("starting NATS with JetStream on a free port")
        nats = stack.enter_context(NatsServer(store_dir=workdir / "nats", log_file=workdir / "logs" / "nats.log"))
        if server_url := os.environ.get("LINKAGE_DATABASE_URL"):
            say("creating a fresh database on LINKAGE_DATABASE_URL's server")
            database_url = stack.enter_context(_fresh_database(server_url))
            port = make_url(database_url).port or 5432
            pg_pid, source = None, "LINKAGE_DATABASE_URL"
        else:
            say("starting an embedded Postgres")
            pg = EmbeddedPostgres(
                data_dir=workdir / "pg", log_file=workdir / "logs" / "postgres.log", database="linkage_bench"
            )
            database_url = stack.enter_context(pg).url
            port, pg_pid, source = pg.port, pg.pid, "embedded"
        say("migrating every service's schema")
        migrate_all(database_url)
        yield Infra(nats.url, database_url, nats.pid, pg_pid, port, source)


@contextlib.contextmanager
def _fresh_database(server_url: str) -> Iterator[str]:
    server = make_url(server_url)
    name = f"linkage_bench_{uuid.uuid4().hex[:10]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    asyncio.run(_execute(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with contextlib.suppress(Exception):
            asyncio.run(_execute(admin, f'DROP DATABASE "{name}" WITH (FORCE)'))


async def _execute(dsn: str, sql: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


class Say:
    """Progress lines on stderr, so that stdout carries only the table."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet

    def __call__(self, message: str) -> None:
        if not self.quiet:
            import sys
            import time

            print(f"bench {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)
