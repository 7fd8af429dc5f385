"""考评结果: publishing scorecards (the office), and reading them as a public page readable on a phone or as JSON.

Pages are rendered here from the kept JSON, the chart an inline SVG the server draws: nothing loads from
elsewhere. Without ``from``/``to`` a page shows the period published last.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.base import CODE_PATTERN
from services.evaluation.api.indicators import PeriodParams
from services.evaluation.domain.assessment import DEPARTMENT_RATING, FIGURES, STREET_RATING
from services.evaluation.domain.organisations import KIND_NAMES
from services.evaluation.domain.periods import Period
from services.evaluation.domain.scorecards import SCORED
from services.evaluation.service import scorecards as service
from services.runtime.deps import Office, UowDep
from services.runtime.errors import Rejected

router = APIRouter(tags=["scorecards (考评结果)"])
OrgCode = Annotated[str, Path(pattern=CODE_PATTERN, description="Department, street or agency code")]
LABELS = {FIGURES: "数据指标 (figures)", STREET_RATING: "街道评价 (streets' rating)", DEPARTMENT_RATING: "部门评价"}


class MaybePeriod(BaseModel):
    """A period, or none for the one published last."""

    model_config = ConfigDict(extra="forbid")

    start: date | None = Field(
        default=None, alias="from", description="First day (YYYY-MM-DD); omit both for the latest"
    )
    end: date | None = Field(default=None, alias="to", description="Last day, inclusive")

    @model_validator(mode="after")
    def _both_or_neither(self) -> MaybePeriod:
        if (self.start is None) != (self.end is None):
            missing = "to" if self.end is None else "from"
            raise Rejected("give both from and to, or neither", field=missing, location="query")
        try:
            _ = self.period  # the domain's rule
        except ValueError as refusal:
            raise Rejected(str(refusal), field="to", location="query") from refusal
        return self

    @property
    def period(self) -> Period | None:
        return Period(self.start, self.end) if self.start and self.end else None


class PublishedSummary(BaseModel):
    org_code: str
    org_kind: str
    score: float | None


@functools.cache
def templates() -> Environment:
    return Environment(loader=PackageLoader("services.evaluation", "templates"), autoescape=select_autoescape())


def bars(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart's bars: each scored rate, as published (None under its minimum sample)."""
    scored = [f for f in card["figures"] if f["indicator"]["id"].split("@")[0] in SCORED]
    return [{"label": f["indicator"]["name"].split(" ")[0], "value": f["value"]} for f in scored]


@router.post("/scorecards/publish", summary="发布考评结果: compute and publish every scorecard of a period")
async def publish(params: Annotated[PeriodParams, Query()], uow: UowDep, _: Office) -> list[PublishedSummary]:
    cards = await service.publish_scorecards(uow, params.period, now=datetime.now(UTC))
    return [PublishedSummary(org_code=c.org_code, org_kind=c.org_kind, score=c.score) for c in cards]


@router.get("/scorecards", summary="考评结果 of a period (JSON), public")
async def list_scorecards(params: Annotated[MaybePeriod, Query()], uow: UowDep) -> list[dict[str, Any]]:
    _, cards = await service.period_scorecards(uow, params.period)
    return [c.body for c in cards]


@router.get("/scorecards.html", response_class=HTMLResponse, summary="考评结果 of a period: the public page")
async def scorecards_page(params: Annotated[MaybePeriod, Query()], uow: UowDep) -> HTMLResponse:
    period, cards = await service.period_scorecards(uow, params.period)
    start, end = (period.start, period.end) if period else (None, None)
    page = templates().get_template("scorecards.html").render(cards=cards, start=start, end=end, kinds=KIND_NAMES)
    return HTMLResponse(page)


@router.get("/scorecards/{org_code}.html", response_class=HTMLResponse, summary="一个单位的考评结果: public page")
async def scorecard_page(org_code: OrgCode, params: Annotated[MaybePeriod, Query()], uow: UowDep) -> HTMLResponse:
    card = (await service.one_scorecard(uow, org_code, params.period)).body
    page = templates().get_template("scorecard.html").render(card=card, bars=bars(card), labels=LABELS)
    return HTMLResponse(page)


@router.get("/scorecards/{org_code}", summary="一个单位的考评结果 (JSON), public")
async def scorecard(org_code: OrgCode, params: Annotated[MaybePeriod, Query()], uow: UowDep) -> dict[str, Any]:
    return (await service.one_scorecard(uow, org_code, params.period)).body
