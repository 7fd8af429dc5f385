"""公示: each street's published list for the public, no token: an HTML page readable on a phone, a QR code
pointing at it, JSON and CPSV-AP JSON-LD.

The QR code and links carry absolute URLs built from the ``public_base_url`` setting, never from the request:
a ``Host`` header is whatever the caller sends, and a printed code in the service hall must point at the
address citizens can reach, not at one a visitor made up.
"""

from __future__ import annotations

import functools
import io
from datetime import date, datetime
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field

from contracts.base import CODE_PATTERN, DISTRICT_TZ, TimeLimit, TimeUnit
from contracts.events.catalog import ClauseRef, ListKind, TaskParty
from services.catalog.domain.items import ItemSpec
from services.catalog.service import streetlists as service
from services.catalog.service.streetlists import PublishedList
from services.catalog.settings import Settings
from services.runtime.deps import UowDep, kit_of
from services.runtime.errors import NotFound

router = APIRouter(prefix="/public/streets", tags=["public (公示)"])
StreetCode = Annotated[str, Path(pattern=CODE_PATTERN, description="Street (街道) code")]

LIST_LABELS = {
    ListKind.COMMON: "共性清单",
    ListKind.DIFFERENTIATED: "差异化清单",
    ListKind.POWER: "行政权力清单和责任清单",
    ListKind.SERVICE: "政务服务事项清单",
    ListKind.COMMUNITY: "社区减负清单",
}
UNIT_LABELS = {
    TimeUnit.WORKING_DAY: "个工作日",
    TimeUnit.WORKING_HOUR: "个工作小时",
    TimeUnit.NATURAL_DAY: "日（自然日）",
}
JSONLD_CONTEXT = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "dct": "http://purl.org/dc/terms/",
    "cv": "http://data.europa.eu/m8g/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


class Links(BaseModel):
    html: str
    json_: str = Field(alias="json")
    jsonld: str
    qr_png: str
    qr_svg: str


class PublishedSummary(BaseModel):
    street_code: str
    street_name: str = Field(description="街道名称")
    revision: int
    filing_no: str = Field(description="备案号")
    catalogue_version: int = Field(description="清单版本: the catalogue version the list was approved against")
    published_at: datetime = Field(description="发布时间")
    item_count: int
    links: Links


class PublishedDetail(PublishedSummary):
    items: list[ItemSpec] = Field(description="Items on the list, as in force today")
    withdrawn: list[str] = Field(description="Items on the list retired since publication")
    organisations: dict[str, str] = Field(description="Names of the organisations the items name, by code")


@router.get("", summary="Published street lists (一街一单)")
async def published(request: Request, uow: UowDep) -> list[PublishedSummary]:
    return [_summary(request, found) for found in await service.published_lists(uow)]


# Suffix routes come before the page route, whose parameter would otherwise swallow "hongxing.json".
@router.get("/{street_code}.jsonld", summary="A street's published list as CPSV-AP JSON-LD")
async def street_jsonld(street_code: StreetCode, request: Request, uow: UowDep) -> JSONResponse:
    found = await service.published_list(uow, street_code)
    return JSONResponse(cpsv_ap(found, page=_links(request, street_code).html), media_type="application/ld+json")


@router.get("/{street_code}.json", summary="A street's published list as JSON")
async def street_json(
    street_code: StreetCode,
    request: Request,
    uow: UowDep,
    as_of: Annotated[date | None, Query(description="YYYY-MM-DD: the list as published on that day")] = None,
) -> PublishedDetail:
    found = await service.published_list(uow, street_code, as_of=as_of)
    summary = _summary(request, found).model_dump(by_alias=True)
    extra = {"items": list(found.items), "withdrawn": list(found.withdrawn), "organisations": found.names}
    return PublishedDetail.model_validate({**summary, **extra})


@router.get("/{street_code}/qr.png", summary="QR code (二维码) of the street's page, PNG")
async def qr_png(street_code: StreetCode, request: Request, uow: UowDep) -> Response:
    await service.published_list(uow, street_code)  # no code for a page that does not exist
    return Response(_qr(_links(request, street_code).html, kind="png"), media_type="image/png")


@router.get("/{street_code}/qr.svg", summary="QR code (二维码) of the street's page, SVG")
async def qr_svg(street_code: StreetCode, request: Request, uow: UowDep) -> Response:
    await service.published_list(uow, street_code)
    return Response(_qr(_links(request, street_code).html, kind="svg"), media_type="image/svg+xml")


@router.get(
    "/{street_code}", name="street_page", summary="A street's published list, HTML", response_class=HTMLResponse
)
async def street_page(street_code: StreetCode, request: Request, uow: UowDep) -> HTMLResponse:
    try:
        found = await service.published_list(uow, street_code)
    except NotFound:
        page = _templates().get_template("not_found.html").render(street_code=street_code)
        return HTMLResponse(page, status_code=404)
    return HTMLResponse(
        _templates().get_template("street.html").render(page=page_of(found, _links(request, street_code)))
    )


@functools.cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("services.catalog", "templates"), autoescape=select_autoescape(["html"]))


def _links(request: Request, street_code: str) -> Links:
    page = _page_url(request, street_code)
    return Links.model_validate(
        {
            "html": page,
            "json": f"{page}.json",
            "jsonld": f"{page}.jsonld",
            "qr_png": f"{page}/qr.png",
            "qr_svg": f"{page}/qr.svg",
        }
    )


def _page_url(request: Request, street_code: str) -> str:
    settings = kit_of(request).settings
    assert isinstance(settings, Settings)
    return f"{settings.public_base_url}{request.app.url_path_for('street_page', street_code=street_code)}"


def _summary(request: Request, found: PublishedList) -> PublishedSummary:
    return PublishedSummary(
        street_code=found.street_code,
        street_name=found.street_name,
        revision=found.revision,
        filing_no=found.filing_no,
        catalogue_version=found.catalogue_version,
        published_at=found.published_at,
        item_count=len(found.item_codes),
        links=_links(request, found.street_code),
    )


def _qr(url: str, *, kind: str) -> bytes:
    out = io.BytesIO()
    # Error correction M survives a scuffed print in a service hall; scale 8 keeps the PNG scannable.
    segno.make(url, error="m", micro=False).save(out, kind=kind, scale=8, border=4)
    return out.getvalue()


def basis_text(clause: ClauseRef) -> str:
    return f"《{clause.law_title}》{clause.article}{clause.paragraph or ''}"


def time_limit_text(limit: TimeLimit) -> str:
    return f"{limit.value}{UNIT_LABELS[limit.unit]}"


def page_of(found: PublishedList, links: Links) -> dict[str, Any]:
    """What the page template shows, every string still raw: the template escapes."""
    groups = [
        {"label": LIST_LABELS[kind], "entries": [_item_view(found, i) for i in found.items if i.list_kind is kind]}
        for kind in ListKind
    ]
    return {
        "street_code": found.street_code,
        "street_name": found.street_name,
        "revision": found.revision,
        "catalogue_version": found.catalogue_version,
        "filing_no": found.filing_no,
        "published_on": f"{found.published_at.astimezone(DISTRICT_TZ):%Y年%m月%d日}",
        "item_count": len(found.items),
        "groups": [group for group in groups if group["entries"]],
        "withdrawn": found.withdrawn,
        "links": links.model_dump(by_alias=True),
    }


def _item_view(found: PublishedList, item: ItemSpec) -> dict[str, Any]:
    return {
        "code": item.item_code,
        "name": item.name,
        "domain": item.domain,
        "responsible": found.name_of(item.responsible_body),
        "co_operating": "、".join(found.name_of(code) for code in item.co_operating_units),
        "time_limit": time_limit_text(item.time_limit),
        "basis": [basis_text(clause) for clause in item.legal_basis],
        "street_tasks": [
            {"text": task.text, "basis": [basis_text(clause) for clause in task.basis]}
            for task in item.tasks
            if task.party is TaskParty.STREET
        ],
    }


def cpsv_ap(found: PublishedList, *, page: str) -> dict[str, Any]:
    """CPSV-AP: one ``cpsv:PublicService`` per item, its competent authority and legal resources."""
    return {"@context": JSONLD_CONTEXT, "@id": page, "@graph": [_public_service(found, i, page) for i in found.items]}


def _public_service(found: PublishedList, item: ItemSpec, page: str) -> dict[str, Any]:
    clauses = {basis_text(c): c for c in (*item.legal_basis, *(c for t in item.tasks for c in t.basis))}
    return {
        "@id": f"{page}#{item.item_code}",
        "@type": "cpsv:PublicService",
        "dct:identifier": item.item_code,
        "dct:title": {"@value": item.name, "@language": "zh"},
        "cv:hasCompetentAuthority": _organisation(found, item.responsible_body),
        "cv:hasLegalResource": [
            {"@type": "eli:LegalResource", "dct:identifier": c.law_id, "dct:title": {"@value": text, "@language": "zh"}}
            for text, c in clauses.items()
        ],
        "cv:processingTime": {"@value": iso_duration(item.time_limit), "@type": "xsd:duration"},
        "skos:note": {"@value": f"办理时限：{time_limit_text(item.time_limit)}", "@language": "zh"},
    }


def _organisation(found: PublishedList, code: str) -> dict[str, Any]:
    return {
        "@type": "cv:PublicOrganisation",
        "dct:identifier": code,
        "skos:prefLabel": {"@value": found.name_of(code), "@language": "zh"},
    }


def iso_duration(limit: TimeLimit) -> str:
    """ISO 8601 has no working days: a working-day limit is given in days, and ``skos:note`` says which."""
    return f"PT{limit.value}H" if limit.unit is TimeUnit.WORKING_HOUR else f"P{limit.value}D"
