"""Admission's HTTP routes: departments apply; the office, reviewers and committee read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from contracts.base import CODE_PATTERN
from contracts.events.admission import ApplicationKind
from services.admission import service
from services.admission.domain import SubmitApplication
from services.runtime.auth import Principal
from services.runtime.deps import AdmissionParty, Department
from services.runtime.deps import UowDep as Uow

router = APIRouter(tags=["applications"])


class ApplicationCreate(BaseModel):
    department_code: str = Field(pattern=CODE_PATTERN, description="Applying department (申请部门)")
    kind: ApplicationKind = Field(description="Add (新增), change (变更) or remove (取消) a duty")
    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item code (事项编码)")
    item_name: str = Field(min_length=1, max_length=200, description="Item name (事项名称)")
    reason: str = Field(min_length=1, max_length=4000, description="Why (申请理由), with the legal basis")


class ApplicationPublic(BaseModel):
    id: uuid.UUID
    department_code: str
    kind: ApplicationKind
    item_code: str
    item_name: str
    reason: str
    flags: list[str] = Field(description="What the automatic checks (自动审查) found")
    status: str
    submitted_by: str
    submitted_at: datetime


def _everyone(principal: Principal) -> bool:
    return principal.has("office") or principal.has("reviewer") or principal.has("committee")


@router.post("/applications", status_code=status.HTTP_201_CREATED, summary="提交准入申请: apply to change a duty")
async def submit(body: ApplicationCreate, uow: Uow, principal: Department) -> ApplicationPublic:
    command = SubmitApplication(**body.model_dump())
    row = await service.submit_application(uow, command, acting_for=principal.scopes("department"))
    return ApplicationPublic(**row._mapping)


@router.get("/applications/{application_id}", summary="One application with its automatic-check flags")
async def get_application(application_id: uuid.UUID, uow: Uow, principal: AdmissionParty) -> ApplicationPublic:
    departments = None if _everyone(principal) else principal.scopes("department")
    return ApplicationPublic(**(await service.application_view(uow, application_id, departments=departments))._mapping)


@router.get("/applications", summary="Applications, newest first: a department sees only its own")
async def list_applications(
    uow: Uow, principal: AdmissionParty, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[ApplicationPublic]:
    departments = None if _everyone(principal) else principal.scopes("department")
    return [ApplicationPublic(**row._mapping) for row in await service.applications(uow, departments, limit=limit)]
