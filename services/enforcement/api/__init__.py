"""Enforcement's HTTP routes: the inspection-matter list (抽查事项清单) and the power list it rests on."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from contracts.base import CODE_PATTERN
from services.enforcement import service
from services.enforcement.domain import RegisterMatter
from services.runtime.deps import Office, StaffInCharge
from services.runtime.deps import UowDep as Uow

router = APIRouter(tags=["matters"])


class MatterCreate(BaseModel):
    item_code: str = Field(pattern=CODE_PATTERN, description="Power-list catalogue item (行政权力事项) inspected")
    name: str = Field(min_length=1, max_length=200, description="Matter name (抽查事项名称)")
    department_code: str = Field(pattern=CODE_PATTERN, description="Department that inspects (检查部门)")


class MatterPublic(BaseModel):
    id: uuid.UUID
    item_code: str
    name: str
    department_code: str
    registered_by: str
    registered_at: datetime


class PowerItemPublic(BaseModel):
    item_code: str
    name: str | None
    version: int = Field(description="Catalogue version of the item state")


@router.post("/matters", status_code=status.HTTP_201_CREATED, summary="登记抽查事项: register an inspection matter")
async def register(body: MatterCreate, uow: Uow, _: Office) -> MatterPublic:
    row = await service.register_matter(uow, RegisterMatter(**body.model_dump()))
    return MatterPublic(**row._mapping)


@router.get("/matters", summary="抽查事项清单: the inspection matters, by item and department")
async def list_matters(
    uow: Uow,
    _: StaffInCharge,
    department_code: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[MatterPublic]:
    return [MatterPublic(**row._mapping) for row in await service.matters(uow, department_code, limit=limit)]


@router.get("/power-list", summary="行政权力清单: the power items matters may rest on, as the catalogue last said")
async def get_power_list(uow: Uow, _: StaffInCharge) -> list[PowerItemPublic]:
    return [PowerItemPublic(**row._mapping) for row in await service.power_list(uow)]
