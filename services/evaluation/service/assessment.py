"""双向考评: a street, department or agency submits its rating of another organisation for a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.evaluation.domain.assessment import SubmitRating, rate
from services.evaluation.domain.organisations import kind_of
from services.evaluation.domain.periods import Period
from services.evaluation.store.ratings import Rating, RatingStore
from services.runtime.uow import UnitOfWork


@dataclass(frozen=True)
class RatingRequest:
    """What a rater sends: the form, the period, whom it rates and the score of each criterion."""

    form_id: str
    period: Period
    rater_code: str
    rater_kind: str
    ratee_code: str
    scores: dict[str, int]


async def submit_rating(uow: UnitOfWork, request: RatingRequest, *, now: datetime) -> Rating:
    """评分: check the rating against its form and deadline, keep it (replacing the rater's earlier one), audit it."""
    async with uow:
        store = uow.repository(RatingStore)
        ratee_kind = kind_of(request.ratee_code, streets=await store.streets())
        command = SubmitRating(**vars(request), ratee_kind=ratee_kind, submitted_at=now)
        rating = _rating(request, total=rate(command), by=uow.actor, at=now)
        before = await store.put(rating)
        after = {"scores": rating.scores, "total": rating.total}
        await uow.audit(action="rating.submitted", entity=rating.entity, before=_audited(before), after=after)
        await uow.commit()
    return rating


def _rating(request: RatingRequest, *, total: float, by: str, at: datetime) -> Rating:
    period = request.period
    return Rating(
        request.form_id, period.start, period.end, request.rater_code, request.ratee_code, request.scores, total, by, at
    )


def _audited(rating: Rating | None) -> dict[str, object] | None:
    return None if rating is None else {"scores": rating.scores, "total": rating.total}


async def period_ratings(uow: UnitOfWork, period: Period) -> list[Rating]:
    async with uow:
        return await uow.repository(RatingStore).of_period(period)
