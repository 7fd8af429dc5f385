"""The embedded servers against real clients: nats-py with JetStream, asyncpg and SQLAlchemy."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import nats
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from services.platform.embedded import NatsServer, free_port
from services.platform.embedded_postgres import EmbeddedPostgres
from services.platform.errors import PlatformError

pytestmark = pytest.mark.integration


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    with NatsServer(store_dir=tmp_path / "nats") as server:
        yield server


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    with EmbeddedPostgres(data_dir=tmp_path / "pg") as server:
        yield server


async def test_nats_acknowledges_a_jetstream_publish(nats_server: NatsServer) -> None:
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        await js.add_stream(name="PLATFORM", subjects=["platform.>"])
        ack = await js.publish("platform.task.assigned.v1", b"{}")
    finally:
        await client.close()

    assert (ack.stream, ack.seq) == ("PLATFORM", 1)
    assert nats_server.url == f"nats://127.0.0.1:{nats_server.port}"


async def test_nats_keeps_its_streams_across_a_kill_and_restart(nats_server: NatsServer) -> None:
    client = await nats.connect(nats_server.url)
    await client.jetstream().add_stream(name="PLATFORM", subjects=["platform.>"])
    await client.jetstream().publish("platform.case.closed.v1", "区街联动".encode())
    await client.close()
    first_pid = nats_server.pid

    nats_server.kill()
    assert nats_server.pid is None
    nats_server.restart()

    client = await nats.connect(nats_server.url)
    try:
        stored = await client.jetstream().get_msg("PLATFORM", 1)
    finally:
        await client.close()
    assert stored.data is not None
    assert stored.data.decode() == "区街联动"
    assert nats_server.pid not in (None, first_pid)


def test_nats_that_cannot_start_says_why(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        server = NatsServer(store_dir=tmp_path / "nats", port=squatter.getsockname()[1])
        with pytest.raises(PlatformError, match="exited") as error:
            server.start()
    assert "address already in use" in str(error.value)
    assert server.pid is None


async def test_postgres_answers_on_tcp_with_utf8(postgres: EmbeddedPostgres) -> None:
    connection = await asyncpg.connect(postgres.dsn)
    try:
        assert await connection.fetchval("SELECT 1") == 1
        await connection.execute("CREATE TABLE terms (name text)")
        await connection.execute("INSERT INTO terms VALUES ($1)", "区街联动")
        assert await connection.fetchval("SELECT name FROM terms") == "区街联动"
    finally:
        await connection.close()


async def test_postgres_url_is_what_sqlalchemy_wants(postgres: EmbeddedPostgres) -> None:
    engine = create_async_engine(postgres.url)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(sa.text("SELECT current_database()")) == "linkage"
    finally:
        await engine.dispose()


async def test_postgres_keeps_its_data_across_stop_and_start(tmp_path: Path) -> None:
    server = EmbeddedPostgres(data_dir=tmp_path / "pg", port=free_port())
    with server:
        connection = await asyncpg.connect(server.dsn)
        await connection.execute("CREATE TABLE terms (name text); INSERT INTO terms VALUES ('吹哨报到')")
        await connection.close()
    assert server.pid is None

    with server:
        connection = await asyncpg.connect(server.dsn)
        try:
            assert await connection.fetchval("SELECT name FROM terms") == "吹哨报到"
        finally:
            await connection.close()
