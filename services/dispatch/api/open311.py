"""Open311 GeoReport v2 at ``/open311/v2/``: a standard client works against it unchanged.

``service_code`` is the catalogue item code; the grid (网格) a request lies in is the service attribute
``grid_code``, whose values the service definition lists. ``api_key`` is a platform token (JWT) holding the
``smartcity`` (or ``office``) role: the smart-city platform posts with the key the office issued it
(``linkage token``). A client-supplied ``source_id`` (an extension) makes a POST idempotent, in the same id
space as NATS intake from the same source. Errors are the spec's array: ``[{"code": 400, "description": …}]``.
Extensions beside the standard: ``requests/{id}/updates`` (one request's timeline) and ``requests/updates``
(status changes across requests, ``start_date``/``end_date``/``service_code``/``page``/``page_size``).

Reads need no key and show the public fields only: status, service, dates, a location coarsened to about
100 m, the public status note (outcome or refusal), and in the update feeds the status changes without their
descriptions. The inside (description, address, exact place, the street's closing note, every step of the
timeline with its text) is read with an ``api_key`` (or a bearer token) of the office, or of the case's street
or assignees; the feed across requests shows step descriptions to the office only. A bad key is refused (403),
never read as no key.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import jwt
from fastapi import APIRouter, Request, Response

from services.dispatch import service
from services.dispatch.api.open311_format import (
    Formatted,
    Open311Error,
    date_of,
    positive_of,
    render,
    request_of,
    statuses_of,
    update_of,
    uuid_of,
)
from services.dispatch.api.open311_intake import check_area, grid_attribute, report_of
from services.dispatch.api.roles import reads_inside
from services.dispatch.domain import STATUS_AFTER
from services.dispatch.domain.records import CaseFilter
from services.dispatch.settings import Settings
from services.runtime.auth import Principal, decode_token
from services.runtime.deps import kit_of
from services.runtime.errors import DomainError

router = APIRouter(prefix="/open311/v2", tags=["open311"])
MAX_REQUESTS = 1000
DEFAULT_WINDOW = timedelta(days=90)


def _fmt(fmt: str) -> str:
    if fmt not in ("json", "xml"):
        raise Open311Error(404, f"unknown format {fmt!r}: use .json or .xml")
    return fmt


async def _answer(fmt: str, build: Any) -> Response:
    """Run ``build`` and render its result, or the error array, in the requested format."""
    try:
        kind = _fmt(fmt)
        result: Formatted = await build()
        return render(result, kind)
    except Open311Error as error:
        return render(
            Formatted("errors", "error", [{"code": error.code, "description": error.description}], error.code), fmt
        )
    except DomainError as error:
        return render(
            Formatted("errors", "error", [{"code": error.status, "description": error.message}], error.status), fmt
        )


@router.get("/discovery.{fmt}", summary="Endpoint discovery")
async def discovery(request: Request, fmt: str) -> Response:
    async def build() -> Formatted:
        base = str(request.url_for("services", fmt="json")).rsplit("/", 1)[0]
        endpoint = {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": base,
            "formats": ["application/json", "text/xml"],
        }
        return Formatted("discovery", "endpoint", [endpoint], 200)

    return await _answer(fmt, build)


@router.get("/services.{fmt}", name="services", summary="Service list: the live catalogue items")
async def services(request: Request, fmt: str) -> Response:
    async def build() -> Formatted:
        items, _ = await service.service_list(kit_of(request).uow(actor="open311"))
        return Formatted("services", "service", [_service(item) for item in items], 200)

    return await _answer(fmt, build)


@router.get("/services/{code}.{fmt}", summary="Service definition: the attributes a request carries")
async def definition(request: Request, code: str, fmt: str) -> Response:
    async def build() -> Formatted:
        items, grids = await service.service_list(kit_of(request).uow(actor="open311"))
        if not any(item.item_code == code for item in items):
            raise Open311Error(404, f"unknown service_code {code}")
        grid = grid_attribute([(g.grid_code, g.street_code) for g in grids])
        return Formatted("service_definition", None, {"service_code": code, "attributes": [grid]}, 200)

    return await _answer(fmt, build)


@router.post("/requests.{fmt}", summary="Create a service request (form-encoded as the spec says, or JSON)")
async def create(request: Request, fmt: str) -> Response:
    async def build() -> Formatted:
        fields = await _fields(request)
        source = _client(request, fields.get("api_key"))
        _check_jurisdiction(request, fields.get("jurisdiction_id"))
        items, grids = await service.service_list(kit_of(request).uow(actor=source))
        report = report_of(fields, source, grids={g.grid_code for g in grids})
        if not any(item.item_code == report.item_code for item in items):
            raise Open311Error(404, f"unknown service_code {report.item_code}")
        if report.grid_code is None and report.lat is not None and report.long is not None:
            inside = await service.within_district(kit_of(request).uow(actor=source), report.lat, report.long)
            check_area(report, inside=inside)
        ack_within_h = kit_settings(request).ack_within_working_hours
        taken = await service.take_case(kit_of(request).uow(actor=source), report, ack_within_h=ack_within_h)
        notice = "受理 received" if taken.fresh else "already received: the same source_id"
        answer = {"service_request_id": str(taken.case_id), "service_notice": notice, "account_id": None}
        return Formatted("service_requests", "request", [answer], 201 if taken.fresh else 200)

    return await _answer(fmt, build)


@router.get(
    "/requests.{fmt}",
    summary="Query service requests (the last 90 days, 1000 at most, by default); no key: public fields only",
    description="Without an api_key each request shows its status, service, dates, a location rounded to about "
    "100 m and the outcome; with the key of the office, or of a request's street or assignee, that request whole.",
)
async def query(request: Request, fmt: str) -> Response:
    async def build() -> Formatted:
        params = request.query_params
        filters: dict[str, Any] = {"item_code": params.get("service_code")}
        if ids := params.get("service_request_id"):
            filters["ids"] = [uuid_of(i) for i in ids.split(",") if i.strip()]
        else:
            filters["until"] = date_of(params.get("end_date"), "end_date") or datetime.now(UTC)
            filters["since"] = date_of(params.get("start_date"), "start_date") or filters["until"] - DEFAULT_WINDOW
        if status := params.get("status"):
            filters["statuses"] = statuses_of(status)
        return await _requests(request, filters, _reader(request))

    return await _answer(fmt, build)


@router.get(
    "/requests/updates.{fmt}",
    summary="Update feed across requests (extension): status changes, oldest first, a page at a time",
    description="Each change's description (who decided what, and why) is shown to the office's api_key only.",
)
async def feed(request: Request, fmt: str) -> Response:
    async def build() -> Formatted:
        params, reader = request.query_params, _reader(request)
        until = date_of(params.get("end_date"), "end_date") or datetime.now(UTC)
        changes = await service.status_feed(
            kit_of(request).uow(actor="open311"),
            since=date_of(params.get("start_date"), "start_date") or until - DEFAULT_WINDOW,
            until=until,
            item_code=params.get("service_code") or None,
            page=positive_of(params.get("page"), "page", default=1, most=1_000_000),
            page_size=positive_of(params.get("page_size"), "page_size", default=100, most=MAX_REQUESTS),
        )
        inside = reader is not None and reader.has("office")
        return Formatted("updates", "update", [update_of(change, inside=inside) for change in changes], 200)

    return await _answer(fmt, build)


@router.get("/requests/{request_id}.{fmt}", summary="One service request; no key: its public fields only")
async def one(request: Request, request_id: str, fmt: str) -> Response:
    async def build() -> Formatted:
        found = await _requests(request, {"ids": [uuid_of(request_id)]}, _reader(request))
        if not found.body:
            raise Open311Error(404, f"no service request {request_id}")
        return found

    return await _answer(fmt, build)


@router.get(
    "/requests/{request_id}/updates.{fmt}",
    summary="Update feed of one request (extension): its timeline",
    description="With the api_key of the office, the request's street or an assignee: every step with its text; "
    "without: its status changes, without their text.",
)
async def updates(request: Request, request_id: str, fmt: str) -> Response:
    async def build() -> Formatted:
        reader, case_id = _reader(request), uuid_of(request_id)
        case = await service.case_view(kit_of(request).uow(actor="open311"), case_id)
        rows = await service.case_timeline(kit_of(request).uow(actor="open311"), case_id)
        inside = reads_inside(reader, case)
        entries = [
            {
                "update_id": f"{request_id}-{n}",
                "updated_datetime": r.at.isoformat(),
                "action": r.action,
                "description": r.detail if inside else None,
            }
            for n, r in enumerate(rows, 1)
            if inside or r.action in STATUS_AFTER  # outside, a case's status changes only
        ]
        return Formatted("updates", "update", entries, 200)

    return await _answer(fmt, build)


async def _requests(request: Request, filters: dict[str, Any], reader: Principal | None) -> Formatted:
    uow = kit_of(request).uow(actor="open311")
    found = await service.search_cases(uow, CaseFilter(**filters), limit=MAX_REQUESTS)
    items, _ = await service.service_list(kit_of(request).uow(actor="open311"))
    names = {item.item_code: item.name for item in items}
    shown = [request_of(case, primary, names, inside=reads_inside(reader, case, primary)) for case, primary in found]
    return Formatted("service_requests", "request", shown, 200)


def _reader(request: Request) -> Principal | None:
    """Who reads: the ``api_key`` parameter or a bearer token; none is the public, a bad one is refused."""
    header = request.headers.get("authorization", "")
    key = request.query_params.get("api_key") or (header[7:].strip() if header.lower().startswith("bearer ") else "")
    if not key:
        return None
    try:
        return decode_token(kit_settings(request).jwt_secret.get_secret_value(), key)
    except jwt.InvalidTokenError as error:
        raise Open311Error(403, f"invalid api_key: {error}") from error


def _service(item: Any) -> dict[str, Any]:
    limit = f"; time limit {item.time_limit.value} {item.time_limit.unit}" if item.time_limit else ""
    return {
        "service_code": item.item_code,
        "service_name": item.name,
        "description": f"{item.name}: responsible body {item.responsible_body}, catalogue v{item.version}{limit}",
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(filter(None, [item.list_kind, item.domain])),
        "group": item.domain,
    }


async def _fields(request: Request) -> dict[str, str]:
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            parsed = json.loads(raw or b"{}")
        except ValueError as error:
            raise Open311Error(400, f"body is not JSON: {error}") from error
        if not isinstance(parsed, dict):
            raise Open311Error(400, "body must be a JSON object")
        attributes = parsed.pop("attribute", None) or {}
        if not isinstance(attributes, dict):
            raise Open311Error(400, 'attribute must be an object of attribute codes, e.g. {"grid_code": "…"}')
        flat = {k: str(v) for k, v in parsed.items() if v is not None}
        return {**flat, **{f"attribute[{k}]": str(v) for k, v in attributes.items()}}
    return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=False))


def _client(request: Request, api_key: str | None) -> str:
    if not api_key:
        raise Open311Error(403, "api_key is required to create a request")
    try:
        principal = decode_token(kit_settings(request).jwt_secret.get_secret_value(), api_key)
    except jwt.InvalidTokenError as error:
        raise Open311Error(403, f"invalid api_key: {error}") from error
    if not (principal.has("smartcity") or principal.has("office")):
        raise Open311Error(403, "api_key lacks the smartcity role")
    return principal.subject[:64]


def _check_jurisdiction(request: Request, jurisdiction: str | None) -> None:
    expected = kit_settings(request).open311_jurisdiction
    if jurisdiction and jurisdiction != expected:
        raise Open311Error(404, f"unknown jurisdiction_id {jurisdiction}; this endpoint serves {expected}")


def kit_settings(request: Request) -> Settings:
    """Dispatch's settings, from the kit the composition root wired (Open311 routes render their own errors, so
    they read it inside the route rather than as a dependency that would answer in FastAPI's format)."""
    settings = kit_of(request).settings
    assert isinstance(settings, Settings)
    return settings
