"""Assisted services (帮办代办, 小龙帮办) and elderly-friendly (适老) requests on a real NATS and Postgres: a helper
records a request for a resident; the case has its own kind, its kind's shorter deadline, and its own count; the
acceptance event carries the kind for evaluation. Bad input names the field and writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import httpx
import pytest

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.catalog import GridMapped, ItemPublished, ListKind
from contracts.events.dispatch import CaseAccepted
from services.dispatch.app import create_app
from services.dispatch.settings import Settings
from tests.support import bearer, body, bus, collect, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


@pytest.fixture(scope="module")
async def helper(nats_url: str, database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, str, str, str, str]]:
    """(client, item with a 10-working-day limit, its owner, grid, street)."""
    code, owner, grid, street = unique("ITEM"), unique("dept"), unique("grid"), unique("street")
    app = create_app(Settings(**settings_env(nats_url, database_url)))
    async with serving(app) as client, bus(nats_url) as (_, js):
        item = ItemPublished(
            item_code=code,
            name="高龄津贴申领",
            list_kind=ListKind.SERVICE,
            domain="民政",
            responsible_body=owner,
            time_limit=TimeLimit(value=10, unit=TimeUnit.WORKING_DAY),
            version=1,
            effective_from=date(2026, 1, 1),
        )
        await publish(js, item, source="/linkage/catalog")
        await publish(js, GridMapped(grid_code=grid, street_code=street, version=1))

        async def ready() -> bool:  # the item and the grid come on different durables: wait for both
            services = (await client.get("/open311/v2/services.json")).json()
            roster = await client.get(f"/grids/{grid}/workers", headers=bearer("office"))
            return code in [s["service_code"] for s in services] and roster.status_code == 200

        await eventually(ready, timeout=60)
        yield client, code, owner, grid, street


def request(code: str, grid: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "item_code": code,
        "kind": kind,
        "description": "独居老人申领高龄津贴，行动不便",
        "recorded_by": "小龙帮办 王芳",
        "grid_code": grid,
        **extra,
    }


async def test_a_helper_records_requests_with_their_own_kind_deadline_and_count(
    helper: tuple[httpx.AsyncClient, str, str, str, str], nats_url: str
) -> None:
    client, code, owner, grid, street = helper
    token = bearer(f"street:{street}")
    async with bus(nats_url) as (_, js):
        made = await client.post("/assisted", json=request(code, grid, "elderly"), headers=token)
        assert made.status_code == 201, made.text
        case_id = made.json()["case_id"]
        accepted = await collect(js, CaseAccepted.subject(), count=1, where=lambda d: d["case_id"] == case_id)
    assert body(accepted[0])["data"]["kind"] == "elderly"
    case = (await client.get(f"/cases/{case_id}", headers=OFFICE)).json()
    assert (case["kind"], case["recorded_by"], case["street_code"]) == ("elderly", "小龙帮办 王芳", street)
    [task] = case["tasks"]
    elderly_due = datetime.fromisoformat(task["due_at"])

    assisted = await client.post("/assisted", json=request(code, grid, "assisted"), headers=token)
    [assisted_task] = (await client.get(f"/cases/{assisted.json()['case_id']}", headers=OFFICE)).json()["tasks"]
    assert task["assignee_code"] == assisted_task["assignee_code"] == owner
    assert elderly_due < datetime.fromisoformat(assisted_task["due_at"])  # 适老 by the next working day, 帮办 in 5
    counts = (await client.get("/stats", headers=OFFICE)).json()["by_kind"]
    assert counts["elderly"] >= 1
    assert counts["assisted"] >= 1


async def test_a_helpers_bad_request_names_the_field_and_writes_nothing(
    helper: tuple[httpx.AsyncClient, str, str, str, str],
) -> None:
    client, code, _, grid, street = helper
    token = bearer(f"street:{street}")
    before = (await client.get("/stats", headers=OFFICE)).json()["by_kind"]
    cases = [
        (request(code, grid, "urgent"), 422, "kind"),
        (request(code, "no-such-grid", "assisted"), 422, "grid_code"),
        (request(unique("NOPE"), grid, "assisted"), 404, "item_code"),
        (request(code, grid, "assisted", recorded_by=""), 422, "recorded_by"),
        ({**request(code, grid, "assisted"), "grid_code": None}, 422, "grid_code"),
    ]
    for payload, status, field in cases:
        refused = await client.post("/assisted", json=payload, headers=token)
        assert (refused.status_code, refused.json()["detail"][0]["loc"][-1]) == (status, field)
    assert (await client.post("/assisted", json=request(code, grid, "assisted"))).status_code == 401
    assert (await client.get("/stats", headers=OFFICE)).json()["by_kind"] == before
