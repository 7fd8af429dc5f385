"""A full case through every stage, dispatch as a real process, in one trace.

上报 (NATS intake) → 受理/派遣 → 签收 → 办结 → 核查 → 结案 → 评价: every step the department, the street and the
smart-city platform take carries the same W3C ``traceparent``, and every timeline entry names that trace.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx
import pytest

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.catalog import ClauseRef, GridMapped, ItemPublished, ListKind
from contracts.events.intake import CaseReported
from services.platform.supervisor import SERVICES, ServiceProcesses, on_free_ports
from tests.support import JWT_SECRET, bearer, body, bus, collect, eventually, publish, unique

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def urls(nats_url: str, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    env = {
        **os.environ,
        "LINKAGE_NATS_URL": nats_url,
        "LINKAGE_DATABASE_URL": database_url,
        "LINKAGE_JWT_SECRET": JWT_SECRET,
        "LINKAGE_RELAY_POLL_S": "0.2",
    }
    specs = on_free_ports([spec for spec in SERVICES if spec.name == "dispatch"])
    with ServiceProcesses(env=env, log_dir=tmp_path_factory.mktemp("logs"), services=specs) as processes:
        processes.wait_ready(timeout=60)
        yield {spec.name: spec.url for spec in specs}


async def test_a_case_goes_through_every_stage_in_one_trace(urls: dict[str, str], nats_url: str) -> None:
    department, grid, street, code = unique("dept"), unique("grid"), unique("street"), unique("ITEM")
    trace_id = secrets.token_hex(16)
    traced = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
    office, me, street_token = bearer("office"), bearer(f"department:{department}"), bearer(f"street:{street}")
    dispatch = urls["dispatch"]
    async with httpx.AsyncClient(timeout=10, trust_env=False) as http, bus(nats_url) as (_, js):
        item = ItemPublished(
            item_code=code,
            name="生活垃圾清运",
            list_kind=ListKind.COMMON,
            domain="城市管理",
            responsible_body=department,
            time_limit=TimeLimit(value=2, unit=TimeUnit.WORKING_DAY),
            legal_basis=(ClauseRef(law_id="L3", law_title="城市生活垃圾管理办法", article="第十八条"),),
            version=1,
            effective_from=date(2026, 1, 1),
        )
        await publish(js, item, source="/linkage/catalog")
        await publish(js, GridMapped(grid_code=grid, street_code=street, version=1), source="/linkage/catalog")

        async def routed() -> bool:  # the item and the grid both projected, backlog or not
            definition = await http.get(f"{dispatch}/open311/v2/services/{code}.json")
            return definition.status_code == 200 and grid in definition.text

        await eventually(routed, timeout=60)
        report = CaseReported(
            source_system="smartcity",
            source_id=unique("12345"),
            item_code=code,
            grid_code=grid,
            description="小区门口垃圾堆积，无人清运",
            reported_at=datetime.now(UTC),
        )
        await publish(js, report, source="/smartcity", headers=traced)
        task = body((await collect(js, f"dispatch.task.assigned.v1.{department}", count=1))[0])["data"]
        assert task["due_at"] is not None
        case_id, task_id = task["case_id"], task["task_id"]

        steps = [
            (f"/tasks/{task_id}/acknowledge", me, {}),
            (f"/tasks/{task_id}/complete", me, {"result": "已清运"}),
            (f"/cases/{case_id}/verify", street_token, {"passed": True, "note": "现场已清理"}),
            (f"/cases/{case_id}/close", street_token, {"outcome": "resolved", "note": "已解决"}),
            (f"/cases/{case_id}/rate", bearer("smartcity"), {"score": 5, "comment": "处理及时"}),
        ]
        for path, token, payload in steps:
            response = await http.post(f"{dispatch}{path}", json=payload, headers={**token, **traced})
            assert response.status_code == 204, (path, response.text)

        timeline = (await http.get(f"{dispatch}/cases/{case_id}/timeline", headers=office)).json()
        assert [entry["action"] for entry in timeline] == [
            "reported", "accepted", "assigned", "acknowledged", "completed", "handled", "verified", "closed", "rated",
        ]  # fmt: skip
        assert {entry["trace_id"] for entry in timeline} == {trace_id}
        rated = await collect(js, "dispatch.case.rated.v1", count=1, where=lambda d: d["case_id"] == case_id)
        assert rated[0].headers is not None
        assert trace_id in rated[0].headers["traceparent"]
        [request] = (await http.get(f"{dispatch}/open311/v2/requests/{case_id}.json")).json()
        assert (request["status"], request["linkage_status"], request["agency_responsible"]) == (
            "closed",
            "rated",
            department,
        )
