"""The basis library against a real NATS and Postgres: traversal both ways, 立改废 and 一对一 adjustments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.catalog.app import create_app
from services.catalog.settings import Settings
from tests.support import bearer, body, bus, collect, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


def clause_ref(law: str, article: str, paragraph: str | None = None) -> dict[str, Any]:
    return {"law_id": law, "law_title": "城市市容和环境卫生管理条例", "article": article, "paragraph": paragraph}


def item(
    code: str, name: str, *, basis: list[dict[str, Any]], tasks: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "item_code": code,
        "name": name,
        "list_kind": "common",
        "domain": "城市管理",
        "responsible_body": "cgj",
        "time_limit": {"value": 5, "unit": "working_day"},
        "legal_basis": basis,
        "tasks": tasks or [],
    }


@pytest.fixture
async def catalog(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        yield client


@pytest.fixture
async def library(catalog: httpx.AsyncClient) -> dict[str, str]:
    """Law X (第三条 in two paragraphs, 第五条) and law Y; items A..D citing them in different ways."""
    law, other = unique("LX"), unique("LY")
    codes = {key: unique(f"ITEM{key}") for key in "ABCD"}
    task_text = unique("组织开展门前三包专项检查")
    load = {
        "note": "依据库与清单",
        "laws": [
            {
                "law_id": law,
                "title": "城市市容和环境卫生管理条例",
                "kind": "regulation",
                "issuer": "国务院",
                "effective_from": "1992-08-01",
            },
            {
                "law_id": other,
                "title": "城市绿化条例",
                "kind": "regulation",
                "issuer": "国务院",
                "effective_from": "1992-08-01",
            },
        ],
        "clauses": [
            {"law_id": law, "article": "第三条", "paragraph": "第一款", "text": "城市市容和环境卫生工作实行统一领导。"},
            {"law_id": law, "article": "第三条", "paragraph": "第二款", "text": "街道办事处负责辖区内的组织实施。"},
            {"law_id": law, "article": "第五条", "text": "城市人民政府应当加强市容管理。"},
            {"law_id": other, "article": "第十条", "text": "城市绿化规划应当纳入城市总体规划。"},
        ],
        "items": [
            item(codes["A"], "市容环境卫生统筹", basis=[clause_ref(law, "第三条")]),
            item(
                codes["B"],
                "门前三包责任制落实",
                basis=[clause_ref(law, "第五条")],
                tasks=[{"party": "street", "text": task_text, "basis": [clause_ref(law, "第三条", "第二款")]}],
            ),
            item(codes["C"], "市容秩序管理", basis=[clause_ref(law, "第五条")]),
            item(codes["D"], "绿地养护", basis=[clause_ref(other, "第十条")]),
        ],
    }
    # a shared catalogue: B's street task widens street duties (唯一入口), so the fixture takes the emergency path
    load["emergency_reason"] = "测试：与其他测试共用清单库，新增街道任务走紧急通道"
    response = await catalog.post("/catalogue", json=load, headers=OFFICE)
    assert response.status_code == 201, response.text
    return {"law": law, "other": other, "task": task_text, **codes}


async def test_impact_traces_a_law_back_to_every_item_and_task(
    catalog: httpx.AsyncClient, library: dict[str, str]
) -> None:
    found = (await catalog.get(f"/laws/{library['law']}/impact", headers=OFFICE)).json()
    assert [hit["item_code"] for hit in found["items"]] == sorted([library["A"], library["B"], library["C"]])
    b = next(hit for hit in found["items"] if hit["item_code"] == library["B"])
    assert b["tasks"] == [library["task"]]
    only = (await catalog.get(f"/laws/{library['law']}/impact", params={"article": "第五条"}, headers=OFFICE)).json()
    assert sorted(hit["item_code"] for hit in only["items"]) == sorted([library["B"], library["C"]])
    law = (await catalog.get(f"/laws/{library['law']}", headers=OFFICE)).json()
    assert len(law["clauses"]) == 3


async def test_amending_one_paragraph_opens_adjustments_for_exactly_the_items_citing_it(
    catalog: httpx.AsyncClient, library: dict[str, str], nats_url: str
) -> None:
    change = {
        "change": "amended",
        "effective_on": "2026-12-01",
        "note": "国务院令第XXX号修订",
        "clauses": [{"article": "第三条", "paragraph": "第二款", "text": "街道办事处和乡镇人民政府负责组织实施。"}],
    }
    recorded = await catalog.post(f"/laws/{library['law']}/changes", json=change, headers=OFFICE)
    assert recorded.status_code == 201, recorded.text
    assert len(recorded.json()["adjustments"]) == 2  # A cites 第三条 whole, B's task cites 第三条第二款; C does not

    opened = (
        await catalog.get("/adjustments", params={"law_id": library["law"], "status": "open"}, headers=OFFICE)
    ).json()
    assert sorted(a["item_code"] for a in opened) == sorted([library["A"], library["B"]])
    b = next(a for a in opened if a["item_code"] == library["B"])
    assert b["clause_diff"][0]["old_text"] == "街道办事处负责辖区内的组织实施。"
    assert b["clause_diff"][0]["new_text"] == "街道办事处和乡镇人民政府负责组织实施。"
    assert b["clause_diff"][0]["task_no"] == 1

    async with bus(nats_url) as (_, js):
        changed = await collect(js, "catalog.law.changed.v1", count=1, where=lambda d: d["law_id"] == library["law"])
    assert sorted(body(changed[0])["data"]["affected_items"]) == sorted([library["A"], library["B"]])

    revised = item(library["B"], "门前三包责任制落实", basis=[clause_ref(library["law"], "第五条")])
    kept = await catalog.post(
        f"/adjustments/{b['id']}/resolve", json={"resolution": "任务依据改为第五条", "item": revised}, headers=OFFICE
    )
    assert kept.status_code == 200, kept.text
    assert kept.json()["version"] is not None
    again = await catalog.post(f"/adjustments/{b['id']}/resolve", json={"resolution": "再次"}, headers=OFFICE)
    assert again.status_code == 409
    assert (await catalog.get(f"/items/{library['B']}", headers=OFFICE)).json()["item"]["tasks"] == []


async def test_a_repeal_touches_every_citing_item_and_bars_new_citations(
    catalog: httpx.AsyncClient, library: dict[str, str]
) -> None:
    repeal = {"change": "repealed", "effective_on": "2026-12-31", "note": "废止决定"}
    recorded = await catalog.post(f"/laws/{library['law']}/changes", json=repeal, headers=OFFICE)
    assert len(recorded.json()["adjustments"]) == 3
    citing = {"note": "x", "items": [item(unique("ITEM"), "新事项", basis=[clause_ref(library["law"], "第五条")])]}
    refused = await catalog.post("/catalogue", json=citing, headers=OFFICE)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "items", "0", "legal_basis"]
    assert "repealed" in refused.json()["detail"][0]["msg"]
    twice = await catalog.post(f"/laws/{library['law']}/changes", json=repeal, headers=OFFICE)
    assert twice.status_code == 409


async def test_search_finds_chinese_substrings_in_names_and_tasks(
    catalog: httpx.AsyncClient, library: dict[str, str]
) -> None:
    by_task = (await catalog.get("/items", params={"q": library["task"][-8:]}, headers=OFFICE)).json()
    assert [i["item_code"] for i in by_task] == [library["B"]]
    by_name = (await catalog.get("/items", params={"q": "绿地养"}, headers=OFFICE)).json()
    assert library["D"] in [i["item_code"] for i in by_name]
    wild = (await catalog.get("/items", params={"q": "%"}, headers=OFFICE)).json()
    assert wild == []


async def test_responsibility_lookup_and_bad_changes(catalog: httpx.AsyncClient, library: dict[str, str]) -> None:
    found = (await catalog.get(f"/responsibility/{library['C']}", params={"street_code": "s1"}, headers=OFFICE)).json()
    assert found["responsible_body"] == "cgj"
    assert found["applies_to_street"] is True
    assert found["time_limit"] == {"value": 5, "unit": "working_day"}

    unknown = await catalog.post(
        f"/laws/{unique('NOLAW')}/changes",
        json={"change": "repealed", "effective_on": "2026-01-01", "note": "x"},
        headers=OFFICE,
    )
    assert unknown.status_code == 404
    assert unknown.json()["detail"][0]["loc"] == ["path", "law_id"]
    no_text = {"change": "amended", "effective_on": "2026-01-01", "note": "x", "clauses": [{"article": "第五条"}]}
    missing = await catalog.post(f"/laws/{library['law']}/changes", json=no_text, headers=OFFICE)
    assert missing.status_code == 422
    assert "new text is missing" in str(missing.json())
    renumber = {
        "change": "renumbered",
        "effective_on": "2026-01-01",
        "note": "x",
        "clauses": [{"article": "第九十九条", "new_article": "第一百条"}],
    }
    bad = await catalog.post(f"/laws/{library['law']}/changes", json=renumber, headers=OFFICE)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "clauses", "0"]
    assert (
        await catalog.post(f"/laws/{library['law']}/changes", json=no_text, headers=bearer("street:s1"))
    ).status_code == 403
