"""Joint enforcement against a real NATS and Postgres: registers from files, a committed then revealed draw that
anyone can recompute from its public record, a re-draw, joint visits, results and the public page."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.events.enforcement import CaseReferred, DrawCommitted, DrawRevealed
from services.enforcement.app import create_app
from services.enforcement.domain.record import verified, verify
from services.enforcement.settings import Settings
from services.runtime.db import create_engine
from tests.integration.test_enforcement_matters import item
from tests.support import bearer, body, bus, collect, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


@pytest.fixture
async def enforcement(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        yield client


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=2)
    yield engine
    await engine.dispose()


def csv_file(header: str, rows: list[str]) -> bytes:
    return ("\ufeff" + "\n".join([header, *rows]) + "\n").encode("utf-8")


def xlsx_file(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def upload(client: httpx.AsyncClient, register: str, name: str, data: bytes) -> httpx.Response:
    return await client.post(f"/registers/{register}/import", files={"file": (name, data)}, headers=OFFICE)


async def count(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(sa.text(sql))).scalar_one())


class World:
    """Registers for one test: two power items, two departments' matters in two unique domains, officers, targets."""

    def __init__(self) -> None:
        self.tag = unique("w")
        self.food, self.road = f"食品{self.tag}", f"市容{self.tag}"
        self.items = (unique("ZF"), unique("ZF"))
        self.street = unique("st")
        self.officers = [f"{self.tag}-o{i}" for i in range(8)]
        self.lead = f"{self.tag}-lead"
        self.targets = [f"{self.tag}-t{i}" for i in range(12)]

    def matters_csv(self) -> bytes:
        header = (
            "事项编码,抽查事项名称,检查部门,执法领域,法律依据,抽查频次,高风险比例,较高风险比例,一般风险比例,低风险比例"
        )
        return csv_file(
            header,
            [
                f"{self.items[0]},食品经营检查,scjg,{self.food},《食品安全法》第八十七条,1,100%,50%,20%,10%",
                f"{self.items[1]},占道经营检查,cgj,{self.road},《城市市容和环境卫生管理条例》,1,100%,50%,20%,10%",
            ],
        )

    def officers_xlsx(self) -> bytes:
        rows: list[list[Any]] = [["编码", "姓名", "所属单位", "综合执法队街道", "执法资格", "回避对象", "休假"]]
        for index, code in enumerate(self.officers):
            domain = self.food if index % 2 == 0 else self.road
            conflict = self.targets[0] if index == 0 else ""
            rows.append(
                [code, f"执法员{index}", "scjg" if index % 2 == 0 else "cgj", "", f"{domain}:2030-12-31", conflict, ""]
            )
        # recused from a high-risk target (高, drawn at 100%), so every draw holds an inspection of it
        rows.append([self.lead, "队长", "zhzfd", self.street, f"{self.road}:2030-12-31", self.targets[4], ""])
        return xlsx_file(rows)

    def targets_csv(self) -> bytes:
        tiers = ["高", "较高", "一般", "低"]
        history = "2026-01-05 食品经营检查；2026-02-05 复查"  # the last target is at its yearly cap (2)
        rows = [
            f"{code},商户{i},{self.street},{tiers[i % 4]},{self.food}、{self.road},{history if i == 11 else ''}"
            for i, code in enumerate(self.targets)
        ]
        return csv_file("编码,名称,所属街道,风险等级,执法领域,检查记录", rows)


async def set_up(client: httpx.AsyncClient, nats_url: str, world: World) -> list[str]:
    """The world's registers imported; returns the matter ids."""
    async with bus(nats_url) as (_, js):
        for code in world.items:
            await publish(js, item(code), source="/linkage/catalog")
    await eventually(lambda: _listed(client, world.items))
    for register, name, data in [
        ("matters", "抽查事项.csv", world.matters_csv()),
        ("officers", "执法人员.xlsx", world.officers_xlsx()),
        ("targets", "检查对象.csv", world.targets_csv()),
    ]:
        response = await upload(client, register, name, data)
        assert response.status_code == 201, response.text
    matters = (await client.get("/matters", headers=OFFICE)).json()
    return sorted(m["id"] for m in matters if m["item_code"] in world.items)


async def _listed(client: httpx.AsyncClient, codes: tuple[str, ...]) -> bool:
    listed = {entry["item_code"] for entry in (await client.get("/power-list", headers=OFFICE)).json()}
    return set(codes) <= listed


def plan(matter_ids: list[str], **changes: Any) -> dict[str, Any]:
    values = {
        "name": "2026年上半年联合抽查",
        "period_start": "2026-03-01",
        "period_end": "2026-06-30",
        "matter_ids": matter_ids,
        "seed_source": "drand quicknet round 12345678",
        "seed_not_before": datetime.now(UTC).isoformat(),
        "officer_cap": 50,
    }
    return values | changes


async def test_a_committed_then_revealed_draw_is_recomputed_from_its_public_record(
    enforcement: httpx.AsyncClient, nats_url: str
) -> None:
    world = World()
    matter_ids = await set_up(enforcement, nats_url, world)
    committed = await enforcement.post("/draws", json=plan(matter_ids), headers=OFFICE)
    assert committed.status_code == 201, committed.text
    draw = committed.json()
    assert draw["seed"] is None
    revealed = await enforcement.post(f"/draws/{draw['id']}/seed", json={"seed": "c0ffee" * 8}, headers=OFFICE)
    assert revealed.status_code == 200, revealed.text
    assert revealed.json()["inspections"] > 0

    async with bus(nats_url) as (_, js):
        mine = lambda data: data["draw_id"] == draw["id"]  # noqa: E731
        [commit_msg] = await collect(js, DrawCommitted.TYPE, count=1, where=mine)
        [reveal_msg] = await collect(js, DrawRevealed.TYPE, count=1, where=mine)
    assert commit_msg.metadata.sequence.stream < reveal_msg.metadata.sequence.stream  # the hash went out first
    assert body(commit_msg)["data"]["commitment"] == draw["commitment"] == body(reveal_msg)["data"]["commitment"]

    record = (await enforcement.get(f"/draws/{draw['id']}/record")).json()  # public: no token
    assert verified(verify(json.loads(json.dumps(record))))
    inspections = record["result"]["inspections"]
    assert all(len(i["officers"]) == 2 for i in inspections)
    assert all(i["officers"][0] != world.officers[0] or i["target"] != world.targets[0] for i in inspections)
    assert not any(i["target"] == world.targets[11] for i in inspections)  # at its yearly cap (2)
    tampered = json.loads(json.dumps(record))
    tampered["result"]["inspections"].pop()
    assert not verified(verify(tampered))

    again = await enforcement.post(f"/draws/{draw['id']}/seed", json={"seed": "other"}, headers=OFFICE)
    assert again.status_code == 409


async def test_a_redraw_is_appended_with_its_reason_and_the_first_result_stays(
    enforcement: httpx.AsyncClient, nats_url: str
) -> None:
    world = World()
    matter_ids = await set_up(enforcement, nats_url, world)
    draw = (await enforcement.post("/draws", json=plan(matter_ids), headers=OFFICE)).json()
    await enforcement.post(f"/draws/{draw['id']}/seed", json={"seed": "5eed"}, headers=OFFICE)
    first = (await enforcement.get(f"/draws/{draw['id']}/record")).json()
    ill = first["result"]["inspections"][0]["officers"][0]

    response = await enforcement.post(
        f"/draws/{draw['id']}/redraws", json={"reason": "执法人员因病请假", "barred": [ill]}, headers=OFFICE
    )
    assert response.status_code == 201, response.text
    record = (await enforcement.get(f"/draws/{draw['id']}/record")).json()
    assert record["result"] == first["result"]
    [entry] = record["redraws"]
    assert (entry["seq"], entry["reason"], entry["barred"]) == (1, "执法人员因病请假", [ill])
    assert all(ill not in i["officers"] for i in entry["result"]["inspections"])
    assert verified(verify(record))


async def test_joint_visits_merge_departments_and_results_are_published_and_referred(
    enforcement: httpx.AsyncClient, nats_url: str
) -> None:
    world = World()
    matter_ids = await set_up(enforcement, nats_url, world)
    draw = (await enforcement.post("/draws", json=plan(matter_ids), headers=OFFICE)).json()
    await enforcement.post(f"/draws/{draw['id']}/seed", json={"seed": "joint"}, headers=OFFICE)

    recused = await enforcement.post(
        "/visit-plans",
        json={"name": "联合检查", "draw_ids": [draw["id"]], "assign": {world.targets[4]: world.lead}},
        headers=OFFICE,
    )
    assert recused.status_code == 422
    assert "recusal" in recused.json()["detail"][0]["msg"]
    planned = await enforcement.post(
        "/visit-plans", json={"name": "联合检查", "draw_ids": [draw["id"]]}, headers=OFFICE
    )
    assert planned.status_code == 201, planned.text
    visits = planned.json()
    assert visits["saved"] == visits["inspections"] - visits["visits"] > 0

    inspection = (await enforcement.get(f"/draws/{draw['id']}/record")).json()["result"]["inspections"][0]
    result = {
        "draw_id": draw["id"],
        "matter": inspection["matter"],
        "target": inspection["target"],
        "outcome": "rectification_ordered",
        "findings": "店外占道经营",
        "inspected_on": date.today().isoformat(),
        "evidence": [{"kind": "照片", "reference": "evidence/0001.jpg"}],
        "refer": True,
    }
    without = await enforcement.post("/results", json=result | {"evidence": []}, headers=bearer("department:scjg"))
    assert (without.status_code, without.json()["detail"][0]["loc"]) == (422, ["body", "evidence"])
    recorded = await enforcement.post("/results", json=result, headers=bearer("department:scjg"))
    assert recorded.status_code == 201, recorded.text
    async with bus(nats_url) as (_, js):
        [referred] = await collect(
            js, CaseReferred.TYPE, count=1, where=lambda data: data["target_code"] == inspection["target"]
        )
    assert body(referred)["data"]["street_code"] == world.street

    public = (await enforcement.get("/public/enforcement.json")).json()
    assert any(r["id"] == recorded.json()["id"] and r["outcome_label"] == "责令整改" for r in public["results"])
    page = await enforcement.get("/public/enforcement")
    assert page.status_code == 200
    assert "双随机、一公开" in page.text
    assert "店外占道经营" in page.text
    assert "<script src" not in page.text
    assert 'href="http' not in page.text
    assert "HMAC-SHA256" in (await enforcement.get("/public/enforcement/method")).text


async def test_bad_input_gets_a_4xx_saying_why_and_nothing_is_drawn(
    enforcement: httpx.AsyncClient, nats_url: str, engine: AsyncEngine
) -> None:
    world = World()
    matter_ids = await set_up(enforcement, nats_url, world)
    before = await count(engine, "SELECT count(*) FROM enforcement.draws")

    with_seed = await enforcement.post("/draws", json=plan(matter_ids, seed="early"), headers=OFFICE)
    assert (with_seed.status_code, with_seed.json()["detail"][0]["loc"]) == (422, ["body", "seed"])
    few = await enforcement.post("/draws", json=plan(matter_ids, officers_per_inspection=5), headers=OFFICE)
    assert few.status_code == 422
    assert "too few certified officers" in few.json()["detail"][0]["msg"]
    forced = [{"matter": matter_ids[0], "target": world.targets[11]}]
    capped = await enforcement.post("/draws", json=plan(matter_ids, forced=forced), headers=OFFICE)
    assert capped.status_code == 422
    assert "yearly cap" in capped.json()["detail"][0]["msg"]
    assert await count(engine, "SELECT count(*) FROM enforcement.draws") == before

    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    draw = (await enforcement.post("/draws", json=plan(matter_ids, seed_not_before=later), headers=OFFICE)).json()
    early = await enforcement.post(f"/draws/{draw['id']}/seed", json={"seed": "guessed"}, headers=OFFICE)
    assert (early.status_code, early.json()["detail"][0]["loc"]) == (422, ["body", "seed"])
    record = (await enforcement.get(f"/draws/{draw['id']}/record")).json()
    assert (record["seed"], record["result"]) == (None, None)


async def test_a_register_file_with_bad_rows_is_refused_whole(
    enforcement: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    before = await count(engine, "SELECT count(*) FROM enforcement.targets")
    rows = [
        f"{unique('t')},好商户,hongxing,高,市场监管,",
        f"{unique('t')},坏商户,hongxing,极高,市场监管,2026-13-01 检查",
    ]
    response = await upload(
        enforcement, "targets", "检查对象.csv", csv_file("编码,名称,所属街道,风险等级,执法领域,检查记录", rows)
    )
    assert response.status_code == 422
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(3, "风险等级"), (3, "检查记录")]
    assert await count(engine, "SELECT count(*) FROM enforcement.targets") == before
    unlisted = csv_file(
        "事项编码,抽查事项名称,检查部门,执法领域,法律依据,抽查频次,高风险比例,较高风险比例,一般风险比例,低风险比例",
        [f"{unique('ZF')},检查,scjg,市场监管,依据,1,30%,10%,2%,1%"],
    )
    refused = await upload(enforcement, "matters", "m.csv", unlisted)
    assert refused.status_code == 422
    assert "not in the catalogue" in refused.json()["errors"][0]["reason"]
    assert (await upload(enforcement, "officers", "o.csv", b"")).status_code == 422
