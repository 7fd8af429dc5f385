"""一街一单 against a real NATS and Postgres: claim, submit, review, file, publish; the public page and its QR.

These tests keep an organisation register (street names on the page), and once a register exists a load may
name only registered organisations; so they run on a database of their own, not the session's shared one.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from contracts.events.admission import ApplicationApproved, ApplicationKind
from services.catalog.app import create_app
from services.catalog.domain.items import today as today_in_china
from services.catalog.settings import Settings
from tests.support import bearer, body, bus, collect, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")
SHARED = "测试：与其他测试共用清单库，新增街道任务走紧急通道"
PUBLIC_BASE = "https://qingdan.longsha.example"
"""Where citizens reach the pages: the links' and QR codes' base, whatever the request says."""
LAW = {"law_id": "L7", "law_title": "黑龙江省城市市容和环境卫生管理条例", "article": "第九条"}
LIBRARY: dict[str, Any] = {
    "laws": [
        {
            "law_id": "L7",
            "title": LAW["law_title"],
            "kind": "regulation",
            "issuer": "黑龙江省人民代表大会常务委员会",
            "effective_from": "2019-01-01",
        }
    ],
    "clauses": [
        {"law_id": "L7", "article": "第九条", "text": "市容环境卫生行政主管部门负责本行政区域内的市容环境卫生工作。"}
    ],
}


def item(code: str, name: str, *, kind: str = "common", streets: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "item_code": code,
        "name": name,
        "list_kind": kind,
        "domain": "城市管理",
        "responsible_body": "cgj",
        "co_operating_units": list(streets[:1]),
        "street_codes": list(streets),
        "time_limit": {"value": 5, "unit": "working_day"},
        "legal_basis": [LAW],
        "tasks": [
            {"party": "department", "text": "制定门前三包责任标准", "basis": [LAW]},
            {"party": "street", "text": "督促沿街单位落实门前三包", "basis": [LAW]},
        ],
    }


def load(street: str, other: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    organisations = [
        {"code": "cgj", "name": "区城市管理局", "kind": "department"},
        {"code": street, "name": "红星街道", "kind": "street"},
        {"code": other, "name": "正阳街道", "kind": "street"},
    ]
    # a shared catalogue: these items' street tasks widen street duties (唯一入口), so they come on the emergency path
    return {
        **LIBRARY,
        "note": "一街一单测试",
        "organisations": organisations,
        "items": items,
        "emergency_reason": SHARED,
    }


async def publish_street_list(client: httpx.AsyncClient, street: str, codes: list[str]) -> httpx.Response:
    """A street's list through every step of the workflow, each asserted; the published list comes back."""
    for method, path, headers, payload in [
        ("PUT", "items", bearer(f"street:{street}"), {"item_codes": codes}),
        ("POST", "submit", bearer(f"street:{street}"), None),
        ("POST", "review", OFFICE, {"decision": "approve"}),
        ("POST", "file", OFFICE, {"filing_no": f"龙编备〔2024〕{street}"}),
        ("POST", "publish", OFFICE, None),
    ]:
        answer = await client.request(method, f"/street-lists/{street}/{path}", json=payload, headers=headers)
        assert answer.status_code == 200, f"{path}: {answer.text}"
    return answer


@pytest.fixture
async def catalog(nats_url: str, catalog_database: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(**settings_env(nats_url, catalog_database), public_base_url=PUBLIC_BASE)
    async with serving(create_app(settings)) as client:
        yield client


@pytest.fixture
async def streets(catalog: httpx.AsyncClient) -> tuple[str, str, list[str]]:
    """A street, a neighbour, and items: common, differentiated for the street, differentiated for the neighbour."""
    street, other = unique("hongxing"), unique("zhengyang")
    codes = [unique("C"), unique("D"), unique("X")]
    items = [
        item(codes[0], "门前三包责任制落实"),
        item(codes[1], "农村人居环境整治", kind="differentiated", streets=(street,)),
        item(codes[2], "渔政执法协助", kind="differentiated", streets=(other,)),
    ]
    loaded = await catalog.post("/catalogue", json=load(street, other, items), headers=OFFICE)
    assert loaded.status_code == 201, loaded.text
    return street, other, codes


async def test_a_list_is_claimed_returned_resubmitted_approved_filed_and_published(
    catalog: httpx.AsyncClient, streets: tuple[str, str, list[str]], nats_url: str
) -> None:
    street, _, codes = streets
    mine, path = bearer(f"street:{street}"), f"/street-lists/{street}"
    claimed = await catalog.put(f"{path}/items", json={"item_codes": codes[:2]}, headers=mine)
    assert (claimed.status_code, claimed.json()["status"], claimed.json()["revision"]) == (200, "draft", 1)
    assert (await catalog.post(f"{path}/submit", headers=mine)).json()["status"] == "submitted"
    queue = await catalog.get("/street-lists", params={"status": "submitted"}, headers=OFFICE)
    assert street in [entry["street_code"] for entry in queue.json()]

    returned = await catalog.post(
        f"{path}/review", json={"decision": "return", "comments": "请补充差异化事项"}, headers=OFFICE
    )
    assert (returned.json()["status"], returned.json()["comments"]) == ("returned", "请补充差异化事项")
    no_reason = await catalog.post(f"{path}/review", json={"decision": "return"}, headers=OFFICE)
    assert no_reason.status_code == 409  # already returned: the state is checked before the comments
    published = await publish_street_list(catalog, street, codes[:2])
    assert published.json()["revision"] == 1
    assert published.json()["filing_no"] == f"龙编备〔2024〕{street}"

    async with bus(nats_url) as (_, js):
        [message] = await collect(
            js, "catalog.streetlist.published.v1", count=1, where=lambda d: d["street_code"] == street
        )
    event = body(message)["data"]
    assert event["item_codes"] == codes[:2]
    assert (event["revision"], event["filing_no"]) == (1, f"龙编备〔2024〕{street}")
    assert event["catalogue_version"] == published.json()["catalogue_version"] >= 1

    again = await catalog.post(f"{path}/publish", headers=OFFICE)
    assert (again.status_code, again.json()["detail"][0]["loc"]) == (409, ["body", "status"])
    next_draft = await catalog.put(f"{path}/items", json={"item_codes": codes[:1]}, headers=mine)
    assert (next_draft.json()["revision"], next_draft.json()["status"]) == (2, "draft")
    public = await catalog.get(f"/public/streets/{street}.json")
    assert (public.json()["revision"], public.json()["item_count"]) == (1, 2)  # the published one stays public


async def test_bad_claims_are_refused_naming_the_field(
    catalog: httpx.AsyncClient, streets: tuple[str, str, list[str]], nats_url: str
) -> None:
    street, _, codes = streets
    mine, path = bearer(f"street:{street}"), f"/street-lists/{street}/items"
    unknown = await catalog.put(path, json={"item_codes": [codes[0], "NO-SUCH-ITEM"]}, headers=mine)
    assert (unknown.status_code, unknown.json()["detail"][0]["loc"]) == (422, ["body", "item_codes", "1"])
    assert "not in the catalogue" in unknown.json()["detail"][0]["msg"]
    neighbours = await catalog.put(path, json={"item_codes": [codes[2]]}, headers=mine)
    assert (neighbours.status_code, neighbours.json()["detail"][0]["loc"]) == (422, ["body", "item_codes", "0"])

    async with bus(nats_url) as (_, js):
        removal = ApplicationApproved(
            application_id=uuid.uuid4(), kind=ApplicationKind.REMOVE, item_code=codes[0], reason="区委常委会议审定取消"
        )
        await publish(js, removal, source="/linkage/admission")

    async def retired() -> bool:
        return (await catalog.get(f"/items/{codes[0]}", headers=OFFICE)).status_code == 404

    await eventually(retired)
    gone = await catalog.put(path, json={"item_codes": [codes[1], codes[0]]}, headers=mine)
    assert (gone.status_code, gone.json()["detail"][0]["loc"]) == (422, ["body", "item_codes", "1"])
    assert "retired" in gone.json()["detail"][0]["msg"]
    assert (await catalog.get(f"/street-lists/{street}", headers=mine)).status_code == 404  # nothing half-written


async def test_a_street_acts_on_its_own_list_only(
    catalog: httpx.AsyncClient, streets: tuple[str, str, list[str]]
) -> None:
    street, other, codes = streets
    path = f"/street-lists/{street}"
    assert (
        await catalog.put(f"{path}/items", json={"item_codes": codes[:1]}, headers=bearer(f"street:{street}"))
    ).is_success
    theirs = await catalog.put(f"{path}/items", json={"item_codes": codes[:1]}, headers=bearer(f"street:{other}"))
    assert (theirs.status_code, theirs.json()["detail"][0]["loc"]) == (403, ["path", "street_code"])
    assert (await catalog.post(f"{path}/submit", headers=bearer(f"street:{other}"))).status_code == 403
    assert (await catalog.get(path, headers=bearer(f"street:{other}"))).status_code == 403
    review = await catalog.post(f"{path}/review", json={"decision": "approve"}, headers=bearer(f"street:{street}"))
    assert review.status_code == 403  # a street does not review its own list
    assert (await catalog.post(f"{path}/submit")).status_code == 401
    assert (await catalog.get(path, headers=OFFICE)).json()["item_codes"] == codes[:1]


async def test_the_published_list_is_public_as_json_jsonld_html_and_qr(
    catalog: httpx.AsyncClient, streets: tuple[str, str, list[str]]
) -> None:
    street, _, codes = streets
    await publish_street_list(catalog, street, codes[:2])
    page = f"{PUBLIC_BASE}/public/streets/{street}"

    index = {entry["street_code"]: entry for entry in (await catalog.get("/public/streets")).json()}
    assert index[street]["street_name"] == "红星街道"
    assert index[street]["links"] == {
        "html": page,
        "json": f"{page}.json",
        "jsonld": f"{page}.jsonld",
        "qr_png": f"{page}/qr.png",
        "qr_svg": f"{page}/qr.svg",
    }
    data = (await catalog.get(f"/public/streets/{street}.json")).json()
    assert [i["name"] for i in data["items"]] == ["门前三包责任制落实", "农村人居环境整治"]
    assert data["organisations"]["cgj"] == "区城市管理局"

    linked = await catalog.get(f"/public/streets/{street}.jsonld")
    assert linked.headers["content-type"] == "application/ld+json"
    graph = linked.json()["@graph"]
    assert {"cpsv", "dct", "cv"} <= set(linked.json()["@context"])
    assert [s["dct:identifier"] for s in graph] == codes[:2]
    first = graph[0]
    assert (first["@type"], first["dct:title"]) == (
        "cpsv:PublicService",
        {"@value": "门前三包责任制落实", "@language": "zh"},
    )
    assert first["cv:hasCompetentAuthority"]["skos:prefLabel"]["@value"] == "区城市管理局"
    assert first["cv:hasLegalResource"][0]["dct:title"]["@value"] == "《黑龙江省城市市容和环境卫生管理条例》第九条"
    assert first["cv:processingTime"]["@value"] == "P5D"
    assert "工作日" in first["skos:note"]["@value"]

    html = await catalog.get(f"/public/streets/{street}")
    assert html.headers["content-type"].startswith("text/html")
    for text in (
        "红星街道",
        "清单版本",
        "备案号",
        "发布日期",
        "共性清单",
        "差异化清单",
        "门前三包责任制落实",
        "区城市管理局",
        "5个工作日",
        "督促沿街单位落实门前三包",
        "第九条",
        'name="viewport"',
        "qr.svg",
    ):
        assert text in html.text, text
    assert "制定门前三包责任标准" not in html.text  # department tasks are the department's business

    png = await catalog.get(f"/public/streets/{street}/qr.png")
    assert png.headers["content-type"] == "image/png"
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert decoded.text == page
    svg = await catalog.get(f"/public/streets/{street}/qr.svg")
    assert (svg.headers["content-type"], b"<svg" in svg.content) == ("image/svg+xml", True)


async def test_links_and_qr_codes_point_at_the_public_base_whatever_host_the_request_names(
    catalog: httpx.AsyncClient, streets: tuple[str, str, list[str]]
) -> None:
    street, _, codes = streets
    await publish_street_list(catalog, street, codes[:1])
    spoofed = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}

    index = (await catalog.get("/public/streets", headers=spoofed)).json()
    html = (await catalog.get(f"/public/streets/{street}", headers=spoofed)).text
    png = await catalog.get(f"/public/streets/{street}/qr.png", headers=spoofed)
    svg = (await catalog.get(f"/public/streets/{street}/qr.svg", headers=spoofed)).text

    mine = next(entry for entry in index if entry["street_code"] == street)
    assert mine["links"]["html"] == f"{PUBLIC_BASE}/public/streets/{street}"
    assert all(link.startswith(f"{PUBLIC_BASE}/") for link in mine["links"].values())
    assert "evil.example" not in html
    assert "evil.example" not in svg
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert decoded.text == f"{PUBLIC_BASE}/public/streets/{street}"


async def test_unset_the_public_base_is_where_linkage_up_serves_never_the_host_header(
    nats_url: str, catalog_database: str, streets: tuple[str, str, list[str]], catalog: httpx.AsyncClient
) -> None:
    street, _, codes = streets
    await publish_street_list(catalog, street, codes[:1])
    async with serving(create_app(Settings(**settings_env(nats_url, catalog_database)))) as unset:
        index = (await unset.get("/public/streets", headers={"Host": "evil.example"})).json()

    mine = next(entry for entry in index if entry["street_code"] == street)
    assert mine["links"]["html"] == f"http://127.0.0.1:8101/public/streets/{street}"


def test_the_public_base_must_be_an_http_address(nats_url: str, catalog_database: str) -> None:
    for bad in ("qingdan.longsha.example", "ftp://qingdan.longsha.example", "https://x.example/?a=1"):
        with pytest.raises(ValueError, match="public_base_url"):
            Settings(**settings_env(nats_url, catalog_database), public_base_url=bad)
    good = Settings(**settings_env(nats_url, catalog_database), public_base_url="https://x.example/qingdan/")
    assert good.public_base_url == "https://x.example/qingdan"


async def test_the_page_escapes_what_it_shows_and_unknown_streets_are_404(
    catalog: httpx.AsyncClient, streets: tuple[str, str, list[str]]
) -> None:
    street, other, _ = streets
    code = unique("E")
    hostile = item(code, "<script>alert('清单')</script>")
    assert (await catalog.post("/catalogue", json=load(street, other, [hostile]), headers=OFFICE)).status_code == 201
    await publish_street_list(catalog, street, [code])
    html = (await catalog.get(f"/public/streets/{street}")).text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;清单&#39;)&lt;/script&gt;" in html
    for suffix in ("", ".json", ".jsonld", "/qr.png", "/qr.svg"):
        missing = await catalog.get(f"/public/streets/{other}{suffix}")
        assert missing.status_code == 404, suffix


async def test_a_published_list_reads_as_of_a_date(
    catalog: httpx.AsyncClient, streets: tuple[str, str, list[str]]
) -> None:
    street, _, codes = streets
    await publish_street_list(catalog, street, codes[:2])
    today = (await catalog.get(f"/public/streets/{street}.json", params={"as_of": today_in_china().isoformat()})).json()
    assert sorted(i["item_code"] for i in today["items"]) == sorted(codes[:2])
    before = await catalog.get(f"/public/streets/{street}.json", params={"as_of": "2000-01-01"})
    assert before.status_code == 404
    assert "no published list on 2000-01-01" in before.json()["detail"][0]["msg"]
