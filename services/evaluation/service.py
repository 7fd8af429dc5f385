"""Evaluation use cases: one transaction each, through the unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

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


async def record_assignments(uow: UnitOfWork, tasks: Mapping[uuid.UUID, TaskAssigned]) -> None:
    """记录派发: keep every dispatched task once, the raw material every indicator is recomputed from.

    ``tasks`` are keyed by the id of the event that brought each; one insert for all of them.
    """
    async with uow:
        fresh = uow.unhandled(tasks)
        for cause, task in fresh.items():
            with uow.handling(cause):
                attributes = {"linkage.case_id": str(task.case_id), "linkage.assignee": task.assignee_code}
                trace.get_current_span().set_attributes({**attributes, "linkage.item_code": task.item_code})
        await uow.repository(EvaluationStore).record_assignments(
            [
                {
                    "task_id": task.task_id,
                    "case_id": task.case_id,
                    "assignee_code": task.assignee_code,
                    "role": task.role,
                    "item_code": task.item_code,
                    "street_code": task.street_code,
                    "assigned_at": task.assigned_at,
                }
                for task in fresh.values()
            ]
        )
        await uow.commit()  # also when every task was known: the inbox claims mark these events handled


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
