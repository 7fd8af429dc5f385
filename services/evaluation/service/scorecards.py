"""考评结果: publish every organisation's scorecard for a period, and read them back for the page and API."""

from __future__ import annotations

from datetime import datetime

from contracts.events.evaluation import ScorecardPublished
from services.evaluation.domain.periods import Period
from services.evaluation.domain.scorecards import SCORECARD, Received, Scorecard, body, scorecards
from services.evaluation.service.projection import period_figures
from services.evaluation.store.ratings import RatingStore
from services.evaluation.store.scorecards import Published, ScorecardStore
from services.runtime.errors import NotFound
from services.runtime.uow import UnitOfWork


async def publish_scorecards(uow: UnitOfWork, period: Period, *, now: datetime) -> list[Published]:
    """发布: compute every scorecard of ``period`` from the projection and the ratings, keep and announce them."""
    found = await period_figures(uow, period)
    async with uow:
        ratings = await uow.repository(RatingStore).of_period(period)
        streets = await uow.repository(RatingStore).streets()
        received = [Received(r.rater_code, r.ratee_code, r.form_id, r.total) for r in ratings]
        computed = scorecards(period, found, received, streets)
        cards = [_published(card, now) for card in computed]
        await uow.repository(ScorecardStore).put(cards)
        for card in computed:
            await _announce(uow, card)
        entity = f"scorecards:{period.start}/{period.end}"
        await uow.audit(action="scorecards.published", entity=entity, after={"scorecards": len(cards)})
        await uow.commit()
    return cards


def _published(card: Scorecard, now: datetime) -> Published:
    start, end = card.period.start, card.period.end
    return Published(card.org_code, start, end, card.kind, card.score, body(card, published_at=now), now)


async def _announce(uow: UnitOfWork, card: Scorecard) -> None:
    """One event per sufficient figure and one for the score, so a consumer needs no other contract."""
    common = {
        "assignee_code": card.org_code,
        "org_kind": card.kind,
        "period_start": card.period.start,
        "period_end": card.period.end,
    }
    for figure in card.figures:
        if figure.value is not None:
            sample = figure.sample
            event = ScorecardPublished(**common, indicator=figure.indicator, value=figure.value, sample=sample)
            await uow.emit(event, about=card.org_code)
    if card.score is not None:
        parts = sum(v is not None for v in card.components.values())
        event = ScorecardPublished(**common, indicator=SCORECARD, value=card.score, sample=parts)
        await uow.emit(event, about=card.org_code)


async def one_scorecard(uow: UnitOfWork, org_code: str, period: Period | None) -> Published:
    """A published scorecard; the latest period's when none is asked for. ``NotFound`` naming the field."""
    async with uow:
        store = uow.repository(ScorecardStore)
        period = period or await store.latest_period()
        card = await store.one(org_code, period) if period else None
    if card is None:
        raise NotFound(f"no scorecard of {org_code} published for that period", field="org_code", location="path")
    return card


async def period_scorecards(uow: UnitOfWork, period: Period | None) -> tuple[Period | None, list[Published]]:
    """Every scorecard published for ``period`` (the latest published one when none is asked for)."""
    async with uow:
        store = uow.repository(ScorecardStore)
        period = period or await store.latest_period()
        return period, (await store.of_period(period) if period else [])
