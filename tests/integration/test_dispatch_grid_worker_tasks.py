"""A grid worker (网格员) answers its own tasks on a real NATS and Postgres: with a ``gridworker:<code>`` token it
lists, reads, acknowledges (签收) and completes (办结) the tasks dispatch gave it, and nobody else's; it neither
returns a task nor asks for more time, and reads no street's case list."""

from __future__ import annotations

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
from services.platform import nats_config
from services.platform.nats_config_cli import read_grid_workers
from tests.support import bearer, bus, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


@dataclass
class Grid:
    client: httpx.AsyncClient
    nats_url: str
    item: str
    street: str
    code: str
    workers: tuple[str, str]
    owner: str

    async def report(self) -> dict[str, Any]:
        source_id = unique("sc")
        report = CaseReported(
            source_system="smartcity",
            source_id=source_id,
            item_code=self.item,
            grid_code=self.code,
            description="楼道堆放杂物",
            reported_at=datetime.now(UTC),
        )
        async with bus(self.nats_url) as (_, js):
            await publish(js, report, source="/tests")

        async def decided() -> dict[str, Any] | None:
            found = (await self.client.get(f"/streets/{self.street}/cases", headers=OFFICE)).json()
            mine = [c for c in found if c["source_id"] == source_id and c["status"] != "reported"]
            return mine[0] if mine else None

        case = await eventually(decided)
        full: dict[str, Any] = (await self.client.get(f"/cases/{case['id']}", headers=OFFICE)).json()
        return full


@pytest.fixture(scope="module")
async def grid(nats_url: str, database_url: str) -> AsyncIterator[Grid]:
    item, owner, street, code = unique("ITEM"), unique("dept"), unique("street"), unique("grid")
    workers = (unique("wgy"), unique("wgy"))
    app = create_app(Settings(**settings_env(nats_url, database_url)))
    async with serving(app) as client, bus(nats_url) as (_, js):
        published = ItemPublished(
            item_code=item,
            name="楼道杂物清理",
            list_kind=ListKind.COMMON,
            domain="城市管理",
            responsible_body=owner,
            time_limit=TimeLimit(value=1, unit=TimeUnit.WORKING_DAY),
            tasks=(DutyTask(party=TaskParty.STREET, text="督促物业清理"),),
            version=1,
            effective_from=date(2026, 1, 1),
        )
        await publish(js, published, source="/linkage/catalog")
        await publish(js, GridMapped(grid_code=code, street_code=street, version=1))

        async def ready() -> bool:
            roster = await client.get(f"/grids/{code}/workers", headers=OFFICE)
            routed = await client.get(f"/routing/{item}", headers=OFFICE)
            return roster.status_code == 200 and routed.status_code == 200

        await eventually(ready, timeout=60)
        roster = {
            "workers": [{"worker_code": w, "name": name} for w, name in zip(workers, ["张敏", "李强"], strict=True)]
        }
        registered = await client.put(f"/grids/{code}/workers", json=roster, headers=bearer(f"street:{street}"))
        assert registered.status_code == 200, registered.text
        yield Grid(client, nats_url, item, street, code, workers, owner)


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
