"""Catalogue import and export against a real NATS and Postgres: all or nothing, row-level errors, a round
trip that changes nothing, and the demo dataset's figures. A database of its own, so that counts are exact."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import httpx
import openpyxl
import pytest

from services.catalog.app import create_app
from services.catalog.settings import Settings
from services.platform.catalog_demo import FIGURES
from tests.demo_catalogue import load_demo
from tests.support import bearer, serving, settings_env
from tests.unit.test_catalog_sheets import good_form, workbook

pytestmark = pytest.mark.integration
OFFICE = bearer("office")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def catalog(nats_url: str, catalog_database: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, catalog_database)))) as client:
        yield client


async def upload(client: httpx.AsyncClient, name: str, data: bytes, **headers: str) -> httpx.Response:
    files = {"file": (name, data, "application/octet-stream")}
    return await client.post("/catalogue/import", files=files, headers=headers or OFFICE)


async def snapshot(client: httpx.AsyncClient) -> tuple[Any, Any]:
    versions = (await client.get("/versions", headers=OFFICE)).json()
    items = (await client.get("/items", params={"limit": 1000}, headers=OFFICE)).json()
    return versions, items


async def test_a_good_form_makes_a_version_with_its_chinese_text(catalog: httpx.AsyncClient) -> None:
    response = await upload(catalog, "第一轮部门报送.xlsx", workbook(good_form()))

    assert response.status_code == 201, response.text
    assert response.json()["errors"] == []
    assert sorted(response.json()["diff"]["added"]) == ["GX-001", "GX-002"]
    item = (await catalog.get("/items/GX-001", headers=OFFICE)).json()["item"]
    assert item["tasks"][1]["text"] == "开展门前三包日常巡查"
    versions, _ = await snapshot(catalog)
    assert versions[0]["note"] == "导入 第一轮部门报送.xlsx"


async def test_a_malformed_form_reports_every_bad_row_and_changes_nothing(catalog: httpx.AsyncClient) -> None:
    form = good_form()
    form["事项与任务"][1][1] = "门前三包（改）"  # a change that must not land…
    form["事项与任务"][3][8] = "月"  # …because another row is bad
    form["事项与任务"][2][15] = "L001 第一百条"
    before = await snapshot(catalog)

    response = await upload(catalog, "bad.xlsx", workbook(form))

    assert response.status_code == 422
    assert response.json()["version"] is None
    errors = {(e["sheet"], e["row"], e["column"]) for e in response.json()["errors"]}
    assert errors == {("事项与任务", 4, "时限单位"), ("事项与任务", 3, "任务依据")}
    assert await snapshot(catalog) == before
    not_a_workbook = await upload(catalog, "清单.xlsx", b"PK\x03\x04garbage")
    assert not_a_workbook.status_code == 422
    assert "not an Excel workbook" in not_a_workbook.json()["errors"][0]["reason"]
    assert await snapshot(catalog) == before


async def test_a_rule_only_the_transaction_sees_is_mapped_back_to_its_row(catalog: httpx.AsyncClient) -> None:
    form = good_form()
    form["组织机构"] = [
        ["编码", "名称", "类别", "上级编码"],
        ["a-1", "甲", "社区", "b-1"],
        ["b-1", "乙", "社区", "a-1"],
        ["cgj", "区城管局", "部门", ""],
        ["scjg", "区市场监管局", "部门", ""],
        ["wulong", "五龙街道", "街道", ""],
    ]

    response = await upload(catalog, "cycle.xlsx", workbook(form))

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["sheet"], error["row"], error["column"]) == ("组织机构", 2, "上级编码")
    assert "ancestor" in error["reason"]


async def test_the_demo_loads_once_with_the_longsha_figures(catalog: httpx.AsyncClient) -> None:
    first = await load_demo(catalog)
    again = await load_demo(catalog)

    assert first.version is not None
    assert len(first.published) == 5
    assert again.version is None
    assert again.published == ()
    _, items = await snapshot(catalog)
    demo = [i for i in items if i["item_code"].startswith("LS-")]
    reference = [i for i in demo if i["list_kind"] != "differentiated"]
    differentiated = [i for i in demo if i["list_kind"] == "differentiated"]
    assert (len(reference), *_tasks(reference)) == (112, 389, 333)
    assert (len(differentiated), *_tasks(differentiated)) == (21, 99, 74)
    grids = (await catalog.get("/catalogue/export", params={"format": "json"}, headers=OFFICE)).json()["grids"]
    assert len(grids) == FIGURES["grids"]


def _tasks(items: list[dict[str, Any]]) -> tuple[int, int]:
    parties = [task["party"] for item in items for task in item["tasks"]]
    return parties.count("department"), parties.count("street")


@pytest.mark.parametrize("file_format", ["xlsx", "csv", "json"])
async def test_an_export_imports_back_unchanged(catalog: httpx.AsyncClient, file_format: str) -> None:
    await load_demo(catalog)
    before = await snapshot(catalog)

    exported = await catalog.get("/catalogue/export", params={"format": file_format}, headers=bearer("operator"))
    response = await upload(catalog, f"export.{file_format}", exported.content)

    assert exported.status_code == 200
    assert response.status_code == 201, response.text[:2000]
    assert response.json() == {"version": None, "diff": {"added": [], "changed": [], "grids": []}, "errors": []}
    assert await snapshot(catalog) == before
    disposition = exported.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("filename*=UTF-8''")[1]).startswith("清单-v")


async def test_the_export_opens_in_excel_with_chinese_headers(catalog: httpx.AsyncClient) -> None:
    exported = await catalog.get("/catalogue/export", headers=OFFICE)
    csv = await catalog.get("/catalogue/export", params={"format": "csv"}, headers=OFFICE)

    assert exported.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(exported.content), read_only=True)
    assert book.sheetnames[:2] == ["事项与任务", "法律依据"]
    assert next(book["事项与任务"].iter_rows(values_only=True))[:2] == ("事项编码", "事项名称")
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.content.startswith("\ufeff表".encode())


async def test_only_the_office_imports(catalog: httpx.AsyncClient) -> None:
    street = await upload(catalog, "x.xlsx", workbook(good_form()), **bearer("street:wulong"))
    no_token = await catalog.get("/catalogue/export")
    reader = await catalog.get("/catalogue/export", headers=bearer("street:wulong"))

    assert (street.status_code, no_token.status_code, reader.status_code) == (403, 401, 403)
