"""What an assignee does with its task: acknowledge (签收/报到), complete (办结), return (退回)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from contracts import TimeLimit
from contracts.events.dispatch import TaskAcknowledged, TaskCompleted, TaskReturned, TaskRole
from services.dispatch.domain import CaseStatus, IllegalTransition, TaskStatus, case_move, settle_return
from services.dispatch.domain.calendar import WORKING_DAY_S
from services.dispatch.service.recording import (
    Actor,
    NewTask,
    assign,
    calendar,
    entry_in_force,
    locked_case,
    record,
    record_task,
    refused,
    task_to_move,
)
from services.dispatch.store import DispatchStore
from services.runtime.errors import Rejected
from services.runtime.uow import UnitOfWork

RETURN_WINDOW_S = WORKING_DAY_S
"""An assignee may return a task within one working day of its dispatch (退回时限)."""


async def acknowledge_task(uow: UnitOfWork, task_id: uuid.UUID, *, actor: Actor, now: datetime) -> None:
    async with uow:
        store = DispatchStore(uow.session)
        task = await task_to_move(store, task_id, actor, "acknowledge")
        by = task.report_by or task.ack_by
        late = by is not None and now > by
        await store.update_task(task_id, status=TaskStatus.ACKNOWLEDGED, acknowledged_at=now)
        what = "reported in (报到)" if task.whistle_id else "acknowledged (签收)"
        detail = f"{task.assignee_code} {what}" + (f", late: due by {by.isoformat()}" if late else "")
        await record_task(uow, store, task, actor, "acknowledged", detail, {"status": TaskStatus.ACKNOWLEDGED})
        event = TaskAcknowledged(
            task_id=task_id, case_id=task.case_id, assignee_code=task.assignee_code, acknowledged_at=now, late=late
        )
        await uow.emit(event, about=str(task_id))
        await uow.commit()


async def complete_task(uow: UnitOfWork, task_id: uuid.UUID, *, result: str, actor: Actor, now: datetime) -> None:
    """办结 with the result (反馈); when every primary task is done the case awaits verification (待核查)."""
    async with uow:
        store = DispatchStore(uow.session)
        task = await task_to_move(store, task_id, actor, "complete")
        on_time = task.due_at is None or now <= task.due_at
        await store.update_task(task_id, status=TaskStatus.COMPLETED, completed_at=now, result=result)
        await record_task(uow, store, task, actor, "completed", f"{task.assignee_code}: {result}", {"result": result})
        event = TaskCompleted(
            task_id=task_id,
            case_id=task.case_id,
            assignee_code=task.assignee_code,
            result=result,
            completed_at=now,
            on_time=on_time,
        )
        await uow.emit(event, about=str(task_id))
        await _maybe_handled(uow, store, task.case_id, actor)
        await uow.commit()


async def _maybe_handled(uow: UnitOfWork, store: DispatchStore, case_id: uuid.UUID, actor: Actor) -> None:
    tasks = await store.case_tasks(case_id)
    primaries = [t for t in tasks if t.role == TaskRole.PRIMARY and t.status not in ("returned", "cancelled")]
    case = await store.case(case_id)
    assert case is not None
    if case.status != CaseStatus.DISPATCHED or not primaries or any(t.status != "completed" for t in primaries):
        return
    await store.update_case(case_id, status=case_move("handle", case.status))
    await record(uow, store, case_id, actor=actor.name, action="handled", detail="awaiting verification (待核查)")


async def return_task(
    uow: UnitOfWork,
    task_id: uuid.UUID,
    *,
    named_body: str,
    citation: str,
    reason: str,
    actor: Actor,
    now: datetime,
    ack_within_h: float,
) -> TaskReturned:
    """退回: re-route when the catalogue backs the return, otherwise district arbitration (区级仲裁)."""
    async with uow:
        store = DispatchStore(uow.session)
        task = await task_to_move(store, task_id, actor, "return")
        case = await locked_case(store, task.case_id)
        if (await calendar(store)).working_seconds_between(task.assigned_at, now) > RETURN_WINDOW_S:
            raise Rejected("the return window (one working day from dispatch) has passed", field="task_id")
        live = {t.assignee_code for t in await store.case_tasks(case.id) if t.status not in ("returned", "cancelled")}
        decision = settle_return(
            entry=await entry_in_force(store, case.item_code, now),
            returning=task.assignee_code,
            named=named_body,
            returns_before=case.return_count,
            assignees=frozenset(live - {task.assignee_code}),
        )
        note = f"cites {citation}; names {named_body}; {reason}"
        await store.update_task(task_id, status=TaskStatus.RETURNED, returned_to=named_body, return_note=note)
        await store.update_case(case.id, return_count=case.return_count + 1)
        detail = f"{task.assignee_code} returned the task: {note}. {decision.outcome}: {decision.why}"
        await record_task(uow, store, task, actor, "returned", detail, {"outcome": decision.outcome})
        await _settle(uow, store, case, task, decision.rerouted_to, decision.why, now=now, ack_within_h=ack_within_h)
        event = TaskReturned(
            task_id=task_id,
            case_id=case.id,
            assignee_code=task.assignee_code,
            named_body=named_body,
            citation=citation,
            reason=reason,
            outcome=decision.outcome,
            rerouted_to=decision.rerouted_to,
            returns_on_case=case.return_count + 1,
        )
        await uow.emit(event, about=str(task_id))
        await uow.commit()
    return event


async def _settle(
    uow: UnitOfWork,
    store: DispatchStore,
    case: Any,
    task: Any,
    rerouted_to: str | None,
    why: str,
    *,
    now: datetime,
    ack_within_h: float,
) -> None:
    if task.role != TaskRole.PRIMARY:
        if rerouted_to is None:
            return  # a co-operating unit's dispute does not hold the case up; the office sees it in the timeline
    elif rerouted_to is None:
        await store.update_case(case.id, status=_case_move("escalate", case.status))
        await record(uow, store, case.id, actor="dispatch", action="arbitration", detail=why)
        return
    else:
        await store.update_case(case.id, status=_case_move("reroute", case.status))
    entry = await entry_in_force(store, case.item_code, now)
    limit = entry.time_limit if entry else (_limit(task.time_limit) if task.time_limit else None)
    version = entry.version if entry else task.catalogue_version
    rerouted = NewTask(case, rerouted_to, TaskRole(task.role), f"re-routed (改派): {why}", version, limit)
    await assign(uow, store, rerouted, now=now, actor="dispatch", ack_within_h=ack_within_h)


def _case_move(action: str, status: str) -> CaseStatus:
    try:
        return case_move(action, CaseStatus(status))
    except IllegalTransition as error:
        raise refused(error) from error


def _limit(raw: Any) -> TimeLimit:
    return TimeLimit.model_validate(raw)
