"""Routing rules against a real NATS and Postgres: street lists (一街一单), admissions (准入), whistles (吹哨) and
effective dates, each projected from its producer's events and named in the routing reason and the timeline.
The outside-list rule refuses only the street's part (its street task): the responsible department acts anyway."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from contracts import IntegrationEvent, TimeLimit
from contracts.base import TimeUnit
from contracts.events.admission import ApplicationApproved, ApplicationKind
from contracts.events.catalog import (
    DutyTask,
    GridMapped,
    ItemDefinition,
    ItemPublished,
    ListKind,
    StreetListPublished,
    TaskParty,
)
from contracts.events.intake import CaseReported
from services.dispatch.app import create_app
from services.dispatch.settings import Settings
from services.dispatch.store.tables import admissions, grids, street_lists
from tests.support import bearer, bus, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")
TOMORROW = datetime.now(UTC).date() + timedelta(days=2)  # past midnight in Beijing too


@dataclass
class World:
    client: httpx.AsyncClient
    app: FastAPI
    nats_url: str

    async def send(self, *events: IntegrationEvent) -> None:
        async with bus(self.nats_url) as (_, js):
            for event in events:
                await publish(js, event, source="/tests")

    async def item(self, code: str, owner: str, *, version: int = 1, on: date = date(2026, 1, 1)) -> None:
        await self.send(published(code, owner, version=version, effective_from=on))

    async def street(self, grid: str, street: str) -> None:
        """Map the grid and wait until dispatch knows it (its consumer may be working off a backlog)."""
        await self.send(GridMapped(grid_code=grid, street_code=street, version=1))
        await eventually(lambda: self.rows(grids, grid_code=grid), timeout=60)

    async def street_list(self, street: str, revision: int, *items: str) -> None:
        await self.send(
            StreetListPublished(
                street_code=street,
                revision=revision,
                item_codes=items,
                filing_no=f"长备〔2026〕{revision}号",
                catalogue_version=1,
            )
        )

    async def rows(self, table: sa.Table, **where: Any) -> list[Any]:
        async with self.app.state.kit.sessions() as session:
            query = sa.select(table).where(*(table.c[k] == v for k, v in where.items()))
            return list((await session.execute(query)).all())

    async def report(self, code: str, grid: str) -> dict[str, Any]:
        """Report a case and wait until dispatch decided on it; returns the case with its tasks."""
        source_id = unique("sc")
        report = CaseReported(
            source_system="smartcity",
            source_id=source_id,
            item_code=code,
            grid_code=grid,
            description="路边违规摆摊",
            reported_at=datetime.now(UTC),
        )
        await self.send(report)

        async def decided() -> dict[str, Any] | None:
            found = (await self.client.get("/cases", params={"item_code": code}, headers=OFFICE)).json()
            mine = [c for c in found if c["source_id"] == source_id and c["status"] != "reported"]
            return mine[0] if mine else None

        case = await eventually(decided)
        full: dict[str, Any] = (await self.client.get(f"/cases/{case['id']}", headers=OFFICE)).json()
        return full

    async def timeline(self, case_id: str) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = (await self.client.get(f"/cases/{case_id}/timeline", headers=OFFICE)).json()
        return entries


def published(
    code: str, owner: str, *, version: int, effective_from: date, streets: tuple[str, ...] = ()
) -> ItemPublished:
    return ItemPublished(
        item_code=code,
        name="占道经营治理",
        list_kind=ListKind.COMMON,
        domain="城市管理",
        responsible_body=owner,
        street_codes=streets,
        time_limit=TimeLimit(value=3, unit=TimeUnit.WORKING_DAY),
        version=version,
        effective_from=effective_from,
        tasks=(DutyTask(party=TaskParty.STREET, text="劝导占道经营者"),),
    )


def assignees(case: dict[str, Any]) -> list[str]:
    return [task["assignee_code"] for task in case["tasks"]]


@pytest.fixture(scope="module")
async def world(nats_url: str, database_url: str) -> AsyncIterator[World]:
    app = create_app(Settings(**settings_env(nats_url, database_url)))
    async with serving(app) as client:
        yield World(client, app, nats_url)


async def projected(world: World, code: str, version: int) -> None:
    async def done() -> bool:
        answer = await world.client.get(f"/routing/{code}", headers=OFFICE)
        return answer.status_code == 200 and answer.json()["version"] == version

    await eventually(done, timeout=60)


async def test_a_street_with_a_published_list_gets_only_its_items_and_the_newest_revision_wins(world: World) -> None:
    listed, unlisted, owner, grid, street = unique("ITEM"), unique("ITEM"), unique("dept"), unique("grid"), unique("s")
    await world.item(listed, owner)
    await world.item(unlisted, owner)
    await world.street(grid, street)
    await projected(world, unlisted, 1)
    await world.street_list(street, 2, listed)
    await world.street_list(street, 1, listed, unlisted)  # an older revision arriving late changes nothing
    await eventually(lambda: world.rows(street_lists, street_code=street, revision=2), timeout=60)

    accepted = await world.report(listed, grid)
    assert accepted["status"] == "dispatched"
    assert "street-list rule (一街一单)" in accepted["tasks"][0]["routing_reason"]
    assert (
        f"street {street}'s published list (r2, 备案 长备〔2026〕2号) holds item {listed}"
        in (accepted["tasks"][0]["routing_reason"])
    )
    accepted_entry = next(e for e in await world.timeline(accepted["id"]) if e["action"] == "accepted")
    assert "street-list rule" in accepted_entry["detail"]

    assert assignees(accepted) == [owner, street]  # the item's street task is the street's own task
    assert "街道职责任务" in accepted["tasks"][1]["routing_reason"]

    dropped = await world.report(unlisted, grid)
    assert dropped["status"] == "dispatched"
    assert assignees(dropped) == [owner]  # only the street's part is refused
    reason = dropped["tasks"][0]["routing_reason"]
    assert f"street-list rule (一街一单): street {street}'s published list (r2" in reason
    assert "no approved admission or open whistle covers it: the street's part is refused" in reason
    assert [e["action"] for e in await world.timeline(dropped["id"])] == ["reported", "accepted", "assigned"]


async def test_a_street_without_a_list_falls_back_to_the_streets_the_item_names(world: World) -> None:
    code, owner, grid, street = unique("ITEM"), unique("dept"), unique("grid"), unique("s")
    await world.send(published(code, owner, version=1, effective_from=date(2026, 1, 1), streets=("elsewhere",)))
    await world.street(grid, street)
    await projected(world, code, 1)
    dropped = await world.report(code, grid)
    assert dropped["status"] == "dispatched"
    assert assignees(dropped) == [owner]
    assert f"item-streets rule (street {street} has no published list yet)" in dropped["tasks"][0]["routing_reason"]


async def test_an_approved_admission_covers_an_item_off_the_streets_list(world: World) -> None:
    code, owner, grid, street = unique("ITEM"), unique("dept"), unique("grid"), unique("s")
    await world.item(code, owner)
    await world.street(grid, street)
    await world.street_list(street, 1, unique("OTHER"))
    await projected(world, code, 1)
    await eventually(lambda: world.rows(street_lists, street_code=street), timeout=60)
    assert assignees(await world.report(code, grid)) == [owner]  # off the list: the department only

    application = uuid.uuid4()
    definition = published(code, owner, version=1, effective_from=date(2026, 1, 1), streets=(street,))
    approved = ApplicationApproved(
        application_id=application,
        kind=ApplicationKind.ADD,
        item_code=code,
        item=ItemDefinition.model_validate(definition.model_dump()),
        reason="常委会审定同意",
    )
    elsewhere = ApplicationApproved(
        application_id=uuid.uuid4(),
        kind=ApplicationKind.REMOVE,
        item_code=code,
        reason="取消不涉及派发",
    )
    await world.send(approved, elsewhere)
    await eventually(lambda: world.rows(admissions, application_id=application), timeout=60)
    case = await world.report(code, grid)
    assert case["status"] == "dispatched"
    assert assignees(case) == [owner, street]
    assert f"approved admission {application} (准入) covers it" in case["tasks"][0]["routing_reason"]
    assert len(await world.rows(admissions, item_code=code)) == 1  # a removal covers nothing


async def test_an_open_whistle_on_the_street_covers_new_cases_of_its_item(world: World) -> None:
    code, owner, summoned, grid, street = unique("ITEM"), unique("dept"), unique("dept"), unique("grid"), unique("s")
    await world.item(code, owner)
    await world.street(grid, street)
    await projected(world, code, 1)
    first = await world.report(code, grid)
    assert first["status"] == "dispatched"  # no list yet: a district-wide duty
    street_token = bearer(f"street:{street}")
    whistle = {"reason": "emergency", "departments": [summoned], "description": "暴雨内涝，需联合处置"}
    blown = await world.client.post(f"/cases/{first['id']}/whistle", json=whistle, headers=street_token)
    assert blown.status_code == 201
    await world.street_list(street, 1, unique("OTHER"))
    await eventually(lambda: world.rows(street_lists, street_code=street), timeout=60)

    covered = await world.report(code, grid)
    assert covered["status"] == "dispatched"
    assert f"open whistle {blown.json()['whistle_id']} (吹哨)" in covered["tasks"][0]["routing_reason"]

    closure = {"outcome": "withdrawn", "note": "险情解除"}
    assert (await world.client.post(f"/cases/{first['id']}/close", json=closure, headers=street_token)).is_success
    closure_of_second = await world.client.post(f"/cases/{covered['id']}/close", json=closure, headers=street_token)
    assert closure_of_second.is_success
    after = await world.report(code, grid)
    assert assignees(after) == [owner]  # the whistle's case is closed: the list rules the street's part again
    assert "street-list rule" in after["tasks"][0]["routing_reason"]


async def test_a_version_ahead_of_its_effective_date_waits_and_the_previous_one_routes(world: World) -> None:
    code, old_owner, new_owner, grid = unique("ITEM"), unique("dept"), unique("dept"), unique("grid")
    await world.street(grid, unique("s"))
    await world.item(code, new_owner, version=2, on=TOMORROW)  # out of order: the newer version first
    await world.item(code, old_owner, version=1)
    await projected(world, code, 1)
    routing = (await world.client.get(f"/routing/{code}", headers=OFFICE)).json()
    assert (routing["version"], routing["responsible_body"]) == (1, old_owner)
    assert (routing["upcoming_version"], routing["upcoming_from"]) == (2, TOMORROW.isoformat())

    case = await world.report(code, grid)
    assert case["status"] == "dispatched"
    assert (case["tasks"][0]["assignee_code"], case["tasks"][0]["catalogue_version"]) == (old_owner, 1)
    assert {t["catalogue_version"] for t in case["tasks"]} == {1}
    services = (await world.client.get("/open311/v2/services.json")).json()
    assert "catalogue v1" in next(s for s in services if s["service_code"] == code)["description"]


async def test_an_item_whose_only_version_is_not_in_force_yet_is_not_accepted(world: World) -> None:
    code, grid = unique("ITEM"), unique("grid")
    await world.street(grid, unique("s"))
    await world.item(code, unique("dept"), on=TOMORROW)

    async def waiting() -> bool:
        answer = await world.client.get(f"/routing/{code}", headers=OFFICE)
        return answer.status_code == 404 and "takes effect on" in answer.text

    await eventually(waiting, timeout=60)
    case = await world.report(code, grid)
    assert case["status"] == "not_accepted"
    assert case["refusal"] == (
        f"effective-date rule: item {code} is not in force yet (catalogue v1 takes effect on {TOMORROW})"
    )
    assert code not in [s["service_code"] for s in (await world.client.get("/open311/v2/services.json")).json()]
