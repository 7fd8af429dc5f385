"""One durable over several contracts of a stream (``filter_subjects``), on a real NATS and Postgres.

- The durable is declared with the contracts' subjects as ``filter_subjects`` and is not seen as drifted.
- A fetched batch mixing event types reaches ``many`` once, each event decoded by its subject's contract;
  a body that is not its subject's contract is dead-lettered alone (kind, stream and sequence kept).
- One message on its own is decoded the same way; a replayed dead letter (no subject) by its envelope's type.
- A durable the subscription took over is deleted, and one already gone is no error.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from nats.js import api
from nats.js.errors import NotFoundError
from opentelemetry.context import Context

from contracts import CloudEvent, encode
from contracts.envelope import envelop
from contracts.events.dispatch import CaseRated, TaskAssigned, TaskRole, WhistleBlown, WhistleReason
from contracts.events.enforcement import MatterRegistered
from services.enforcement.app import create_app
from services.enforcement.settings import Settings
from services.evaluation.handlers import PROJECTED, SUBSCRIPTIONS
from services.runtime.bus import (
    ForeignSubject,
    Subscription,
    consumer_config,
    consumer_matches,
    reconcile_consumer,
    reconcile_streams,
    retire_consumer,
)
from services.runtime.consumer import declare
from services.runtime.db import DeadLetterKind
from services.runtime.kit import ServiceKit
from services.runtime.uow import UnitOfWork
from tests.support import bus, eventually, publish, settings_env, unique

pytestmark = pytest.mark.integration


@dataclasses.dataclass
class Recorder:
    """Handlers that keep what they were given: each batch ``many`` saw, and each event handled alone."""

    batches: list[list[CloudEvent[Any]]] = dataclasses.field(default_factory=list)
    alone: list[CloudEvent[Any]] = dataclasses.field(default_factory=list)

    async def one(self, event: CloudEvent[Any], uow: UnitOfWork) -> None:
        async with uow:
            self.alone.append(event)
            await uow.commit()

    async def many(self, events: Sequence[CloudEvent[Any]], uow: UnitOfWork) -> None:
        async with uow:
            self.batches.append(list(events))
            await uow.commit()


@pytest.fixture
async def kit(nats_url: str, database_url: str) -> AsyncIterator[ServiceKit]:
    """Enforcement's kit, unstarted: its database tables and dead-letter writer, nothing consuming; the
    platform's streams in place."""
    async with bus(nats_url) as (_, js):
        await reconcile_streams(js, replicas=1)
    service_kit: ServiceKit = create_app(Settings(**settings_env(nats_url, database_url))).state.kit
    try:
        yield service_kit
    finally:
        await service_kit.engine.dispose()


def assigned(token: str) -> TaskAssigned:
    return TaskAssigned(
        task_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        assignee_code=token,
        role=TaskRole.PRIMARY,
        item_code="GX-001",
        street_code="hongxing",
        catalogue_version=1,
        routing_reason="责任主体",
        description="垃圾堆积",
        assigned_at=datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
    )


def whistle() -> WhistleBlown:
    return WhistleBlown(
        whistle_id=uuid.uuid4(),
        street_code="hongxing",
        reason=WhistleReason.NO_POWER,
        departments=("cgj",),
        report_by=datetime.now(UTC) + timedelta(hours=2),
        description="占道经营,需城管与市场监管到场",
    )


def subscription(recorder: Recorder) -> Subscription[Any]:
    return Subscription(
        TaskAssigned,
        recorder.one,
        many=recorder.many,
        others=(WhistleBlown, CaseRated),
        name=unique("mixed"),
    )


def declared(recorder: Recorder, kit: ServiceKit) -> Any:
    """The consumer as a service declares it, reading only what is published from now on (tests share DISPATCH)."""
    consumer = declare(
        subscription(recorder),
        service="tests",
        settings=kit.settings,
        uow_factory=kit.uow,
        dead_letter=kit.write_dead_letter,
        watch=kit.watch,
    )
    consumer.config = dataclasses.replace(consumer.config, deliver_policy=api.DeliverPolicy.NEW)
    return consumer


async def test_the_durable_filters_on_every_contracts_subject_and_does_not_drift(
    nats_url: str, kit: ServiceKit
) -> None:
    consumer = declared(Recorder(), kit)
    assert consumer.stream == "DISPATCH"
    assert consumer.config.filter_subject is None
    assert consumer.config.filter_subjects == [
        "dispatch.task.assigned.v1.*",
        "dispatch.whistle.blown.v1",
        "dispatch.case.rated.v1",
    ]
    async with bus(nats_url) as (_, js):
        await reconcile_consumer(js, consumer.stream, consumer.config)
        try:
            current = (await js.consumer_info(consumer.stream, consumer.durable)).config
            assert current.filter_subjects == consumer.config.filter_subjects
            assert consumer_matches(current, consumer.config)
        finally:
            await js.delete_consumer(consumer.stream, consumer.durable)


async def test_a_mixed_batch_is_decoded_by_subject_and_handled_in_one_transaction(
    nats_url: str, kit: ServiceKit
) -> None:
    recorder = Recorder()
    consumer = declared(recorder, kit)
    token = unique("dept").replace("-", "")
    async with bus(nats_url) as (_, js):
        await reconcile_consumer(js, consumer.stream, consumer.config)
        try:
            task_id = await publish(js, assigned(token), token=token)
            whistle_id = await publish(js, whistle())
            bad = await js.publish(
                CaseRated.TYPE, b'{"not": "an envelope"}', headers={"Nats-Msg-Id": str(uuid.uuid4())}
            )
            pulled = await js.pull_subscribe_bind(consumer.durable, consumer.stream)
            msgs = await pulled.fetch(3, timeout=5)
            assert len(msgs) == 3

            outcomes = await consumer.consume_many(msgs, [Context()] * len(msgs))

            assert outcomes == ["acked", "acked", "dead-lettered"]
            [batch] = recorder.batches
            assert [(e.id, type(e.data)) for e in batch] == [(task_id, TaskAssigned), (whistle_id, WhistleBlown)]
            assert recorder.alone == []

            async def settled() -> bool:  # acks and terms reach the server asynchronously
                info = await js.consumer_info(consumer.stream, consumer.durable)
                return (info.num_pending, info.num_ack_pending) == (0, 0)

            await eventually(settled, timeout=10)
        finally:
            await js.delete_consumer(consumer.stream, consumer.durable)
    table = kit.tables.dead_letter
    async with kit.sessions() as session:
        [letter] = list(await session.execute(sa.select(table).where(table.c.consumer == consumer.durable)))
    assert letter.kind == DeadLetterKind.UNPARSEABLE
    assert (letter.subject, letter.stream, letter.stream_seq) == (CaseRated.TYPE, "DISPATCH", bad.seq)


async def test_one_message_alone_and_a_replayed_one_are_decoded_by_their_contract(
    nats_url: str, kit: ServiceKit
) -> None:
    recorder = Recorder()
    consumer = declared(recorder, kit)
    async with bus(nats_url) as (_, js):
        await reconcile_consumer(js, consumer.stream, consumer.config)
        try:
            whistle_id = await publish(js, whistle())
            [msg] = await (await js.pull_subscribe_bind(consumer.durable, consumer.stream)).fetch(1, timeout=5)
            assert await consumer.consume(msg) == "acked"
        finally:
            await js.delete_consumer(consumer.stream, consumer.durable)
    replayed = envelop(assigned("cgj"), source="/tests")
    await consumer.handle(encode(replayed))  # a dead letter replayed by an operator: no subject at hand
    assert [(e.id, type(e.data)) for e in recorder.alone] == [(whistle_id, WhistleBlown), (replayed.id, TaskAssigned)]
    with pytest.raises(ForeignSubject):  # a contract this subscription does not take
        await consumer.handle(
            encode(
                envelop(
                    MatterRegistered(matter_id=uuid.uuid4(), item_code="QL-001", name="检查", department_code="cgj"),
                    source="/tests",
                )
            )
        )


def test_several_contracts_need_a_durable_name_and_one_stream(kit: ServiceKit) -> None:
    recorder = Recorder()
    with pytest.raises(ValueError, match="durable name"):
        Subscription(TaskAssigned, recorder.one, others=(WhistleBlown,))
    across = Subscription(TaskAssigned, recorder.one, others=(MatterRegistered,), name="across")
    with pytest.raises(ValueError, match="spans streams"):
        declare(
            across,
            service="tests",
            settings=kit.settings,
            uow_factory=kit.uow,
            dead_letter=kit.write_dead_letter,
            watch=kit.watch,
        )


def test_evaluation_reads_dispatch_through_one_durable_and_retires_the_per_event_ones() -> None:
    [only] = SUBSCRIPTIONS
    assert only.durable("evaluation") == "evaluation-dispatch-events"
    assert set(only.contracts) == set(PROJECTED)
    assert "evaluation-task-assigned" in only.retired("evaluation")
    assert "evaluation-whistle-blown" in only.retired("evaluation")
    assert len(only.retired("evaluation")) == 11


async def test_a_retired_durable_is_deleted_and_one_already_gone_is_no_error(nats_url: str, kit: ServiceKit) -> None:
    durable = unique("retired")
    async with bus(nats_url) as (_, js):
        config = consumer_config(durable, WhistleBlown.TYPE, max_deliver=3, ack_wait_s=5)
        await reconcile_consumer(js, "DISPATCH", config)
        await retire_consumer(js, "DISPATCH", durable)
        with pytest.raises(NotFoundError):
            await js.consumer_info("DISPATCH", durable)
        await retire_consumer(js, "DISPATCH", durable)
