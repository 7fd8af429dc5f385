"""一公开: plans, draws, joint visits and results for the public, no token: an HTML page readable on a phone
(every asset inline, nothing from a CDN) and the same as JSON."""

from __future__ import annotations

import functools
from importlib.resources import files
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, PlainTextResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from services.enforcement.domain.record import METHOD
from services.enforcement.domain.results import OUTCOME_LABELS, Outcome
from services.enforcement.service import draws as draw_service
from services.enforcement.service import visits as visit_service
from services.runtime.deps import UowDep

router = APIRouter(prefix="/public", tags=["public (一公开)"])


@functools.cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("services.enforcement", "templates"), autoescape=select_autoescape())


async def published(uow: UowDep) -> dict[str, Any]:
    draws = await draw_service.draws(uow)
    plans = await visit_service.visit_plans(uow)
    results = await visit_service.results(uow)
    return {
        "method": METHOD,
        "draws": [_draw(d) for d in draws],
        "plans": [_plan(p) for p in plans],
        "results": [_result(r) for r in results],
    }


def _draw(record: Any) -> dict[str, Any]:
    current = record.current
    return {
        "id": str(record.id),
        "name": record.name,
        "commitment": record.commitment,
        "committed_at": record.committed_at.isoformat(timespec="seconds"),
        "seed_source": record.committed["plan"]["seed_source"],
        "seed": record.seed,
        "inspections": None if current is None else len(current["inspections"]),
        "redraws": len(record.redraws),
        "record": f"/draws/{record.id}/record",
    }


def _plan(record: Any) -> dict[str, Any]:
    values = {"id": str(record.id), "name": record.name, "inspections": record.inspections}
    return values | {"visits": len(record.visits), "saved": record.saved}


def _result(record: Any) -> dict[str, Any]:
    values = {"id": str(record.id), "draw_id": str(record.draw_id), "matter": record.matter, "target": record.target}
    label = OUTCOME_LABELS[Outcome(record.outcome)]
    return values | {
        "outcome": record.outcome,
        "outcome_label": label,
        "findings": record.findings,
        "inspected_on": record.inspected_on.isoformat(),
    }


@router.get("/enforcement.json", summary="Plans, draws, joint visits and results, as JSON")
async def as_json(uow: UowDep) -> dict[str, Any]:
    return await published(uow)


@router.get("/enforcement", response_class=HTMLResponse, summary="双随机、一公开: the public page")
async def page(uow: UowDep) -> HTMLResponse:
    return HTMLResponse(_templates().get_template("public.html").render(**await published(uow)))


@router.get("/enforcement/method", summary="The draw's algorithm, step by step (复算方法)")
async def method() -> PlainTextResponse:
    text = (files("services.enforcement") / "templates" / "method.md").read_text(encoding="utf-8")
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
