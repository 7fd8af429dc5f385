"""The case board (案件): the office's over every case, with the triage queue (人工派遣) and the arbitration
queue (待区级仲裁); a street's, department's or agency's over its own cases (本单位案件)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.session import Viewer, ViewerDep
from services.console.upstream import Answer
from services.console.views import Console, ConsoleDep, page, refused

router = APIRouter()
STATUSES = ("triage", "dispatched", "arbitration", "handled", "verified", "closed", "rated", "not_accepted")
FILTERS = ("status", "street_code", "item_code", "assignee_code", "overdue")


@router.get("/cases")
async def board(request: Request, console: ConsoleDep, viewer: ViewerDep) -> Response:
    wanted = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    found = await _search(console, viewer, wanted)
    context = {"found": found, "statuses": STATUSES, "street": _street_of(viewer)}
    context |= await _queues(console, viewer) if viewer.has("office") else {"triage": [], "arbitration": []}
    stats = await console.upstream.get("dispatch", "/stats", token=viewer.token) if _all_cases(viewer) else None
    context["stats"] = stats.data if stats and stats.ok else None
    return page(request, "cases.html", viewer, 200 if found.ok else refused(found), wanted=wanted, **context)


def _all_cases(viewer: Viewer) -> bool:
    return viewer.has("office") or viewer.has("operator")


def _street_of(viewer: Viewer) -> str:
    """A street (without the office's reach) reads its own list, the street's own route in dispatch."""
    return "" if _all_cases(viewer) else min(viewer.principal.scopes("street"), default="")


async def _search(console: Console, viewer: Viewer, wanted: dict[str, str]) -> Answer:
    street = _street_of(viewer)
    if street:
        path, params = f"/streets/{street}/cases", {"status": wanted["status"]}
        return await console.upstream.get("dispatch", path, token=viewer.token, params=params)
    if not _all_cases(viewer) and not wanted["assignee_code"]:
        wanted["assignee_code"] = _own_code(viewer)
    return await console.upstream.get("dispatch", "/cases", token=viewer.token, params=wanted)


def _own_code(viewer: Viewer) -> str:
    codes = viewer.principal.scopes("department") | viewer.principal.scopes("agency")
    return min(codes, default="")


async def _queues(console: Console, viewer: Viewer) -> dict[str, Any]:
    """What waits for the office: cases routing could not place, and cases returned to a body in dispute."""
    triage = await console.upstream.get("dispatch", "/triage", token=viewer.token)
    params = {"status": "arbitration"}
    arbitration = await console.upstream.get("dispatch", "/cases", token=viewer.token, params=params)
    return {"triage": triage.items(), "arbitration": arbitration.items()}
