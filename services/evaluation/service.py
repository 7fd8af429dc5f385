"""Evaluation use cases: one transaction each, through the unit of work."""

from __future__ import annotations

from opentelemetry import trace

from contracts.events.dispatch import TaskAssigned
from services.evaluation.domain import (
    TASKS_ASSIGNED,
    AssigneeCount,
    IndicatorDefinition,
    OutOfScope,
    Period,
    readable_assignees,
    tally,
)
from services.evaluation.store import EvaluationStore
from services.runtime.errors import Forbidden
from services.runtime.uow import UnitOfWork


async def record_assignment(uow: UnitOfWork, task: TaskAssigned) -> None:
    """记录派发: keep every dispatched task once, the raw material every indicator is recomputed from."""
    attributes = {"linkage.case_id": str(task.case_id), "linkage.assignee": task.assignee_code}
    trace.get_current_span().set_attributes({**attributes, "linkage.item_code": task.item_code})
    async with uow:
        await uow.repository(EvaluationStore).record_assignment(
            task_id=task.task_id,
            case_id=task.case_id,
            assignee_code=task.assignee_code,
            role=task.role,
            item_code=task.item_code,
            street_code=task.street_code,
            assigned_at=task.assigned_at,
        )
        await uow.commit()  # also when the task was known: the inbox claim marks this event handled


async def tasks_assigned(
    uow: UnitOfWork, period: Period, *, assignee_code: str | None, own: frozenset[str] | None
) -> tuple[IndicatorDefinition, list[AssigneeCount]]:
    """派发任务数 per assignee over ``period``; ``own`` limits a scoped reader to its own codes."""
    try:
        assignees = readable_assignees(assignee_code, own=own)
    except OutOfScope as refusal:
        raise Forbidden(str(refusal), field="assignee_code") from refusal
    async with uow:
        counts = await uow.repository(EvaluationStore).assignment_counts(period, assignees)
    return TASKS_ASSIGNED, tally(counts)
