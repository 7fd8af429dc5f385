"""A case's page: timeline, routing reason, tasks and deadlines, and the actions of the office and the street."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.pages.forms import OUTCOMES, WHISTLE_REASONS, Posted, form_values, number, settle, text
from services.console.session import Viewer, ViewerDep
from services.console.views import Console, ConsoleDep, page

router = APIRouter()


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


def _by_hand(values: dict[str, str]) -> dict[str, Any]:
    return {name: text(values, name) for name in ("assignee_code", "street_code", "reason")}


def _refuse(values: dict[str, str]) -> dict[str, Any]:
    return {"reason": text(values, "reason")}


ACTIONS = {
    "verify": _verify,
    "close": _close,
    "arbitrate": _arbitrate,
    "whistle": _whistle,
    "dispatch-by-hand": _by_hand,
    "refuse": _refuse,
}


@router.post("/cases/{case_id}/{action}")
async def act(request: Request, console: ConsoleDep, viewer: ViewerDep, case_id: uuid.UUID, action: str) -> Response:
    """核查, 结案, 仲裁, 吹哨, 人工派遣, 不予受理: the form's fields as the service's body; its refusal shown
    beside the fields."""
    if action not in ACTIONS:
        return await _case(request, console, viewer, case_id, Posted(action, {}, {"_": f"没有操作 {action}"}), 404)
    values = await form_values(request)
    answer = await console.upstream.post(
        "dispatch", f"/cases/{case_id}/{action}", token=viewer.token, json=ACTIONS[action](values)
    )

    async def redraw(posted: Posted, status: int) -> Response:
        return await _case(request, console, viewer, case_id, posted, status)

    return await settle(answer, form=action, values=values, back=f"/cases/{case_id}", redraw=redraw)
