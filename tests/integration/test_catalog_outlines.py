"""Grid outlines (网格轮廓) in the catalogue against a real NATS and Postgres: stored with the grid, an
outline-only change published again on catalog.grid.mapped.v1, carried through every export and back, served as
GeoJSON, and bad or oversized outlines refused by their cell. A database of the module's own (counts versions)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openpyxl
import pytest

from contracts.geo import GeoPolygon
from services.catalog.app import create_app
from services.catalog.settings import Settings
from services.catalog.sheets.form import GRIDS_SHEET, HEADERS, ITEMS_SHEET, LAWS_SHEET, OUTLINE_COLUMN
from tests.support import bearer, body, bus, collect, serving, settings_env, unique
from tests.unit.test_catalog_sheets import workbook

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


def square(west: float, size: float = 0.01) -> dict[str, Any]:
    south = 47.35
    ring = [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def grids_only() -> dict[str, list[list[Any]]]:
    """A form whose required sheets hold their headers only: a grid load that touches no item."""
    return {ITEMS_SHEET: [list(HEADERS[ITEMS_SHEET])], LAWS_SHEET: [list(HEADERS[LAWS_SHEET])]}


@pytest.fixture
async def catalog(nats_url: str, catalog_database: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, catalog_database)))) as client:
        yield client


async def load_grid(client: httpx.AsyncClient, grid: str, outline: dict[str, Any] | None) -> dict[str, Any]:
    spec = {"grid_code": grid, "street_code": "wulong"} | ({"geometry": outline} if outline else {})
    response = await client.post("/catalogue", json={"note": "网格轮廓调整", "grids": [spec]}, headers=OFFICE)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def upload(client: httpx.AsyncClient, name: str, data: bytes) -> httpx.Response:
    return await client.post(
        "/catalogue/import", files={"file": (name, data, "application/octet-stream")}, headers=OFFICE
    )


async def test_an_outline_only_change_is_a_new_version_and_is_published_again(
    catalog: httpx.AsyncClient, nats_url: str
) -> None:
    grid = unique("wulong-wg")
    first = await load_grid(catalog, grid, square(123.92))
    moved = await load_grid(catalog, grid, square(123.93))  # same street, outline moved east
    same = await load_grid(catalog, grid, square(123.93))
    bare = await load_grid(catalog, grid, None)  # stated without an outline: the held one stays

    assert first["diff"]["grids"] == moved["diff"]["grids"] == [grid]
    assert moved["version"] == first["version"] + 1
    assert (same["version"], bare["version"]) == (None, None)
    async with bus(nats_url) as (_, js):
        mapped = await collect(js, "catalog.grid.mapped.v1", count=2, where=lambda d: d["grid_code"] == grid)
        with pytest.raises(AssertionError, match="received 2 of 3"):  # nothing more for the unchanged loads
            await collect(js, "catalog.grid.mapped.v1", count=3, timeout=1.0, where=lambda d: d["grid_code"] == grid)
    data = [body(m)["data"] for m in mapped]
    assert [(d["version"], d["street_code"]) for d in data] == [
        (first["version"], "wulong"),
        (moved["version"], "wulong"),
    ]
    assert [GeoPolygon.model_validate(d["geometry"]) for d in data] == [
        GeoPolygon.model_validate(square(123.92)),
        GeoPolygon.model_validate(square(123.93)),
    ]
    geojson = await catalog.get("/grids.geojson")
    assert geojson.headers["content-type"] == "application/geo+json"
    feature = next(f for f in geojson.json()["features"] if f["id"] == grid)
    assert GeoPolygon.model_validate(feature["geometry"]) == GeoPolygon.model_validate(square(123.93))
    assert feature["properties"] == {"grid_code": grid, "street_code": "wulong"}


async def test_every_export_carries_the_outline_and_imports_back_unchanged(catalog: httpx.AsyncClient) -> None:
    grid = unique("wulong-wg")
    form = grids_only() | {
        GRIDS_SHEET: [["网格编码", "所属街道", OUTLINE_COLUMN], [grid, "wulong", json.dumps(square(123.94))]]
    }
    loaded = await upload(catalog, "网格.xlsx", workbook(form))
    assert loaded.status_code == 201, loaded.text
    assert grid in loaded.json()["diff"]["grids"]
    outline = GeoPolygon.model_validate(square(123.94))

    exports = {
        f: await catalog.get("/catalogue/export", params={"format": f}, headers=OFFICE) for f in ("xlsx", "csv", "json")
    }

    assert {f: r.status_code for f, r in exports.items()} == {"xlsx": 200, "csv": 200, "json": 200}
    book = openpyxl.load_workbook(io.BytesIO(exports["xlsx"].content))
    header, *rows = list(book[GRIDS_SHEET].values)
    cells = {row[0]: row[header.index(OUTLINE_COLUMN)] for row in rows}
    assert GeoPolygon.model_validate_json(cells[grid]) == outline
    lines = csv.DictReader(io.StringIO(exports["csv"].content.decode("utf-8-sig")))
    assert GeoPolygon.model_validate_json(next(r[OUTLINE_COLUMN] for r in lines if r["网格编码"] == grid)) == outline
    held = next(g for g in exports["json"].json()["grids"] if g["grid_code"] == grid)
    assert GeoPolygon.model_validate(held["geometry"]) == outline
    for name, response in exports.items():
        again = await upload(catalog, f"导出.{name}", response.content)
        assert again.status_code == 201, again.text
        assert again.json()["version"] is None, name  # nothing changed: the outline came back as it went out


async def test_a_malformed_outline_is_a_row_error_and_nothing_is_written(catalog: httpx.AsyncClient) -> None:
    grid = unique("wulong-wg")
    open_ring = {"type": "Polygon", "coordinates": [square(123.95)["coordinates"][0][:-1]]}
    form = grids_only() | {
        GRIDS_SHEET: [
            ["网格编码", "所属街道", OUTLINE_COLUMN],
            [grid, "wulong", json.dumps(open_ring)],
            [grid + "b", "wulong", "[1,"],
        ]
    }
    versions = (await catalog.get("/versions", headers=OFFICE)).json()

    response = await upload(catalog, "坏轮廓.xlsx", workbook(form))

    assert response.status_code == 422
    assert {(e["sheet"], e["row"], e["column"]) for e in response.json()["errors"]} == {
        (GRIDS_SHEET, 2, OUTLINE_COLUMN),
        (GRIDS_SHEET, 3, OUTLINE_COLUMN),
    }
    assert (await catalog.get("/versions", headers=OFFICE)).json() == versions
    assert grid not in {f["id"] for f in (await catalog.get("/grids.geojson")).json()["features"]}


async def test_an_outline_too_long_for_an_excel_cell_refuses_that_export_naming_the_cell(
    catalog: httpx.AsyncClient,
) -> None:
    grid = unique("wulong-wg")
    ring = (
        [[123.96, 47.35]]
        + [[123.96 + k * 1e-6, 47.3612345678] for k in range(1200)]
        + [[123.97, 47.35], [123.96, 47.35]]
    )
    await load_grid(catalog, grid, {"type": "Polygon", "coordinates": [ring]})

    refused = await catalog.get("/catalogue/export", params={"format": "xlsx"}, headers=OFFICE)
    as_json = await catalog.get("/catalogue/export", params={"format": "json"}, headers=OFFICE)
    await load_grid(catalog, grid, square(123.96))  # simplified: every format exports again

    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["sheet"], error["column"]) == (GRIDS_SHEET, OUTLINE_COLUMN)
    assert "32767" in error["reason"]
    assert as_json.status_code == 200
    assert len(next(g for g in as_json.json()["grids"] if g["grid_code"] == grid)["geometry"]["coordinates"][0]) == 1203
    assert (await catalog.get("/catalogue/export", params={"format": "csv"}, headers=OFFICE)).status_code == 200
