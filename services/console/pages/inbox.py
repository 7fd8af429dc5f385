"""An organisation's own task inbox (待办): 签收, 办结 (反馈), 退回 with a reason, 延期/缓办 requests."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.pages.forms import TIME_UNITS, Posted, form_values, number, settle, text
from services.console.session import Viewer, ViewerDep
from services.console.views import Console, ConsoleDep, page, refused

router = APIRouter()
TASK_STATUSES = ("assigned", "acknowledged", "rework", "completed", "returned", "cancelled")


@router.get("/inbox")
async def inbox(request: Request, console: ConsoleDep, viewer: ViewerDep, status: str = "") -> Response:
    tasks = await console.upstream.get("dispatch", "/tasks", token=viewer.token, params={"status": status})
    status_code = refused(tasks) if not tasks.ok else 200
    return page(request, "inbox.html", viewer, status_code, tasks=tasks, status=status, statuses=TASK_STATUSES)


@router.get("/tasks/{task_id}")
async def task_page(request: Request, console: ConsoleDep, viewer: ViewerDep, task_id: uuid.UUID) -> Response:
    return await _task(request, console, viewer, task_id, Posted(), 200)


async def _task(
    request: Request, console: Console, viewer: Viewer, task_id: uuid.UUID, posted: Posted, status: int
) -> Response:
    task = await console.upstream.get("dispatch", f"/tasks/{task_id}", token=viewer.token)
    deferrals = await console.upstream.get("dispatch", f"/tasks/{task_id}/deferrals", token=viewer.token)
    context = {"task": task, "deferrals": deferrals.items(), "posted": posted, "units": TIME_UNITS}
    return page(request, "task.html", viewer, status if task.ok else refused(task), task_id=task_id, **context)


def _return(values: dict[str, str]) -> dict[str, Any]:
    fields = ("responsible_body", "citation", "reason")
    return {name: text(values, name) for name in fields}


def _deferral(values: dict[str, str]) -> dict[str, Any]:
    """No amount asked: a pause of the clock (缓办); an amount: an extension (延期)."""
    amount = number(values, "value")
    extension = {"value": amount, "unit": text(values, "unit")} if amount is not None else None
    return {"reason": text(values, "reason"), "extension": extension}


ACTIONS = {
    "acknowledge": lambda values: None,
    "complete": lambda values: {"result": text(values, "result")},
    "return": _return,
    "deferral": _deferral,
}


@router.post("/tasks/{task_id}/{action}")
async def act(request: Request, console: ConsoleDep, viewer: ViewerDep, task_id: uuid.UUID, action: str) -> Response:
    if action not in ACTIONS:
        return await _task(request, console, viewer, task_id, Posted(action, {}, {"_": f"没有操作 {action}"}), 404)
    values = await form_values(request)
    body = ACTIONS[action](values)
    answer = await console.upstream.post("dispatch", f"/tasks/{task_id}/{action}", token=viewer.token, json=body)

    async def redraw(posted: Posted, status: int) -> Response:
        return await _task(request, console, viewer, task_id, posted, status)

    return await settle(answer, form=action, values=values, back=f"/tasks/{task_id}", redraw=redraw)
