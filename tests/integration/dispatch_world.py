"""The world the dispatch street and grid-worker tests share, on a real NATS and Postgres: dispatch serving one
item whose catalogue names a street duty task (街道任务), one grid mapped to one street; and a case reported there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.catalog import DutyTask, GridMapped, ItemPublished, ListKind, TaskParty
from contracts.events.intake import CaseReported
from services.dispatch.app import create_app
from services.dispatch.settings import Settings
from tests.support import bearer, bus, eventually, publish, serving, settings_env, unique

OFFICE = bearer("office")


@dataclass(frozen=True)
class StreetWorld:
    client: httpx.AsyncClient
    nats_url: str
    item: str
    owner: str
    street: str
    grid: str


@asynccontextmanager
async def street_world(nats_url: str, database_url: str, *, name: str, duty: str) -> AsyncIterator[StreetWorld]:
    """Publish the item (named ``name``, its street task ``duty``) and map the grid; yield once dispatch has both."""
    item, owner, street, grid = unique("ITEM"), unique("dept"), unique("street"), unique("grid")
    app = create_app(Settings(**settings_env(nats_url, database_url)))
    async with serving(app) as client, bus(nats_url) as (_, js):
        published = ItemPublished(
            item_code=item,
            name=name,
            list_kind=ListKind.COMMON,
            domain="城市管理",
            responsible_body=owner,
            time_limit=TimeLimit(value=1, unit=TimeUnit.WORKING_DAY),
            tasks=(DutyTask(party=TaskParty.STREET, text=duty),),
            version=1,
            effective_from=date(2026, 1, 1),
        )
        await publish(js, published, source="/linkage/catalog")
        await publish(js, GridMapped(grid_code=grid, street_code=street, version=1))

        async def ready() -> bool:
            roster = await client.get(f"/grids/{grid}/workers", headers=OFFICE)
            routed = await client.get(f"/routing/{item}", headers=OFFICE)
            return roster.status_code == 200 and routed.status_code == 200

        await eventually(ready, timeout=60)
        yield StreetWorld(client, nats_url, item, owner, street, grid)


async def report_case(world: StreetWorld, description: str, headers: dict[str, str]) -> dict[str, Any]:
    """Report a case in the world's grid; once dispatch has decided it, the full case as ``headers`` reads it."""
    source_id = unique("sc")
    reported = CaseReported(
        source_system="smartcity",
        source_id=source_id,
        item_code=world.item,
        grid_code=world.grid,
        description=description,
        reported_at=datetime.now(UTC),
    )
    async with bus(world.nats_url) as (_, js):
        await publish(js, reported, source="/tests")

    async def decided() -> dict[str, Any] | None:
        found = (await world.client.get(f"/streets/{world.street}/cases", headers=headers)).json()
        mine = [c for c in found if c["source_id"] == source_id and c["status"] != "reported"]
        return mine[0] if mine else None

    case = await eventually(decided)
    full: dict[str, Any] = (await world.client.get(f"/cases/{case['id']}", headers=headers)).json()
    return full
