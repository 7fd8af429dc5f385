"""Streets and grid workers on a real NATS and Postgres: the item's street task is the street's own task; a street
lists its cases and reads their timelines; grid workers (网格员) are registered per grid with their load visible,
and a grid's case goes to one of them by the balancing rule the office sets as data."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.dispatch_world import StreetWorld, report_case, street_world
from tests.support import bearer, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


@dataclass(frozen=True)
class Street(StreetWorld):
    @property
    def code(self) -> str:
        return self.street

    @property
    def token(self) -> dict[str, str]:
        return bearer(f"street:{self.code}")

    async def report(self) -> dict[str, Any]:
        return await report_case(self, "小区垃圾未清运", self.token)


@pytest.fixture(scope="module")
async def street(nats_url: str, database_url: str) -> AsyncIterator[Street]:
    async with street_world(nats_url, database_url, name="生活垃圾清运", duty="督促物业及时清运") as world:
        client = world.client
        yield Street(client, world.nats_url, world.item, world.owner, world.street, world.grid)
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
