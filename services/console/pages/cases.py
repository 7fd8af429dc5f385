"""The office's case board (案件) and a case's page: timeline, routing reason, tasks and deadlines, actions."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.pages.forms import OUTCOMES, WHISTLE_REASONS, Posted, form_values, number, settle, text
from services.console.session import Viewer, ViewerDep
from services.console.views import Console, ConsoleDep, page, refused

router = APIRouter()
STATUSES = ("dispatched", "arbitration", "handled", "verified", "closed", "rated", "not_accepted")
TRIAGE = "arbitration"  # dispatch's queue for a person to decide (待区级仲裁 / 人工派遣)


@router.get("/cases")
async def board(
    request: Request,
    console: ConsoleDep,
    viewer: ViewerDep,
    status: str = "",
    street_code: str = "",
    item_code: str = "",
) -> Response:
    wanted = {"status": status, "street_code": street_code, "item_code": item_code}
    found = await console.upstream.get("dispatch", "/cases", token=viewer.token, params=wanted)
    triage = await console.upstream.get("dispatch", "/cases", token=viewer.token, params={"status": TRIAGE})
    stats = await console.upstream.get("dispatch", "/stats", token=viewer.token)
    context = {"found": found, "triage": triage.items(), "stats": stats.data if stats.ok else None}
    return page(request, "cases.html", viewer, refused(found) if not found.ok else 200, wanted=wanted, **context)


@router.get("/cases/{case_id}")
async def case_page(request: Request, console: ConsoleDep, viewer: ViewerDep, case_id: uuid.UUID) -> Response:
    return await _case(request, console, viewer, case_id, Posted(), 200)


async def _case(
    request: Request, console: Console, viewer: Viewer, case_id: uuid.UUID, posted: Posted, status: int
) -> Response:
    path = f"/cases/{case_id}"
    case = await console.upstream.get("dispatch", path, token=viewer.token)
    timeline = await console.upstream.get("dispatch", f"{path}/timeline", token=viewer.token)
    traces = sorted({entry["trace_id"] for entry in timeline.items() if entry.get("trace_id")})
    context: dict[str, Any] = {"case_id": case_id, "case": case, "timeline": timeline.items(), "traces": traces}
    context |= {"posted": posted, "outcomes": OUTCOMES, "reasons": WHISTLE_REASONS, "done": request.query_params}
    return page(request, "case.html", viewer, status, **context)


def _verify(values: dict[str, str]) -> dict[str, Any]:
    return {"passed": values.get("passed") == "yes", "note": text(values, "note")}


def _close(values: dict[str, str]) -> dict[str, Any]:
    return {
        "outcome": text(values, "outcome"),
        "responsible_body": text(values, "responsible_body"),
        "note": text(values, "note"),
    }


def _arbitrate(values: dict[str, str]) -> dict[str, Any]:
    return {"assignee_code": text(values, "assignee_code"), "reason": text(values, "reason")}


def _whistle(values: dict[str, str]) -> dict[str, Any]:
    departments = [code for code in values.get("departments", "").replace("，", ",").split(",") if code.strip()]
    return {
        "reason": text(values, "reason"),
        "departments": [code.strip() for code in departments],
        "report_within_minutes": number(values, "report_within_minutes"),
        "description": text(values, "description"),
    }


ACTIONS = {"verify": _verify, "close": _close, "arbitrate": _arbitrate, "whistle": _whistle}


@router.post("/cases/{case_id}/{action}")
async def act(request: Request, console: ConsoleDep, viewer: ViewerDep, case_id: uuid.UUID, action: str) -> Response:
    """核查, 结案, 仲裁, 吹哨: the form's fields as the service's body; its refusal shown beside the fields."""
    if action not in ACTIONS:
        return await _case(request, console, viewer, case_id, Posted(action, {}, {"_": f"没有操作 {action}"}), 404)
    values = await form_values(request)
    answer = await console.upstream.post(
        "dispatch", f"/cases/{case_id}/{action}", token=viewer.token, json=ACTIONS[action](values)
    )

    async def redraw(posted: Posted, status: int) -> Response:
        return await _case(request, console, viewer, case_id, posted, status)

    return await settle(answer, form=action, values=values, back=f"/cases/{case_id}", redraw=redraw)
