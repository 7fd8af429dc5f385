"""Published scorecards (考评结果), kept whole as the JSON their page and API serve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.domain.periods import Period
from services.evaluation.store.tables import scorecards


@dataclass(frozen=True)
class Published:
    org_code: str
    period_start: date
    period_end: date
    org_kind: str
    score: float | None
    body: dict[str, Any]
    published_at: datetime


class ScorecardStore:
    """Scorecards over one session; the unit of work owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put(self, cards: list[Published]) -> None:
        """Keep the scorecards, replacing those of the same organisation and period published before."""
        if not cards:
            return
        statement = insert(scorecards).values([vars(card) for card in cards])
        changes = {c: statement.excluded[c] for c in ("org_kind", "score", "body", "published_at")}
        key = ["org_code", "period_start", "period_end"]
        await self.session.execute(statement.on_conflict_do_update(index_elements=key, set_=changes))

    async def one(self, org_code: str, period: Period) -> Published | None:
        query = sa.select(scorecards).where(scorecards.c.org_code == org_code, *_of(period))
        row = (await self.session.execute(query)).first()
        return Published(**row._mapping) if row else None

    async def of_period(self, period: Period) -> list[Published]:
        query = sa.select(scorecards).where(*_of(period)).order_by(scorecards.c.org_kind, scorecards.c.org_code)
        return [Published(**row._mapping) for row in (await self.session.execute(query)).all()]

    async def latest_period(self) -> Period | None:
        """The period most recently published, for a page asked without one."""
        c = scorecards.c
        query = sa.select(c.period_start, c.period_end).order_by(c.published_at.desc()).limit(1)
        row = (await self.session.execute(query)).first()
        return Period(row.period_start, row.period_end) if row else None


def _of(period: Period) -> tuple[sa.ColumnElement[bool], ...]:
    return scorecards.c.period_start == period.start, scorecards.c.period_end == period.end
