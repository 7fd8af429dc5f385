"""The report's admission case on a real NATS and Postgres, with the catalogue service beside admission.

区计生协 applies to put a duty on two streets: 司法局 passes it, 营商局 objects, both streets object, and the
committee rejects it, so the catalogue does not change. A second application passes every stage; the catalogue
applies it as a new version citing the application, and the streets' published lists change revision.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from services.admission.app import create_app as admission_app
from services.admission.settings import Settings as AdmissionSettings
from services.catalog.app import create_app as catalog_app
from services.catalog.settings import Settings as CatalogSettings
from services.runtime.db import create_engine
from tests.integration.test_catalog_streetlists import LAW, LIBRARY, OFFICE, publish_street_list
from tests.support import bearer, eventually, serving, settings_env, unique

pytestmark = pytest.mark.integration
COMMITTEE = bearer("committee")
HELP_TASK = "配合主管部门做好人口与计划生育宣传引导"


@pytest.fixture
async def admission(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(admission_app(AdmissionSettings(**settings_env(nats_url, database_url)))) as client:
        yield client


@pytest.fixture
async def catalog(nats_url: str, catalog_database: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(catalog_app(CatalogSettings(**settings_env(nats_url, catalog_database)))) as client:
        yield client


def duty(code: str, name: str, street_task: str, streets: list[str]) -> dict[str, Any]:
    return {
        "item_code": code,
        "name": name,
        "list_kind": "common",
        "domain": "卫生健康",
        "responsible_body": "jsx",
        "street_codes": streets,
        "time_limit": {"value": 5, "unit": "working_day"},
        "legal_basis": [LAW],
        "tasks": [
            {"party": "department", "text": "制定计生协工作计划", "basis": [LAW]},
            {"party": "street", "text": street_task, "basis": [LAW]},
        ],
    }


@pytest.fixture
async def district(catalog: httpx.AsyncClient, database_url: str) -> dict[str, Any]:
    """Two streets with published lists holding an item on which streets only co-operate (配合)."""
    streets, existing = [unique("wulong"), unique("hubin")], unique("GX")
    organisations = [
        {"code": "jsx", "name": "区计生协", "kind": "department"},
        *({"code": s, "name": f"{s}街道", "kind": "street"} for s in streets),
    ]
    # a shared catalogue: the existing duty's street task widens street duties, so it comes on the emergency path
    load = {**LIBRARY, "note": "准入测试", "organisations": organisations, "emergency_reason": "测试：共用清单库"}
    load["items"] = [duty(existing, "人口与计划生育服务", HELP_TASK, [])]
    assert (await catalog.post("/catalogue", json=load, headers=OFFICE)).status_code == 201
    for street in streets:
        await publish_street_list(catalog, street, [existing])
    engine = create_engine(database_url, pool_size=1)
    try:
        await eventually(lambda: _known(engine, existing))
    finally:
        await engine.dispose()
    return {"streets": streets, "existing": existing}


async def _known(engine: Any, code: str) -> bool:
    async with engine.connect() as connection:
        query = sa.text("SELECT 1 FROM admission.known_items WHERE item_code = :code AND definition IS NOT NULL")
        return (await connection.execute(query, {"code": code})).first() is not None


async def apply(admission: httpx.AsyncClient, code: str, street_task: str, streets: list[str]) -> dict[str, Any]:
    body = {
        "department_code": "jsx",
        "kind": "add",
        "item_code": code,
        "proposal": duty(code, "计生协会基层工作", street_task, streets),
        "street_codes": streets,
        "resources": {"staff": 1, "funds_yuan": 20000, "materials": ["宣传资料"]},
        "reason": "区计生协申请将协会基层工作纳入街道职责清单",
    }
    response = await admission.post("/applications", json=body, headers=bearer("department:jsx"))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def answer(admission: httpx.AsyncClient, path: str, role: str, verdict: str) -> httpx.Response:
    payload = {"verdict": verdict, "opinion": "意见：同意" if verdict == "agree" else "意见：街道不具备承接条件"}
    return await admission.post(path, json=payload, headers=bearer(role))


async def run_through(admission: httpx.AsyncClient, app: dict[str, Any], verdicts: dict[str, str]) -> None:
    base = f"/applications/{app['id']}"
    for aspect, body in (("legality", "sfj"), ("reasonableness", "ysj")):
        response = await answer(admission, f"{base}/reviews/{aspect}", f"reviewer:{body}", verdicts[aspect])
        assert response.status_code == 200, response.text
    for street in app["street_codes"]:
        response = await answer(admission, f"{base}/consultation/{street}", f"street:{street}", verdicts["streets"])
        assert response.status_code == 200, response.text


async def test_the_family_planning_case_rejected_then_approved_changes_street_lists(
    admission: httpx.AsyncClient, catalog: httpx.AsyncClient, district: dict[str, Any]
) -> None:
    streets = district["streets"]
    versions_before = (await catalog.get("/versions", headers=OFFICE)).json()

    first_code = unique("GX")
    first = await apply(admission, first_code, "做好人口与计划生育宣传引导", streets)
    assert "moves_co_operating_duty" in first["flags"]  # 配合职责 moved onto the streets as their own
    await run_through(admission, first, {"legality": "agree", "reasonableness": "object", "streets": "object"})
    shown = (await admission.get(f"/applications/{first['id']}", headers=COMMITTEE)).json()
    assert shown["status"] == "awaiting_decision"
    assert {(p["code"], p["verdict"]) for p in shown["parties"]} >= {("sfj", "agree"), ("ysj", "object")}
    decision = {"decision": "reject", "minutes_ref": "区委常委会〔2026〕11号", "reason": "街道不具备承接条件"}
    rejected = await admission.post(f"/applications/{first['id']}/decision", json=decision, headers=COMMITTEE)
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    again = await admission.post(f"/applications/{first['id']}/decision", json=decision, headers=COMMITTEE)
    assert again.status_code == 409
    assert again.json()["detail"][0]["loc"] == ["body", "status"]

    second_code = unique("GX")
    second = await apply(admission, second_code, "指导社区建立计生协会小组", streets)
    await run_through(admission, second, {"legality": "agree", "reasonableness": "agree", "streets": "agree"})
    decision = {"decision": "approve", "minutes_ref": "区委常委会〔2026〕12号", "reason": "同意纳入街道职责清单"}
    approved = await admission.post(f"/applications/{second['id']}/decision", json=decision, headers=COMMITTEE)
    assert approved.status_code == 200, approved.text

    async def in_catalogue() -> bool:
        return (await catalog.get(f"/items/{second_code}", headers=OFFICE)).status_code == 200

    await eventually(in_catalogue)
    assert (await catalog.get(f"/items/{first_code}", headers=OFFICE)).status_code == 404  # the rejected one never
    versions = (await catalog.get("/versions", headers=OFFICE)).json()
    assert len(versions) == len(versions_before) + 1
    assert second["id"] in str(versions[0])
    for street in streets:
        before = (await catalog.get(f"/public/streets/{street}.json")).json()
        reopened = (await catalog.get(f"/street-lists/{street}", headers=OFFICE)).json()  # catalog sent it back
        assert (reopened["status"], reopened["revision"]) == ("draft", before["revision"] + 1)
        assert set(reopened["item_codes"]) == {district["existing"], second_code}
        assert "重新备案" in reopened["comments"]
        republished = (await publish_street_list(catalog, street, [district["existing"], second_code])).json()
        assert republished["revision"] > before["revision"]
        assert republished["catalogue_version"] > before["catalogue_version"]
    timeline = (await admission.get(f"/applications/{second['id']}/timeline", headers=COMMITTEE)).json()
    actions = [entry["action"] for entry in timeline]
    assert actions[0] == "submitted"
    assert actions[-1] == "decision.approve"
    assert "consultation.closed" in actions
    assert all(entry["actor"] for entry in timeline)


async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    admission: httpx.AsyncClient, catalog: httpx.AsyncClient, district: dict[str, Any]
) -> None:
    code, streets = unique("GX"), district["streets"]
    body = {"department_code": "jsx", "kind": "add", "item_code": code, "street_codes": streets, "reason": "理由"}
    unknown_clause = {**LAW, "article": "第九十九条"}
    proposal = duty(code, "计生协会基层工作", "指导社区建立计生协会小组", streets) | {"legal_basis": [unknown_clause]}
    refused = await admission.post(
        "/applications", json=body | {"proposal": proposal}, headers=bearer("department:jsx")
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "proposal", "legal_basis[0]"]
    existing = duty(district["existing"], "x", "y", streets)
    dup = body | {"item_code": district["existing"], "proposal": existing}
    refused = await admission.post("/applications", json=dup, headers=bearer("department:jsx"))
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "item_code"]
    listed = (await admission.get("/applications", headers=bearer("department:jsx"))).json()
    assert code not in {a["item_code"] for a in listed}

    app = await apply(admission, code, "指导社区建立计生协会小组", streets)
    early = {"decision": "approve", "minutes_ref": "x", "reason": "y"}
    response = await admission.post(f"/applications/{app['id']}/decision", json=early, headers=COMMITTEE)
    assert response.status_code == 409
    assert response.json()["detail"][0]["loc"] == ["body", "status"]
    wrong = await answer(admission, f"/applications/{app['id']}/reviews/legality", "reviewer:ysj", "agree")
    assert wrong.status_code == 403  # 营商局 is not assigned legality
    unseen = await admission.get(f"/applications/{app['id']}", headers=bearer("street:nobody"))
    assert unseen.status_code == 403
    mine = (await admission.get("/reviews", headers=bearer("reviewer:sfj"))).json()
    assert app["id"] in {r["application_id"] for r in mine}
    withdrawn = await admission.post(
        f"/applications/{app['id']}/withdrawal", json={"reason": "另行申请"}, headers=bearer("department:jsx")
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
