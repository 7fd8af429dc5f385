"""派发任务数: dispatched tasks kept once each and counted per assignee."""

from __future__ import annotations

from services.evaluation.domain import (
    TASKS_ASSIGNED,
    AssigneeCount,
    IndicatorDefinition,
    OutOfScope,
    Period,
    readable_assignees,
    tally,
)
from services.evaluation.store.tallies import TallyReads
from services.runtime.errors import Forbidden
from services.runtime.uow import UnitOfWork


async def tasks_assigned(
    uow: UnitOfWork, period: Period, *, assignee_code: str | None, own: frozenset[str] | None
) -> tuple[IndicatorDefinition, list[AssigneeCount]]:
    """派发任务数 per assignee over ``period``; ``own`` limits a scoped reader to its own codes."""
    try:
        assignees = readable_assignees(assignee_code, own=own)
    except OutOfScope as refusal:
        raise Forbidden(str(refusal), field="assignee_code") from refusal
    async with uow:
        counts = await uow.repository(TallyReads).assignment_counts(period, assignees)
    return TASKS_ASSIGNED, tally(counts)
