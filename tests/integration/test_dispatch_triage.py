"""No dead end, on a real NATS and Postgres: what routing cannot place waits in the office's triage queue (人工派遣)
with its reason; the office dispatches it by hand (reason recorded) or refuses it (the reason is the Open311
status note); a closed case reopens once. Bad input is a 4xx naming the field, and nothing is half-written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.catalog import GridMapped, ItemPublished, ListKind
from contracts.events.dispatch import TaskAssigned
from contracts.events.intake import CaseReported
from services.dispatch.app import create_app
from services.dispatch.settings import Settings
from tests.integration.dispatch_world import StreetWorld
from tests.support import bearer, bus, collect, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")
SMARTCITY = bearer("smartcity")


@dataclass(frozen=True)
class Desk(StreetWorld):
    """The street world of the street tests (its item names no street duty), with the office's reads."""

    async def report(self, grid: str) -> dict[str, Any]:
        source_id = unique("sc")
        report = CaseReported(
            source_system="smartcity",
            source_id=source_id,
            item_code=self.item,
            grid_code=grid,
            description="楼道堆放杂物",
            reported_at=datetime.now(UTC),
        )
        async with bus(self.nats_url) as (_, js):
            await publish(js, report, source="/tests")

        async def decided() -> dict[str, Any] | None:
            found = (await self.client.get("/cases", params={"item_code": self.item}, headers=OFFICE)).json()
            mine = [c for c in found if c["source_id"] == source_id and c["status"] != "reported"]
            return mine[0] if mine else None

        return await eventually(decided)

    async def case(self, case_id: str) -> dict[str, Any]:
        found: dict[str, Any] = (await self.client.get(f"/cases/{case_id}", headers=OFFICE)).json()
        return found

    async def actions(self, case_id: str) -> list[str]:
        entries = (await self.client.get(f"/cases/{case_id}/timeline", headers=OFFICE)).json()
        return [entry["action"] for entry in entries]


@pytest.fixture(scope="module")
async def desk(nats_url: str, database_url: str) -> AsyncIterator[Desk]:
    code, owner, street, grid = unique("ITEM"), unique("dept"), unique("street"), unique("grid")
    app = create_app(Settings(**settings_env(nats_url, database_url)))
    async with serving(app) as client, bus(nats_url) as (_, js):
        item = ItemPublished(
            item_code=code,
            name="消防通道堵塞",
            list_kind=ListKind.COMMON,
            domain="应急管理",
            responsible_body=owner,
            time_limit=TimeLimit(value=2, unit=TimeUnit.WORKING_DAY),
            version=1,
            effective_from=date(2026, 1, 1),
        )
        await publish(js, item, source="/linkage/catalog")
        await publish(js, GridMapped(grid_code=grid, street_code=street, version=1))

        async def ready() -> bool:
            return (await client.get(f"/routing/{code}", headers=OFFICE)).status_code == 200

        await eventually(ready, timeout=60)
        yield Desk(client, nats_url, code, owner, street, grid)


async def test_a_case_in_no_known_street_waits_in_triage_and_the_office_dispatches_it_by_hand(desk: Desk) -> None:
    case = await desk.report(unique("grid"))  # a grid the catalogue never mapped
    assert (case["status"], case["refusal"]) == ("triage", None)
    queue = (await desk.client.get("/triage", headers=OFFICE)).json()
    assert case["id"] in [c["id"] for c in queue]
    assert "no known street" in next(c for c in queue if c["id"] == case["id"])["triage_reason"]
    assert (await desk.client.get("/triage", headers=bearer(f"street:{desk.street}"))).status_code == 403

    url = f"/cases/{case['id']}/dispatch-by-hand"
    no_street = await desk.client.post(url, json={"assignee_code": desk.owner, "reason": "核实后派发"}, headers=OFFICE)
    assert (no_street.status_code, no_street.json()["detail"][0]["loc"][-1]) == (422, "street_code")
    body = {"assignee_code": "no-such-dept", "street_code": desk.street, "reason": "核实后派发"}
    unknown = await desk.client.post(url, json=body, headers=OFFICE)
    assert (unknown.status_code, unknown.json()["detail"][0]["loc"][-1]) == (422, "assignee_code")
    assert (await desk.case(case["id"]))["status"] == "triage"  # nothing half-written
    assert await desk.actions(case["id"]) == ["reported", "triaged"]

    async with bus(desk.nats_url) as (_, js):
        done = await desk.client.post(url, json={**body, "assignee_code": desk.owner}, headers=OFFICE)
        assert done.status_code == 204, done.text
        [task] = await collect(js, TaskAssigned.subject(desk.owner), count=1)
    after = await desk.case(case["id"])
    assert (after["status"], after["street_code"]) == ("dispatched", desk.street)
    assert [(t["assignee_code"], t["role"]) for t in after["tasks"]] == [(desk.owner, "primary")]
    assert "人工派遣" in after["tasks"][0]["routing_reason"]
    assert "核实后派发" in after["tasks"][0]["routing_reason"]
    assert await desk.actions(case["id"]) == ["reported", "triaged", "dispatched_by_hand", "assigned"]
    assert task.data  # the assignee heard of it on its own subject


async def test_the_office_refuses_a_triaged_case_and_the_reason_is_the_public_status_note(desk: Desk) -> None:
    case = await desk.report(unique("grid"))
    refused = await desk.client.post(
        f"/cases/{case['id']}/refuse", json={"reason": "非本区辖区，请向属地反映"}, headers=OFFICE
    )
    assert refused.status_code == 204
    [request] = (await desk.client.get(f"/open311/v2/requests/{case['id']}.json")).json()
    assert (request["status"], request["status_notes"]) == ("closed", "非本区辖区，请向属地反映")
    again = await desk.client.post(f"/cases/{case['id']}/refuse", json={"reason": "重复"}, headers=OFFICE)
    assert again.status_code == 409  # only a case in triage is refused


async def test_a_closed_case_reopens_once_to_its_assignee(desk: Desk) -> None:
    case = await desk.report(desk.grid)
    assert case["status"] == "dispatched"
    closure = {"outcome": "withdrawn", "note": "市民撤件"}
    assert (await desk.client.post(f"/cases/{case['id']}/close", json=closure, headers=OFFICE)).status_code == 204
    reopened = await desk.client.post(f"/cases/{case['id']}/reopen", json={"reason": "问题复发"}, headers=SMARTCITY)
    assert reopened.status_code == 204, reopened.text
    after = await desk.case(case["id"])
    assert (after["status"], after["reopen_count"], after["outcome"]) == ("dispatched", 1, None)
    live = [t for t in after["tasks"] if t["status"] == "assigned"]
    assert [(t["assignee_code"], t["role"]) for t in live] == [(desk.owner, "primary")]
    assert (await desk.client.post(f"/cases/{case['id']}/close", json=closure, headers=OFFICE)).status_code == 204
    twice = await desk.client.post(f"/cases/{case['id']}/reopen", json={"reason": "又复发"}, headers=SMARTCITY)
    assert (twice.status_code, twice.json()["detail"][0]["loc"][-1]) == (422, "status")
    assert "reopened 1 time(s) already" in twice.json()["detail"][0]["msg"]
