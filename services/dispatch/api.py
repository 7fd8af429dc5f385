"""Dispatch's HTTP routes: cases, their timeline, an assignee's inbox."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from services.dispatch import service
from services.runtime.auth import Principal, require
from services.runtime.deps import UowDep as Uow

router = APIRouter(tags=["cases"])
Office = Annotated[Principal, Depends(require("office", "operator"))]
Assignee = Annotated[Principal, Depends(require("department", "street", "agency", "office", "operator"))]


class TaskPublic(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    assignee_code: str
    role: str
    status: str
    catalogue_version: int
    routing_reason: str
    assigned_at: datetime


class CasePublic(BaseModel):
    id: uuid.UUID
    source_system: str
    source_id: str
    item_code: str
    grid_code: str
    street_code: str | None
    description: str
    status: str
    refusal: str | None
    reported_at: datetime
    tasks: list[TaskPublic]


class RoutingPublic(BaseModel):
    item_code: str
    name: str
    responsible_body: str
    co_operating_units: tuple[str, ...]
    street_codes: tuple[str, ...]
    version: int
    basis: str
    retired: bool


class TimelineEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    detail: str
    trace_id: str | None


@router.get("/cases/{case_id}", summary="A case with its tasks and why they went where they went")
async def get_case(case_id: uuid.UUID, uow: Uow, _: Office) -> CasePublic:
    case, tasks = await service.case_view(uow, case_id)
    return CasePublic(**case._mapping, tasks=[TaskPublic(**t._mapping) for t in tasks])


@router.get("/cases/{case_id}/timeline", summary="案件时间线: every step of a case, who, when, why, trace id")
async def get_timeline(case_id: uuid.UUID, uow: Uow, _: Office) -> list[TimelineEntry]:
    return [TimelineEntry(**row._mapping) for row in await service.case_timeline(uow, case_id)]


@router.get("/tasks", summary="An assignee's inbox (待办): a department sees only its own tasks")
async def list_tasks(
    uow: Uow, principal: Assignee, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[TaskPublic]:
    scopes = principal.scopes("department") | principal.scopes("street") | principal.scopes("agency")
    everyone = principal.has("office") or principal.has("operator")
    rows = await service.inbox(uow, None if everyone else scopes, limit=limit)
    return [TaskPublic(**row._mapping) for row in rows]


@router.get("/routing/{item_code}", summary="What dispatch routes an item by: its projection of the catalogue")
async def get_routing(item_code: str, uow: Uow, _: Assignee) -> RoutingPublic:
    return RoutingPublic(**asdict(await service.routing_of(uow, item_code)))
