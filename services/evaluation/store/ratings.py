"""Ratings (双向考评) kept per form, period, rater and ratee; a re-submission before the deadline replaces one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.domain.periods import Period
from services.evaluation.store.tables import case_facts, ratings


@dataclass(frozen=True)
class Rating:
    form_id: str
    period_start: date
    period_end: date
    rater_code: str
    ratee_code: str
    scores: dict[str, int]
    total: float
    submitted_by: str
    submitted_at: datetime

    @property
    def entity(self) -> str:
        """The rating's name in the audit log."""
        return f"rating:{self.form_id}:{self.period_start}/{self.period_end}:{self.rater_code}>{self.ratee_code}"


class RatingStore:
    """Ratings over one session; the unit of work owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put(self, rating: Rating) -> Rating | None:
        """Store ``rating``, replacing the rater's earlier one of the same ratee; the one it replaced, if any."""
        before = await self._one(rating)
        values: dict[str, Any] = vars(rating)
        statement = insert(ratings).values(**values)
        changes = {c: statement.excluded[c] for c in ("scores", "total", "submitted_by", "submitted_at")}
        key = ["form_id", "period_start", "period_end", "rater_code", "ratee_code"]
        await self.session.execute(statement.on_conflict_do_update(index_elements=key, set_=changes))
        return before

    async def _one(self, rating: Rating) -> Rating | None:
        c = ratings.c
        query = sa.select(ratings).where(
            c.form_id == rating.form_id,
            c.period_start == rating.period_start,
            c.period_end == rating.period_end,
            c.rater_code == rating.rater_code,
            c.ratee_code == rating.ratee_code,
        )
        row = (await self.session.execute(query)).first()
        return Rating(**row._mapping) if row else None

    async def of_period(self, period: Period) -> list[Rating]:
        """Every rating of exactly ``period``, by ratee then rater."""
        query = (
            sa.select(ratings)
            .where(ratings.c.period_start == period.start, ratings.c.period_end == period.end)
            .order_by(ratings.c.ratee_code, ratings.c.rater_code)
        )
        return [Rating(**row._mapping) for row in (await self.session.execute(query)).all()]

    async def streets(self) -> frozenset[str]:
        """Every street code a case was accepted in: how the projection tells streets from departments."""
        query = sa.select(case_facts.c.street_code).where(case_facts.c.street_code.is_not(None)).distinct()
        return frozenset((await self.session.execute(query)).scalars())
