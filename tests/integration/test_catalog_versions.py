"""The catalogue against a real NATS and Postgres: loads make versions, events go out, as_of reads back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from contracts.events.admission import ApplicationApproved, ApplicationKind
from contracts.events.catalog import ItemDefinition
from services.catalog.app import create_app
from services.catalog.settings import Settings
from tests.support import bearer, body, bus, collect, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


def item(code: str, *, name: str = "门前三包责任制落实", department: str = "cgj") -> dict[str, Any]:
    return {
        "item_code": code,
        "name": name,
        "list_kind": "common",
        "domain": "城市管理",
        "responsible_body": department,
        "co_operating_units": ["street-a"],
        "time_limit": {"value": 5, "unit": "working_day"},
        "legal_basis": [{"law_id": "L7", "law_title": "黑龙江省城市市容和环境卫生管理条例", "article": "第九条"}],
    }


LIBRARY: dict[str, Any] = {
    "laws": [
        {
            "law_id": "L7",
            "title": "黑龙江省城市市容和环境卫生管理条例",
            "kind": "regulation",
            "issuer": "黑龙江省人民代表大会常务委员会",
            "effective_from": "2019-01-01",
        }
    ],
    "clauses": [
        {
            "law_id": "L7",
            "article": "第九条",
            "text": "城市人民政府市容环境卫生行政主管部门负责本行政区域内的市容环境卫生工作。",
        }
    ],
}


@pytest.fixture
async def catalog(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        yield client


async def test_a_load_makes_a_version_and_publishes_each_changed_item(
    catalog: httpx.AsyncClient, nats_url: str
) -> None:
    first, second, grid = unique("ITEM"), unique("ITEM"), unique("grid")
    load = {
        **LIBRARY,
        "note": "第一轮部门报送",
        "items": [item(first), item(second)],
        "grids": [{"grid_code": grid, "street_code": "s1"}],
    }
    created = await catalog.post("/catalogue", json=load, headers=OFFICE)
    assert created.status_code == 201, created.text
    assert sorted(created.json()["diff"]["added"]) == sorted([first, second])

    again = await catalog.post("/catalogue", json=load, headers=OFFICE)
    assert again.json() == {"version": None, "diff": {"added": [], "changed": [], "grids": []}}

    async with bus(nats_url) as (_, js):
        published = await collect(
            js, "catalog.item.published.v1", count=2, where=lambda d: d["item_code"] in (first, second)
        )
        mapped = await collect(js, "catalog.grid.mapped.v1", count=1, where=lambda d: d["grid_code"] == grid)
        with pytest.raises(AssertionError, match="received 2 of 3"):  # the unchanged second load published nothing
            await collect(
                js, "catalog.item.published.v1", count=3, timeout=1.0, where=lambda d: d["item_code"] in (first, second)
            )
    ours = [body(m)["data"] for m in published]
    assert ours[0]["name"] == "门前三包责任制落实"
    assert ours[0]["version"] == created.json()["version"]
    assert body(mapped[0])["type"] == "catalog.grid.mapped.v1"


async def test_as_of_a_date_before_a_change_returns_the_earlier_state(catalog: httpx.AsyncClient) -> None:
    code = unique("ITEM")
    await catalog.post("/catalogue", json={**LIBRARY, "note": "v1", "items": [item(code)]}, headers=OFFICE)
    engine = create_async_engine(catalog_db(catalog))
    async with engine.begin() as connection:  # backdate the first state, as if loaded last week
        await connection.execute(
            sa.text("UPDATE catalog.item_states SET valid_from = valid_from - interval '7 days' WHERE item_code = :c"),
            {"c": code},
        )
    await engine.dispose()
    changed = await catalog.post(
        "/catalogue", json={**LIBRARY, "note": "v2", "items": [item(code, name="门前三包（修订）")]}, headers=OFFICE
    )
    assert changed.json()["diff"]["changed"] == [code]

    today = await catalog.get(f"/items/{code}", headers=OFFICE)
    before = await catalog.get(
        f"/items/{code}", params={"as_of": (date.today() - timedelta(days=3)).isoformat()}, headers=OFFICE
    )
    assert today.json()["item"]["name"] == "门前三包（修订）"
    assert before.json()["item"]["name"] == "门前三包责任制落实"
    assert len(before.json()["versions"]) == 1
    too_early = await catalog.get(f"/items/{code}", params={"as_of": "2000-01-01"}, headers=OFFICE)
    assert too_early.status_code == 404


def catalog_db(client: httpx.AsyncClient) -> str:
    app = client._transport.app  # type: ignore[attr-defined]
    url: str = app.state.kit.settings.database_url
    return url


async def test_bad_loads_name_the_field_and_change_nothing(catalog: httpx.AsyncClient) -> None:
    code = unique("ITEM")
    duplicate = await catalog.post(
        "/catalogue", json={**LIBRARY, "note": "dup", "items": [item(code), item(code)]}, headers=OFFICE
    )
    assert duplicate.status_code == 422
    assert duplicate.json()["detail"][0]["loc"] == ["body", "items", "1", "item_code"]
    no_basis = await catalog.post(
        "/catalogue", json={**LIBRARY, "note": "x", "items": [{**item(code), "legal_basis": []}]}, headers=OFFICE
    )
    assert no_basis.status_code == 422
    assert no_basis.json()["detail"][0]["loc"][:3] == ["body", "items", 0]
    assert "legal_basis" in no_basis.json()["detail"][0]["msg"]
    typo = await catalog.post(
        "/catalogue", json={**LIBRARY, "note": "x", "items": [{**item(code), "nmae": "x"}]}, headers=OFFICE
    )
    assert typo.status_code == 422
    assert (await catalog.get(f"/items/{code}", headers=OFFICE)).status_code == 404
    forbidden = await catalog.post(
        "/catalogue", json={**LIBRARY, "note": "x", "items": [item(code)]}, headers=bearer("street:s1")
    )
    assert forbidden.status_code == 403


async def test_an_approved_admission_enters_the_catalogue(catalog: httpx.AsyncClient, nats_url: str) -> None:
    code = unique("ITEM")
    definition = ItemDefinition.model_validate(item(code, name="计生协会基层工作"))
    async with bus(nats_url) as (_, js):
        approval = ApplicationApproved(
            application_id=__import__("uuid").uuid4(),
            kind=ApplicationKind.ADD,
            item_code=code,
            item=definition,
            reason="区委常委会议审定同意",
        )
        await publish(js, approval, source="/linkage/admission")

    async def present() -> bool:
        return (await catalog.get(f"/items/{code}", headers=OFFICE)).status_code == 200

    await eventually(present)
    found = await catalog.get(f"/items/{code}", headers=OFFICE)
    assert found.json()["item"]["name"] == "计生协会基层工作"


async def test_an_item_edit_makes_a_version_and_lists_read_as_of_a_date(catalog: httpx.AsyncClient) -> None:
    code = unique("ITEM")
    await catalog.post("/catalogue", json={**LIBRARY, "note": "v1", "items": [item(code)]}, headers=OFFICE)
    edited = await catalog.put(
        f"/items/{code}", json={"note": "更名", "item": item(code, name="门前三包（编辑）")}, headers=OFFICE
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["diff"]["changed"] == [code]
    mismatch = await catalog.put(f"/items/{code}", json={"note": "x", "item": item(unique("OTHER"))}, headers=OFFICE)
    assert mismatch.json()["detail"][0]["loc"] == ["body", "item", "item_code"]

    now = await catalog.get("/items", params={"q": "门前三包（编辑）"}, headers=OFFICE)
    assert [i["item_code"] for i in now.json()] == [code]
    before = await catalog.get("/items", params={"q": "门前三包（编辑）", "as_of": "2000-01-01"}, headers=OFFICE)
    assert before.json() == []
