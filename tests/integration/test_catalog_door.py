"""唯一入口 on a real NATS and Postgres: street duties widen only through an approved admission application or the
emergency path; an edit, a load, an import and an adjustment resolution that widen them without grounds are
refused whole, naming the field and the application needed."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from contracts.events.admission import ApplicationApproved, ApplicationKind
from contracts.events.catalog import ItemDefinition
from services.catalog.app import create_app
from services.catalog.domain.items import ItemSpec
from services.catalog.settings import Settings
from tests.support import bearer, body, bus, collect, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")
LAW = {"law_id": "SR1", "law_title": "城市市容和环境卫生管理条例", "article": "第十条"}
LIBRARY: dict[str, Any] = {
    "laws": [
        {
            "law_id": "SR1",
            "title": LAW["law_title"],
            "kind": "regulation",
            "issuer": "国务院",
            "effective_from": "1992-08-01",
        }
    ],
    "clauses": [{"law_id": "SR1", "article": "第十条", "text": "街道办事处配合做好市容环境卫生工作。"}],
}
PATROL = {"party": "street", "text": "配合开展市容巡查", "basis": [LAW]}
LEDGER = {"party": "street", "text": "建立门前三包台账", "basis": [LAW]}
FOUNDED: dict[str, Any] = {}


def item(code: str, *tasks: dict[str, Any], streets: tuple[str, ...] = (), name: str = "门前三包") -> dict[str, Any]:
    return {
        "item_code": code,
        "name": name,
        "list_kind": "common",
        "domain": "城市管理",
        "responsible_body": "cgj",
        "street_codes": list(streets),
        "time_limit": {"value": 5, "unit": "working_day"},
        "legal_basis": [LAW],
        "tasks": [{"party": "department", "text": "制定门前三包标准", "basis": [LAW]}, *tasks],
    }


@pytest.fixture
async def catalog(nats_url: str, catalog_database: str) -> AsyncIterator[httpx.AsyncClient]:
    """The catalogue of this module's own database; its first load, with a street task, is the founding list."""
    async with serving(create_app(Settings(**settings_env(nats_url, catalog_database)))) as client:
        if not FOUNDED:
            founding = {**LIBRARY, "note": "首次建立清单", "items": [item("DOOR-BASE", PATROL)]}
            FOUNDED["answer"] = await client.post("/catalogue", json=founding, headers=OFFICE)
        yield client


def as_held(sent: dict[str, Any]) -> dict[str, Any]:
    """An item as the catalogue answers it: every field, defaults filled in."""
    return ItemSpec.model_validate(sent).model_dump(mode="json")


async def versions(catalog: httpx.AsyncClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await catalog.get("/versions", headers=OFFICE)).json()
    return found


async def held(catalog: httpx.AsyncClient, code: str) -> dict[str, Any] | None:
    answer = await catalog.get(f"/items/{code}", headers=OFFICE)
    return answer.json()["item"] if answer.status_code == 200 else None


def refusal(answer: httpx.Response) -> tuple[list[Any], str]:
    assert answer.status_code == 422, answer.text
    [detail] = answer.json()["detail"]
    return detail["loc"], detail["msg"]


async def approve(nats_url: str, code: str, approved: dict[str, Any], kind: ApplicationKind) -> uuid.UUID:
    """Admission's committee approves; catalog applies it from the bus (and remembers it)."""
    application_id = uuid.uuid4()
    event = ApplicationApproved(
        application_id=application_id,
        kind=kind,
        item_code=code,
        item=ItemDefinition.model_validate(approved),
        reason="区委常委会议审定同意",
        street_codes=tuple(approved["street_codes"]),
    )
    async with bus(nats_url) as (_, js):
        await publish(js, event, source="/linkage/admission")
    return application_id


async def test_the_founding_list_passes_freely(catalog: httpx.AsyncClient) -> None:
    answer = FOUNDED["answer"]
    assert answer.status_code == 201, answer.text
    assert answer.json()["version"] == 1
    assert "emergency" not in answer.json()["diff"]
    assert (await held(catalog, "DOOR-BASE")) is not None


async def test_an_edit_adding_a_street_task_without_grounds_is_refused_and_changes_nothing(
    catalog: httpx.AsyncClient,
) -> None:
    code = unique("EDIT")
    assert (
        await catalog.post("/catalogue", json={"note": "部门事项", "items": [item(code)]}, headers=OFFICE)
    ).is_success
    before, count = await held(catalog, code), len(await versions(catalog))
    edit = {"note": "加街道任务", "item": item(code, PATROL)}
    loc, message = refusal(await catalog.put(f"/items/{code}", json=edit, headers=OFFICE))
    assert loc == ["body", "item", "tasks", "1"]
    assert f"admission application (准入) to change item {code}" in message
    assert (await held(catalog, code), len(await versions(catalog))) == (before, count)
    narrowed = await catalog.put(
        f"/items/{code}", json={"note": "更名", "item": item(code, name="门前三包（更名）")}, headers=OFFICE
    )
    assert narrowed.status_code == 200, narrowed.text  # a department-only change needs no grounds


async def test_an_edit_citing_an_approved_application_makes_a_version_citing_it(
    catalog: httpx.AsyncClient, nats_url: str
) -> None:
    code = unique("APPR")
    approved = item(code, PATROL, LEDGER, streets=("wulong", "hubin"))
    application_id = await approve(nats_url, code, approved, ApplicationKind.ADD)
    await eventually(lambda: held(catalog, code))
    applied = (await versions(catalog))[0]
    assert applied["diff"]["application"] == [str(application_id)]  # the approval's own version cites it
    narrowed = await catalog.put(
        f"/items/{code}", json={"note": "暂缓湖滨", "item": item(code, PATROL, streets=("wulong",))}, headers=OFFICE
    )
    assert narrowed.status_code == 200, narrowed.text

    again = {"note": "恢复审定内容", "item": approved, "application_id": str(application_id)}
    answer = await catalog.put(f"/items/{code}", json=again, headers=OFFICE)
    assert answer.status_code == 200, answer.text
    assert answer.json()["diff"]["application"] == [str(application_id)]
    assert (await versions(catalog))[0]["diff"]["application"] == [str(application_id)]
    assert (await held(catalog, code)) == as_held(approved)

    beyond = {
        **again,
        "item": item(
            code, PATROL, LEDGER, {"party": "street", "text": "街道负责上门检查"}, streets=("wulong", "hubin")
        ),
    }
    loc, _ = refusal(await catalog.put(f"/items/{code}", json=beyond, headers=OFFICE))
    assert loc == ["body", "item", "tasks", "3"]  # the approval covers what it approved, no more


async def test_a_wrong_or_unapproved_application_is_refused_naming_application_id(
    catalog: httpx.AsyncClient, nats_url: str
) -> None:
    code, elsewhere = unique("WRONG"), unique("ELSE")
    assert (
        await catalog.post("/catalogue", json={"note": "部门事项", "items": [item(code)]}, headers=OFFICE)
    ).is_success
    foreign = await approve(nats_url, elsewhere, item(elsewhere, PATROL), ApplicationKind.ADD)
    await eventually(lambda: held(catalog, elsewhere))
    for cited, why in [
        (uuid.uuid4(), "holds no approved admission application"),
        (foreign, f"approved item {elsewhere}"),
    ]:
        edit = {"note": "加街道任务", "item": item(code, PATROL), "application_id": str(cited)}
        loc, message = refusal(await catalog.put(f"/items/{code}", json=edit, headers=OFFICE))
        assert loc == ["body", "application_id"]
        assert why in message
    assert (await held(catalog, code)) == as_held(item(code))


async def test_an_emergency_edit_is_marked_audited_and_flagged_to_the_committee(
    catalog: httpx.AsyncClient, nats_url: str, catalog_database: str
) -> None:
    code = unique("EMRG")
    assert (
        await catalog.post("/catalogue", json={"note": "部门事项", "items": [item(code)]}, headers=OFFICE)
    ).is_success
    reason = "防汛应急：街道临时承担积水点巡查"
    edit = {"note": "应急", "item": item(code, PATROL), "emergency_reason": reason}
    answer = await catalog.put(f"/items/{code}", json=edit, headers=bearer("office", subject="office-zhang"))
    assert answer.status_code == 200, answer.text
    version = answer.json()["version"]
    assert answer.json()["diff"]["emergency"] == [reason]
    assert answer.json()["diff"]["widened"] == [code]

    listed = (await catalog.get("/emergencies", headers=bearer("committee"))).json()
    assert (listed[0]["version"], listed[0]["diff"]["emergency"]) == (version, [reason])
    assert (await catalog.get("/emergencies", headers=bearer("operator"))).status_code == 403
    async with bus(nats_url) as (_, js):
        [flag] = await collect(js, "catalog.emergency.recorded.v1", count=1, where=lambda d: d["version"] == version)
    assert body(flag)["data"] | {} == {
        "version": version,
        "reason": reason,
        "actor": "office-zhang",
        "item_codes": [code],
    }
    engine = create_async_engine(catalog_database)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    sa.text(
                        "SELECT actor, role, after FROM catalog.audit "
                        "WHERE action = 'catalogue.emergency' AND entity = :e"
                    ),
                    {"e": f"catalogue:{version}"},
                )
            ).all()
    finally:
        await engine.dispose()
    assert [(r.actor, r.role, r.after["reason"]) for r in rows] == [("office-zhang", "office", reason)]
    assert rows[0].after["widened"] == [f"{code} tasks.1: new street task '配合开展市容巡查'"]


async def test_a_load_widening_street_duties_is_refused_whole(catalog: httpx.AsyncClient) -> None:
    law_id, plain, widening = unique("LW"), unique("PLAIN"), unique("WIDE")
    law = {
        "law_id": law_id,
        "title": "某条例",
        "kind": "regulation",
        "issuer": "省人大",
        "effective_from": "2020-01-01",
    }
    load = {
        "note": "第二轮部门报送",
        "laws": [law],
        "clauses": [{"law_id": law_id, "article": "第一条", "text": "条文。"}],
        "items": [item(plain), item(widening, streets=("wulong",))],
        "grids": [{"grid_code": unique("grid"), "street_code": "wulong"}],
    }
    count = len(await versions(catalog))
    loc, message = refusal(await catalog.post("/catalogue", json=load, headers=OFFICE))
    assert loc == ["body", "items", "1", "street_codes", "0"]
    assert f"to add item {widening}" in message
    assert (await held(catalog, plain), len(await versions(catalog))) == (None, count)
    assert (await catalog.get(f"/laws/{law_id}", headers=OFFICE)).status_code == 404  # the library too

    upload = {"file": ("第二轮.json", json.dumps(load).encode(), "application/json")}
    refused = await catalog.post("/catalogue/import", files=upload, headers=OFFICE)
    assert refused.status_code == 422
    assert [(e["sheet"], e["column"]) for e in refused.json()["errors"]] == [("json", "items.1.street_codes.0")]
    urgent = await catalog.post(
        "/catalogue/import", files=upload, data={"emergency_reason": "疫情防控应急"}, headers=OFFICE
    )
    assert urgent.status_code == 201, urgent.text
    assert urgent.json()["diff"]["emergency"] == ["疫情防控应急"]


async def test_an_adjustment_resolution_widening_street_duties_is_refused_and_stays_open(
    catalog: httpx.AsyncClient,
) -> None:
    law_id, code = unique("LA"), unique("ADJ")
    ref = {"law_id": law_id, "law_title": "某办法", "article": "第二条"}
    load = {
        "note": "依据",
        "laws": [
            {"law_id": law_id, "title": "某办法", "kind": "rule", "issuer": "市政府", "effective_from": "2020-01-01"}
        ],
        "clauses": [{"law_id": law_id, "article": "第二条", "text": "部门负责。"}],
        "items": [item(code) | {"legal_basis": [ref]}],
    }
    assert (await catalog.post("/catalogue", json=load, headers=OFFICE)).is_success
    change = {
        "change": "amended",
        "effective_on": str(date.today()),
        "note": "修正",
        "clauses": [{"article": "第二条", "text": "部门负责，街道配合。"}],
    }
    [adjustment] = (await catalog.post(f"/laws/{law_id}/changes", json=change, headers=OFFICE)).json()["adjustments"]
    count = len(await versions(catalog))
    widened = {"resolution": "依新条文增加街道任务", "item": item(code, PATROL) | {"legal_basis": [ref]}}
    loc, _ = refusal(await catalog.post(f"/adjustments/{adjustment}/resolve", json=widened, headers=OFFICE))
    assert loc == ["body", "item", "tasks", "1"]
    assert len(await versions(catalog)) == count
    still = (await catalog.get("/adjustments", params={"status": "open", "law_id": law_id}, headers=OFFICE)).json()
    assert [a["id"] for a in still] == [adjustment]

    urgent = {**widened, "emergency_reason": "新条文即日施行，先行承担"}
    answer = await catalog.post(f"/adjustments/{adjustment}/resolve", json=urgent, headers=OFFICE)
    assert answer.status_code == 200, answer.text
    assert (await versions(catalog))[0]["diff"]["emergency"] == ["新条文即日施行，先行承担"]
