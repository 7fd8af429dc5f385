"""A case's trace (链路) as a waterfall across the services, and the OTLP/HTTP receiver that feeds it."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.session import ViewerDep
from services.console.spans import waterfall
from services.console.views import ConsoleDep, page

router = APIRouter()
TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


@router.post("/v1/traces", include_in_schema=False)
async def receive(request: Request, console: ConsoleDep) -> Response:
    """OTLP/HTTP (protobuf) from the services that ``linkage up`` started: they share the loopback with it."""
    try:
        console.spans.receive(await request.body())
    except ValueError as error:
        return Response(str(error), status_code=400)
    return Response(b"", media_type="application/x-protobuf")


@router.get("/traces/{trace_id}")
async def trace(request: Request, console: ConsoleDep, viewer: ViewerDep, trace_id: str) -> Response:
    if not (viewer.has("operator") or viewer.has("office")):
        return page(request, "trace.html", viewer, 403, trace_id=trace_id, bars=[], external=None, services=[])
    if not TRACE_ID.match(trace_id):
        return page(request, "trace.html", viewer, 404, trace_id=trace_id, bars=[], external=None, services=[])
    bars = waterfall(console.spans.trace(trace_id))
    template = console.settings.console_trace_url
    external = template.format(trace_id=trace_id) if template else None
    services = sorted({bar.span.service for bar in bars})
    return page(request, "trace.html", viewer, trace_id=trace_id, bars=bars, external=external, services=services)
