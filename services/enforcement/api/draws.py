"""Routes of the registers and the draw (双随机): import, commit, seed, re-draw, and the public record."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Path, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from contracts.base import CODE_PATTERN
from services.enforcement.domain.pools import CommitDraw
from services.enforcement.domain.spec import Constraints, Forced
from services.enforcement.service import draws as service
from services.enforcement.service.registers import FileRejected, Register, import_register
from services.enforcement.sheets.table import RowError
from services.enforcement.store.draws import DrawRecord
from services.runtime.deps import Office, UowDep

router = APIRouter(tags=["registers and draws (名录库与双随机抽取)"])
DrawId = Annotated[uuid.UUID, Path(description="Draw id")]
MAX_UPLOAD = 20 * 1024 * 1024


class ImportReport(BaseModel):
    rows: int = Field(description="Rows imported; 0 when refused")
    errors: list[RowError] = Field(description="Every rejected row; when any, nothing was imported (422)")


@router.post("/registers/{register}/import", status_code=201, response_model=ImportReport, summary="名录库导入")
async def import_file(
    register: Register, file: Annotated[UploadFile, File(description=".xlsx or .csv")], uow: UowDep, _: Office
) -> ImportReport | JSONResponse:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, f"files up to {MAX_UPLOAD} bytes")
    try:
        rows = await import_register(uow, register, data, filename=file.filename or "")
    except FileRejected as rejected:
        return JSONResponse(ImportReport(rows=0, errors=rejected.errors).model_dump(mode="json"), status_code=422)
    return ImportReport(rows=rows, errors=[])


class ForcedTarget(BaseModel):
    matter: str = Field(max_length=64, description="Matter id")
    target: str = Field(pattern=CODE_PATTERN, description="Target code")


class DrawCreate(BaseModel):
    """A plan to draw for; the seed comes later, after the commitment is public."""

    name: str = Field(min_length=1, max_length=200, description="抽查计划名称")
    period_start: date
    period_end: date
    matter_ids: list[str] = Field(min_length=1, max_length=500, description="Inspection matters in the plan")
    seed_source: str = Field(min_length=1, max_length=500, description="e.g. drand quicknet round 123456")
    seed_not_before: datetime = Field(description="When that public value exists; no seed is taken before")
    officers_per_inspection: int = Field(default=2, ge=2, le=10)
    target_yearly_cap: int = Field(default=2, ge=1, le=52)
    officer_cap: int = Field(default=60, ge=1, le=10_000)
    forced: list[ForcedTarget] = Field(default=[], max_length=1000, description="Targets named beside the random")
    seed: str | None = Field(default=None, description="Refused: a seed is entered only after the commitment")


class SeedEntry(BaseModel):
    seed: str = Field(min_length=1, max_length=512, description="The public random value the plan named")


class RedrawCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Why (e.g. an officer fell ill)")
    barred: list[str] = Field(min_length=1, max_length=50, description="Officers taken off")


class DrawPublic(BaseModel):
    id: uuid.UUID
    name: str
    commitment: str
    committed_at: datetime
    seed: str | None
    revealed_at: datetime | None
    inspections: int | None
    redraws: int
    record: str = Field(description="Where the public record is")


def public(record: DrawRecord) -> DrawPublic:
    current = record.current
    return DrawPublic(
        id=record.id,
        name=record.name,
        commitment=record.commitment,
        committed_at=record.committed_at,
        seed=record.seed,
        revealed_at=record.revealed_at,
        inspections=None if current is None else len(current["inspections"]),
        redraws=len(record.redraws),
        record=f"/draws/{record.id}/record",
    )


@router.post("/draws", status_code=201, summary="抽取承诺: commit a plan's pools and constraints")
async def commit(body: DrawCreate, uow: UowDep, _: Office) -> DrawPublic:
    if body.seed is not None:
        raise HTTPException(422, [_loc("seed", "a seed is entered only after the commitment is published")])
    constraints = Constraints(body.officers_per_inspection, body.target_yearly_cap, body.officer_cap)
    command = CommitDraw(
        name=body.name,
        period_start=body.period_start,
        period_end=body.period_end,
        matter_ids=tuple(body.matter_ids),
        seed_source=body.seed_source,
        seed_not_before=body.seed_not_before,
        constraints=constraints,
        forced=tuple(Forced(f.matter, f.target) for f in body.forced),
    )
    return public(await service.commit_draw(uow, command))


def _loc(field: str, message: str) -> dict[str, Any]:
    return {"loc": ["body", field], "msg": message, "type": "rejected"}


@router.post("/draws/{draw_id}/seed", summary="种子公开: enter the public random value; the draw is made")
async def reveal(draw_id: DrawId, body: SeedEntry, uow: UowDep, _: Office) -> DrawPublic:
    return public(await service.reveal_seed(uow, draw_id, body.seed, now=datetime.now(UTC)))


@router.post("/draws/{draw_id}/redraws", status_code=201, summary="重新抽取: append a re-draw with its reason")
async def append_redraw(draw_id: DrawId, body: RedrawCreate, uow: UowDep, _: Office) -> DrawPublic:
    return public(await service.redraw_draw(uow, draw_id, reason=body.reason, barred=frozenset(body.barred)))


@router.get("/draws", summary="Draws, newest first (public)")
async def list_draws(uow: UowDep) -> list[DrawPublic]:
    return [public(record) for record in await service.draws(uow)]


@router.get("/draws/{draw_id}/record", summary="抽取记录: everything needed to recompute the draw (public)")
async def record(draw_id: DrawId, uow: UowDep) -> dict[str, Any]:
    return await service.draw_record(uow, draw_id)
