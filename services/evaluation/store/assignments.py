"""The dispatched-task counts (派发任务数), read off the projection's task facts."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events.dispatch import TaskRole
from services.evaluation.domain import Period
from services.evaluation.store.tables import task_facts


class EvaluationStore:
    """Queries over one session; the unit of work owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def assignment_counts(
        self, period: Period, assignees: frozenset[str] | None
    ) -> list[tuple[str, TaskRole, int]]:
        """(assignee, role, count) of the tasks assigned within ``period`` (None: every assignee).

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
