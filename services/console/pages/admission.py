"""Admission applications (职责准入) through their stages: the list, and one with its parties and timeline."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.session import ViewerDep
from services.console.views import ConsoleDep, page, refused

router = APIRouter()


@router.get("/applications")
async def applications(request: Request, console: ConsoleDep, viewer: ViewerDep) -> Response:
    found = await console.upstream.get("admission", "/applications", token=viewer.token)
    asked = await _asked_of(console, viewer.token, viewer.has("reviewer"), viewer.has("street"))
    status = refused(found) if not found.ok and not asked else 200
    return page(request, "applications.html", viewer, status, found=found, asked=asked)


async def _asked_of(console: ConsoleDep, token: str, reviewer: bool, street: bool) -> list[object]:
    """What this reviewing body (审查) or street (征求意见) is asked, open first."""
    path = "/reviews" if reviewer else "/consultations" if street else None
    return (await console.upstream.get("admission", path, token=token)).items() if path else []


@router.get("/applications/{application_id}")
async def application(request: Request, console: ConsoleDep, viewer: ViewerDep, application_id: uuid.UUID) -> Response:
    path = f"/applications/{application_id}"
    found = await console.upstream.get("admission", path, token=viewer.token)
    timeline = await console.upstream.get("admission", f"{path}/timeline", token=viewer.token)
    status = refused(found) if not found.ok else 200
    return page(request, "application.html", viewer, status, found=found, timeline=timeline.items())
