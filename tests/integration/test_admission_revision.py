"""修改重报: the committee returns an application; its department revises it, and the revision runs the route again."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.test_admission_applications import (
    COMMITTEE,
    admission,
    apply,
    catalog,
    district,
    duty,
    run_through,
)
from tests.support import bearer, unique

pytestmark = pytest.mark.integration
__all__ = ["admission", "catalog", "district"]  # fixtures this module uses
RETURN = {"decision": "return", "minutes_ref": "区委常委会〔2026〕13号", "reason": "请补充人财物保障"}
AGREE = {"legality": "agree", "reasonableness": "agree", "streets": "agree"}


def revision(app: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {
        "department_code": "jsx",
        "kind": "add",
        "item_code": app["item_code"],
        "proposal": duty(app["item_code"], "计生协会基层工作", "指导社区建立计生协会小组", app["street_codes"]),
        "street_codes": app["street_codes"],
        "resources": {"staff": 2, "funds_yuan": 60000, "materials": ["宣传资料"]},
        "reason": "按常委会意见补充人财物后重新申请",
    }
    return {**body, **changes}


async def returned(admission: httpx.AsyncClient, streets: list[str]) -> dict[str, Any]:
    app = await apply(admission, unique("GX"), "指导社区建立计生协会小组", streets)
    await run_through(admission, app, AGREE)
    answer = await admission.post(f"/applications/{app['id']}/decision", json=RETURN, headers=COMMITTEE)
    assert answer.json()["status"] == "returned", answer.text
    return app


async def test_a_returned_application_is_revised_once_and_runs_the_route_again(
    admission: httpx.AsyncClient, district: dict[str, Any]
) -> None:
    app = await returned(admission, district["streets"])
    path, department = f"/applications/{app['id']}/revision", bearer("department:jsx")

    revised = await admission.post(path, json=revision(app), headers=department)

    assert revised.status_code == 201, revised.text
    assert revised.json()["revises"] == app["id"]
    assert revised.json()["status"] == "in_review"
    assert revised.json()["resources"]["staff"] == 2
    old = (await admission.get(f"/applications/{app['id']}", headers=COMMITTEE)).json()
    assert old["status"] == "revised"
    again = await admission.post(path, json=revision(app), headers=department)
    assert again.status_code == 409
    assert again.json()["detail"][0]["loc"][-1] == "status"
    await run_through(admission, revised.json(), AGREE)
    shown = (await admission.get(f"/applications/{revised.json()['id']}", headers=COMMITTEE)).json()
    assert shown["status"] == "awaiting_decision"
    timeline = (await admission.get(f"/applications/{app['id']}/timeline", headers=COMMITTEE)).json()
    assert timeline[-1]["action"] == "revised"


async def test_a_revision_keeps_the_item_and_needs_a_returned_application(
    admission: httpx.AsyncClient, district: dict[str, Any]
) -> None:
    app = await returned(admission, district["streets"])
    path, department = f"/applications/{app['id']}/revision", bearer("department:jsx")

    other_item = await admission.post(path, json=revision(app, item_code=unique("GX")), headers=department)
    assert other_item.status_code == 422
    assert other_item.json()["detail"][0]["loc"][-1] == "item_code"
    other_department = await admission.post(path, json=revision(app), headers=bearer("department:zjj"))
    assert other_department.status_code == 403
    in_review = await apply(admission, unique("GX"), "组织计生志愿者开展关怀活动", district["streets"])
    early = await admission.post(
        f"/applications/{in_review['id']}/revision", json=revision(in_review), headers=department
    )
    assert early.status_code == 409
    old = (await admission.get(f"/applications/{app['id']}", headers=COMMITTEE)).json()
    assert old["status"] == "returned"  # nothing half-written by the refusals
