"""The outbox relay settles each row on its own, against a real NATS and Postgres.

A row the server refuses (over its max_payload, over a stream's max_msg_size, on a subject no stream takes)
becomes a dead letter with the reason and the rows around it are delivered; a row that may pass later (NATS
down, no PubAck in time) stays for the next round; an event too big for the bus is refused at ``emit``, before
anything of its transaction commits.

The NATS server is this module's own (a small max_payload, streams chosen per case, stopped on purpose); the
plumbing tables live in a schema of each test's own.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import nats
import pytest
import sqlalchemy as sa
from faststream.nats import NatsBroker
from nats.js import JetStreamContext, api
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from contracts import IntegrationEvent
from contracts.events.catalog import GridMapped, LawChanged, LawChangeKind, StreetListPublished
from services.platform.embedded import NatsServer
from services.runtime.db import PlumbingTables, create_engine, plumbing_tables, sessionmaker
from services.runtime.errors import EventTooLarge
from services.runtime.outbox import OutboxRelay, relayed_headers, wire_size
from services.runtime.uow import UnitOfWork
from tests.support import eventually

pytestmark = pytest.mark.integration

MAX_PAYLOAD = 64 * 1024
ENFORCEMENT_MAX_MSG = 2048
CONSUMER = "relaytest-outbox"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    base: Path = tmp_path_factory.mktemp("relay-nats")
    config = base / "nats.conf"
    config.write_text(f"max_payload: {MAX_PAYLOAD}\n")
    with NatsServer(store_dir=base / "store", config_file=config) as running:
        yield running


@pytest.fixture(scope="module")
async def streams(server: NatsServer) -> AsyncIterator[JetStreamContext]:
    """CATALOG as the platform has it, ENFORCEMENT with a small max_msg_size; no EVALUATION, no ADMISSION."""
    client = await nats.connect(server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    js = client.jetstream()
    await js.add_stream(api.StreamConfig(name="CATALOG", subjects=["catalog.>"], duplicate_window=300))
    await js.add_stream(
        api.StreamConfig(name="ENFORCEMENT", subjects=["enforcement.>"], max_msg_size=ENFORCEMENT_MAX_MSG)
    )
    yield js
    await client.close()


@pytest.fixture
async def broker(server: NatsServer, streams: JetStreamContext) -> AsyncIterator[NatsBroker]:
    broker = NatsBroker(server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    await broker.connect()
    yield broker
    await broker.stop()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=2)
    yield engine
    await engine.dispose()


def things(schema: str | None) -> sa.Table:
    """A state change of the test's own, beside the plumbing tables."""
    return sa.Table("thing", sa.MetaData(schema=schema), sa.Column("name", sa.Text, primary_key=True))


@pytest.fixture
async def tables(engine: AsyncEngine) -> AsyncIterator[PlumbingTables]:
    schema = f"relay_{uuid.uuid4().hex[:8]}"
    metadata = sa.MetaData(schema=schema)
    plumbing = plumbing_tables(metadata)
    async with engine.begin() as connection:
        await connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        await connection.run_sync(metadata.create_all)
        await connection.run_sync(things(schema).create)
    yield plumbing
    async with engine.begin() as connection:
        await connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return sessionmaker(engine)


@pytest.fixture
def relay(sessions: async_sessionmaker[Any], tables: PlumbingTables, broker: NatsBroker) -> OutboxRelay:
    return OutboxRelay(sessions, tables, broker, consumer=CONSUMER, batch=100, poll_s=0.05, puback_timeout_s=1.0)


async def emit(sessions: async_sessionmaker[Any], tables: PlumbingTables, *events: IntegrationEvent) -> list[str]:
    """Commit ``events`` through a unit of work, as a use case would; their event ids, in order."""
    async with UnitOfWork(sessions, tables, source="/tests/relay") as uow:
        ids = [str(await uow.emit(event)) for event in events]
        await uow.commit()
    return ids


async def insert_row(sessions: async_sessionmaker[Any], tables: PlumbingTables, subject: str, body: bytes) -> str:
    """An outbox row written by hand, for bodies and subjects no contract would produce."""
    event_id = uuid.uuid4()
    row = {"event_id": event_id, "subject": subject, "body": body, "headers": {"Nats-Msg-Id": str(event_id)}}
    async with sessions() as session, session.begin():
        await session.execute(tables.outbox.insert().values(**row))
    return str(event_id)


def grid(n: int) -> GridMapped:
    return GridMapped(grid_code=f"g{uuid.uuid4().hex[:6]}-{n}", street_code="wulong", version=1)


def street_list_over(limit: int) -> StreetListPublished:
    codes = tuple(f"LS-GX-{n:04d}-{'x' * 50}" for n in range(limit // 50))
    return StreetListPublished(street_code="wulong", revision=1, item_codes=codes, filing_no="备1", catalogue_version=1)


async def stored(js: JetStreamContext, subject: str, ids: list[str]) -> list[str]:
    """Of ``ids``, those the stream holds under ``subject``, once per stored copy."""
    found: list[str] = []
    info = await js.stream_info(subject.split(".")[0].upper())
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = await js.get_msg(info.config.name or "", seq)
        if message.headers and message.headers.get("Nats-Msg-Id") in ids and message.subject == subject:
            found.append(message.headers["Nats-Msg-Id"])
    return found


async def dead_letters(sessions: async_sessionmaker[Any], tables: PlumbingTables) -> list[Any]:
    async with sessions() as session:
        return list((await session.execute(sa.select(tables.dead_letter).order_by(tables.dead_letter.c.id))).all())


async def outbox_size(sessions: async_sessionmaker[Any], tables: PlumbingTables) -> int:
    async with sessions() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(tables.outbox)) or 0)


async def _empty(sessions: async_sessionmaker[Any], tables: PlumbingTables) -> bool:
    return await outbox_size(sessions, tables) == 0


async def test_a_row_over_max_payload_is_dead_lettered_and_the_rows_around_it_are_delivered(
    relay: OutboxRelay, sessions: async_sessionmaker[Any], tables: PlumbingTables, broker: NatsBroker
) -> None:
    js = broker.connection.jetstream()
    first, big, last = await emit(sessions, tables, grid(1), street_list_over(MAX_PAYLOAD), grid(2))

    outcome = await relay.publish_pending()

    assert (len(outcome.delivered), [r.seq for r, _ in outcome.refused], outcome.held) == (2, [2], [])
    assert await stored(js, GridMapped.TYPE, [first, last]) == [first, last]
    assert await stored(js, StreetListPublished.TYPE, [big]) == []
    [letter] = await dead_letters(sessions, tables)
    assert (letter.consumer, letter.kind, letter.subject, letter.deliveries) == (
        CONSUMER,
        "refused",
        StreetListPublished.TYPE,
        1,
    )
    assert f"over the server's max_payload of {MAX_PAYLOAD} bytes" in letter.reason
    assert letter.headers["Nats-Msg-Id"] == big
    assert len(letter.body) > MAX_PAYLOAD
    assert await outbox_size(sessions, tables) == 0
    assert broker.connection.is_connected

    running = asyncio.create_task(relay.run())
    try:
        [later] = await emit(sessions, tables, grid(3))
        relay.wake()
        await eventually(lambda: stored(js, GridMapped.TYPE, [later]))
    finally:
        running.cancel()


async def test_the_size_check_counts_headers_as_the_server_does(
    relay: OutboxRelay, sessions: async_sessionmaker[Any], tables: PlumbingTables, broker: NatsBroker
) -> None:
    # A server reading more than max_payload (body and headers) closes the connection; nats-py checks the body.
    subject = GridMapped.TYPE
    overhead = wire_size(b"", relayed_headers({"Nats-Msg-Id": str(uuid.uuid4())}, subject))
    fits = await insert_row(sessions, tables, subject, b"x" * (MAX_PAYLOAD - overhead))
    over = await insert_row(sessions, tables, subject, b"x" * (MAX_PAYLOAD - overhead + 1))

    outcome = await relay.publish_pending()

    assert len(outcome.delivered) == 1
    assert [reason for _, reason in outcome.refused] == [
        f"{MAX_PAYLOAD + 1} bytes with its headers, over the server's max_payload of {MAX_PAYLOAD} bytes"
    ]
    assert await stored(broker.connection.jetstream(), subject, [fits, over]) == [fits]
    assert broker.connection.is_connected


async def test_a_stream_refusing_a_row_is_read_from_its_puback_and_the_row_dead_lettered(
    relay: OutboxRelay, sessions: async_sessionmaker[Any], tables: PlumbingTables
) -> None:
    subject = "enforcement.matter.registered.v1"
    await insert_row(sessions, tables, subject, b"{}")
    await insert_row(sessions, tables, subject, b"y" * (ENFORCEMENT_MAX_MSG + 1))
    await insert_row(sessions, tables, subject, b"{}")

    outcome = await relay.publish_pending()

    assert (len(outcome.delivered), len(outcome.refused), outcome.held) == (2, 1, [])
    [letter] = await dead_letters(sessions, tables)
    assert letter.reason == ("JetStream refused it: message size exceeds maximum allowed (code 400, err_code 10054)")
    assert await outbox_size(sessions, tables) == 0


async def test_a_row_on_a_subject_no_stream_takes_is_dead_lettered(
    relay: OutboxRelay, sessions: async_sessionmaker[Any], tables: PlumbingTables, broker: NatsBroker
) -> None:
    await insert_row(sessions, tables, "nowhere.thing.happened.v1", b"{}")  # no platform stream holds it
    await insert_row(sessions, tables, "evaluation.scorecard.published.v1", b"{}")  # not on this server
    [good] = await emit(sessions, tables, grid(1))

    outcome = await relay.publish_pending()

    assert len(outcome.delivered) == 1
    reasons = [letter.reason for letter in await dead_letters(sessions, tables)]
    assert reasons == [
        "no stream holds subject 'nowhere.thing.happened.v1'",
        "no stream on the server takes subject 'evaluation.scorecard.published.v1'",
    ]
    assert await outbox_size(sessions, tables) == 0
    assert await stored(broker.connection.jetstream(), GridMapped.TYPE, [good]) == [good]


async def test_a_row_nobody_acknowledges_stays_for_the_next_round_and_the_acknowledged_leave(
    relay: OutboxRelay,
    sessions: async_sessionmaker[Any],
    tables: PlumbingTables,
    server: NatsServer,
    broker: NatsBroker,
) -> None:
    # A listener with no stream behind it: the subject has interest, so no "no responders", and no PubAck
    listener = await nats.connect(server.url)
    await listener.subscribe("admission.>")
    await listener.flush()  # the interest reaches the server before the relay publishes
    try:
        await insert_row(sessions, tables, "admission.application.submitted.v1", b"{}")
        [good] = await emit(sessions, tables, grid(1))
        outcome = await relay.publish_pending()
    finally:
        await listener.close()
    assert (len(outcome.delivered), outcome.refused, outcome.held) == (1, [], [1])
    assert outcome.held_because == "no PubAck within 1 s"
    assert await stored(broker.connection.jetstream(), GridMapped.TYPE, [good]) == [good]
    assert await dead_letters(sessions, tables) == []
    assert await outbox_size(sessions, tables) == 1


async def test_while_nats_is_down_rows_wait_and_leave_when_it_is_back(
    relay: OutboxRelay,
    sessions: async_sessionmaker[Any],
    tables: PlumbingTables,
    broker: NatsBroker,
    server: NatsServer,
) -> None:
    server.stop()
    running = asyncio.create_task(relay.run())
    try:
        ids = await emit(sessions, tables, grid(1), grid(2), grid(3))
        relay.wake()
        await asyncio.sleep(1.0)  # rounds pass while the server is away
        assert await outbox_size(sessions, tables) == 3
        assert await dead_letters(sessions, tables) == []
        server.start()
        await eventually(lambda: _empty(sessions, tables), timeout=20)
    finally:
        running.cancel()
        server.start()  # for the tests after this one, whatever happened here
    js = broker.connection.jetstream()
    assert sorted(await stored(js, GridMapped.TYPE, ids)) == sorted(ids)
    assert await dead_letters(sessions, tables) == []


async def test_an_event_too_large_for_the_bus_is_refused_at_emit_and_nothing_commits(
    sessions: async_sessionmaker[Any], tables: PlumbingTables
) -> None:
    thing = things(tables.outbox.schema)
    law = LawChanged(
        law_id="L1",
        title="条例",
        change=LawChangeKind.REPEALED,
        effective_on=date(2026, 1, 1),
        clauses=tuple(f"第{n}条（{'废' * 300}）" for n in range(1500)),  # within its bound, over the bus's limit
    )

    async def repeal() -> None:
        async with UnitOfWork(sessions, tables, source="/tests/relay") as uow:
            await uow.session.execute(thing.insert().values(name="repealed"))
            await uow.emit(grid(1))
            await uow.emit(law)
            await uow.commit()

    with pytest.raises(EventTooLarge, match=r"catalog\.law\.changed\.v1 event"):
        await repeal()
    async with sessions() as session:
        assert (await session.execute(sa.select(thing))).all() == []
    assert await outbox_size(sessions, tables) == 0
