"""Deferrals (延期/缓办): the assignee asks, the office approves (extend or pause) or refuses; the office resumes.

An approved extension moves the due time on the working calendar; an approved pause stops the clock until the
office resumes it, and the working time left then runs from the resume.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.dispatch import DeferralRejected, DeferralRequested, TaskDeferred
from services.dispatch.domain import (
    ClockState,
    DeferralRefused,
    DeferralStatus,
    IllegalTransition,
    check_approval,
    check_request,
)
from services.dispatch.domain.case import Task
from services.dispatch.domain.records import Deferral
from services.dispatch.service.access import Actor, locked_case, own_task, refused, task_to_move
from services.dispatch.service.assigning import calendar
from services.dispatch.service.recording import Transition, record
from services.dispatch.store import DispatchStore
from services.runtime.errors import Conflict
from services.runtime.uow import UnitOfWork


async def request_deferral(
    uow: UnitOfWork, task_id: uuid.UUID, *, reason: str, extension: TimeLimit | None, actor: Actor, now: datetime
) -> uuid.UUID:
    """延期/缓办申请 by the assignee, before its deadline passes; the office decides."""
    deferral_id = uuid.uuid4()
    async with uow:
        store = uow.repository(DispatchStore)
        task = (await task_to_move(store, task_id, actor, "defer")).task(task_id)
        pending = await store.pending_deferral(task_id)
        _checked(lambda: check_request(_clock(task, pending), extension=extension, now=now))
        asked = Deferral(deferral_id, task_id, DeferralStatus.PENDING, reason, extension, actor.name, now)
        await store.add_deferral(asked)
        detail = f"{task.assignee_code} asks for {_what(extension)}: {reason}"
        after = {"deferral_id": str(deferral_id)}
        await record(uow, Transition.of_task(task, actor.name, "deferral_requested", detail, after))
        event = DeferralRequested(
            deferral_id=deferral_id,
            task_id=task_id,
            case_id=task.case_id,
            assignee_code=task.assignee_code,
            reason=reason,
            extension=extension,
            due_at=task.due_at,
            requested_at=now,
        )
        await uow.emit(event, about=str(task_id))
        await uow.commit()
    return deferral_id


async def approve_deferral(
    uow: UnitOfWork, task_id: uuid.UUID, *, note: str, actor: Actor, now: datetime
) -> datetime | None:
    """The office approves the pending request: an extension moves the due time, a pause stops the clock."""
    async with uow:
        store = uow.repository(DispatchStore)
        task = (await task_to_move(store, task_id, actor, "defer")).task(task_id)
        pending = await store.pending_deferral(task_id)
        extension = pending.extension if pending else None
        _checked(lambda: check_approval(_clock(task, pending), extension=extension))
        assert pending is not None
        change = _Change(task, actor, f"{pending.reason}; approved: {note}", now, pending.id)
        due = task.due_at if extension is None else None
        if extension is None:
            await _pause(uow, change)
        else:
            due = await _extend(uow, change, extension)
        approved = replace(
            pending,
            status=DeferralStatus.APPROVED,
            previous_due_at=task.due_at,
            new_due_at=due,
            decided_by=actor.name,
            decided_at=now,
            decision_note=note,
        )
        await store.save_deferral(pending, approved)
        await uow.commit()
    return due


async def reject_deferral(uow: UnitOfWork, task_id: uuid.UUID, *, note: str, actor: Actor, now: datetime) -> None:
    """The office refuses the pending request; the deadline stands."""
    async with uow:
        store = uow.repository(DispatchStore)
        task = await own_task(store, task_id, actor)
        await locked_case(store, task.case_id)
        pending = await store.pending_deferral(task_id)
        if pending is None:
            raise Conflict("the task has no deferral request awaiting the office", field="status")
        await store.save_deferral(
            pending,
            replace(pending, status=DeferralStatus.REJECTED, decided_by=actor.name, decided_at=now, decision_note=note),
        )
        detail = f"the office refused {_what(pending.extension)}: {note}"
        after = {"deferral_id": str(pending.id)}
        await record(uow, Transition.of_task(task, actor.name, "deferral_rejected", detail, after))
        event = DeferralRejected(
            deferral_id=pending.id,
            task_id=task_id,
            case_id=task.case_id,
            assignee_code=task.assignee_code,
            note=note,
            decided_at=now,
        )
        await uow.emit(event, about=str(task_id))
        await uow.commit()


async def deferrals_of(
    uow: UnitOfWork, task_id: uuid.UUID | None, *, actor: Actor, status: DeferralStatus | None, limit: int
) -> Sequence[Deferral]:
    """A task's deferral requests (its assignee or the office), or the office's whole queue."""
    async with uow:
        store = uow.repository(DispatchStore)
        if task_id is not None:
            await own_task(store, task_id, actor)
        return await store.deferrals_of(task_id, status=status, limit=limit)


async def pause_task(uow: UnitOfWork, task_id: uuid.UUID, *, reason: str, actor: Actor, now: datetime) -> None:
    """The office stops the task's clock (缓办) on its own motion, until it is resumed."""
    async with uow:
        store = uow.repository(DispatchStore)
        task = (await task_to_move(store, task_id, actor, "pause")).task(task_id)
        await _pause(uow, _Change(task, actor, reason, now, None))
        await uow.commit()


async def resume_task(
    uow: UnitOfWork, task_id: uuid.UUID, *, reason: str, actor: Actor, now: datetime
) -> datetime | None:
    """The clock runs again: the working time left when it stopped runs from now."""
    async with uow:
        store = uow.repository(DispatchStore)
        task = (await task_to_move(store, task_id, actor, "resume")).task(task_id)
        if task.paused_at is None:
            raise refused(IllegalTransition("the task", "resume", "running", ["paused"]))
        due = None
        if task.due_at is not None:
            unit = task.time_limit.unit if task.time_limit else TimeUnit.WORKING_DAY
            resumed = (await calendar(store)).resumed(
                due_at=task.due_at, paused_at=task.paused_at, resumed_at=now, unit=unit
            )
            due = resumed.due_at
        await store.save_task(task, replace(task, paused_at=None, due_at=due))
        detail = f"clock resumed: {reason}" + (f"; now due {due.isoformat()}" if due else "")
        await record(uow, Transition.of_task(task, actor.name, "resumed", detail, {"due_at": due and due.isoformat()}))
        event = TaskDeferred(
            task_id=task_id,
            case_id=task.case_id,
            assignee_code=task.assignee_code,
            paused=False,
            reason=reason,
            due_at=due,
            previous_due_at=task.due_at,
        )
        await uow.emit(event, about=str(task_id))
        await uow.commit()
    return due


@dataclass(frozen=True)
class _Change:
    """A change to a task's clock: by whom, why, when, and the deferral approved for it (if one was)."""

    task: Task
    actor: Actor
    reason: str
    now: datetime
    deferral_id: uuid.UUID | None


async def _pause(uow: UnitOfWork, change: _Change) -> None:
    task = change.task
    if task.paused_at is not None:
        raise refused(IllegalTransition("the task", "pause", "paused", ["running"]))
    await uow.repository(DispatchStore).save_task(task, replace(task, paused_at=change.now))
    detail = f"clock paused (缓办): {change.reason}"
    paused = {"paused_at": str(change.now)}
    await record(uow, Transition.of_task(task, change.actor.name, "deferred", detail, paused))
    event = TaskDeferred(
        task_id=task.id,
        case_id=task.case_id,
        assignee_code=task.assignee_code,
        paused=True,
        reason=change.reason,
        deferral_id=change.deferral_id,
        previous_due_at=task.due_at,
    )
    await uow.emit(event, about=str(task.id))


async def _extend(uow: UnitOfWork, change: _Change, extension: TimeLimit) -> datetime:
    task, store = change.task, uow.repository(DispatchStore)
    assert task.due_at is not None  # check_request refuses a deferral of a task without a deadline
    extended = (await calendar(store)).extended(task.due_at, extension)
    due = extended.due_at
    lifted = None if due > change.now else task.overdue_at  # asked for in time: a flag raised meanwhile is lifted
    warning = extended.warning or task.calendar_warning
    await store.save_task(task, replace(task, due_at=due, calendar_warning=warning, overdue_at=lifted))
    detail = f"deadline extended by {_what(extension)}, {task.due_at.isoformat()} → {due.isoformat()}: {change.reason}"
    await record(uow, Transition.of_task(task, change.actor.name, "extended", detail, {"due_at": due.isoformat()}))
    event = TaskDeferred(
        task_id=task.id,
        case_id=task.case_id,
        assignee_code=task.assignee_code,
        paused=task.paused_at is not None,
        reason=change.reason,
        due_at=due,
        deferral_id=change.deferral_id,
        extended_by=extension,
        previous_due_at=task.due_at,
    )
    await uow.emit(event, about=str(task.id))
    return due


def _clock(task: Task, pending: Deferral | None) -> ClockState:
    return ClockState(
        due_at=task.due_at, overdue_at=task.overdue_at, paused_at=task.paused_at, pending=pending is not None
    )


def _checked(check: Callable[[], None]) -> None:
    try:
        check()
    except DeferralRefused as error:
        raise Conflict(str(error), field=error.field) from error


def _what(extension: TimeLimit | None) -> str:
    if extension is None:
        return "a pause of the clock (缓办)"
    return f"an extension of {extension.value} {extension.unit.replace('_', ' ')}(s) (延期)"
