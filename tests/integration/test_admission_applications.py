"""Admission against a real NATS and Postgres: the catalogue feeds the automatic checks, applications go out."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any

import httpx
import nats
import pytest
import sqlalchemy as sa
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts import TimeLimit, decode
from contracts.base import TimeUnit
from contracts.events.admission import ApplicationSubmitted
from contracts.events.catalog import ItemPublished, ItemRetired, ListKind
from services.admission import service, store
from services.admission.app import create_app
from services.admission.settings import Settings
from services.admission.store import AdmissionStore
from services.runtime.db import create_engine, sessionmaker
from services.runtime.uow import UnitOfWork
from tests.support import bearer, bus, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration


def item(code: str, *, version: int = 1, name: str = "计划生育协会工作") -> ItemPublished:
    return ItemPublished(
        item_code=code,
        name=name,
        list_kind=ListKind.COMMON,
        domain="卫生健康",
        responsible_body="jsx",
        time_limit=TimeLimit(value=5, unit=TimeUnit.WORKING_DAY),
        version=version,
        effective_from=date(2026, 1, 1),
    )


def application(department: str, code: str, kind: str = "add") -> dict[str, str]:
    return {
        "department_code": department,
        "kind": kind,
        "item_code": code,
        "item_name": "计划生育协会工作",
        "reason": "区计生协申请将协会基层工作纳入街道职责清单（依据：《中国计划生育协会章程》）",
    }


@pytest.fixture
async def admission(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        yield client


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
def uows(engine: AsyncEngine) -> Callable[[], UnitOfWork]:
    """Units of work on the test database, to drive use cases without the bus."""
    return lambda: UnitOfWork(sessionmaker(engine), store.plumbing, source="/tests")


async def row(engine: AsyncEngine, sql: str, **params: Any) -> sa.Row[Any] | None:
    """Read what the service wrote, to observe a projection or an audit row without a route for it."""
    async with engine.connect() as connection:
        return (await connection.execute(sa.text(sql), params)).first()


async def known(engine: AsyncEngine, code: str, *, retired: bool) -> bool:
    found = await row(engine, "SELECT retired FROM admission.known_items WHERE item_code = :code", code=code)
    return found is not None and found.retired is retired


async def submitted(js: JetStreamContext, application_id: str, *, timeout: float = 15.0) -> Msg:
    """The ApplicationSubmitted message about ``application_id``, among whatever else the stream holds."""
    subscription = await js.pull_subscribe(ApplicationSubmitted.TYPE)
    deadline = asyncio.get_running_loop().time() + timeout
    try:
        while asyncio.get_running_loop().time() < deadline:
            with contextlib.suppress(TimeoutError, nats.errors.TimeoutError):
                for message in await subscription.fetch(50, timeout=1.0):
                    await message.ack()
                    if json.loads(message.data)["data"]["application_id"] == application_id:
                        return message
    finally:
        await subscription.unsubscribe()
    raise AssertionError(f"no {ApplicationSubmitted.TYPE} about {application_id}")


async def test_an_add_for_a_published_item_is_flagged_a_duplicate_and_announced(
    admission: httpx.AsyncClient, nats_url: str, engine: AsyncEngine
) -> None:
    department, code = unique("jsx"), unique("GX")
    async with bus(nats_url) as (_, js):
        await publish(js, item(code), source="/linkage/catalog")
        await eventually(lambda: known(engine, code, retired=False))

        response = await admission.post(
            "/applications", json=application(department, code), headers=bearer(f"department:{department}")
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["flags"] == ["duplicate_of_existing"]
        assert (created["status"], created["kind"]) == ("submitted", "add")
        assert created["reason"].startswith("区计生协申请")

        message = await submitted(js, created["id"])
    envelope = decode(message.data, ApplicationSubmitted)
    assert message.headers
    assert message.headers["Nats-Msg-Id"] == str(envelope.id)
    assert (envelope.type, envelope.source, envelope.subject) == (
        ApplicationSubmitted.TYPE,
        "/linkage/admission",
        created["id"],
    )
    assert envelope.data.duplicate_of_existing is True
    assert envelope.data.item_name == "计划生育协会工作"
    assert json.loads(message.data)["specversion"] == "1.0"

    audit = await row(
        engine, "SELECT actor, after FROM admission.audit WHERE entity = :entity", entity=f"application:{created['id']}"
    )
    assert audit is not None
    assert audit.actor == "tester"
    assert audit.after["flags"] == ["duplicate_of_existing"]


async def test_a_retired_item_cannot_be_changed_and_re_adding_it_is_flagged(
    admission: httpx.AsyncClient, nats_url: str, engine: AsyncEngine
) -> None:
    department, code = unique("jsx"), unique("GX")
    headers = bearer(f"department:{department}")
    async with bus(nats_url) as (_, js):
        await publish(js, item(code), source="/linkage/catalog")
        await eventually(lambda: known(engine, code, retired=False))
        await publish(js, ItemRetired(item_code=code, version=2, reason="职能划转"), source="/linkage/catalog")
        await eventually(lambda: known(engine, code, retired=True))

    refused = await admission.post("/applications", json=application(department, code, "change"), headers=headers)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "item_code"]
    assert "not in the catalogue" in refused.json()["detail"][0]["msg"]
    assert (await admission.get("/applications", headers=headers)).json() == []  # nothing half-written

    readded = await admission.post("/applications", json=application(department, code), headers=headers)
    assert readded.json()["flags"] == ["readds_retired_item"]
    async with bus(nats_url) as (_, js):
        announced = decode((await submitted(js, readded.json()["id"])).data, ApplicationSubmitted)
    assert announced.data.duplicate_of_existing is False  # a retired item is no duplicate


async def test_the_projection_keeps_the_newest_catalogue_version_whatever_the_arrival_order(
    uows: Callable[[], UnitOfWork],
) -> None:
    code = unique("GX")
    await service.retire_item(uows(), ItemRetired(item_code=code, version=3, reason="取消"))
    await service.project_item(uows(), item(code, version=2))  # older than the retirement: ignored
    async with uows() as uow:
        stale = await AdmissionStore(uow.session).known(code)
    assert stale is not None
    assert (stale.retired, stale.version, stale.name) == (True, 3, None)

    await service.project_item(uows(), item(code, version=4, name="新增事项"))
    await service.project_item(uows(), item(code, version=4, name="新增事项"))  # a re-delivery changes nothing
    async with uows() as uow:
        current = await AdmissionStore(uow.session).known(code)
    assert current is not None
    assert (current.retired, current.version, current.name) == (False, 4, "新增事项")

    await service.retire_item(uows(), ItemRetired(item_code=code, version=5, reason="取消"))
    async with uows() as uow:
        gone = await AdmissionStore(uow.session).known(code)
    assert gone is not None
    assert (gone.retired, gone.version, gone.name) == (True, 5, "新增事项")  # the name it was retired under


async def test_only_the_applying_department_may_apply_and_read_its_applications(
    admission: httpx.AsyncClient,
) -> None:
    mine, theirs, code = unique("jsx"), unique("mzj"), unique("GX")
    own = bearer(f"department:{mine}")
    other = await admission.post("/applications", json=application(theirs, code), headers=own)
    assert other.status_code == 403
    assert other.json()["detail"][0]["loc"] == ["body", "department_code"]
    assert (
        await admission.post("/applications", json=application(mine, code), headers=bearer("office"))
    ).status_code == 403

    created = await admission.post("/applications", json=application(mine, code), headers=own)
    assert created.status_code == 201, created.text
    path = f"/applications/{created.json()['id']}"
    for role in (f"department:{mine}", "office", "reviewer:sfj", "committee"):
        assert (await admission.get(path, headers=bearer(role))).status_code == 200, role
    assert (await admission.get(path, headers=bearer(f"department:{theirs}"))).status_code == 403
    assert (await admission.get(path, headers=bearer("smartcity"))).status_code == 403
    assert (await admission.get(path)).status_code == 401

    assert [a["id"] for a in (await admission.get("/applications", headers=own)).json()] == [created.json()["id"]]
    assert (await admission.get("/applications", headers=bearer(f"department:{theirs}"))).json() == []
    everyone = (await admission.get("/applications", headers=bearer("office"))).json()
    assert created.json()["id"] in [a["id"] for a in everyone]


async def test_bad_applications_are_refused_naming_the_field(admission: httpx.AsyncClient) -> None:
    department = unique("jsx")
    headers = bearer(f"department:{department}")

    async def refusal(**changes: str) -> tuple[int, list[str]]:
        body = {**application(department, unique("GX")), **changes}
        response = await admission.post("/applications", json=body, headers=headers)
        return response.status_code, response.json()["detail"][0]["loc"]

    assert await refusal(item_code="GX 001") == (422, ["body", "item_code"])
    assert await refusal(kind="transfer") == (422, ["body", "kind"])
    assert await refusal(reason="") == (422, ["body", "reason"])
    assert await refusal(kind="remove") == (422, ["body", "item_code"])  # the catalogue holds no such item
    missing = await admission.get("/applications/00000000-0000-0000-0000-000000000000", headers=bearer("office"))
    assert missing.status_code == 404
