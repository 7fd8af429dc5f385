"""A fetched batch of intake messages handled in one transaction, on a real NATS and Postgres.

The dispatch service's own intake consumer is used as it is wired (its handlers, its unit of work, its
dead-letter table), but under a durable of the test's own that delivers only what the test publishes,
and with the relay not running, so the outbox rows can be read where the transaction left them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from opentelemetry import propagate
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import format_trace_id

from contracts import TimeLimit, encode
from contracts.base import TimeUnit
from contracts.envelope import CONTENT_TYPE, envelop
from contracts.events.catalog import ClauseRef, GridMapped, ItemPublished, ListKind
from contracts.events.intake import CaseReported
from services.dispatch import service
from services.dispatch.app import create_app
from services.dispatch.settings import Settings
from services.runtime.bus import consumer_config, reconcile_consumer, reconcile_streams
from services.runtime.consumer import Consumer
from services.runtime.kit import ServiceKit
from tests.support import bus, settings_env, unique

pytestmark = pytest.mark.integration
tracer = TracerProvider().get_tracer("tests.smartcity")


@dataclasses.dataclass
class Intake:
    kit: ServiceKit
    consumer: Consumer[Any]
    js: JetStreamContext
    department: str
    item_code: str
    grid: str

    def report(self, source_id: str, text: str = "人行道上有流动摊贩") -> CaseReported:
        return CaseReported(
            source_system="smartcity",
            source_id=source_id,
            item_code=self.item_code,
            grid_code=self.grid,
            description=text,
            reported_at=datetime.now(UTC),
        )

    async def send(self, report: CaseReported, *, event_id: uuid.UUID | None = None) -> tuple[uuid.UUID, str]:
        """Publish under a trace of its own (as the smart-city platform would); the event id and trace id."""
        envelope = envelop(report, source="/tests/smartcity")
        if event_id is not None:
            envelope = envelope.model_copy(update={"id": event_id})
        with tracer.start_as_current_span("report") as span:
            headers = {"Nats-Msg-Id": str(uuid.uuid4()), "content-type": CONTENT_TYPE}
            propagate.inject(headers)
        await self.js.publish(report.subject(), encode(envelope), headers=headers)
        return envelope.id, format_trace_id(span.get_span_context().trace_id)

    async def fetch(self, count: int) -> list[Msg]:
        subscription = await self.js.pull_subscribe_bind(self.consumer.durable, self.consumer.stream)
        messages: list[Msg] = []
        while len(messages) < count:
            messages += await subscription.fetch(count - len(messages), timeout=5)
        return messages

    async def consume(self, messages: list[Msg]) -> list[str]:
        traces = [propagate.extract(dict(m.headers or {})) for m in messages]
        return await self.consumer.consume_many(messages, traces)

    async def unsettled(self, *, expected: int) -> int:
        """Messages delivered and not acked; acks apply asynchronously, so wait up to 5 s for ``expected``."""
        for _ in range(50):
            info = await self.js.consumer_info(self.consumer.stream, self.consumer.durable)
            if info.num_pending == 0 and info.num_ack_pending == expected:
                break
            await asyncio.sleep(0.1)
        return info.num_ack_pending or 0

    async def rows(self, query: str, **params: Any) -> list[Any]:
        async with self.kit.engine.connect() as connection:
            return list(await connection.execute(sa.text(query), params))


@pytest.fixture
async def intake(nats_url: str, database_url: str) -> AsyncIterator[Intake]:
    kit: ServiceKit = create_app(Settings(**settings_env(nats_url, database_url))).state.kit  # no lifespan: no relay
    department, item_code, grid = unique("dept"), unique("ITEM"), unique("grid")
    item = ItemPublished(
        item_code=item_code,
        name="占道经营治理",
        list_kind=ListKind.COMMON,
        domain="城市管理",
        responsible_body=department,
        time_limit=TimeLimit(value=3, unit=TimeUnit.WORKING_DAY),
        legal_basis=(ClauseRef(law_id="L1", law_title="城市市容和环境卫生管理条例", article="第十四条"),),
        version=1,
        effective_from=date(2026, 1, 1),
    )
    await service.project_item(kit.uow(), item)
    await service.map_grid(kit.uow(), GridMapped(grid_code=grid, street_code=unique("street"), version=1))
    wired = kit.consumer("dispatch-case-reported")
    config = consumer_config(
        unique("test-batch"), wired.config.filter_subject or "", max_deliver=wired.max_deliver, ack_wait_s=30
    )
    config.deliver_policy = api.DeliverPolicy.NEW  # only what this test publishes from now on
    consumer = dataclasses.replace(wired, config=config)
    try:
        async with bus(nats_url) as (_, js):
            await reconcile_streams(js, replicas=1)
            await reconcile_consumer(js, consumer.stream, config)
            yield Intake(kit, consumer, js, department, item_code, grid)
            await js.delete_consumer(consumer.stream, consumer.durable)
    finally:
        await kit.engine.dispose()


def outbox_of(rows: list[Any], subject: str) -> list[dict[str, Any]]:
    return [
        {**json.loads(r.body)["data"], "trace": r.headers.get("traceparent", "")} for r in rows if r.subject == subject
    ]


async def test_a_batch_lands_in_one_transaction_each_case_once_under_its_own_trace(intake: Intake) -> None:
    sources = [unique("sc") for _ in range(6)]
    sent = [await intake.send(intake.report(source)) for source in sources]
    resent, _ = await intake.send(intake.report(sources[0]))  # the platform re-sends a case: new event, same id
    await intake.send(intake.report(sources[1]), event_id=sent[1][0])  # JetStream redelivers an event: same id
    await intake.js.publish("intake.case.reported.v1", b'{"specversion": "1.0", "data": {"item_code": 42}}')
    messages = await intake.fetch(9)

    outcomes = await intake.consume(messages)

    assert outcomes == ["acked"] * 8 + ["dead-lettered"]
    assert await intake.unsettled(expected=0) == 0  # every message acked (or terminated)
    cases = await intake.rows("SELECT id, source_id, status FROM dispatch.cases WHERE source_id = ANY(:s)", s=sources)
    assert sorted(c.source_id for c in cases) == sorted(sources)  # each once, the re-sent one included
    assert {c.status for c in cases} == {"dispatched"}
    outbox = await intake.rows(
        "SELECT subject, body, headers FROM dispatch.outbox"
        " WHERE convert_from(body, 'UTF8')::jsonb -> 'data' ->> 'item_code' = :code",
        code=intake.item_code,
    )
    tasks = outbox_of(outbox, f"dispatch.task.assigned.v1.{intake.department}")
    assert len(tasks) == len(sources)  # one task per case, none for the repeats
    case_of_source = {c.source_id: str(c.id) for c in cases}
    trace_of_case = {case_of_source[source]: trace for source, (_, trace) in zip(sources, sent, strict=True)}
    for task in tasks:  # the task continues the trace of the report that made its case, not its batch-mates'
        assert task["trace"].split("-")[1] == trace_of_case[task["case_id"]]
    timeline = await intake.rows(
        "SELECT case_id, action, trace_id FROM dispatch.timeline WHERE case_id = ANY(:ids) ORDER BY seq",
        ids=[c.id for c in cases],
    )
    assert len(timeline) == 3 * len(sources)  # reported, accepted, assigned
    assert all(entry.trace_id == trace_of_case[str(entry.case_id)] for entry in timeline)
    inbox = await intake.rows("SELECT event_id FROM dispatch.inbox WHERE consumer = :c", c=intake.consumer.durable)
    assert {row.event_id for row in inbox} == {event_id for event_id, _ in sent} | {resent}
    letters = await intake.rows(
        "SELECT reason FROM dispatch.dead_letter WHERE consumer = :c", c=intake.consumer.durable
    )
    assert len(letters) == 1
    assert "unparseable" in letters[0].reason


async def test_a_failing_batch_is_retried_one_message_at_a_time(intake: Intake) -> None:
    sources = [unique("sc") for _ in range(4)]
    for source in sources[:2]:
        await intake.send(intake.report(source))
    await intake.send(intake.report(sources[2], text="摊贩\x00占道"))  # Postgres cannot store a NUL: the batch fails
    await intake.send(intake.report(sources[3]))
    messages = await intake.fetch(4)

    outcomes = await intake.consume(messages)

    assert outcomes == ["acked", "acked", "retried", "acked"]  # the bad one alone is nak'd, with backoff
    cases = await intake.rows("SELECT source_id FROM dispatch.cases WHERE source_id = ANY(:s)", s=sources)
    assert sorted(c.source_id for c in cases) == sorted([sources[0], sources[1], sources[3]])
    assert await intake.unsettled(expected=1) == 1  # the nak'd message comes back after its delay
