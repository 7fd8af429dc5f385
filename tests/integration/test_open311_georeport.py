"""Open311 GeoReport v2 on dispatch, following the spec's text: form-encoded POST with api_key and
jurisdiction_id, .json and .xml, the error array, service definitions with attributes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree

import httpx
import pytest

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.catalog import GridMapped, ItemPublished, ListKind
from contracts.events.intake import CaseReported
from services.dispatch.app import create_app
from services.dispatch.settings import Settings
from services.runtime.auth import mint_token
from tests.support import JWT_SECRET, bearer, bus, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
BASE = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
async def georeport(nats_url: str, database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, str, str, str]]:
    """The service with one item (its owner) and one grid on the catalogue: (client, item, owner, grid)."""
    code, owner, grid = unique("ITEM"), unique("dept"), unique("grid")
    app = create_app(Settings(**settings_env(nats_url, database_url)))
    async with serving(app) as client, bus(nats_url) as (_, js):
        item = ItemPublished(
            item_code=code,
            name="井盖缺失",
            list_kind=ListKind.COMMON,
            domain="市政设施",
            responsible_body=owner,
            time_limit=TimeLimit(value=4, unit=TimeUnit.WORKING_HOUR),
            version=1,
            effective_from=date(2026, 1, 1),
        )
        await publish(js, item, source="/linkage/catalog")
        await publish(js, GridMapped(grid_code=grid, street_code=unique("street"), version=1))

        async def ready() -> bool:
            definition = await client.get(f"{BASE}/services/{code}.json")
            return definition.status_code == 200 and grid in definition.text

        await eventually(ready, timeout=60)
        yield client, code, owner, grid


def api_key(role: str = "smartcity") -> str:
    return mint_token(JWT_SECRET, subject="smartcity", roles=[role])


def form(code: str, grid: str, **extra: str) -> dict[str, str]:
    return {
        "api_key": api_key(),
        "jurisdiction_id": "longsha",
        "service_code": code,
        "lat": "47.3421",
        "long": "123.9182",
        "attribute[grid_code]": grid,
        "description": "人行道井盖缺失，有安全隐患",
        **extra,
    }


async def test_service_list_and_definition_in_json_and_xml(georeport: tuple[httpx.AsyncClient, str, str, str]) -> None:
    client, code, _, grid = georeport
    services = (await client.get(f"{BASE}/services.json")).json()
    mine = next(s for s in services if s["service_code"] == code)
    assert mine["service_name"] == "井盖缺失"
    assert (mine["metadata"], mine["type"], mine["group"]) == (True, "realtime", "市政设施")
    xml = ElementTree.fromstring((await client.get(f"{BASE}/services.xml")).content)
    assert xml.tag == "services"
    assert code in [s.findtext("service_code") for s in xml.findall("service")]

    definition = (await client.get(f"{BASE}/services/{code}.json")).json()
    attribute = definition["attributes"][0]
    assert (definition["service_code"], attribute["code"], attribute["datatype"]) == (
        code,
        "grid_code",
        "singlevaluelist",
    )
    assert attribute["required"] is False  # lat/long, or an address, may stand in for it
    assert grid in [value["key"] for value in attribute["values"]]
    tree = ElementTree.fromstring((await client.get(f"{BASE}/services/{code}.xml")).content)
    assert tree.tag == "service_definition"
    assert tree.findtext("attributes/attribute/code") == "grid_code"
    assert grid in [v.findtext("key") for v in tree.findall("attributes/attribute/values/value")]


async def test_a_form_encoded_post_creates_a_request_once_per_source_id(
    georeport: tuple[httpx.AsyncClient, str, str, str],
) -> None:
    client, code, owner, grid = georeport
    source_id = unique("12345")
    created = await client.post(f"{BASE}/requests.json", data=form(code, grid, source_id=source_id), headers=FORM)
    assert created.status_code == 201, created.text
    [answer] = created.json()
    request_id = answer["service_request_id"]
    again = await client.post(f"{BASE}/requests.json", data=form(code, grid, source_id=source_id), headers=FORM)
    assert again.status_code == 200
    assert again.json()[0]["service_request_id"] == request_id

    [request] = (await client.get(f"{BASE}/requests/{request_id}.json")).json()
    assert (request["status"], request["service_code"], request["agency_responsible"]) == ("open", code, owner)
    assert request["linkage_status"] == "dispatched"
    assert request["lat"] == pytest.approx(47.342)  # the public read: a block, not the doorstep
    inside = await client.get(f"{BASE}/requests/{request_id}.json", params={"api_key": api_key("office")})
    assert inside.json()[0]["lat"] == pytest.approx(47.3421)
    expected = datetime.fromisoformat(request["expected_datetime"])
    assert datetime.now(UTC) < expected < datetime.now(UTC) + timedelta(days=30)
    xml = ElementTree.fromstring((await client.get(f"{BASE}/requests/{request_id}.xml")).content)
    assert xml.tag == "service_requests"
    assert xml.findtext("request/service_request_id") == request_id
    assert xml.findtext("request/agency_responsible") == owner

    listed = (await client.get(f"{BASE}/requests.json", params={"service_code": code, "status": "open"})).json()
    assert request_id in [r["service_request_id"] for r in listed]
    closed = (await client.get(f"{BASE}/requests.json", params={"service_code": code, "status": "closed"})).json()
    assert request_id not in [r["service_request_id"] for r in closed]
    many = await client.get(f"{BASE}/requests.json", params={"service_request_id": f"{request_id},{request_id}"})
    assert [r["service_request_id"] for r in many.json()] == [request_id]
    office = {"api_key": api_key("office")}
    updates = (await client.get(f"{BASE}/requests/{request_id}/updates.json", params=office)).json()
    assert [u["action"] for u in updates][:3] == ["reported", "accepted", "assigned"]


async def test_open311_and_nats_intake_share_the_sources_id_space(
    georeport: tuple[httpx.AsyncClient, str, str, str], nats_url: str
) -> None:
    client, code, _, grid = georeport
    source_id = unique("12345")
    payload = {**form(code, grid, source_id=source_id), "attribute": {"grid_code": grid}}
    del payload["attribute[grid_code]"]
    created = await client.post(f"{BASE}/requests.json", json=payload)
    assert created.status_code == 201, created.text
    request_id = created.json()[0]["service_request_id"]
    report = CaseReported(
        source_system="smartcity",
        source_id=source_id,
        item_code=code,
        grid_code=grid,
        description="同一案件经 NATS 再报",
        reported_at=datetime.now(UTC),
    )
    async with bus(nats_url) as (_, js):
        await publish(js, report)
    await asyncio.sleep(1.0)
    params = {"service_code": code, "api_key": api_key("office")}
    matching = (await client.get(f"{BASE}/requests.json", params=params)).json()
    assert [r["service_request_id"] for r in matching].count(request_id) == 1
    assert all(r["description"] != "同一案件经 NATS 再报" for r in matching)


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"api_key": None}, 403, "api_key is required"),
        ({"api_key": "not-a-token"}, 403, "invalid api_key"),
        ({"api_key": mint_token(JWT_SECRET, subject="x", roles=["department:cgj"])}, 403, "smartcity"),
        ({"jurisdiction_id": "elsewhere"}, 404, "jurisdiction_id"),
        ({"service_code": "NO-SUCH-ITEM"}, 404, "unknown service_code"),
        ({"service_code": None}, 400, "service_code is required"),
        ({"lat": None, "long": None, "attribute[grid_code]": None}, 400, "location is required"),
        ({"lat": "north"}, 400, "lat"),
        ({"attribute[grid_code]": "no-such-grid"}, 400, "attribute[grid_code]: 'no-such-grid'"),
    ],
)
async def test_errors_are_the_specs_array_with_code_and_description(
    georeport: tuple[httpx.AsyncClient, str, str, str], change: dict[str, str | None], status: int, words: str
) -> None:
    client, code, _, grid = georeport
    data = {k: v for k, v in {**form(code, grid), **change}.items() if v is not None}
    response = await client.post(f"{BASE}/requests.json", data=data, headers=FORM)
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status
    assert words in error["description"]
    xml = await client.post(f"{BASE}/requests.xml", data=data, headers=FORM)
    tree = ElementTree.fromstring(xml.content)
    assert (tree.tag, tree.findtext("error/code")) == ("errors", str(status))


async def test_unknown_requests_and_formats_are_404_in_the_error_format(
    georeport: tuple[httpx.AsyncClient, str, str, str],
) -> None:
    client, *_ = georeport
    missing = await client.get(f"{BASE}/requests/00000000-0000-4000-8000-000000000000.json")
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404
    assert (await client.get(f"{BASE}/requests/nonsense.json")).status_code == 404
    assert (await client.get(f"{BASE}/services.yaml")).json()[0]["code"] == 404
    bad_date = await client.get(f"{BASE}/requests.json", params={"start_date": "yesterday"})
    assert bad_date.status_code == 400
    assert "start_date" in bad_date.json()[0]["description"]


async def test_the_update_feed_lists_status_changes_across_requests_a_page_at_a_time(
    georeport: tuple[httpx.AsyncClient, str, str, str],
) -> None:
    client, code, _, grid = georeport
    start = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    ids = []
    for _ in range(2):
        created = await client.post(f"{BASE}/requests.json", data=form(code, grid), headers=FORM)
        ids.append(created.json()[0]["service_request_id"])
    closure = {"outcome": "withdrawn", "note": "市民撤件"}
    assert (await client.post(f"/cases/{ids[0]}/close", json=closure, headers=bearer("office"))).status_code == 204

    params = {"service_code": code, "start_date": start, "page_size": "1000"}
    feed = (await client.get(f"{BASE}/requests/updates.json", params=params)).json()
    mine = [(u["service_request_id"], u["action"], u["status"], u["linkage_status"]) for u in feed]
    mine = [entry for entry in mine if entry[0] in ids]
    assert mine == [
        (ids[0], "reported", "open", "reported"),
        (ids[0], "accepted", "open", "dispatched"),
        (ids[1], "reported", "open", "reported"),
        (ids[1], "accepted", "open", "dispatched"),
        (ids[0], "closed", "closed", "closed"),
    ]  # a task's moves (assigned) are not status changes
    assert [int(u["update_id"]) for u in feed] == sorted(int(u["update_id"]) for u in feed)
    assert all(u["service_code"] == code and u["updated_datetime"] for u in feed)

    pages = [
        (await client.get(f"{BASE}/requests/updates.json", params={**params, "page_size": "2", "page": str(n)})).json()
        for n in (1, 2)
    ]
    assert [u["update_id"] for page in pages for u in page] == [u["update_id"] for u in feed[:4]]
    tree = ElementTree.fromstring((await client.get(f"{BASE}/requests/updates.xml", params=params)).content)
    assert tree.tag == "updates"
    assert [u.findtext("update_id") for u in tree.findall("update")] == [u["update_id"] for u in feed]
    later = {**params, "start_date": (datetime.now(UTC) + timedelta(minutes=5)).isoformat()}
    assert (await client.get(f"{BASE}/requests/updates.json", params=later)).json() == []
    bad = await client.get(f"{BASE}/requests/updates.json", params={"page": "0"})
    assert (bad.status_code, bad.json()[0]["code"]) == (400, 400)
    assert "page must be a whole number" in bad.json()[0]["description"]
