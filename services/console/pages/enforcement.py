"""Joint enforcement (1+2+N, 双随机): plans, draws with their commitment and seed, joint visits and results."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.session import ViewerDep
from services.console.views import ConsoleDep, page, refused

router = APIRouter()


@router.get("/enforcement")
async def enforcement(request: Request, console: ConsoleDep, viewer: ViewerDep) -> Response:
    found = await console.upstream.get("enforcement", "/public/enforcement.json", token=viewer.token)
    published = found.data if found.ok and isinstance(found.data, dict) else {}
    context = {"found": found, "published": published, "enforcement_url": console.settings.enforcement_url}
    return page(request, "enforcement.html", viewer, refused(found) if not found.ok else 200, **context)
