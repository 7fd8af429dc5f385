"""The case loop against a real NATS and Postgres: every stage, returns, deadlines, whistles, who sees what."""

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
from contracts.events.catalog import ClauseRef, GridMapped, ItemPublished, ListKind
from contracts.events.intake import CaseReported
from services.dispatch import service
from services.dispatch.app import create_app
from services.dispatch.settings import Settings
from services.dispatch.store.tables import plumbing
from tests.support import bearer, body, bus, collect, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


@dataclass
class World:
    client: httpx.AsyncClient
    app: FastAPI
    nats_url: str

    async def item(
        self, code: str, owner: str, *, helpers: tuple[str, ...] = (), version: int = 1, days: int = 3
    ) -> None:
        event = ItemPublished(
            item_code=code,
            name="占道经营治理",
            list_kind=ListKind.COMMON,
            domain="城市管理",
            responsible_body=owner,
            co_operating_units=helpers,
            time_limit=TimeLimit(value=days, unit=TimeUnit.WORKING_DAY),
            legal_basis=(ClauseRef(law_id="L1", law_title="城市市容和环境卫生管理条例", article="第十四条"),),
            version=version,
            effective_from=date(2026, 1, 1),
        )
        async with bus(self.nats_url) as (_, js):
            await publish(js, event, source="/linkage/catalog")

        async def projected() -> bool:
            response = await self.client.get(f"/routing/{code}", headers=OFFICE)
            return response.status_code == 200 and response.json()["version"] == version

        await eventually(projected, timeout=60)

    async def grid_known(self, code: str, grid: str) -> bool:
        """The grid projected (it travels on its own consumer, which may be working off a backlog)."""
        return grid in (await self.client.get(f"/open311/v2/services/{code}.json")).text

    async def case(self, *, owner: str, helpers: tuple[str, ...] = ()) -> tuple[str, str, str]:
        """A dispatched case: (case id, primary task id, street)."""
        code, grid, street = unique("ITEM"), unique("grid"), unique("street")
        await self.item(code, owner, helpers=helpers)
        async with bus(self.nats_url) as (_, js):
            await publish(js, GridMapped(grid_code=grid, street_code=street, version=1), source="/linkage/catalog")
            await eventually(lambda: self.grid_known(code, grid), timeout=60)
            report = CaseReported(
                source_system="smartcity",
                source_id=unique("sc"),
                item_code=code,
                grid_code=grid,
                description="人行道上有流动摊贩",
                reported_at=datetime.now(UTC),
            )
            await publish(js, report)
            tasks = await collect(
                js, f"dispatch.task.assigned.v1.{owner}", count=1, where=lambda d: d["item_code"] == code
            )
            task = body(tasks[0])["data"]
        return task["case_id"], task["task_id"], street

    async def post(self, path: str, token: dict[str, str], payload: dict[str, Any] | None = None) -> httpx.Response:
        return await self.client.post(path, json=payload or {}, headers=token)

    async def timeline(self, case_id: str) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = (await self.client.get(f"/cases/{case_id}/timeline", headers=OFFICE)).json()
        return entries

    async def case_view(self, case_id: str) -> dict[str, Any]:
        view: dict[str, Any] = (await self.client.get(f"/cases/{case_id}", headers=OFFICE)).json()
        return view


@pytest.fixture(scope="module")
async def world(nats_url: str, database_url: str) -> AsyncIterator[World]:
    app = create_app(Settings(**settings_env(nats_url, database_url)))
    async with serving(app) as client:
        yield World(client, app, nats_url)


def dept(code: str) -> dict[str, str]:
    return bearer(f"department:{code}", subject=f"user-{code}")


async def test_a_case_runs_every_stage_with_an_event_a_timeline_entry_and_an_audit_row(world: World) -> None:
    owner = unique("dept")
    case_id, task_id, street = await world.case(owner=owner)
    me, street_token = dept(owner), bearer(f"street:{street}")

    refused = await world.post(f"/tasks/{task_id}/complete", me, {"result": "已清理"})
    assert refused.status_code == 409
    assert refused.json()["detail"][0]["loc"] == ["body", "status"]
    assert "status is assigned, complete needs acknowledged or rework" in refused.json()["detail"][0]["msg"]

    assert (await world.post(f"/tasks/{task_id}/acknowledge", me)).status_code == 204
    assert (await world.post(f"/tasks/{task_id}/complete", me, {"result": "已劝离"})).status_code == 204
    assert (await world.case_view(case_id))["status"] == "handled"
    rework = await world.post(f"/cases/{case_id}/verify", street_token, {"passed": False, "note": "摊贩又回来了"})
    assert rework.status_code == 204
    view = await world.case_view(case_id)
    assert (view["status"], view["rework_count"], view["tasks"][0]["status"]) == ("dispatched", 1, "rework")
    assert (await world.post(f"/tasks/{task_id}/complete", me, {"result": "已取缔"})).status_code == 204
    assert (
        await world.post(f"/cases/{case_id}/verify", street_token, {"passed": True, "note": "现场已无摊贩"})
    ).status_code == 204
    too_early = await world.post(f"/cases/{case_id}/rate", bearer("smartcity"), {"score": 5})
    assert too_early.status_code == 409
    closure = {"outcome": "resolved", "note": "已解决"}
    assert (await world.post(f"/cases/{case_id}/close", street_token, closure)).status_code == 204
    assert (await world.post(f"/cases/{case_id}/rate", bearer("smartcity"), {"score": 5})).status_code == 204

    view = await world.case_view(case_id)
    assert (view["status"], view["outcome"], view["satisfied"]) == ("rated", "resolved", True)
    actions = [entry["action"] for entry in await world.timeline(case_id)]
    assert actions == [
        "reported", "accepted", "assigned", "acknowledged", "completed", "handled", "rework",
        "completed", "handled", "verified", "closed", "rated",
    ]  # fmt: skip
    async with bus(world.nats_url) as (_, js):
        for subject in ("dispatch.task.acknowledged.v1", "dispatch.task.completed.v1", "dispatch.case.verified.v1"):
            await collect(js, subject, count=1, where=lambda d: d["case_id"] == case_id)
        closed = await collect(js, "dispatch.case.closed.v1", count=1, where=lambda d: d["case_id"] == case_id)
        assert body(closed[0])["data"]["outcome"] == "resolved"
        assert body(closed[0])["data"]["on_time"] is True
        await collect(js, "dispatch.case.rated.v1", count=1, where=lambda d: d["case_id"] == case_id)
    audit = plumbing.audit
    async with world.app.state.kit.sessions() as session:
        rows = (await session.execute(sa.select(audit.c.action).where(audit.c.entity.like(f"%{case_id}%")))).all()
    assert {"verified", "rework", "closed", "rated"} <= {row.action for row in rows}


async def test_a_department_sees_and_answers_only_its_own_tasks(world: World) -> None:
    owner, other = unique("dept"), unique("dept")
    _, task_id, _ = await world.case(owner=owner)
    assert (await world.client.get(f"/tasks/{task_id}", headers=dept(owner))).status_code == 200
    assert (await world.client.get(f"/tasks/{task_id}", headers=dept(other))).status_code == 404
    assert (await world.post(f"/tasks/{task_id}/acknowledge", dept(other))).status_code == 404
    assert [t["id"] for t in (await world.client.get("/tasks", headers=dept(owner))).json()] == [task_id]
    assert (await world.client.get("/tasks", headers=dept(other))).json() == []
    assert (await world.post(f"/tasks/{task_id}/acknowledge", bearer("smartcity"))).status_code == 403
    assert (await world.post(f"/tasks/{task_id}/pause", dept(owner), {"reason": "x"})).status_code == 403


async def test_a_return_the_catalogue_backs_reroutes_and_one_it_does_not_goes_to_arbitration(world: World) -> None:
    owner, rightful, third = unique("dept"), unique("dept"), unique("dept")
    case_id, task_id, _ = await world.case(owner=owner)
    view = await world.case_view(case_id)
    await world.item(view["item_code"], rightful, version=2)  # the catalogue moved the duty meanwhile
    returned = await world.post(
        f"/tasks/{task_id}/return",
        dept(owner),
        {"responsible_body": rightful, "citation": f"{view['item_code']} v2", "reason": "职责已调整"},
    )
    assert returned.json() == {"outcome": "rerouted", "rerouted_to": rightful, "returns_on_case": 1}
    async with bus(world.nats_url) as (_, js):
        moved = await collect(js, f"dispatch.task.assigned.v1.{rightful}", count=1)
    second = body(moved[0])["data"]
    assert "re-routed" in second["routing_reason"]

    disputed = await world.post(
        f"/tasks/{second['task_id']}/return",
        dept(rightful),
        {"responsible_body": third, "citation": "城市市容和环境卫生管理条例 第十四条", "reason": "应由第三方负责"},
    )
    assert disputed.json() == {"outcome": "arbitration", "rerouted_to": None, "returns_on_case": 2}
    view = await world.case_view(case_id)
    assert (view["status"], view["return_count"]) == ("arbitration", 2)
    assert (await world.client.get("/stats", headers=OFFICE)).json()["returns"] >= 2
    decided = await world.post(f"/cases/{case_id}/arbitrate", OFFICE, {"assignee_code": third, "reason": "仲裁决定"})
    assert decided.status_code == 200
    assert (await world.case_view(case_id))["status"] == "dispatched"
    actions = [entry["action"] for entry in await world.timeline(case_id)]
    assert actions.count("returned") == 2
    assert "arbitration" in actions
    assert "arbitrated" in actions


async def test_deadlines_bind_to_the_version_at_dispatch_survive_in_postgres_and_pause(world: World) -> None:
    owner = unique("dept")
    case_id, task_id, _ = await world.case(owner=owner)
    task = (await world.client.get(f"/tasks/{task_id}", headers=dept(owner))).json()
    due = datetime.fromisoformat(task["due_at"])
    assert due > datetime.now(UTC)
    await world.item((await world.case_view(case_id))["item_code"], owner, version=2, days=30)
    assert (await world.client.get(f"/tasks/{task_id}", headers=dept(owner))).json()["due_at"] == task["due_at"]

    kit = world.app.state.kit
    later = due + timedelta(minutes=1)
    # the run's database is shared: drain every task due by then, ours among them, a batch at a time
    swept = [await service.sweep_overdue(kit.uow(), later)]
    while swept[-1] and len(swept) < 100:
        swept.append(await service.sweep_overdue(kit.uow(), later))
    assert sum(swept) >= 1
    flagged = (await world.client.get(f"/tasks/{task_id}", headers=dept(owner))).json()
    assert flagged["overdue_at"] is not None
    async with bus(world.nats_url) as (_, js):
        overdue = await collect(js, "dispatch.task.overdue.v1", count=1, where=lambda d: d["task_id"] == task_id)
    assert body(overdue[0])["data"]["escalated_to"] == "office"
    await service.sweep_overdue(kit.uow(), later)
    assert [e["action"] for e in await world.timeline(case_id)].count("overdue_handle") == 1  # flagged once

    other_case, paused_task, _ = await world.case(owner=owner)
    assert (await world.post(f"/tasks/{paused_task}/pause", OFFICE, {"reason": "缓办：等待产权方"})).status_code == 204
    assert (await world.post(f"/tasks/{paused_task}/pause", OFFICE, {"reason": "again"})).status_code == 409
    await service.sweep_overdue(kit.uow(), datetime.now(UTC) + timedelta(days=60))
    assert (await world.client.get(f"/tasks/{paused_task}", headers=dept(owner))).json()["overdue_at"] is None
    resumed = await world.post(f"/tasks/{paused_task}/resume", OFFICE, {"reason": "产权方已答复"})
    assert datetime.fromisoformat(resumed.json()["due_at"]) > datetime.now(UTC)
    assert "deferred" in [e["action"] for e in await world.timeline(other_case)]


async def test_a_whistle_summons_departments_who_must_report_in_time(world: World) -> None:
    owner, summoned = unique("dept"), unique("dept")
    case_id, _, street = await world.case(owner=owner)
    whistle = {"reason": "no_power", "departments": [summoned], "report_within_minutes": 30, "description": "违建"}
    assert (
        await world.post(f"/cases/{case_id}/whistle", bearer(f"street:{unique('street')}"), whistle)
    ).status_code == 404
    blown = await world.post(f"/cases/{case_id}/whistle", bearer(f"street:{street}"), whistle)
    assert blown.status_code == 201
    async with bus(world.nats_url) as (_, js):
        summons = body((await collect(js, f"dispatch.task.assigned.v1.{summoned}", count=1))[0])["data"]
        await collect(js, "dispatch.whistle.blown.v1", count=1, where=lambda d: d["case_id"] == case_id)
    assert summons["whistle_id"] == blown.json()["whistle_id"]
    await service.sweep_overdue(world.app.state.kit.uow(), datetime.now(UTC) + timedelta(minutes=31))
    task = (await world.client.get(f"/tasks/{summons['task_id']}", headers=dept(summoned))).json()
    assert task["report_late_at"] is not None
    assert "overdue_report" in [e["action"] for e in await world.timeline(case_id)]
    assert (await world.client.get("/stats", headers=OFFICE)).json()["late_reports"] >= 1


async def test_closing_needs_the_right_outcome_and_a_named_body_for_not_ours(world: World) -> None:
    case_id, _, street = await world.case(owner=unique("dept"))
    street_token = bearer(f"street:{street}")
    early = await world.post(f"/cases/{case_id}/close", street_token, {"outcome": "resolved", "note": "x"})
    assert early.status_code == 409
    unnamed = await world.post(f"/cases/{case_id}/close", street_token, {"outcome": "not_responsible", "note": "x"})
    assert unnamed.status_code == 422
    assert unnamed.json()["detail"][0]["loc"] == ["body", "responsible_body"]
    closure = {"outcome": "not_responsible", "responsible_body": "sfj", "note": "属司法所职责"}
    assert (await world.post(f"/cases/{case_id}/close", street_token, closure)).status_code == 204
    view = await world.case_view(case_id)
    assert (view["status"], view["outcome_body"], view["tasks"][0]["status"]) == ("closed", "sfj", "cancelled")


async def test_the_office_loads_a_holiday_notice_for_a_year_the_package_does_not_know(world: World) -> None:
    before = (await world.client.get("/calendar", params={"first": 2027, "years": 1}, headers=OFFICE)).json()
    if before[0]["source"] == "weekdays":
        assert "2027" in before[0]["warning"]
    notice = {"notice": "国办发明电〔2026〕XX号", "holidays": ["2027-02-06", "2027-02-08"], "workdays": ["2027-02-20"]}
    assert (await world.client.put("/calendar/2027", json=notice, headers=bearer("operator"))).status_code == 403
    loaded = await world.client.put("/calendar/2027", json=notice, headers=OFFICE)
    assert loaded.json() == {"year": 2027, "source": "notice", "warning": None}
    stray = {**notice, "holidays": ["2026-10-01"]}
    bad = await world.client.put("/calendar/2027", json=stray, headers=OFFICE)
    assert bad.status_code == 422
    assert "outside 2027" in bad.json()["detail"][0]["msg"]
