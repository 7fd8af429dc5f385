"""Each indicator's counts per organisation over a period, tallied by Postgres in one statement.

The same counting as the pure counters in domain/figures.py (which stay the reference: the tests compare the
two, and with an independent computation), pushed next to the rows: a year of 100,000 cases returns a hundred
rows instead of 200,000 facts decoded into objects (figures: bench/README.md). Only facts known before the
period ended are read (``accepted_at``/``assigned_at``/``blown_at`` before ``:after``), as ``FactStore.load``.

Organisations, as ``Facts.case_orgs`` and ``primary_orgs``: a case counts for the district, its street and each
primary (主办) assignee; a task for the district and its assignee. Durations are reduced to the nearest-rank
median and p90 by ``percentile_disc`` over the intervals themselves (ordered exactly, as the hours are).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events.dispatch import TaskRole
from services.evaluation.domain.figures import Bounds, Spread
from services.evaluation.domain.periods import Period
from services.evaluation.store.tables import task_facts

_PRIMARIES = """primaries AS (
    SELECT DISTINCT case_id, assignee_code AS org FROM evaluation.task_facts
    WHERE assigned_at < :after AND role = 'primary' AND case_id IS NOT NULL AND assignee_code IS NOT NULL
)"""

_CASES = sa.text(
    f"""WITH {_PRIMARIES}, known AS (
    SELECT case_id, street_code,
        accepted_at >= :first AS accepted, closed_at < :after AS closed,
        rated_at >= :first AND rated_at < :after AS rated, satisfied IS TRUE AS satisfied,
        first_verified_at >= :first AND first_verified_at < :after AS verified, rework_count > 0 AS reworked
    FROM evaluation.case_facts WHERE accepted_at < :after
), orgs AS (
    SELECT 'district' AS org, false AS street, * FROM known
    UNION ALL SELECT street_code, true, * FROM known WHERE street_code <> ''
    UNION ALL SELECT p.org, false, k.* FROM known k JOIN primaries p USING (case_id)
)
SELECT org,
    count(*) FILTER (WHERE accepted AND closed), count(*) FILTER (WHERE accepted),
    count(*) FILTER (WHERE rated AND satisfied), count(*) FILTER (WHERE rated),
    count(*) FILTER (WHERE verified AND reworked AND NOT street), count(*) FILTER (WHERE verified AND NOT street)
FROM orgs GROUP BY org"""
)
CASE_KEYS = ("closure_rate", "satisfaction", "rework_rate")

_TASKS = sa.text(
    """WITH known AS (
    SELECT o.org,
        role = 'primary' AND NOT deferred AND due_at >= :first AND due_at < :after AS due,
        completed_on_time IS TRUE AS on_time,
        whistle_id IS NULL AND acknowledged_at >= :first AND acknowledged_at < :after AS acknowledged,
        acknowledged_late IS NOT TRUE AS in_time,
        assigned_at >= :first AS assigned, returned_at < :after AS returned,
        returned_at >= :first AND returned_at < :after AS returned_within, returns_on_case >= 2 AS ping_pong,
        CASE WHEN acknowledged_at >= :first AND acknowledged_at < :after THEN acknowledged_at - assigned_at END
            AS response,
        CASE WHEN completed_at >= :first AND completed_at < :after THEN completed_at - assigned_at END AS resolution
    FROM evaluation.task_facts t CROSS JOIN LATERAL (VALUES ('district'), (coalesce(t.assignee_code, ''))) o(org)
    WHERE assigned_at < :after
)
SELECT org,
    count(*) FILTER (WHERE due AND on_time), count(*) FILTER (WHERE due),
    count(*) FILTER (WHERE acknowledged AND in_time), count(*) FILTER (WHERE acknowledged),
    count(*) FILTER (WHERE assigned AND returned), count(*) FILTER (WHERE assigned),
    count(*) FILTER (WHERE returned_within AND ping_pong), count(*) FILTER (WHERE returned_within),
    count(response), percentile_disc(0.5) WITHIN GROUP (ORDER BY response),
    percentile_disc(0.9) WITHIN GROUP (ORDER BY response),
    count(resolution), percentile_disc(0.5) WITHIN GROUP (ORDER BY resolution),
    percentile_disc(0.9) WITHIN GROUP (ORDER BY resolution)
FROM known GROUP BY org"""
)
TASK_KEYS = ("on_time_closure", "acknowledged_on_time", "return_rate", "ping_pong")
SPREAD_KEYS = ("response_time", "resolution_time")

_REPORT_IN = sa.text(
    """WITH whistle_tasks AS (
    SELECT DISTINCT ON (whistle_id, assignee_code) whistle_id, assignee_code, acknowledged_at, acknowledged_late
    FROM evaluation.task_facts WHERE assigned_at < :after AND whistle_id IS NOT NULL
)
SELECT o.org, count(*) FILTER (WHERE w.acknowledged_at < :after AND w.acknowledged_late IS NOT TRUE), count(*)
FROM evaluation.whistle_summons s
CROSS JOIN LATERAL (VALUES ('district'), (s.department)) o(org)
LEFT JOIN whistle_tasks w ON w.whistle_id = s.whistle_id AND w.assignee_code = s.department
WHERE s.blown_at < :after AND s.report_by >= :first AND s.report_by < :after GROUP BY o.org"""
)

Rate = tuple[str, str, int, int]
"""(indicator key, organisation, hits, sample)."""


def _hours(took: timedelta) -> float:
    return took.total_seconds() / 3600  # as Tally.add_hours computes them


def _rates(org: str, keys: tuple[str, ...], counts: Sequence[int]) -> list[Rate]:
    """Each key's (hits, sample) from ``counts`` laid out pairwise; none for a key with no sample (as a Tally)."""
    pairs = zip(keys, counts[0::2], counts[1::2], strict=True)
    return [(key, org, hits, total) for key, hits, total in pairs if total]


def _spreads(org: str, row: Sequence[Any]) -> list[tuple[str, str, Spread]]:
    triples = zip(SPREAD_KEYS, row[0::3], row[1::3], row[2::3], strict=True)
    return [(key, org, Spread(n, _hours(median), _hours(p90))) for key, n, median, p90 in triples if n]


class TallyReads:
    """The period's tallies over one session; the unit of work owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def tallies(self, bounds: Bounds) -> tuple[list[Rate], list[tuple[str, str, Spread]]]:
        """Every rate indicator's (key, org, hits, sample) and every duration indicator's spread."""
        window = {"first": bounds[0], "after": bounds[1]}
        rates: list[Rate] = []
        for row in await self._rows(_CASES, window):
            rates += _rates(row[0], CASE_KEYS, row[1:])
        spreads: list[tuple[str, str, Spread]] = []
        for row in await self._rows(_TASKS, window):
            rates += _rates(row[0], TASK_KEYS, row[1:9])
            spreads += _spreads(row[0], row[9:])
        rates += [("whistle_report_in", org, hits, total) for org, hits, total in await self._rows(_REPORT_IN, window)]
        return rates, spreads

    async def _rows(self, statement: sa.TextClause, window: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in await self.session.execute(statement, window)]

    async def assignment_counts(
        self, period: Period, assignees: frozenset[str] | None
    ) -> list[tuple[str, TaskRole, int]]:
        """派发任务数: (assignee, role, count) of the tasks assigned within ``period`` (None: every assignee).

        Each task is one row of ``task_facts`` however often its events came, so each counts once.
        """
        first, after = period.bounds()
        query = (
            sa.select(task_facts.c.assignee_code, task_facts.c.role, sa.func.count().label("tasks"))
            .where(task_facts.c.assigned_at >= first, task_facts.c.assigned_at < after)
            .group_by(task_facts.c.assignee_code, task_facts.c.role)
        )
        if assignees is not None:
            query = query.where(task_facts.c.assignee_code.in_(assignees))
        rows = await self.session.execute(query)
        return [(row.assignee_code, TaskRole(row.role), row.tasks) for row in rows]
