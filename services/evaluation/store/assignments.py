"""The dispatched-task counts (派发任务数) and their repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events.dispatch import TaskRole
from services.evaluation.domain import Period
from services.evaluation.store.tables import assignments
from services.runtime.db import as_arrays, insert_rows

_RECORD_ASSIGNMENTS = (
    insert_rows(assignments, ("task_id", "case_id", "assignee_code", "role", "item_code", "street_code", "assigned_at"))
    .on_conflict_do_nothing()
    .returning(assignments.c.task_id)
)


class EvaluationStore:
    """Queries over one session; the unit of work owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record_assignments(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert assignments in one statement, skipping tasks already recorded (re-sent events); how many were new."""
        if not rows:
            return 0
        inserted = await self.session.execute(_RECORD_ASSIGNMENTS, as_arrays(rows))
        return len(inserted.all())

    async def assignment_counts(
        self, period: Period, assignees: frozenset[str] | None
    ) -> list[tuple[str, TaskRole, int]]:
        """(assignee, role, count) of the tasks assigned within ``period`` (None: every assignee)."""
        first, after = period.bounds()
        query = (
            sa.select(assignments.c.assignee_code, assignments.c.role, sa.func.count().label("tasks"))
            .where(assignments.c.assigned_at >= first, assignments.c.assigned_at < after)
            .group_by(assignments.c.assignee_code, assignments.c.role)
        )
        if assignees is not None:
            query = query.where(assignments.c.assignee_code.in_(assignees))
        rows = await self.session.execute(query)
        return [(row.assignee_code, TaskRole(row.role), row.tasks) for row in rows]
