"""Cases placed by location on a real NATS and Postgres: grids arrive with GeoJSON outlines on the catalogue's
grid events; a GeoReport client posting only lat/long gets its request routed to the right street and department;
a point in no grid waits for the office (人工派遣); bad grids and points outside the district are 400s naming them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from shapely.geometry import shape

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.catalog import DutyTask, GridMapped, ItemPublished, ListKind, TaskParty
from contracts.events.intake import CaseReported
from contracts.geo import GeoPolygon
from services.dispatch.app import create_app
from services.dispatch.settings import Settings
from services.platform.longsha_grids import lay_out
from tests.support import bearer, bus, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
BASE = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
OFFICE = bearer("office")


@dataclass
class Map:
    client: httpx.AsyncClient
    nats_url: str
    item: str
    owner: str
    streets: dict[str, list[str]]
    outlines: dict[str, dict[str, Any]]
    gap: str  # a grid whose outline was never published: a hole inside the district

    def centre(self, grid: str) -> tuple[float, float]:
        point = shape(self.outlines[grid]).centroid
        return point.y, point.x

    def street_of(self, grid: str) -> str:
        return next(street for street, grids in self.streets.items() if grid in grids)


@pytest.fixture(scope="module")
async def district(nats_url: str, database_url: str) -> AsyncIterator[Map]:
    streets = {unique("street"): [unique("wg") for _ in range(4)] for _ in range(3)}
    # North-east of Longsha, where the demo's grids (which other tests publish on the same bus) are not: a point
    # here lies in this test's grids or in none. Beijing stays outside the grids' bounds either way.
    outlines = lay_out(streets, area=(124.5, 47.5, 124.7, 47.7))
    gap = next(iter(streets.values()))[-1]
    code, owner = unique("ITEM"), unique("dept")
    app = create_app(Settings(**settings_env(nats_url, database_url)))
    async with serving(app) as client, bus(nats_url) as (_, js):
        await publish(js, _item(code, owner), source="/linkage/catalog")
        for street, grids in streets.items():
            for grid in (g for g in grids if g != gap):
                outline = GeoPolygon.model_validate(outlines[grid])
                await publish(js, GridMapped(grid_code=grid, street_code=street, version=1, geometry=outline))

        async def ready() -> bool:
            geojson = (await client.get("/grids.geojson")).json()
            known = {feature["id"] for feature in geojson["features"]}
            definition = await client.get(f"{BASE}/services/{code}.json")
            return definition.status_code == 200 and len(known & set(outlines)) == len(outlines) - 1

        await eventually(ready, timeout=60)
        yield Map(client, nats_url, code, owner, streets, outlines, gap)


def _item(code: str, owner: str) -> ItemPublished:
    return ItemPublished(
        item_code=code,
        name="井盖缺失",
        list_kind=ListKind.COMMON,
        domain="市政设施",
        responsible_body=owner,
        time_limit=TimeLimit(value=4, unit=TimeUnit.WORKING_HOUR),
        tasks=(DutyTask(party=TaskParty.STREET, text="现场设置警示标志"),),
        version=1,
        effective_from=date(2026, 1, 1),
    )


def api_key() -> str:
    return bearer("smartcity")["Authorization"].removeprefix("Bearer ")


async def post(district: Map, **fields: str) -> httpx.Response:
    form = {"api_key": api_key(), "service_code": district.item, "description": "井盖缺失，有安全隐患", **fields}
    return await district.client.post(f"{BASE}/requests.json", data=form, headers=FORM)


async def case_of(district: Map, answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    case_id = answer.json()[0]["service_request_id"]
    found: dict[str, Any] = (await district.client.get(f"/cases/{case_id}", headers=OFFICE)).json()
    return found


async def test_a_georeport_client_posting_only_lat_long_reaches_the_right_street_and_department(district: Map) -> None:
    for street, grids in district.streets.items():
        grid = grids[0]
        lat, long = district.centre(grid)
        case = await case_of(district, await post(district, lat=str(lat), long=str(long)))
        assert (case["status"], case["grid_code"], case["street_code"]) == ("dispatched", grid, street)
        assert (case["lat"], case["long"]) == (pytest.approx(lat), pytest.approx(long))
        assert f"lies in grid {grid}" in case["placement"]
        assert [(t["assignee_code"], t["role"]) for t in case["tasks"]] == [
            (district.owner, "primary"),
            (street, "co_operating"),  # the item's street task, on the street's own subject
        ]
        [request] = (await district.client.get(f"{BASE}/requests/{case['id']}.json")).json()
        assert request["agency_responsible"] == district.owner
        assert request["expected_datetime"] == case["tasks"][0]["due_at"].replace("Z", "+00:00")
        assert request["service_notice"].startswith(f"办理中: {district.owner} handles it by ")


async def test_a_report_over_nats_with_only_a_point_is_placed_too(district: Map) -> None:
    grid = list(district.streets.values())[1][2]
    lat, long = district.centre(grid)
    source_id = unique("sc")
    report = CaseReported(
        source_system="smartcity",
        source_id=source_id,
        item_code=district.item,
        description="井盖松动",
        lat=lat,
        long=long,
        reported_at=datetime.now(UTC),
    )
    async with bus(district.nats_url) as (_, js):
        await publish(js, report, source="/tests")

    async def placed() -> dict[str, Any] | None:
        found = (await district.client.get("/cases", params={"item_code": district.item}, headers=OFFICE)).json()
        mine = [c for c in found if c["source_id"] == source_id and c["status"] != "reported"]
        return mine[0] if mine else None

    case = await eventually(placed)
    assert (case["grid_code"], case["street_code"]) == (grid, district.street_of(grid))


async def test_a_point_in_no_grid_or_an_address_alone_waits_for_the_office(district: Map) -> None:
    lat, long = district.centre(district.gap)
    in_gap = await case_of(district, await post(district, lat=str(lat), long=str(long)))
    assert (in_gap["status"], in_gap["grid_code"], in_gap["refusal"]) == ("triage", None, None)
    assert "lies in no grid" in in_gap["placement"]
    assert "no known street" in in_gap["triage_reason"]
    address = await case_of(district, await post(district, address_string="龙沙区五龙街道某小区3号楼"))
    assert address["status"] == "triage"
    assert address["address"] == "龙沙区五龙街道某小区3号楼"
    [request] = (await district.client.get(f"{BASE}/requests/{address['id']}.json")).json()
    assert request["status"] == "open"  # waiting for the office, not closed
    assert request["service_notice"].startswith("待人工派遣")
    assert request["agency_responsible"] is None


async def test_bad_locations_are_400s_naming_the_field_and_nothing_is_written(district: Map) -> None:
    before = len((await district.client.get("/cases", params={"item_code": district.item}, headers=OFFICE)).json())
    unknown = await post(district, **{"attribute[grid_code]": "no-such-grid"})
    assert unknown.status_code == 400
    assert "attribute[grid_code]: 'no-such-grid'" in unknown.json()[0]["description"]
    outside = await post(district, lat="39.9", long="116.4")  # Beijing
    assert outside.status_code == 400
    assert outside.json()[0]["description"].startswith("lat/long:")
    nowhere = await post(district)
    assert nowhere.status_code == 400
    assert "a location is required" in nowhere.json()[0]["description"]
    wrong = await post(district, lat="北纬", long="123.9")
    assert wrong.status_code == 400
    assert wrong.json()[0]["description"].startswith("lat:")
    after = len((await district.client.get("/cases", params={"item_code": district.item}, headers=OFFICE)).json())
    assert after == before


async def test_grids_export_as_geojson_with_their_streets(district: Map) -> None:
    answer = await district.client.get("/grids.geojson")
    assert answer.headers["content-type"].startswith("application/geo+json")
    features = {f["id"]: f for f in answer.json()["features"]}
    street, grids = next(iter(district.streets.items()))
    exported = features[grids[0]]
    assert exported["properties"] == {"grid_code": grids[0], "street_code": street}
    assert exported["geometry"]["coordinates"] == district.outlines[grids[0]]["coordinates"]
    assert district.gap not in features
