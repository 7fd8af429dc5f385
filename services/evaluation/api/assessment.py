"""双向考评 routes: the rating forms, and a street's, department's or agency's rating of another organisation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from contracts.base import CODE_PATTERN
from services.evaluation.api.indicators import PeriodParams
from services.evaluation.domain.assessment import FORMS, RatingForm
from services.evaluation.domain.organisations import AGENCY, DEPARTMENT, STREET
from services.evaluation.service import assessment
from services.evaluation.store.ratings import Rating
from services.runtime.auth import Principal
from services.runtime.deps import Staff, UowDep
from services.runtime.errors import Forbidden

router = APIRouter(tags=["assessment (双向考评)"])
RATER_KINDS = (STREET, DEPARTMENT, AGENCY)


class CriterionPublic(BaseModel):
    key: str
    name: str
    weight: float


class FormPublic(BaseModel):
    """考评表: who fills it in, whom it rates, its criteria, scale and deadline."""

    id: str
    name: str
    rater_kind: str
    ratee_kinds: list[str]
    criteria: list[CriterionPublic]
    scale: tuple[int, int] = Field(description="Lowest and highest score of every criterion")
    deadline_days: int = Field(description="Calendar days after the period's last day that ratings are taken")

    @classmethod
    def of(cls, form: RatingForm) -> FormPublic:
        criteria = [CriterionPublic(key=c.key, name=c.name, weight=c.weight) for c in form.criteria]
        values = {**vars(form), "ratee_kinds": sorted(form.ratee_kinds), "criteria": criteria}
        return cls(**values)


class RatingCreate(PeriodParams):
    form_id: str = Field(description="The form rated on, e.g. street_rates_department@1")
    rater_code: str = Field(pattern=CODE_PATTERN, description="The street, department or agency rating")
    ratee_code: str = Field(pattern=CODE_PATTERN, description="The organisation rated")
    scores: dict[str, int] = Field(description="Each criterion's score, on the form's scale")


class RatingPublic(BaseModel):
    form_id: str
    start: date
    end: date
    rater_code: str
    ratee_code: str
    scores: dict[str, int]
    total: float = Field(description="0..100: the criteria's weighted mean on the form's scale")
    submitted_at: datetime

    @classmethod
    def of(cls, r: Rating) -> RatingPublic:
        values = {**vars(r), "start": r.period_start, "end": r.period_end}
        return cls(**values)


def rater_kind(principal: Principal, code: str) -> str:
    """The kind the caller rates as: a rater rates only for an organisation its token acts for."""
    for kind in RATER_KINDS:
        if code in principal.scopes(kind):
            return kind
    raise Forbidden(f"this token does not act for {code}", field="rater_code")


@router.get("/assessment/forms", summary="考评表: the rating forms, their criteria, scale and deadline")
async def list_forms() -> list[FormPublic]:
    return [FormPublic.of(form) for form in FORMS.values()]


@router.post("/ratings", status_code=201, summary="评分: rate an organisation for a period on a form")
async def submit_rating(body: RatingCreate, uow: UowDep, principal: Staff) -> RatingPublic:
    request = assessment.RatingRequest(
        form_id=body.form_id,
        period=body.period,
        rater_code=body.rater_code,
        rater_kind=rater_kind(principal, body.rater_code),
        ratee_code=body.ratee_code,
        scores=body.scores,
    )
    return RatingPublic.of(await assessment.submit_rating(uow, request, now=datetime.now(UTC)))


@router.get("/ratings", summary="考评结果: every rating of a period")
async def list_ratings(params: Annotated[PeriodParams, Query()], uow: UowDep, _: Staff) -> list[RatingPublic]:
    return [RatingPublic.of(r) for r in await assessment.period_ratings(uow, params.period)]
