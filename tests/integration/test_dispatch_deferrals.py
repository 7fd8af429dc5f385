"""Deferrals (延期/缓办) asked for by the assignee and decided by the office, and the acknowledgement time box
(签收时限) of a normal dispatch, against a real NATS and Postgres: events, timeline, audit, the sweep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.catalog import GridMapped, ItemPublished, ListKind
from contracts.events.intake import CaseReported
from services.dispatch import service
from services.dispatch.app import create_app
from services.dispatch.domain import WorkingCalendar
from services.dispatch.settings import Settings
from services.dispatch.store.tables import plumbing
from tests.support import bearer, body, bus, collect, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")
ACK_WITHIN_H = 3.0


@dataclass
class World:
    client: httpx.AsyncClient
    app: FastAPI
    nats_url: str

    async def task(self) -> tuple[dict[str, Any], dict[str, str]]:
        """A freshly dispatched primary task as its department received it, and that department's token."""
        owner, code, grid = unique("dept"), unique("ITEM"), unique("grid")
        item = ItemPublished(
            item_code=code,
            name="共享单车乱停放",
            list_kind=ListKind.COMMON,
            domain="城市管理",
            responsible_body=owner,
            time_limit=TimeLimit(value=5, unit=TimeUnit.WORKING_DAY),
            version=1,
            effective_from=date(2026, 1, 1),
        )
        async with bus(self.nats_url) as (_, js):
            await publish(js, item, source="/linkage/catalog")
            await publish(js, GridMapped(grid_code=grid, street_code=unique("s"), version=1))
            await eventually(lambda: self.projected(code, grid), timeout=60)
            report = CaseReported(
                source_system="smartcity",
                source_id=unique("sc"),
                item_code=code,
                grid_code=grid,
                description="单车堆满人行道",
                reported_at=datetime.now(UTC),
            )
            await publish(js, report)
            [message] = await collect(js, f"dispatch.task.assigned.v1.{owner}", count=1)
        task: dict[str, Any] = body(message)["data"]
        return task, bearer(f"department:{owner}", subject=f"user-{owner}")

    async def projected(self, code: str, grid: str) -> bool:
        """The item and the grid projected: their consumers may be working off a backlog."""
        definition = await self.client.get(f"/open311/v2/services/{code}.json")
        return definition.status_code == 200 and grid in definition.text

    async def view(self, task_id: str) -> dict[str, Any]:
        found: dict[str, Any] = (await self.client.get(f"/tasks/{task_id}", headers=OFFICE)).json()
        return found

    async def actions(self, case_id: str) -> list[str]:
        return [e["action"] for e in (await self.client.get(f"/cases/{case_id}/timeline", headers=OFFICE)).json()]

    async def audited(self, task_id: str) -> set[str]:
        audit = plumbing.audit
        async with self.app.state.kit.sessions() as session:
            rows = await session.execute(sa.select(audit.c.action).where(audit.c.entity == f"task:{task_id}"))
            return {row.action for row in rows}

    async def sweep_until(self, moment: datetime) -> None:
        """The run's database is shared: sweep everything due by ``moment``, a batch at a time."""
        for _ in range(100):
            if not await service.sweep_overdue(self.app.state.kit.uow(), moment):
                return


@pytest.fixture(scope="module")
async def world(nats_url: str, database_url: str) -> AsyncIterator[World]:
    settings = Settings(**settings_env(nats_url, database_url), ack_within_working_hours=ACK_WITHIN_H)
    app = create_app(settings)
    async with serving(app) as client:
        yield World(client, app, nats_url)


async def test_an_approved_extension_moves_the_due_time_on_the_working_calendar(world: World) -> None:
    task, me = await world.task()
    task_id, case_id = task["task_id"], task["case_id"]
    ask = {"reason": "需协调产权单位，时限内无法完成", "extension": {"value": 2, "unit": "working_day"}}
    stranger = bearer(f"department:{unique('dept')}")
    assert (await world.client.post(f"/tasks/{task_id}/deferral", json=ask, headers=stranger)).status_code == 404
    asked = await world.client.post(f"/tasks/{task_id}/deferral", json=ask, headers=me)
    assert asked.status_code == 201, asked.text
    deferral_id = asked.json()["deferral_id"]
    again = await world.client.post(f"/tasks/{task_id}/deferral", json=ask, headers=me)
    assert again.status_code == 409
    assert "awaiting the office" in again.json()["detail"][0]["msg"]
    queue = (await world.client.get("/deferrals", headers=OFFICE)).json()
    assert deferral_id in [d["id"] for d in queue]

    decision = {"note": "同意延期两个工作日"}
    assert (await world.client.post(f"/tasks/{task_id}/deferral/approve", json=decision, headers=me)).status_code == 403
    approved = await world.client.post(f"/tasks/{task_id}/deferral/approve", json=decision, headers=OFFICE)
    assert approved.status_code == 200, approved.text
    before = datetime.fromisoformat(task["due_at"])
    expected = WorkingCalendar().extended(before, TimeLimit(value=2, unit=TimeUnit.WORKING_DAY)).due_at
    assert datetime.fromisoformat(approved.json()["due_at"]) == expected
    assert datetime.fromisoformat((await world.view(task_id))["due_at"]) == expected
    [record] = (await world.client.get(f"/tasks/{task_id}/deferrals", headers=me)).json()
    assert (record["status"], record["decided_by"], record["extension"]) == (
        "approved",
        "tester (office)",
        {"value": 2, "unit": "working_day"},
    )

    async with bus(world.nats_url) as (_, js):
        requested = await collect(
            js, "dispatch.deferral.requested.v1", count=1, where=lambda d: d["task_id"] == task_id
        )
        deferred = await collect(js, "dispatch.task.deferred.v1", count=1, where=lambda d: d["task_id"] == task_id)
    assert body(requested[0])["data"]["extension"] == {"value": 2, "unit": "working_day"}
    data = body(deferred[0])["data"]
    assert (data["deferral_id"], data["paused"], data["extended_by"]) == (deferral_id, False, ask["extension"])
    assert datetime.fromisoformat(data["previous_due_at"]) == before
    assert (await world.actions(case_id))[-2:] == ["deferral_requested", "extended"]
    assert {"deferral_requested", "extended"} <= await world.audited(task_id)


async def test_a_refused_deferral_leaves_the_deadline_and_an_approved_pause_stops_the_clock(world: World) -> None:
    task, me = await world.task()
    task_id, case_id = task["task_id"], task["case_id"]
    ask = {"reason": "等待天气好转", "extension": {"value": 10, "unit": "working_day"}}
    assert (await world.client.post(f"/tasks/{task_id}/deferral", json=ask, headers=me)).status_code == 201
    refused = await world.client.post(f"/tasks/{task_id}/deferral/reject", json={"note": "理由不充分"}, headers=OFFICE)
    assert refused.status_code == 204
    twice = await world.client.post(f"/tasks/{task_id}/deferral/reject", json={"note": "x"}, headers=OFFICE)
    assert twice.status_code == 409
    assert datetime.fromisoformat((await world.view(task_id))["due_at"]) == datetime.fromisoformat(task["due_at"])
    async with bus(world.nats_url) as (_, js):
        rejected = await collect(js, "dispatch.deferral.rejected.v1", count=1, where=lambda d: d["task_id"] == task_id)
    assert body(rejected[0])["data"]["note"] == "理由不充分"

    pause = {"reason": "产权纠纷，待法院裁定"}
    assert (await world.client.post(f"/tasks/{task_id}/deferral", json=pause, headers=me)).status_code == 201
    approved = await world.client.post(f"/tasks/{task_id}/deferral/approve", json={"note": "同意缓办"}, headers=OFFICE)
    assert approved.status_code == 200
    assert (await world.view(task_id))["paused_at"] is not None
    paused_again = await world.client.post(f"/tasks/{task_id}/deferral", json=pause, headers=me)
    assert paused_again.status_code == 409
    assert "already paused" in paused_again.json()["detail"][0]["msg"]

    await world.sweep_until(datetime.now(UTC) + timedelta(days=60))
    swept = await world.view(task_id)
    assert (swept["overdue_at"], swept["ack_late_at"]) == (None, None)  # a stopped clock runs out of nothing
    resumed = await world.client.post(f"/tasks/{task_id}/resume", json={"reason": "法院已裁定"}, headers=OFFICE)
    assert datetime.fromisoformat(resumed.json()["due_at"]) > datetime.now(UTC)
    actions = await world.actions(case_id)
    assert [a for a in actions if a.startswith("defer") or a == "resumed"] == [
        "deferral_requested",
        "deferral_rejected",
        "deferral_requested",
        "deferred",
        "resumed",
    ]
    statuses = [d["status"] for d in (await world.client.get(f"/tasks/{task_id}/deferrals", headers=me)).json()]
    assert statuses == ["approved", "rejected"]


async def test_a_task_not_acknowledged_in_time_is_flagged_once_escalated_and_evented(world: World) -> None:
    task, me = await world.task()
    task_id, case_id = task["task_id"], task["case_id"]
    ack_by = datetime.fromisoformat(task["acknowledge_by"])
    assigned_at = datetime.fromisoformat(task["assigned_at"])
    assert ack_by == WorkingCalendar().add_working_seconds(assigned_at, ACK_WITHIN_H * 3600)
    assert datetime.fromisoformat((await world.view(task_id))["ack_by"]) == ack_by

    await world.sweep_until(ack_by - timedelta(minutes=1))
    assert (await world.view(task_id))["ack_late_at"] is None
    await world.sweep_until(ack_by + timedelta(minutes=1))
    assert (await world.view(task_id))["ack_late_at"] is not None
    await world.sweep_until(ack_by + timedelta(minutes=2))
    assert (await world.actions(case_id)).count("overdue_acknowledge") == 1  # flagged once
    async with bus(world.nats_url) as (_, js):
        overdue = await collect(js, "dispatch.task.overdue.v1", count=1, where=lambda d: d["task_id"] == task_id)
        data = body(overdue[0])["data"]
        assert (data["stage"], data["escalated_to"]) == ("acknowledge", "office")
        assert datetime.fromisoformat(data["due_at"]) == ack_by
        assert (await world.client.post(f"/tasks/{task_id}/acknowledge", headers=me)).status_code == 204
        acked = await collect(js, "dispatch.task.acknowledged.v1", count=1, where=lambda d: d["task_id"] == task_id)
    assert body(acked[0])["data"]["late"] is False  # the sweep was handed a future time; the ack came in time
    assert (await world.client.get("/stats", headers=OFFICE)).json()["late_acknowledgements"] >= 1
