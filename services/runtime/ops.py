"""Routes every service has: liveness, readiness, metrics, and the dead-letter list for operators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from services.runtime.auth import Principal, require
from services.runtime.deps import kit_of
from services.runtime.errors import Conflict, NotFound

router = APIRouter(tags=["operations"])
Operator = Annotated[Principal, Depends(require("operator"))]


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: broker connected, streams and consumers match, database reachable")
async def readyz(request: Request) -> JSONResponse:
    checks = await kit_of(request).readiness()
    ready = all(verdict == "ok" for verdict in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    return Response(generate_latest(kit_of(request).registry), media_type=CONTENT_TYPE_LATEST)


class DeadLetterPublic(BaseModel):
    id: int
    consumer: str
    subject: str
    reason: str
    deliveries: int
    created_at: datetime
    replayed_at: datetime | None
    body: str


@router.get("/ops/dead-letters", summary="Messages that could not be handled (死信)")
async def list_dead_letters(request: Request, _: Operator, limit: int = 100) -> list[DeadLetterPublic]:
    table = kit_of(request).tables.dead_letter
    async with kit_of(request).sessions() as session:
        rows = await session.execute(sa.select(table).order_by(table.c.id.desc()).limit(min(max(limit, 1), 1000)))
    return [DeadLetterPublic(**_public(row._mapping)) for row in rows]


@router.post("/ops/dead-letters/{dead_letter_id}/replay", summary="Hand a dead letter to its consumer again")
async def replay_dead_letter(
    request: Request, dead_letter_id: Annotated[int, Path(ge=1, le=2**63 - 1)], _: Operator
) -> DeadLetterPublic:
    """Only the consumer that gave up sees it again: nothing is re-published, so no other consumer is touched."""
    kit = kit_of(request)
    table = kit.tables.dead_letter
    async with kit.sessions() as session:
        row = (await session.execute(sa.select(table).where(table.c.id == dead_letter_id))).first()
    if row is None:
        raise NotFound(f"no dead letter {dead_letter_id}", field="dead_letter_id", location="path")
    try:
        await kit.consumer(row.consumer).handle(bytes(row.body))
    except Exception as error:
        raise Conflict(f"replay failed again: {error}", field="dead_letter_id", location="path") from error
    now = datetime.now(UTC)
    async with kit.sessions() as session, session.begin():
        await session.execute(table.update().where(table.c.id == row.id).values(replayed_at=now))
    return DeadLetterPublic(**{**_public(row._mapping), "replayed_at": now})


def _public(row: Any) -> dict[str, Any]:
    return {**row, "body": bytes(row["body"]).decode("utf-8", errors="replace")}
