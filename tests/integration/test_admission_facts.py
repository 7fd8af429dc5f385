"""Admission keeps what it knows of the catalogue between submissions, and a catalogue change still reaches the
checks at once: a law repealed after a submission refuses the next one citing it (clause_not_in_force)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.test_admission_applications import admission, catalog, duty
from tests.integration.test_catalog_streetlists import OFFICE
from tests.support import bearer, eventually, unique

pytestmark = pytest.mark.integration
__all__ = ["admission", "catalog"]  # fixtures this module uses


def cited(law_id: str) -> dict[str, Any]:
    return {"law_id": law_id, "law_title": "龙沙区计划生育服务暂行办法", "article": "第五条"}


def application(law_id: str) -> dict[str, Any]:
    code = unique("GX")
    proposal = duty(code, f"计生服务事项{code}", "开展计生家庭走访", [])
    proposal |= {"legal_basis": [cited(law_id)], "tasks": [{**t, "basis": [cited(law_id)]} for t in proposal["tasks"]]}
    return {
        "department_code": "jsx",
        "kind": "add",
        "item_code": code,
        "proposal": proposal,
        "resources": {"staff": 1},
        "reason": "测试",
    }


async def test_a_repeal_after_a_submission_refuses_the_next_one(
    admission: httpx.AsyncClient, catalog: httpx.AsyncClient
) -> None:
    law_id = unique("LJ")
    law = {"law_id": law_id, "title": "龙沙区计划生育服务暂行办法", "kind": "normative", "issuer": "龙沙区人民政府"}
    load = {
        "note": "依据",
        "laws": [{**law, "effective_from": "2020-01-01"}],
        "clauses": [{"law_id": law_id, "article": "第五条", "text": "街道开展计生服务。"}],
        "items": [
            duty(unique("GX"), "计生服务", "配合做好计生服务", []) | {"legal_basis": [cited(law_id)], "tasks": []}
        ],
    }
    assert (await catalog.post("/catalogue", json=load, headers=OFFICE)).status_code == 201, "load"
    department = bearer("department:jsx")

    async def accepted() -> bool:
        return (await admission.post("/applications", json=application(law_id), headers=department)).status_code == 201

    await eventually(accepted)  # admission has heard of the clause, and keeps its facts
    repeal = {"change": "repealed", "effective_on": str(date.today() - timedelta(days=1)), "note": "废止"}
    assert (await catalog.post(f"/laws/{law_id}/changes", json=repeal, headers=OFFICE)).status_code == 201

    async def refused() -> bool:
        answer = await admission.post("/applications", json=application(law_id), headers=department)
        return answer.status_code == 422 and "clause_not_in_force" in answer.text

    await eventually(refused)
