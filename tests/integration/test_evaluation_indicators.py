"""Evaluation against a real NATS and Postgres: dispatched tasks become counts, once each, read by scope."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext

from contracts import encode
from contracts.envelope import CONTENT_TYPE, envelop
from contracts.events.dispatch import TaskAssigned, TaskRole
from services.evaluation.app import create_app
from services.evaluation.settings import Settings
from tests.support import bearer, bus, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")
JUNE = {"from": "2025-06-01", "to": "2025-06-30"}


def task(assignee: str, *, role: TaskRole = TaskRole.PRIMARY, at: datetime | None = None) -> TaskAssigned:
    return TaskAssigned(
        task_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        assignee_code=assignee,
        role=role,
        item_code="GX-001",
        street_code="hongxing",
        catalogue_version=1,
        routing_reason="responsible body (责任主体) of item GX-001 占道经营治理",
        description="人行道上有流动摊贩",
        assigned_at=at or datetime(2025, 6, 15, 2, 0, tzinfo=UTC),
    )


async def send(js: JetStreamContext, event: TaskAssigned) -> uuid.UUID:
    return await publish(js, event, token=event.assignee_code, source="/linkage/dispatch")


async def send_twice(js: JetStreamContext, event: TaskAssigned) -> None:
    """The same envelope twice under different ``Nats-Msg-Id``s, as a producer's retry past JetStream's window."""
    envelope = envelop(event, source="/linkage/dispatch")
    for msg_id in (str(envelope.id), f"{envelope.id}-again"):
        headers = {"Nats-Msg-Id": msg_id, "content-type": CONTENT_TYPE}
        await js.publish(event.subject(event.assignee_code), encode(envelope), headers=headers)


@pytest.fixture
async def evaluation(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        yield client


async def counts(
    client: httpx.AsyncClient, *codes: str, headers: dict[str, str] = OFFICE, **params: str
) -> dict[str, dict[str, Any]]:
    response = await client.get("/indicators/tasks-assigned", params={**JUNE, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return {row["assignee_code"]: row for row in response.json()["assignees"] if row["assignee_code"] in codes}


async def test_dispatched_tasks_are_counted_per_assignee_and_role_within_the_period(
    evaluation: httpx.AsyncClient, nats_url: str
) -> None:
    lead, helper = unique("dept"), unique("agency")
    async with bus(nats_url) as (_, js):
        await send(js, task(lead))
        await send(js, task(lead))
        await send(js, task(lead, role=TaskRole.CO_OPERATING))
        await send(js, task(helper, role=TaskRole.CO_OPERATING))
        await send(js, task(lead, at=datetime(2025, 6, 30, 16, 30, tzinfo=UTC)))  # 1 July 00:30 in Beijing
        await send(js, task(lead, at=datetime(2025, 5, 31, 16, 0, tzinfo=UTC)))  # 1 June 00:00 in Beijing

    async def both() -> dict[str, dict[str, Any]]:
        rows = await counts(evaluation, lead, helper)
        return rows if rows.get(lead, {}).get("total") == 4 and helper in rows else {}

    rows = await eventually(both)
    assert rows[lead] == {
        "assignee_code": lead,
        "primary": 3,
        "co_operating": 1,
        "total": 4,
        "sample_sufficient": True,
    }
    assert (rows[helper]["primary"], rows[helper]["co_operating"]) == (0, 1)
    july = await evaluation.get(
        "/indicators/tasks-assigned",
        params={"from": "2025-07-01", "to": "2025-07-01", "assignee_code": lead},
        headers=OFFICE,
    )
    assert [row["total"] for row in july.json()["assignees"]] == [1]
    indicator = july.json()["indicator"]
    assert indicator["id"] == "tasks_assigned@1"
    assert indicator["source_events"] == [TaskAssigned.TYPE]
    assert "主办" in indicator["formula"]


async def test_a_task_delivered_twice_or_sent_again_is_counted_once(
    evaluation: httpx.AsyncClient, nats_url: str
) -> None:
    assignee = unique("dept")
    once = task(assignee)
    async with bus(nats_url) as (_, js):
        await send_twice(js, once)  # one event id twice: the inbox skips the second
        await send(js, once)  # the same task under a new event id: the task id keeps it once
        await eventually(lambda: _drained(js))  # every delivery acked, none waiting for a retry

    assert (await counts(evaluation, assignee))[assignee]["primary"] == 1
    letters = await evaluation.get("/ops/dead-letters", headers=bearer("operator"))
    assert [d for d in letters.json() if assignee in d["body"]] == []


async def _drained(js: JetStreamContext) -> bool:
    info = await js.consumer_info("DISPATCH", "evaluation-dispatch-events")
    return bool(info.num_ack_pending == 0 and info.num_pending == 0)


async def test_a_department_reads_only_its_own_counts(evaluation: httpx.AsyncClient, nats_url: str) -> None:
    mine, theirs = unique("dept"), unique("dept")
    async with bus(nats_url) as (_, js):
        await send(js, task(mine))
        await send(js, task(theirs))
    await eventually(lambda: _total(evaluation, mine, theirs))

    own = bearer(f"department:{mine}")
    assert set(await counts(evaluation, mine, theirs, headers=own)) == {mine}
    refused = await evaluation.get("/indicators/tasks-assigned", params={**JUNE, "assignee_code": theirs}, headers=own)
    assert refused.status_code == 403
    assert refused.json()["detail"][0]["loc"] == ["body", "assignee_code"]
    assert theirs in refused.json()["detail"][0]["msg"]
    street = await counts(evaluation, mine, theirs, headers=bearer(f"street:{theirs}"), assignee_code=theirs)
    assert set(street) == {theirs}
    assert set(await counts(evaluation, mine, theirs, headers=bearer("operator"))) == {mine, theirs}
    assert (await evaluation.get("/indicators/tasks-assigned", params=JUNE)).status_code == 401
    smartcity = await evaluation.get("/indicators/tasks-assigned", params=JUNE, headers=bearer("smartcity"))
    assert smartcity.status_code == 403


async def _total(client: httpx.AsyncClient, *codes: str) -> bool:
    return len(await counts(client, *codes)) == len(codes)


async def test_a_bad_period_is_refused_naming_the_field(evaluation: httpx.AsyncClient) -> None:
    async def refusal(**params: str) -> list[str]:
        response = await evaluation.get("/indicators/tasks-assigned", params=params, headers=OFFICE)
        assert response.status_code == 422, response.text
        loc: list[str] = response.json()["detail"][0]["loc"]
        return loc

    assert await refusal(**{"from": "2025-06-30", "to": "2025-06-01"}) == ["query", "to"]
    assert await refusal(**{"from": "6/1/2025", "to": "2025-06-30"}) == ["query", "from"]
    assert await refusal(**JUNE, assignee_code="a.b") == ["query", "assignee_code"]
    assert await refusal(**{"from": "2025-06-01"}) == ["query", "to"]
