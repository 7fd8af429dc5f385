"""The thin vertical slice across all five services, started as real processes as ``linkage up`` does.

catalogue loaded → catalog publishes → dispatch projects → a case arrives on intake → dispatch routes it
→ the department's own durable consumer receives the task → evaluation counts it; one trace throughout.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from contracts.events.intake import CaseReported
from services.platform.supervisor import ServiceProcesses, on_free_ports
from tests.e2e.otlp import Spans, otlp_receiver
from tests.support import JWT_SECRET, bearer, body, bus, collect, eventually, publish, unique

pytestmark = pytest.mark.e2e
OFFICE = bearer("office")


@pytest.fixture(scope="module")
def platform(
    nats_url: str, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, str], Spans]]:
    with otlp_receiver() as (endpoint, spans):
        env = {
            "LINKAGE_NATS_URL": nats_url,
            "LINKAGE_DATABASE_URL": database_url,
            "LINKAGE_JWT_SECRET": JWT_SECRET,
            "LINKAGE_RELAY_POLL_S": "0.2",
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        specs = on_free_ports()
        with ServiceProcesses(
            env={**os.environ, **env}, log_dir=tmp_path_factory.mktemp("logs"), services=specs
        ) as processes:
            processes.wait_ready(timeout=60)
            yield {spec.name: spec.url for spec in specs}, spans


async def test_a_case_crosses_every_service_once_in_one_trace(
    platform: tuple[dict[str, str], Spans], nats_url: str
) -> None:
    urls, spans = platform
    department, grid, street, code = unique("dept"), unique("grid"), unique("street"), unique("ITEM")
    async with httpx.AsyncClient(timeout=10) as http, bus(nats_url) as (_, js):
        load = {
            "note": "e2e",
            "laws": [
                {
                    "law_id": "L3",
                    "title": "城市生活垃圾管理办法",
                    "kind": "rule",
                    "issuer": "建设部",
                    "effective_from": "2007-07-01",
                }
            ],
            "clauses": [{"law_id": "L3", "article": "第十八条", "text": "城市生活垃圾应当及时清运。"}],
            "items": [_item(code, department)],
            "grids": [{"grid_code": grid, "street_code": street}],
        }
        assert (await http.post(f"{urls['catalog']}/catalogue", json=load, headers=OFFICE)).status_code == 201

        async def routed() -> bool:
            """Dispatch knows the item and the grid's street (the Open311 definition lists the grid)."""
            item = await http.get(f"{urls['dispatch']}/routing/{code}", headers=OFFICE)
            definition = await http.get(f"{urls['dispatch']}/open311/v2/services/{code}.json")
            return item.status_code == 200 and grid in definition.text

        await eventually(routed)
        trace_id = secrets.token_hex(16)
        traceparent = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
        source_id = unique("12345")
        for _ in range(2):  # the smart-city platform posts the same case twice
            await publish(js, _report(code, grid, source_id), source="/smartcity", headers=traceparent)

        # the department's own durable consumer, over plain nats-py
        tasks = await collect(js, f"dispatch.task.assigned.v1.{department}", count=1, durable=f"dept-{department}")
        with pytest.raises(AssertionError, match="received 0 of 1"):
            await collect(
                js, f"dispatch.task.assigned.v1.{department}", count=1, durable=f"dept-{department}", timeout=2
            )
        task = body(tasks[0])
        assert task["specversion"] == "1.0"
        assert task["data"]["description"] == "小区门口垃圾堆积，无人清运"
        assert tasks[0].headers is not None
        assert trace_id in tasks[0].headers["traceparent"]

        case_id = task["data"]["case_id"]
        timeline = (await http.get(f"{urls['dispatch']}/cases/{case_id}/timeline", headers=OFFICE)).json()
        assert {entry["trace_id"] for entry in timeline} == {trace_id}

        async def counted() -> list[dict[str, object]]:
            period = {
                "from": (datetime.now(UTC) - timedelta(days=1)).date().isoformat(),
                "to": (datetime.now(UTC) + timedelta(days=1)).date().isoformat(),
            }
            response = await http.get(
                f"{urls['evaluation']}/indicators/tasks-assigned",
                params={**period, "assignee_code": department},
                headers=OFFICE,
            )
            return [row for row in response.json()["assignees"] if row["total"] > 0]

        counts = await eventually(counted)
        assert counts[0]["total"] == 1

    await eventually(lambda: {"linkage-dispatch", "linkage-evaluation"} <= spans.services_in(trace_id), timeout=10)


def _item(code: str, department: str) -> dict[str, object]:
    return {
        "item_code": code,
        "name": "生活垃圾清运",
        "list_kind": "common",
        "domain": "城市管理",
        "responsible_body": department,
        "time_limit": {"value": 1, "unit": "working_day"},
        "legal_basis": [{"law_id": "L3", "law_title": "城市生活垃圾管理办法", "article": "第十八条"}],
    }


def _report(code: str, grid: str, source_id: str) -> CaseReported:
    return CaseReported(
        source_system="smartcity",
        source_id=source_id,
        item_code=code,
        grid_code=grid,
        description="小区门口垃圾堆积，无人清运",
        reported_at=datetime.now(UTC),
    )
