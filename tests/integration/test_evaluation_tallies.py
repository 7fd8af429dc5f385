"""The figures Postgres tallies (store/tallies.py) against the pure counters (domain/figures.py) on the same
facts: every organisation, every indicator, several periods, identical."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.evaluation.domain.facts import Facts, fact_rows
from services.evaluation.domain.figures import figures, tallied
from services.evaluation.domain.periods import Period
from services.evaluation.store.facts import FactStore
from services.evaluation.store.tallies import TallyReads
from services.platform.evaluation_demo import year
from services.runtime.db import create_engine

pytestmark = pytest.mark.integration
PERIODS = [  # the year last: the check after the loop reads its figures
    Period(date(2022, 2, 1), date(2022, 3, 15)),
    Period(date(2022, 6, 30), date(2022, 7, 1)),
    Period(date(2022, 1, 1), date(2022, 12, 31)),
]


@pytest.fixture
async def engine(own_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(own_database, pool_size=2)
    _, events = year(600, seed=11, tag="-tally")
    async with AsyncSession(engine) as session, session.begin():
        await FactStore(session).apply([row for event in events for row in fact_rows(event)])
    yield engine
    await engine.dispose()


async def test_postgres_tallies_give_the_pure_counters_figures(engine: AsyncEngine) -> None:
    for period in PERIODS:
        async with AsyncSession(engine) as session:
            counted = tallied(*(await TallyReads(session).tallies(period.bounds())))
            facts = Facts(*(await FactStore(session).load(period.bounds()[1])))
        expected = figures(facts, period)
        assert counted == expected, period
    assert {f.indicator for f in expected} >= {"closure_rate@1", "response_time@1", "satisfaction@1"}
