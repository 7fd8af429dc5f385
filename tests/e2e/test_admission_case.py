"""The report's admission case (职责准入) on the five running services, driven as ``linkage up --demo`` drives it.

区计生协's first application is flagged, objected to and rejected: the catalogue does not change. The second is
approved: catalog holds it as a new version citing the application, sends the two streets' lists back to
re-filing, they are published again under a new revision, and dispatch routes by the new item.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from services.platform import admission_demo
from services.platform.embedded import NatsServer
from services.platform.supervisor import ServiceProcesses, on_free_ports
from services.runtime.auth import mint_token
from tests.support import JWT_SECRET

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
LAW = {"law_id": "JS1", "law_title": "中国计划生育协会章程", "article": "第十条"}
HELPING = "配合主管部门做好人口与计划生育宣传引导"


@pytest.fixture(scope="module")
def urls(own_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    specs = on_free_ports()
    with NatsServer(store_dir=tmp_path_factory.mktemp("admission-nats") / "store") as nats:
        env = {"LINKAGE_NATS_URL": nats.url, "LINKAGE_DATABASE_URL": own_database, "LINKAGE_JWT_SECRET": JWT_SECRET}
        logs = tmp_path_factory.mktemp("logs")
        with ServiceProcesses(env={**os.environ, **env}, log_dir=logs, services=specs) as up:
            up.wait_ready(timeout=90)
            yield {spec.name: spec.url for spec in specs}


def as_(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(JWT_SECRET, subject=f'e2e-{role}', roles=[role])}"}


def district() -> dict[str, Any]:
    """区计生协, the two streets, and an item on which the streets only co-operate (配合)."""
    organisations = [
        {"code": "jsx", "name": "区计生协", "kind": "department"},
        {"code": "wulong", "name": "五龙街道", "kind": "street"},
        {"code": "hubin", "name": "湖滨街道", "kind": "street"},
    ]
    law = {"law_id": "JS1", "title": LAW["law_title"], "kind": "normative", "issuer": "中国计划生育协会"}
    law["effective_from"] = "2020-01-01"
    clause = {"law_id": "JS1", "article": "第十条", "text": "基层组织开展计划生育宣传、服务和关怀工作。"}
    item = {
        "item_code": "GXJS01",
        "name": "人口与计划生育服务",
        "list_kind": "common",
        "domain": "卫生健康",
        "responsible_body": "jsx",
        "time_limit": {"value": 5, "unit": "working_day"},
        "legal_basis": [LAW],
        "tasks": [
            {"party": "department", "text": "制定计生协工作计划", "basis": [LAW]},
            {"party": "street", "text": HELPING, "basis": [LAW]},
        ],
    }
    return {"note": "准入端到端", "laws": [law], "clauses": [clause], "organisations": organisations, "items": [item]}


def publish(catalog: httpx.Client, street: str) -> None:
    office, own = as_("office"), as_(f"street:{street}")
    for method, step, headers, body in [
        ("PUT", "items", own, {"item_codes": ["GXJS01"]}),
        ("POST", "submit", own, None),
        ("POST", "review", office, {"decision": "approve"}),
        ("POST", "file", office, {"filing_no": f"龙编备〔2026〕{street}"}),
        ("POST", "publish", office, None),
    ]:
        answer = catalog.request(method, f"/street-lists/{street}/{step}", json=body, headers=headers)
        assert answer.status_code == 200, f"{step}: {answer.text}"


def eventually(check: Callable[[], bool], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "not within the deadline"
        time.sleep(0.2)


def test_the_family_planning_case_on_the_five_services(urls: dict[str, str]) -> None:
    catalog = httpx.Client(base_url=urls["catalog"], timeout=60)
    assert catalog.post("/catalogue", json=district(), headers=as_("office")).status_code == 201
    for street in ("wulong", "hubin"):
        publish(catalog, street)

    outcome = admission_demo.load(urls["admission"], urls["catalog"], secret=JWT_SECRET)

    assert {"moves_co_operating_duty", "no_resources"} <= set(outcome["flags"])
    assert catalog.get("/items/JSX001", headers=as_("office")).status_code == 404  # the rejected one never
    assert catalog.get("/items/JSX002", headers=as_("office")).json()["item"]["responsible_body"] == "jsx"
    versions = catalog.get("/versions", headers=as_("office")).json()
    assert outcome["approved"] in str(versions[0])
    assert outcome["rejected"] not in str(versions)
    assert outcome["lists"] == {"wulong": (1, 2), "hubin": (1, 2)}  # 2: the draft catalog reopened, re-filed
    for street in ("wulong", "hubin"):
        published = catalog.get(f"/public/streets/{street}.json").json()
        assert "JSX002" in {item["item_code"] for item in published["items"]}
    dispatch = httpx.Client(base_url=urls["dispatch"], timeout=30)
    eventually(lambda: dispatch.get("/routing/JSX002", headers=as_("office")).status_code == 200)
    shown = httpx.get(f"{urls['admission']}/applications/{outcome['rejected']}", headers=as_("committee")).json()
    assert shown["status"] == "rejected"
    assert {(p["code"], p["verdict"]) for p in shown["parties"]} == {
        ("sfj", "agree"),
        ("ysj", "object"),
        ("wulong", "object"),
        ("hubin", "object"),
    }
