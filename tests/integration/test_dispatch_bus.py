"""Dispatch against a real NATS and Postgres: routing, idempotent intake, dead letters."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.catalog import ClauseRef, GridMapped, ItemPublished, ListKind
from contracts.events.intake import CaseReported
from services.dispatch.app import create_app
from services.dispatch.settings import Settings
from tests.support import bearer, body, bus, collect, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


def item(code: str, department: str, *, helpers: tuple[str, ...] = ()) -> ItemPublished:
    return ItemPublished(
        item_code=code,
        name="占道经营治理",
        list_kind=ListKind.COMMON,
        domain="城市管理",
        responsible_body=department,
        co_operating_units=helpers,
        time_limit=TimeLimit(value=3, unit=TimeUnit.WORKING_DAY),
        legal_basis=(ClauseRef(law_id="L1", law_title="城市市容和环境卫生管理条例", article="第十四条"),),
        version=1,
        effective_from=date(2026, 1, 1),
    )


def report(item_code: str, grid: str, source_id: str, text: str = "人行道上有流动摊贩") -> CaseReported:
    return CaseReported(
        source_system="smartcity",
        source_id=source_id,
        item_code=item_code,
        grid_code=grid,
        description=text,
        reported_at=datetime.now(UTC),
    )


@pytest.fixture
async def dispatch(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        yield client


async def routable(client: httpx.AsyncClient, code: str, grid: str) -> None:
    """Wait until dispatch has projected the item and the grid (their consumers may be working off a backlog)."""

    async def projected() -> bool:
        definition = await client.get(f"/open311/v2/services/{code}.json")
        return definition.status_code == 200 and grid in definition.text

    await eventually(projected, timeout=60)


async def case_of(client: httpx.AsyncClient, case_id: str) -> dict[str, object]:
    response = await client.get(f"/cases/{case_id}", headers=OFFICE)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


async def test_case_is_routed_to_the_responsible_body_once_per_source_id(
    dispatch: httpx.AsyncClient, nats_url: str
) -> None:
    department, helper, grid, street = unique("dept"), unique("dept"), unique("grid"), unique("street")
    code = unique("ITEM")
    async with bus(nats_url) as (_, js):
        await publish(js, item(code, department, helpers=(helper,)), source="/linkage/catalog")
        await publish(js, GridMapped(grid_code=grid, street_code=street, version=1), source="/linkage/catalog")
        await routable(dispatch, code, grid)
        source_id = unique("sc")
        await publish(js, report(code, grid, source_id))
        await publish(js, report(code, grid, source_id))  # the platform re-sends: a new event id, same case

        primary = await collect(js, f"dispatch.task.assigned.v1.{department}", count=1)
        second = await collect(js, f"dispatch.task.assigned.v1.{helper}", count=1)
        task = body(primary[0])["data"]
        assert task["role"] == "primary"
        assert task["street_code"] == street
        assert "第十四条" in task["routing_reason"]
        assert body(second[0])["data"]["role"] == "co_operating"
        assert primary[0].headers is not None
        assert primary[0].headers["Nats-Msg-Id"] == body(primary[0])["id"]

        with pytest.raises(AssertionError, match="received 1 of 2"):  # the re-sent case made no second task
            await collect(js, f"dispatch.task.assigned.v1.{department}", count=2, timeout=2.0)

    case = await case_of(dispatch, task["case_id"])
    assert case["status"] == "dispatched"
    assert case["description"] == "人行道上有流动摊贩"
    assert {t["assignee_code"] for t in case["tasks"]} == {department, helper}  # type: ignore[attr-defined]


async def test_an_unknown_item_waits_in_the_offices_triage_queue_with_the_reason(
    dispatch: httpx.AsyncClient, nats_url: str
) -> None:
    """Not a refusal: the catalogue projection may lag, or the reporter mis-coded it; the office decides (人工派遣)."""
    async with bus(nats_url) as (_, js):
        source_id = unique("sc")
        await publish(js, report(unique("NOPE"), unique("grid"), source_id))
        triaged = await collect(js, "dispatch.case.triaged.v1", count=1, where=lambda d: d["source_id"] == source_id)
    data = body(triaged[0])["data"]
    assert "not in the catalogue" in data["reason"]
    timeline = await dispatch.get(f"/cases/{data['case_id']}/timeline", headers=OFFICE)
    assert [entry["action"] for entry in timeline.json()] == ["reported", "triaged"]
    case = (await dispatch.get(f"/cases/{data['case_id']}", headers=OFFICE)).json()
    assert (case["status"], case["refusal"]) == ("triage", None)
    assert "not in the catalogue" in case["triage_reason"]


async def test_unparseable_intake_lands_in_dead_letters_and_the_loop_carries_on(
    dispatch: httpx.AsyncClient, nats_url: str
) -> None:
    department, grid, code = unique("dept"), unique("grid"), unique("ITEM")
    marker = unique("garbage")  # others' bad intake messages are dead-lettered on the same durable meanwhile
    async with bus(nats_url) as (_, js):
        garbage = {"specversion": "1.0", "data": {"item_code": 42, "description": marker}}
        await js.publish("intake.case.reported.v1", json.dumps(garbage).encode())
        await publish(js, item(code, department), source="/linkage/catalog")
        await publish(js, GridMapped(grid_code=grid, street_code=unique("street"), version=1))
        await routable(dispatch, code, grid)
        await publish(js, report(code, grid, unique("sc")))
        await collect(js, f"dispatch.task.assigned.v1.{department}", count=1)

    async def dead_letters() -> list[dict[str, object]]:
        response = await dispatch.get("/ops/dead-letters", headers=bearer("operator"))
        return [d for d in response.json() if marker in str(d["body"])]

    letters = await eventually(dead_letters)
    assert letters[0]["subject"] == "intake.case.reported.v1"
    assert "unparseable" in str(letters[0]["reason"])
    assert "id" in str(letters[0]["reason"])  # names the missing field
    operator = bearer("operator")
    again = await dispatch.post(f"/ops/dead-letters/{letters[0]['id']}/replay", headers=operator)
    assert again.status_code == 409
    assert "replay failed again" in again.json()["detail"][0]["msg"]
    assert (await dispatch.post("/ops/dead-letters/999999999/replay", headers=operator)).status_code == 404
    assert (await dispatch.get("/ops/dead-letters", headers=bearer("office"))).status_code == 403


async def test_routes_refuse_bad_input_naming_the_field(dispatch: httpx.AsyncClient) -> None:
    response = await dispatch.get("/cases/not-a-uuid", headers=OFFICE)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "case_id"]
    assert (await dispatch.get("/cases/00000000-0000-0000-0000-000000000000")).status_code == 401
    missing = await dispatch.get("/cases/00000000-0000-0000-0000-000000000000", headers=OFFICE)
    assert missing.status_code == 404
    assert (await dispatch.get("/tasks", headers=bearer("smartcity"))).status_code == 403
