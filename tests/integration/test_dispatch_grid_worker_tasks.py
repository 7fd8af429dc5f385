"""A grid worker (网格员) answers its own tasks on a real NATS and Postgres: with a ``gridworker:<code>`` token it
lists, reads, acknowledges (签收) and completes (办结) the tasks dispatch gave it, and nobody else's; it neither
returns a task nor asks for more time, and reads no street's case list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from contracts.events.catalog import GridMapped
from services.platform import nats_config
from services.platform.nats_config_cli import read_grid_workers
from tests.integration.dispatch_world import StreetWorld, report_case, street_world
from tests.support import bearer, bus, eventually, publish, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


@dataclass(frozen=True)
class Grid(StreetWorld):
    workers: tuple[str, str]

    @property
    def code(self) -> str:
        return self.grid

    async def report(self) -> dict[str, Any]:
        return await report_case(self, "楼道堆放杂物", OFFICE)


@pytest.fixture(scope="module")
async def grid(nats_url: str, database_url: str) -> AsyncIterator[Grid]:
    workers = (unique("wgy"), unique("wgy"))
    async with street_world(nats_url, database_url, name="楼道杂物清理", duty="督促物业清理") as world:
        client, code, street = world.client, world.grid, world.street
        roster = {
            "workers": [{"worker_code": w, "name": name} for w, name in zip(workers, ["张敏", "李强"], strict=True)]
        }
        registered = await client.put(f"/grids/{code}/workers", json=roster, headers=bearer(f"street:{street}"))
        assert registered.status_code == 200, registered.text
        yield Grid(client, world.nats_url, world.item, world.owner, street, code, workers)


def _where(refused: httpx.Response) -> str:
    return ".".join(str(part) for part in refused.json()["detail"][0]["loc"][-3:])


def _worker_task(case: dict[str, Any], workers: tuple[str, str]) -> dict[str, Any]:
    (task,) = [t for t in case["tasks"] if t["assignee_code"] in workers]
    found: dict[str, Any] = task
    return found


async def test_a_grid_worker_lists_acknowledges_and_completes_only_its_own_tasks(grid: Grid) -> None:
    task = _worker_task(await grid.report(), grid.workers)
    mine = task["assignee_code"]
    (other,) = [w for w in grid.workers if w != mine]
    me, them = bearer(f"gridworker:{mine}", subject="张敏"), bearer(f"gridworker:{other}", subject="李强")

    inbox = (await grid.client.get("/tasks", headers=me)).json()
    assert [t["id"] for t in inbox] == [task["id"]]
    assert {t["assignee_code"] for t in inbox} == {mine}
    assert (await grid.client.get("/tasks", headers=them)).json() == []
    assert (await grid.client.get(f"/tasks/{task['id']}", headers=them)).status_code == 404
    assert (await grid.client.post(f"/tasks/{task['id']}/acknowledge", headers=them)).status_code == 404
    done = {"result": "已清理完毕"}
    assert (await grid.client.post(f"/tasks/{task['id']}/complete", json=done, headers=them)).status_code == 404

    acknowledged = await grid.client.post(f"/tasks/{task['id']}/acknowledge", headers=me)
    assert acknowledged.status_code == 204, acknowledged.text
    completed = await grid.client.post(f"/tasks/{task['id']}/complete", json=done, headers=me)
    assert completed.status_code == 204, completed.text
    read = (await grid.client.get(f"/tasks/{task['id']}", headers=me)).json()
    assert read["status"] == "completed"
    assert read["acknowledged_at"] is not None


async def test_a_grid_worker_neither_returns_nor_defers_nor_reads_a_streets_cases(grid: Grid) -> None:
    task = _worker_task(await grid.report(), grid.workers)
    me = bearer(f"gridworker:{task['assignee_code']}")
    returned = {"responsible_body": "cgj", "citation": "清单第3项", "reason": "不归网格"}
    assert (await grid.client.post(f"/tasks/{task['id']}/return", json=returned, headers=me)).status_code == 403
    deferral = {"reason": "需要更多时间", "extension": {"value": 1, "unit": "working_day"}}
    assert (await grid.client.post(f"/tasks/{task['id']}/deferral", json=deferral, headers=me)).status_code == 403
    assert (await grid.client.get(f"/streets/{grid.street}/cases", headers=me)).status_code == 403
    assert (await grid.client.get(f"/grids/{grid.code}/workers", headers=me)).status_code == 403


async def test_the_register_of_grid_workers_gives_each_active_worker_a_nats_user(grid: Grid) -> None:
    """What ``linkage nats-config --workers`` reads: dispatch's whole register, for the office (or an operator)."""
    dropped = unique("wgy")
    roster = {"workers": [{"worker_code": w, "name": "网格员"} for w in (*grid.workers, dropped)]}
    street = bearer(f"street:{grid.street}")
    assert (await grid.client.put(f"/grids/{grid.code}/workers", json=roster, headers=street)).status_code == 200
    kept = {"workers": [{"worker_code": w, "name": "网格员"} for w in grid.workers]}
    assert (await grid.client.put(f"/grids/{grid.code}/workers", json=kept, headers=street)).status_code == 200
    assert (await grid.client.get("/grid-workers", headers=street)).status_code == 403

    grid.client.headers.update(OFFICE)
    try:
        rows = await read_grid_workers(grid.client)
    finally:
        del grid.client.headers["Authorization"]
    mine = {row["worker_code"]: row for row in rows if row["grid_code"] == grid.code}
    assert set(mine) == {*grid.workers, dropped}
    assert mine[dropped]["active"] is False
    users = {org.user for org in nats_config.organisations_of({"organisations": [], "grid_workers": rows})}
    assert {f"worker-{w}" for w in grid.workers} <= users
    assert f"worker-{dropped}" not in users


async def test_a_worker_code_that_is_an_organisations_or_another_grids_is_refused_and_nothing_written(
    grid: Grid,
) -> None:
    street = bearer(f"street:{grid.street}")
    other = unique("grid")
    async with bus(grid.nats_url) as (_, js):
        await publish(js, GridMapped(grid_code=other, street_code=grid.street, version=1))

    async def mapped() -> bool:
        return (await grid.client.get(f"/grids/{other}/workers", headers=street)).status_code == 200

    await eventually(mapped)
    before = (await grid.client.get(f"/grids/{grid.code}/workers", headers=street)).json()
    for clash in (grid.owner, grid.street):  # the department's or the street's own code: its tasks' subject
        roster = {"workers": [{"worker_code": unique("wgy"), "name": "赵六"}, {"worker_code": clash, "name": "钱七"}]}
        refused = await grid.client.put(f"/grids/{grid.code}/workers", json=roster, headers=street)
        assert (refused.status_code, _where(refused)) == (422, "workers.1.worker_code")
    taken = {"workers": [{"worker_code": grid.workers[0], "name": "张敏"}]}
    refused = await grid.client.put(f"/grids/{other}/workers", json=taken, headers=street)
    assert (refused.status_code, _where(refused)) == (422, "workers.0.worker_code")
    assert grid.code in refused.json()["detail"][0]["msg"]
    assert (await grid.client.get(f"/grids/{grid.code}/workers", headers=street)).json() == before
    assert (await grid.client.get(f"/grids/{other}/workers", headers=street)).json() == []
    hidden = await grid.client.put(f"/grids/{grid.code}/workers", json=taken, headers=bearer("street:other"))
    assert hidden.status_code == 404  # another street's grid: not found before any clash is told


async def test_a_grid_worker_reads_the_case_behind_its_own_task_and_no_other(grid: Grid) -> None:
    case = await grid.report()
    task = _worker_task(case, grid.workers)
    (other,) = [w for w in grid.workers if w != task["assignee_code"]]
    me, them = bearer(f"gridworker:{task['assignee_code']}"), bearer(f"gridworker:{other}")
    read = await grid.client.get(f"/cases/{case['id']}", headers=me)
    assert read.status_code == 200, read.text
    assert read.json()["id"] == case["id"]
    assert (await grid.client.get(f"/cases/{case['id']}/timeline", headers=me)).status_code == 200
    assert (await grid.client.get(f"/cases/{case['id']}", headers=them)).status_code == 403
    assert (await grid.client.get(f"/cases/{case['id']}/timeline", headers=them)).status_code == 403
