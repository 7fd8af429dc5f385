"""Streets and grid workers on a real NATS and Postgres: the item's street task is the street's own task; a street
lists its cases and reads their timelines; grid workers (网格员) are registered per grid with their load visible,
and a grid's case goes to one of them by the balancing rule the office sets as data."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.catalog import DutyTask, GridMapped, ItemPublished, ListKind, TaskParty
from contracts.events.intake import CaseReported
from services.dispatch.app import create_app
from services.dispatch.settings import Settings
from tests.support import bearer, bus, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


@dataclass
class Street:
    client: httpx.AsyncClient
    nats_url: str
    item: str
    owner: str
    code: str
    grid: str

    @property
    def token(self) -> dict[str, str]:
        return bearer(f"street:{self.code}")

    async def report(self) -> dict[str, Any]:
        source_id = unique("sc")
        report = CaseReported(
            source_system="smartcity",
            source_id=source_id,
            item_code=self.item,
            grid_code=self.grid,
            description="小区垃圾未清运",
            reported_at=datetime.now(UTC),
        )
        async with bus(self.nats_url) as (_, js):
            await publish(js, report, source="/tests")

        async def decided() -> dict[str, Any] | None:
            found = (await self.client.get(f"/streets/{self.code}/cases", headers=self.token)).json()
            mine = [c for c in found if c["source_id"] == source_id and c["status"] != "reported"]
            return mine[0] if mine else None

        case = await eventually(decided)
        full: dict[str, Any] = (await self.client.get(f"/cases/{case['id']}", headers=self.token)).json()
        return full


@pytest.fixture(scope="module")
async def street(nats_url: str, database_url: str) -> AsyncIterator[Street]:
    code, owner, street_code, grid = unique("ITEM"), unique("dept"), unique("street"), unique("grid")
    app = create_app(Settings(**settings_env(nats_url, database_url)))
    async with serving(app) as client, bus(nats_url) as (_, js):
        item = ItemPublished(
            item_code=code,
            name="生活垃圾清运",
            list_kind=ListKind.COMMON,
            domain="城市管理",
            responsible_body=owner,
            time_limit=TimeLimit(value=1, unit=TimeUnit.WORKING_DAY),
            tasks=(DutyTask(party=TaskParty.STREET, text="督促物业及时清运"),),
            version=1,
            effective_from=date(2026, 1, 1),
        )
        await publish(js, item, source="/linkage/catalog")
        await publish(js, GridMapped(grid_code=grid, street_code=street_code, version=1))

        async def ready() -> bool:
            roster = await client.get(f"/grids/{grid}/workers", headers=OFFICE)
            routed = await client.get(f"/routing/{code}", headers=OFFICE)
            return roster.status_code == 200 and routed.status_code == 200

        await eventually(ready, timeout=60)
        yield Street(client, nats_url, code, owner, street_code, grid)
        await client.put("/grid-workers/rule", json={"rule": "least_loaded", "cap": 30}, headers=OFFICE)


async def test_grid_workers_share_a_grids_cases_by_the_rule_and_their_load_shows(street: Street) -> None:
    w1, w2 = sorted((unique("wgy"), unique("wgy")))  # the tie-break below falls to the smaller code
    roster = {"workers": [{"worker_code": w1, "name": "张敏"}, {"worker_code": w2, "name": "李强"}]}
    registered = await street.client.put(f"/grids/{street.grid}/workers", json=roster, headers=street.token)
    assert registered.status_code == 200, registered.text
    elsewhere = await street.client.put(f"/grids/{street.grid}/workers", json=roster, headers=bearer("street:other"))
    assert elsewhere.status_code == 404

    cases = [await street.report() for _ in range(3)]
    for case in cases:
        assert [t["assignee_code"] for t in case["tasks"]][:2] == [street.owner, street.code]
        assert "街道职责任务" in case["tasks"][1]["routing_reason"]
    workers = Counter(t["assignee_code"] for c in cases for t in c["tasks"] if t["assignee_code"] in (w1, w2))
    assert workers == {w1: 2, w2: 1}  # least loaded, then longest idle, then the smaller code
    loads = {
        w["worker_code"]: w["load"]
        for w in (await street.client.get(f"/grids/{street.grid}/workers", headers=street.token)).json()
    }
    assert loads == {w1: 2, w2: 1}

    rule = await street.client.put("/grid-workers/rule", json={"rule": "round_robin", "cap": 1}, headers=OFFICE)
    assert rule.status_code == 200
    capped = await street.report()  # both hold a live task already: no worker gets a fourth
    assert capped["status"] == "dispatched"
    assert [t["assignee_code"] for t in capped["tasks"]] == [street.owner, street.code]


async def test_a_street_lists_its_cases_reads_their_timelines_and_no_other_streets(street: Street) -> None:
    case = await street.report()
    listed = (await street.client.get(f"/streets/{street.code}/cases", headers=street.token)).json()
    assert case["id"] in [c["id"] for c in listed]
    timeline = await street.client.get(f"/cases/{case['id']}/timeline", headers=street.token)
    assert timeline.status_code == 200
    assert [e["action"] for e in timeline.json()][:2] == ["reported", "accepted"]
    other = await street.client.get(f"/streets/{street.code}/cases", headers=bearer("street:other"))
    assert (other.status_code, other.json()["detail"][0]["loc"][-1]) == (403, "street_code")


async def test_bad_rosters_and_rules_are_refused_naming_the_field(street: Street) -> None:
    bad = {"workers": [{"worker_code": "has space", "name": "王"}]}
    refused = await street.client.put(f"/grids/{street.grid}/workers", json=bad, headers=street.token)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][-3:] == ["workers", 0, "worker_code"]
    unknown = await street.client.put("/grids/no-such-grid/workers", json={"workers": []}, headers=OFFICE)
    assert (unknown.status_code, unknown.json()["detail"][0]["loc"][-1]) == (404, "grid_code")
    rule = await street.client.put("/grid-workers/rule", json={"rule": "fastest", "cap": 3}, headers=OFFICE)
    assert (rule.status_code, rule.json()["detail"][0]["loc"][-1]) == (422, "rule")
    by_street = await street.client.put(
        "/grid-workers/rule", json={"rule": "round_robin", "cap": 3}, headers=street.token
    )
    assert by_street.status_code == 403
