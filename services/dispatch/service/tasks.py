"""What an assignee does with its task: acknowledge (签收/报到), complete (办结), return (退回)."""

from __future__ import annotations

import uuid
from datetime import datetime

from contracts.events.dispatch import TaskAcknowledged, TaskCompleted, TaskReturned
from services.dispatch.domain import IllegalTransition, ReturnDecision, settle_return
from services.dispatch.domain.calendar import WORKING_DAY_S
from services.dispatch.domain.case import Case, Task
from services.dispatch.service.access import Actor, refused, task_to_move
from services.dispatch.service.assigning import AssignTask, assign, calendar, entry_in_force
from services.dispatch.service.commands import ReturnTask
from services.dispatch.service.recording import Transition, record
from services.dispatch.store import DispatchStore
from services.runtime.errors import Rejected
from services.runtime.uow import UnitOfWork

RETURN_WINDOW_S = WORKING_DAY_S
"""An assignee may return a task within one working day of its dispatch (退回时限)."""


async def acknowledge_task(uow: UnitOfWork, task_id: uuid.UUID, *, actor: Actor, now: datetime) -> None:
    async with uow:
        store = uow.repository(DispatchStore)
        task = (await task_to_move(store, task_id, actor, "acknowledge")).task(task_id)
        await store.save_task(task, task.acknowledge(now))
        late = task.acknowledged_late(now)
        what = "reported in (报到)" if task.whistle_id else "acknowledged (签收)"
        by = task.report_by or task.ack_by
        detail = f"{task.assignee_code} {what}" + (f", late: due by {by.isoformat()}" if late and by else "")
        await record(uow, Transition.of_task(task, actor.name, "acknowledged", detail, {"status": "acknowledged"}))
        event = TaskAcknowledged(
            task_id=task_id, case_id=task.case_id, assignee_code=task.assignee_code, acknowledged_at=now, late=late
        )
        await uow.emit(event, about=str(task_id))
        await uow.commit()


async def complete_task(uow: UnitOfWork, task_id: uuid.UUID, *, result: str, actor: Actor, now: datetime) -> None:
    """办结 with the result (反馈); when every primary task is done the case awaits verification (待核查)."""
    async with uow:
        store = uow.repository(DispatchStore)
        case = await task_to_move(store, task_id, actor, "complete")
        after = case.complete(task_id, result=result, now=now)
        await store.save(case, after)
        task, done = case.task(task_id), after.task(task_id)
        detail = f"{task.assignee_code}: {result}"
        await record(uow, Transition.of_task(task, actor.name, "completed", detail, {"result": result}))
        await uow.emit(_completed(done), about=str(task_id))
        if after.status != case.status:
            await record(uow, Transition(case.id, actor.name, "handled", "awaiting verification (待核查)"))
        await uow.commit()


def _completed(task: Task) -> TaskCompleted:
    assert task.completed_at is not None
    assert task.result is not None
    return TaskCompleted(
        task_id=task.id,
        case_id=task.case_id,
        assignee_code=task.assignee_code,
        result=task.result,
        completed_at=task.completed_at,
        on_time=task.finished_on_time(),
    )


async def return_task(uow: UnitOfWork, command: ReturnTask) -> TaskReturned:
    """退回: re-route when the catalogue backs the return, otherwise district arbitration (区级仲裁)."""
    async with uow:
        store = uow.repository(DispatchStore)
        case = await task_to_move(store, command.task_id, command.actor, "return")
        task = case.task(command.task_id)
        if (await calendar(store)).working_seconds_between(task.assigned_at, command.now) > RETURN_WINDOW_S:
            raise Rejected("the return window (one working day from dispatch) has passed", field="task_id")
        decision = await _decide(store, case, task, command)
        note = f"cites {command.citation}; names {command.named_body}; {command.reason}"
        try:
            after = case.returned(
                task.id, named_body=command.named_body, note=note, rerouted=bool(decision.rerouted_to)
            )
        except IllegalTransition as error:
            raise refused(error) from error
        await store.save(case, after)
        detail = f"{task.assignee_code} returned the task: {note}. {decision.outcome}: {decision.why}"
        await record(
            uow, Transition.of_task(task, command.actor.name, "returned", detail, {"outcome": decision.outcome})
        )
        await _settle(uow, case, task, decision, command)
        returned = _returned(after, task, decision, command)
        await uow.emit(returned, about=str(task.id))
        await uow.commit()
    return returned


async def _decide(store: DispatchStore, case: Case, task: Task, command: ReturnTask) -> ReturnDecision:
    """The catalogue in force settles the return, or leaves it to district arbitration."""
    standing = {t.assignee_code for t in case.tasks if t.standing}
    return settle_return(
        entry=await entry_in_force(store, case.item_code, command.now),
        returning=task.assignee_code,
        named=command.named_body,
        returns_before=case.return_count,
        assignees=frozenset(standing - {task.assignee_code}),
    )


async def _settle(uow: UnitOfWork, case: Case, task: Task, decision: ReturnDecision, command: ReturnTask) -> None:
    """A re-route sends a new task; an unsettled primary return goes to arbitration; an unsettled co-operating
    unit's dispute does not hold the case up (the office sees it in the timeline)."""
    if decision.rerouted_to is None:
        if task.primary:
            await record(uow, Transition(case.id, "dispatch", "arbitration", decision.why))
        return
    entry = await entry_in_force(uow.repository(DispatchStore), case.item_code, command.now)
    rerouted = AssignTask(
        case=case,
        assignee_code=decision.rerouted_to,
        role=task.role,
        reason=f"re-routed (改派): {decision.why}",
        catalogue_version=entry.version if entry else task.catalogue_version,
        time_limit=entry.time_limit if entry else task.time_limit,
        now=command.now,
        actor="dispatch",
        ack_within_h=command.ack_within_h,
    )
    await assign(uow, rerouted)


def _returned(after: Case, task: Task, decision: ReturnDecision, command: ReturnTask) -> TaskReturned:
    return TaskReturned(
        task_id=task.id,
        case_id=after.id,
        assignee_code=task.assignee_code,
        named_body=command.named_body,
        citation=command.citation,
        reason=command.reason,
        outcome=decision.outcome,
        rerouted_to=decision.rerouted_to,
        returns_on_case=after.return_count,
    )
