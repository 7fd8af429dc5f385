"""Evaluation's HTTP routes: indicators, each with the definition it was computed by."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from contracts.base import CODE_PATTERN
from services.evaluation import service
from services.evaluation.domain import IndicatorDefinition, Period
from services.runtime.deps import Staff
from services.runtime.deps import UowDep as Uow

router = APIRouter(tags=["indicators"])


class PeriodQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: date = Field(alias="from", description="First day of the period (YYYY-MM-DD), China Standard Time")
    end: date = Field(alias="to", description="Last day of the period, inclusive")
    assignee_code: str | None = Field(default=None, pattern=CODE_PATTERN, description="One assignee only")

    @field_validator("end")
    @classmethod
    def _not_before_start(cls, end: date, info: ValidationInfo) -> date:
        if (start := info.data.get("start")) is not None:
            Period(start, end)  # the domain's rule; its ValueError becomes a 422 naming `to`
        return end

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)


class IndicatorPublic(BaseModel):
    """指标定义 as published: the versioned id names the rule a figure was computed by."""

    id: str
    name: str
    formula: str
    numerator: str
    denominator: str | None
    window: str
    minimum_sample: int
    source_events: list[str]

    @classmethod
    def of(cls, definition: IndicatorDefinition) -> IndicatorPublic:
        return cls(**vars(definition))


class AssigneeCountPublic(BaseModel):
    assignee_code: str
    primary: int = Field(description="主办 tasks")
    co_operating: int = Field(description="配合 tasks")
    total: int
    sample_sufficient: bool = Field(description="Whether the count reaches the definition's minimum sample")


class TasksAssignedPublic(BaseModel):
    indicator: IndicatorPublic
    start: date
    end: date
    assignees: list[AssigneeCountPublic]


@router.get("/indicators/tasks-assigned", summary="派发任务数: tasks dispatched per assignee over a period")
async def get_tasks_assigned(query: Annotated[PeriodQuery, Query()], uow: Uow, principal: Staff) -> TasksAssignedPublic:
    everyone = principal.has("office") or principal.has("operator")
    own = principal.scopes("department") | principal.scopes("street") | principal.scopes("agency")
    definition, counts = await service.tasks_assigned(
        uow, query.period, assignee_code=query.assignee_code, own=None if everyone else own
    )
    rows = [
        AssigneeCountPublic(
            assignee_code=c.assignee_code,
            primary=c.primary,
            co_operating=c.co_operating,
            total=c.total,
            sample_sufficient=definition.sufficient(c.total),
        )
        for c in counts
    ]
    return TasksAssignedPublic(
        indicator=IndicatorPublic.of(definition), start=query.start, end=query.end, assignees=rows
    )
