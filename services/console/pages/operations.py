"""Operators (运维): per service readiness, consumer lag, outbox backlog, dead letters (死信) with replay."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console.session import ViewerDep
from services.console.settings import SERVICE_NAMES
from services.console.views import ConsoleDep, page, refused

router = APIRouter()


@router.get("/ops")
async def operations(request: Request, console: ConsoleDep, viewer: ViewerDep) -> Response:
    rows = await asyncio.gather(*(_service_row(console, viewer.token, name) for name in SERVICE_NAMES))
    return page(request, "ops.html", viewer, services=rows, spans=len(console.spans))


async def _service_row(console: ConsoleDep, token: str, name: str) -> dict[str, Any]:
    ready = await console.upstream.get(name, "/readyz", token=None)
    health = await console.upstream.get(name, "/ops/health", token=token)
    return {"name": name, "url": console.upstream.urls[name], "ready": ready, "health": health}


@router.get("/ops/{service}/dead-letters")
async def dead_letters(
    request: Request, console: ConsoleDep, viewer: ViewerDep, service: str, replayed: str = "", failed: str = ""
) -> Response:
    if service not in SERVICE_NAMES:
        return page(request, "dead_letters.html", viewer, 404, service=service, letters=None, replayed="", failed="")
    letters = await console.upstream.get(service, "/ops/dead-letters", token=viewer.token)
    status = refused(letters) if not letters.ok else 200
    context = {"service": service, "letters": letters, "replayed": replayed, "failed": failed}
    return page(request, "dead_letters.html", viewer, status, **context)


@router.post("/ops/{service}/dead-letters/{letter_id}/replay")
async def replay(console: ConsoleDep, viewer: ViewerDep, service: str, letter_id: int) -> Response:
    if service not in SERVICE_NAMES:
        return RedirectResponse("/ops", status_code=303)
    answer = await console.upstream.post(service, f"/ops/dead-letters/{letter_id}/replay", token=viewer.token)
    said = (
        f"replayed={letter_id}" if answer.ok else f"failed={answer.errors().get('dead_letter_id') or answer.errors()}"
    )
    return RedirectResponse(f"/ops/{service}/dead-letters?{said}", status_code=303)
