"""The bare limit: the same durable work as the case pipeline with nothing else, on the same NATS and Postgres.

nats-py pull consumer → one Postgres transaction inserting the case row and an outbox row → JetStream
publish with PubAck → delete the outbox rows → ack. ``single`` does this one message at a time;
``batched`` takes what one fetch returns (up to ``BATCH``) through one transaction, publishes the batch
concurrently, awaits every PubAck, deletes the rows in one statement and acks. No ORM, no envelope
models, no telemetry, no routing beyond a dict.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api

from bench.workload import Outgoing, Workload
from contracts.streams import DUPLICATE_WINDOW_S

STREAM = "BENCHBARE"
PREFIX = "benchbare"
TASKS = f"{PREFIX}.task.>"
BATCH = 256

SCHEMA = """
CREATE SCHEMA IF NOT EXISTS bare;
CREATE TABLE IF NOT EXISTS bare.cases (
    id uuid PRIMARY KEY,
    source_system text NOT NULL,
    source_id text NOT NULL,
    item_code text NOT NULL,
    grid_code text NOT NULL,
    description text NOT NULL,
    reported_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source_system, source_id)
);
CREATE TABLE IF NOT EXISTS bare.outbox (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    subject text NOT NULL,
    body bytea NOT NULL,
    headers jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
"""
INSERT_CASE = """
INSERT INTO bare.cases (id, source_system, source_id, item_code, grid_code, description, reported_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING
"""
INSERT_OUTBOX = "INSERT INTO bare.outbox (event_id, subject, body, headers) VALUES ($1, $2, $3, $4)"
DELETE_OUTBOX = "DELETE FROM bare.outbox WHERE event_id = ANY($1::uuid[])"


def intake_subject(mode: str) -> str:
    return f"{PREFIX}.intake.{mode}"


async def prepare(js: JetStreamContext, dsn: str) -> None:
    config = api.StreamConfig(
        name=STREAM,
        subjects=[f"{PREFIX}.>"],
        storage=api.StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_S,
        num_replicas=1,
    )
    await js.add_stream(config)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(SCHEMA)
    finally:
        await connection.close()


def case(workload: Workload, mode: str, tag: str, seq: int) -> Outgoing:
    """The same CloudEvents body as the platform's intake gets, on the bare stream."""
    message = workload.case(tag, seq)
    return Outgoing(intake_subject(mode), message.body, message.headers)


@dataclass(frozen=True)
class Work:
    """One message's durable work: its case row, its outbox row, and the task it becomes."""

    case: tuple[Any, ...]
    event_id: uuid.UUID
    subject: str
    body: bytes
    headers: dict[str, str]


def plan(msg: Msg, departments: dict[str, str]) -> Work:
    event = json.loads(msg.data)
    data = event["data"]
    case_id, event_id = uuid.uuid4(), uuid.uuid4()
    row = (
        case_id,
        data["source_system"],
        data["source_id"],
        data["item_code"],
        data["grid_code"],
        data["description"],
        datetime.fromisoformat(data["reported_at"]),
    )
    department = departments[data["item_code"]]
    task = {"id": str(event_id), "data": {"case_id": str(case_id), "description": data["description"]}}
    body = json.dumps(task).encode()
    return Work(row, event_id, f"{PREFIX}.task.{department}", body, {"Nats-Msg-Id": str(event_id)})


async def run(js: JetStreamContext, dsn: str, *, mode: str, workload: Workload) -> None:
    """Consume the bare intake until cancelled."""
    departments = {code: workload.department(i) for i, code in enumerate(workload.item_codes())}
    durable = f"bare-{mode}"
    config = api.ConsumerConfig(durable_name=durable, ack_policy=api.AckPolicy.EXPLICIT, max_ack_pending=10_000)
    subscription = await js.pull_subscribe(intake_subject(mode), durable=durable, config=config)
    connection = await asyncpg.connect(dsn)
    step = _single if mode == "single" else _batched
    try:
        while True:
            try:
                messages = await subscription.fetch(BATCH, timeout=0.25)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            await step(js, connection, [(m, plan(m, departments)) for m in messages])
    finally:
        with contextlib.suppress(Exception):
            await subscription.unsubscribe()
        await connection.close()


async def _single(js: JetStreamContext, connection: asyncpg.Connection, batch: list[tuple[Msg, Work]]) -> None:
    for msg, work in batch:
        async with connection.transaction():
            await connection.execute(INSERT_CASE, *work.case)
            await connection.execute(INSERT_OUTBOX, work.event_id, work.subject, work.body, json.dumps(work.headers))
        await js.publish(work.subject, work.body, stream=STREAM, headers=dict(work.headers))
        await connection.execute(DELETE_OUTBOX, [work.event_id])
        await msg.ack()


async def _batched(js: JetStreamContext, connection: asyncpg.Connection, batch: list[tuple[Msg, Work]]) -> None:
    works = [work for _, work in batch]
    async with connection.transaction():
        await connection.executemany(INSERT_CASE, [w.case for w in works])
        rows = [(w.event_id, w.subject, w.body, json.dumps(w.headers)) for w in works]
        await connection.executemany(INSERT_OUTBOX, rows)
    acks = [await js.publish_async(w.subject, w.body, stream=STREAM, headers=dict(w.headers)) for w in works]
    await asyncio.gather(*acks)
    await connection.execute(DELETE_OUTBOX, [w.event_id for w in works])
    for msg, _ in batch:
        await msg.ack()
