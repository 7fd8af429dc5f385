"""Indicator definitions and the figures computed with them, for any period; the projection's rebuild."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from contracts.base import CODE_PATTERN
from services.evaluation import service
from services.evaluation.api.assignments import IndicatorPublic
from services.evaluation.domain.figures import Figure, reading
from services.evaluation.domain.indicators import DEFINITIONS, by_id, current
from services.evaluation.domain.periods import Period
from services.evaluation.replay import replay
from services.runtime.deps import KitDep, Operator, Staff, UowDep

router = APIRouter(tags=["indicators"])


class PeriodParams(BaseModel):
    """统计期 in a query: calendar days in China Standard Time."""

    model_config = ConfigDict(extra="forbid")

    start: date = Field(alias="from", description="First day of the period (YYYY-MM-DD), China Standard Time")
    end: date = Field(alias="to", description="Last day of the period, inclusive")

    @field_validator("end")
    @classmethod
    def _not_before_start(cls, end: date, info: ValidationInfo) -> date:
        if (start := info.data.get("start")) is not None:
            Period(start, end)  # the domain's rule; its ValueError becomes a 422 naming `to`
        return end

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)


class FigureParams(PeriodParams):
    org_code: str | None = Field(default=None, pattern=CODE_PATTERN, description="One organisation only")


class DefinitionPublic(IndicatorPublic):
    current: bool = Field(description="Whether new figures are computed with this version")


class FigurePublic(BaseModel):
    """One figure, beside the definition it was computed with and the sample it rests on."""

    indicator: IndicatorPublic
    org_code: str
    sample: int = Field(description="How many cases, tasks or summons the figure rests on")
    numerator: int | None = Field(description="For a rate: how many of the sample met it")
    value: float | None = Field(description="Percent for a rate, hours (median) for a duration; null under sample")
    p90: float | None = Field(default=None, description="For a duration: the 90th percentile, hours")
    reading: str = Field(description="The figure as a person reads it, or 'insufficient sample'")

    @classmethod
    def of(cls, figure: Figure) -> FigurePublic:
        definition = by_id(figure.indicator)
        return cls(
            indicator=IndicatorPublic.of(definition),
            org_code=figure.org_code,
            sample=figure.sample,
            numerator=figure.numerator,
            value=figure.value,
            p90=figure.p90,
            reading=reading(figure),
        )


class FiguresPublic(BaseModel):
    start: date
    end: date
    figures: list[FigurePublic]


class RebuildPublic(BaseModel):
    events: int = Field(description="Events read back from the DISPATCH stream and folded into the projection")


@router.get("/indicators", summary="指标定义: every indicator definition, each version")
async def list_indicators() -> list[DefinitionPublic]:
    newest = {d.id for d in current()}
    return [DefinitionPublic(**vars(d), current=d.id in newest) for d in DEFINITIONS]


@router.get("/figures", summary="考评数据: each indicator's figures over a period, per organisation")
async def get_figures(params: Annotated[FigureParams, Query()], uow: UowDep, _: Staff) -> FiguresPublic:
    found = await service.period_figures(uow, params.period, org_code=params.org_code)
    return FiguresPublic(start=params.start, end=params.end, figures=[FigurePublic.of(f) for f in found])


@router.post("/projection/rebuild", summary="重建: rebuild the projection from the DISPATCH stream")
async def rebuild_projection(uow: UowDep, kit: KitDep, _: Operator) -> RebuildPublic:
    events = await service.rebuild(uow, replay(kit.broker.connection.jetstream()))
    return RebuildPublic(events=events)
