"""派发任务数: dispatched tasks kept once each and counted per assignee."""

from __future__ import annotations

from collections.abc import Sequence

from contracts import CloudEvent
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
from services.evaluation.domain.facts import FactRow, fact_rows
from services.evaluation.store import EvaluationStore
from services.evaluation.store.facts import FactStore
from services.runtime.errors import Forbidden
from services.runtime.uow import UnitOfWork


async def record_assignments(uow: UnitOfWork, events: Sequence[CloudEvent[TaskAssigned]]) -> None:
    """记录派发: keep every dispatched task once, counted and in the projection the indicators read.

    One insert for all of them, one merge into the projection.
    """
    async with uow:
        fresh = uow.unhandled({event.id: event.data for event in events})
        facts: list[FactRow] = []
        for event in events:
            if event.id in fresh:
                facts += _projected(uow, event)
        await uow.repository(FactStore).apply(facts)
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


def _projected(uow: UnitOfWork, event: CloudEvent[TaskAssigned]) -> list[FactRow]:
    task = event.data
    attributes = {"linkage.case_id": str(task.case_id), "linkage.assignee": task.assignee_code}
    uow.annotate(event.id, {**attributes, "linkage.item_code": task.item_code})
    return fact_rows(event, trace_id=uow.trace_id(event.id))


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
