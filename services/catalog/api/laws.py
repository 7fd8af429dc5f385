"""Routes of the basis library: documents, changes (立改废), impact and 一对一 adjustments."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from contracts.base import CODE_PATTERN
from services.catalog.api.schemas import AdjustmentPublic, ImpactPublic, LawViewPublic
from services.catalog.domain.door import Grounds
from services.catalog.domain.items import ItemSpec
from services.catalog.domain.laws import LawChange
from services.catalog.service import laws as service
from services.runtime.deps import CatalogueReader, Office, UowDep

router = APIRouter(tags=["basis library (依据库)"])
LawId = Annotated[str, Path(pattern=CODE_PATTERN)]


class ChangeRecorded(BaseModel):
    revision: int = Field(description="The document's new revision")
    adjustments: list[uuid.UUID] = Field(description="One adjustment opened per affected item (一对一调整)")


class Resolution(Grounds):
    """A resolution whose revised item widens street duties cites its grounds (唯一入口)."""

    model_config = ConfigDict(extra="forbid")

    resolution: str = Field(min_length=1, max_length=2000, description="What was decided and why")
    item: ItemSpec | None = Field(default=None, description="The revised item; absent when it is kept as it is")


class Resolved(BaseModel):
    version: int | None = Field(description="The catalogue version carrying the revision, or null")


@router.get("/laws/{law_id}", summary="A legal document with its clauses and revisions (照法条找规章)")
async def get_law(law_id: LawId, uow: UowDep, _: CatalogueReader) -> LawViewPublic:
    return LawViewPublic.model_validate(await service.law_view(uow, law_id))


@router.post("/laws/{law_id}/changes", status_code=201, summary="Record 立改废; opens an adjustment per affected item")
async def change_law(law_id: LawId, change: LawChange, uow: UowDep, _: Office) -> ChangeRecorded:
    revision, opened = await service.record_law_change(uow, law_id, change)
    return ChangeRecorded(revision=revision, adjustments=opened)


@router.get("/laws/{law_id}/impact", summary="Every item, task and published street list citing the law")
async def law_impact(
    law_id: LawId,
    uow: UowDep,
    _: CatalogueReader,
    article: Annotated[str | None, Query(max_length=50, description="Only this article")] = None,
    paragraph: Annotated[str | None, Query(max_length=50, description="Only this paragraph")] = None,
) -> ImpactPublic:
    return ImpactPublic.model_validate(await service.impact(uow, law_id, article=article, paragraph=paragraph))


@router.get("/adjustments", summary="一对一 adjustments, newest first")
async def list_adjustments(
    uow: UowDep,
    _: CatalogueReader,
    status: Annotated[str | None, Query(pattern="^(open|resolved)$")] = None,
    law_id: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AdjustmentPublic]:
    found = await service.adjustments(uow, status=status, law_id=law_id, limit=limit)
    return [AdjustmentPublic.model_validate(adjustment) for adjustment in found]


@router.post("/adjustments/{adjustment_id}/resolve", summary="Close an adjustment, with a revised item or without")
async def resolve(adjustment_id: uuid.UUID, body: Resolution, uow: UowDep, _: Office) -> Resolved:
    version = await service.resolve_adjustment(
        uow, adjustment_id, item=body.item, resolution=body.resolution, grounds=body
    )
    return Resolved(version=version)
