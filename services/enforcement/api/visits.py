"""Routes of joint visits (联合检查) and inspection results (检查结果)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.enforcement.domain.results import Evidence, Outcome, RecordResult
from services.enforcement.service import visits as service
from services.enforcement.store.draws import ResultRecord
from services.runtime.deps import Inspector, Office, UowDep

router = APIRouter(tags=["joint visits and results (联合检查与结果)"])


class VisitPlanCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="联合检查计划名称")
    draw_ids: list[uuid.UUID] = Field(min_length=1, max_length=100, description="Revealed draws of one period")
    assign: dict[str, str] = Field(default={}, description="Target code → street-team officer code (the 1)")
    visit_cap: int = Field(default=40, ge=1, le=10_000, description="Visits one street-team officer leads at most")


class VisitPlanPublic(BaseModel):
    id: uuid.UUID
    name: str
    inspections: int = Field(description="Inspections merged")
    visits: int = Field(description="Visits planned")
    saved: int = Field(description="Visits saved (少进的门)")
    unstaffed: list[str] = Field(description="Targets whose street team had nobody free")
    planned_at: datetime


@router.post("/visit-plans", status_code=201, summary="进一次门、查多项事: merge drawn inspections into joint visits")
async def plan(body: VisitPlanCreate, uow: UowDep, _: Office) -> VisitPlanPublic:
    record = await service.plan_visits(
        uow, name=body.name, draw_ids=body.draw_ids, assign=body.assign, visit_cap=body.visit_cap
    )
    unstaffed = [v["target"] for v in record.visits if v["lead"] is None]
    return VisitPlanPublic(
        id=record.id,
        name=record.name,
        inspections=record.inspections,
        visits=len(record.visits),
        saved=record.saved,
        unstaffed=unstaffed,
        planned_at=record.planned_at,
    )


class EvidenceIn(BaseModel):
    kind: str = Field(min_length=1, max_length=50, description="照片/笔录/文书…")
    reference: str = Field(min_length=1, max_length=500, description="Where the file is kept")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class ResultCreate(BaseModel):
    draw_id: uuid.UUID
    matter: str = Field(max_length=64, description="Matter id")
    target: str = Field(max_length=64, description="Target code")
    outcome: Outcome
    findings: str = Field(default="", max_length=4000, description="检查发现")
    inspected_on: date
    evidence: list[EvidenceIn] = Field(default=[], max_length=50)
    refer: bool = Field(default=False, description="Open a dispatch case (转办) for the problem")


class ResultPublic(BaseModel):
    id: uuid.UUID
    draw_id: uuid.UUID
    matter: str
    target: str
    outcome: Outcome
    findings: str
    inspected_on: date


def result_public(record: ResultRecord) -> ResultPublic:
    values = {k: v for k, v in vars(record).items() if k in ResultPublic.model_fields}
    return ResultPublic.model_validate(values)


@router.post("/results", status_code=201, summary="登记检查结果 with evidence")
async def record(body: ResultCreate, uow: UowDep, _: Inspector) -> ResultPublic:
    evidence = tuple(Evidence(e.kind, e.reference, e.sha256) for e in body.evidence)
    values = body.model_dump(exclude={"evidence", "draw_id"})
    command = RecordResult(draw_id=str(body.draw_id), evidence=evidence, **values)
    return result_public(await service.record_result(uow, command))
