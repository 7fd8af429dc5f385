"""Enforcement against a real NATS and Postgres: the power list follows the catalogue, matters rest on it."""

from __future__ import annotations

import asyncio
import contextlib
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

from contracts import TimeLimit, decode, encode
from contracts.base import TimeUnit
from contracts.envelope import CONTENT_TYPE, envelop
from contracts.events.catalog import ItemPublished, ItemRetired, ListKind
from contracts.events.enforcement import MatterRegistered
from services.enforcement import service, store
from services.enforcement.app import create_app
from services.enforcement.settings import Settings
from services.enforcement.store import EnforcementStore
from services.runtime.db import create_engine, sessionmaker
from services.runtime.uow import UnitOfWork
from tests.support import bearer, body, bus, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")
PENALTY = "对占道经营行为的行政处罚"


def item(code: str, *, kind: ListKind = ListKind.POWER, version: int = 1) -> ItemPublished:
    return ItemPublished(
        item_code=code,
        name=PENALTY,
        list_kind=kind,
        domain="城市管理",
        responsible_body="zhzfd",
        time_limit=TimeLimit(value=15, unit=TimeUnit.WORKING_DAY),
        version=version,
        effective_from=date(2026, 1, 1),
    )


def matter(code: str, department: str) -> dict[str, str]:
    return {"item_code": code, "name": "占道经营检查", "department_code": department}


@pytest.fixture
async def enforcement(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
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


async def registered(js: JetStreamContext, matter_id: str, *, timeout: float = 15.0) -> Msg:
    """The MatterRegistered message about ``matter_id``, among whatever else the stream holds."""
    subscription = await js.pull_subscribe(MatterRegistered.TYPE)
    deadline = asyncio.get_running_loop().time() + timeout
    try:
        while asyncio.get_running_loop().time() < deadline:
            with contextlib.suppress(TimeoutError, nats.errors.TimeoutError):
                for message in await subscription.fetch(50, timeout=1.0):
                    await message.ack()
                    if body(message)["data"]["matter_id"] == matter_id:
                        return message
    finally:
        await subscription.unsubscribe()
    raise AssertionError(f"no {MatterRegistered.TYPE} about {matter_id}")


async def listed(client: httpx.AsyncClient, code: str) -> bool:
    response = await client.get("/power-list", headers=OFFICE)
    return code in {entry["item_code"] for entry in response.json()}


async def refusal(client: httpx.AsyncClient, code: str) -> tuple[int, list[str], str]:
    response = await client.post("/matters", json=matter(code, unique("scjg")), headers=OFFICE)
    detail = response.json()["detail"][0]
    return response.status_code, detail["loc"], detail["msg"]


async def test_a_matter_on_a_power_item_is_registered_once_per_department_and_announced(
    enforcement: httpx.AsyncClient, nats_url: str, engine: AsyncEngine
) -> None:
    code, department = unique("ZF"), unique("scjg")
    async with bus(nats_url) as (_, js):
        await publish(js, item(code), source="/linkage/catalog")
        await eventually(lambda: listed(enforcement, code))

        created = await enforcement.post("/matters", json=matter(code, department), headers=OFFICE)
        assert created.status_code == 201, created.text
        matter_id = created.json()["id"]
        message = await registered(js, matter_id)

    envelope = decode(message.data, MatterRegistered)
    assert (envelope.type, envelope.source, envelope.subject) == (
        MatterRegistered.TYPE,
        "/linkage/enforcement",
        matter_id,
    )
    assert message.headers is not None
    assert message.headers["Nats-Msg-Id"] == str(envelope.id)
    assert (envelope.data.item_code, envelope.data.department_code, envelope.data.name) == (
        code,
        department,
        "占道经营检查",
    )

    again = await enforcement.post("/matters", json=matter(code, department), headers=OFFICE)
    assert again.status_code == 409
    assert again.json()["detail"][0]["loc"] == ["body", "item_code"]
    other = await enforcement.post("/matters", json=matter(code, unique("zhzfd")), headers=OFFICE)
    assert other.status_code == 201

    audit = await row(
        engine, "SELECT actor, after FROM enforcement.audit WHERE entity = :entity", entity=f"matter:{matter_id}"
    )
    assert audit is not None
    assert audit.actor == "tester"
    assert audit.after["department_code"] == department
    rows = (await enforcement.get("/matters", params={"department_code": department}, headers=OFFICE)).json()
    assert [(m["id"], m["item_code"]) for m in rows] == [(matter_id, code)]


async def test_the_power_list_follows_the_catalogue_and_matters_need_a_listed_item(
    enforcement: httpx.AsyncClient, nats_url: str, engine: AsyncEngine
) -> None:
    leaves, retired, common = unique("ZF"), unique("ZF"), unique("GX")
    async with bus(nats_url) as (_, js):
        for code in (leaves, retired):
            await publish(js, item(code), source="/linkage/catalog")
        await publish(js, item(common, kind=ListKind.COMMON), source="/linkage/catalog")
        await eventually(lambda: _listed_all(enforcement, leaves, retired))
        await eventually(
            lambda: row(engine, "SELECT 1 FROM enforcement.power_list WHERE item_code = :code", code=common)
        )
        assert not await listed(enforcement, common)

        await publish(js, item(leaves, kind=ListKind.SERVICE, version=2), source="/linkage/catalog")
        await publish(js, ItemRetired(item_code=retired, version=2, reason="职权调整"), source="/linkage/catalog")
        await eventually(lambda: _listed_none(enforcement, leaves, retired))

    for code in (leaves, retired, common):
        status, loc, message = await refusal(enforcement, code)
        assert (status, loc) == (422, ["body", "item_code"])
        assert "not on the power list (行政权力清单)" in message
    assert "not in the catalogue" in (await refusal(enforcement, unique("ZF")))[2]


async def _listed_all(client: httpx.AsyncClient, *codes: str) -> bool:
    return all([await listed(client, code) for code in codes])


async def _listed_none(client: httpx.AsyncClient, *codes: str) -> bool:
    return not any([await listed(client, code) for code in codes])


async def test_the_projection_keeps_the_newest_catalogue_version_whatever_the_arrival_order(
    uows: Callable[[], UnitOfWork],
) -> None:
    moved, retired = unique("ZF"), unique("ZF")
    await service.project_item(uows(), item(moved, kind=ListKind.COMMON, version=2))
    await service.project_item(uows(), item(moved, version=1))  # late: it must not put the item back
    await service.retire_item(uows(), ItemRetired(item_code=retired, version=3, reason="取消"))
    await service.project_item(uows(), item(retired, version=2))
    async with uows() as uow:
        entries = [await EnforcementStore(uow.session).entry(code) for code in (moved, retired)]
    assert [(e.listed, e.version) for e in entries if e is not None] == [(False, 2), (False, 3)]

    await service.project_item(uows(), item(retired, version=4))  # the catalogue restores it
    async with uows() as uow:
        restored = await EnforcementStore(uow.session).entry(retired)
    assert restored is not None
    assert (restored.listed, restored.version, restored.name) == (True, 4, PENALTY)


async def test_an_event_delivered_twice_is_handled_once(
    enforcement: httpx.AsyncClient, nats_url: str, engine: AsyncEngine
) -> None:
    code = unique("ZF")
    envelope = envelop(item(code), source="/linkage/catalog")
    async with bus(nats_url) as (_, js):
        for msg_id in (str(envelope.id), f"{envelope.id}-again"):  # past JetStream's de-duplication
            headers = {"Nats-Msg-Id": msg_id, "content-type": CONTENT_TYPE}
            await js.publish(ItemPublished.TYPE, encode(envelope), headers=headers)
        await eventually(lambda: listed(enforcement, code))
        await eventually(lambda: _drained(js, "CATALOG", "enforcement-item-published"))  # both deliveries acked

    claims = "SELECT count(*) AS n FROM enforcement.inbox WHERE consumer = :consumer AND event_id = :id"
    claimed = await row(engine, claims, consumer="enforcement-item-published", id=envelope.id)
    assert claimed is not None
    assert claimed.n == 1
    letters = (await enforcement.get("/ops/dead-letters", headers=bearer("operator"))).json()
    assert [d for d in letters if code in d["body"]] == []  # the second was acked and skipped, not failed


async def _drained(js: JetStreamContext, stream: str, durable: str) -> bool:
    info = await js.consumer_info(stream, durable)
    return bool(info.num_ack_pending == 0 and info.num_pending == 0)


async def test_only_the_office_registers_matters_and_named_roles_read_them(enforcement: httpx.AsyncClient) -> None:
    code = unique("ZF")
    for role in ("department:scjg", "operator", "street:hongxing"):
        response = await enforcement.post("/matters", json=matter(code, "scjg"), headers=bearer(role))
        assert response.status_code == 403, role
    assert (await enforcement.post("/matters", json=matter(code, "scjg"))).status_code == 401
    for role in ("office", "operator", "department:scjg"):
        assert (await enforcement.get("/matters", headers=bearer(role))).status_code == 200, role
        assert (await enforcement.get("/power-list", headers=bearer(role))).status_code == 200, role
    assert (await enforcement.get("/matters", headers=bearer("smartcity"))).status_code == 403
    assert (await enforcement.get("/matters")).status_code == 401


async def test_bad_matters_are_refused_naming_the_field(enforcement: httpx.AsyncClient) -> None:
    async def loc(**changes: str) -> list[str]:
        response = await enforcement.post("/matters", json={**matter(unique("ZF"), "scjg"), **changes}, headers=OFFICE)
        assert response.status_code == 422, response.text
        where: list[str] = response.json()["detail"][0]["loc"]
        return where

    assert await loc(item_code="ZF 01") == ["body", "item_code"]
    assert await loc(name="") == ["body", "name"]
    assert await loc(department_code="scjg.*") == ["body", "department_code"]
    query = await enforcement.get("/matters", params={"department_code": "a b"}, headers=OFFICE)
    assert query.json()["detail"][0]["loc"] == ["query", "department_code"]
