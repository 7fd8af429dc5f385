"""Deferrals (延期/缓办): the assignee asks, the office approves (extend or pause) or refuses; the office resumes.

An approved extension moves the due time on the working calendar; an approved pause stops the clock until the
office resumes it, and the working time left then runs from the resume.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

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
from services.dispatch.service.recording import (
    Actor,
    calendar,
    locked_case,
    own_task,
    record_task,
    refused,
    task_to_move,
)
from services.dispatch.store import DispatchStore
from services.runtime.errors import Conflict
from services.runtime.uow import UnitOfWork


async def request_deferral(
    uow: UnitOfWork, task_id: uuid.UUID, *, reason: str, extension: TimeLimit | None, actor: Actor, now: datetime
) -> uuid.UUID:
    """延期/缓办申请 by the assignee, before its deadline passes; the office decides."""
    deferral_id = uuid.uuid4()
    async with uow:
        store = DispatchStore(uow.session)
        task = await task_to_move(store, task_id, actor, "defer")
        pending = await store.pending_deferral(task_id)
        _checked(check_request, _clock(task, pending), extension=extension, now=now)
        await store.add_deferral(
            id=deferral_id,
            task_id=task_id,
            status=DeferralStatus.PENDING,
            reason=reason,
            extension=extension.model_dump(mode="json") if extension else None,
            requested_by=actor.name,
            requested_at=now,
        )
        detail = f"{task.assignee_code} asks for {_what(extension)}: {reason}"
        await record_task(uow, store, task, actor, "deferral_requested", detail, {"deferral_id": str(deferral_id)})
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
        store = DispatchStore(uow.session)
        task = await task_to_move(store, task_id, actor, "defer")
        pending = await store.pending_deferral(task_id)
        extension = TimeLimit.model_validate(pending.extension) if pending and pending.extension else None
        _checked(check_approval, _clock(task, pending), extension=extension)
        assert pending is not None
        reason = f"{pending.reason}; approved: {note}"
        due: datetime | None = task.due_at
        if extension is None:
            await _pause(uow, store, task, actor, reason=reason, now=now, deferral_id=pending.id)
        else:
            due = await _extend(uow, store, task, actor, extension, reason=reason, now=now, deferral_id=pending.id)
        await store.update_deferral(
            pending.id,
            status=DeferralStatus.APPROVED,
            decided_by=actor.name,
            decided_at=now,
            decision_note=note,
            previous_due_at=task.due_at,
            new_due_at=due,
        )
        await uow.commit()
    return due


async def reject_deferral(uow: UnitOfWork, task_id: uuid.UUID, *, note: str, actor: Actor, now: datetime) -> None:
    """The office refuses the pending request; the deadline stands."""
    async with uow:
        store = DispatchStore(uow.session)
        task = await own_task(store, task_id, actor)
        await locked_case(store, task.case_id)
        pending = await store.pending_deferral(task_id)
        if pending is None:
            raise Conflict("the task has no deferral request awaiting the office", field="status")
        await store.update_deferral(
            pending.id, status=DeferralStatus.REJECTED, decided_by=actor.name, decided_at=now, decision_note=note
        )
        detail = f"the office refused {_what(_extension(pending))}: {note}"
        await record_task(uow, store, task, actor, "deferral_rejected", detail, {"deferral_id": str(pending.id)})
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
) -> Sequence[Any]:
    """A task's deferral requests (its assignee or the office), or the office's whole queue."""
    async with uow:
        store = DispatchStore(uow.session)
        if task_id is not None:
            await own_task(store, task_id, actor)
        return await store.deferrals_of(task_id, status=status, limit=limit)


async def pause_task(uow: UnitOfWork, task_id: uuid.UUID, *, reason: str, actor: Actor, now: datetime) -> None:
    """The office stops the task's clock (缓办) on its own motion, until it is resumed."""
    async with uow:
        store = DispatchStore(uow.session)
        task = await task_to_move(store, task_id, actor, "pause")
        await _pause(uow, store, task, actor, reason=reason, now=now, deferral_id=None)
        await uow.commit()


async def resume_task(
    uow: UnitOfWork, task_id: uuid.UUID, *, reason: str, actor: Actor, now: datetime
) -> datetime | None:
    """The clock runs again: the working time left when it stopped runs from now."""
    async with uow:
        store = DispatchStore(uow.session)
        task = await task_to_move(store, task_id, actor, "resume")
        if task.paused_at is None:
            raise refused(IllegalTransition("the task", "resume", "running", ["paused"]))
        due = None
        if task.due_at is not None:
            unit = TimeLimit.model_validate(task.time_limit).unit if task.time_limit else TimeUnit.WORKING_DAY
            resumed = (await calendar(store)).resumed(
                due_at=task.due_at, paused_at=task.paused_at, resumed_at=now, unit=unit
            )
            due = resumed.due_at
        await store.update_task(task_id, paused_at=None, due_at=due)
        detail = f"clock resumed: {reason}" + (f"; now due {due.isoformat()}" if due else "")
        await record_task(uow, store, task, actor, "resumed", detail, {"due_at": due and due.isoformat()})
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


async def _pause(
    uow: UnitOfWork,
    store: DispatchStore,
    task: Any,
    actor: Actor,
    *,
    reason: str,
    now: datetime,
    deferral_id: uuid.UUID | None,
) -> None:
    if task.paused_at is not None:
        raise refused(IllegalTransition("the task", "pause", "paused", ["running"]))
    await store.update_task(task.id, paused_at=now)
    await record_task(uow, store, task, actor, "deferred", f"clock paused (缓办): {reason}", {"paused_at": str(now)})
    event = TaskDeferred(
        task_id=task.id,
        case_id=task.case_id,
        assignee_code=task.assignee_code,
        paused=True,
        reason=reason,
        deferral_id=deferral_id,
        previous_due_at=task.due_at,
    )
    await uow.emit(event, about=str(task.id))


async def _extend(
    uow: UnitOfWork,
    store: DispatchStore,
    task: Any,
    actor: Actor,
    extension: TimeLimit,
    *,
    reason: str,
    now: datetime,
    deferral_id: uuid.UUID,
) -> datetime:
    extended = (await calendar(store)).extended(task.due_at, extension)
    due = extended.due_at
    lifted = {"overdue_at": None} if due > now else {}  # asked for in time: a flag raised meanwhile is lifted
    await store.update_task(task.id, due_at=due, calendar_warning=extended.warning or task.calendar_warning, **lifted)
    detail = f"deadline extended by {_what(extension)}, {task.due_at.isoformat()} → {due.isoformat()}: {reason}"
    await record_task(uow, store, task, actor, "extended", detail, {"due_at": due.isoformat()})
    event = TaskDeferred(
        task_id=task.id,
        case_id=task.case_id,
        assignee_code=task.assignee_code,
        paused=task.paused_at is not None,
        reason=reason,
        due_at=due,
        deferral_id=deferral_id,
        extended_by=extension,
        previous_due_at=task.due_at,
    )
    await uow.emit(event, about=str(task.id))
    return due


def _clock(task: Any, pending: Any) -> ClockState:
    return ClockState(
        due_at=task.due_at, overdue_at=task.overdue_at, paused_at=task.paused_at, pending=pending is not None
    )


def _checked(check: Callable[..., None], clock: ClockState, **kwargs: Any) -> None:
    try:
        check(clock, **kwargs)
    except DeferralRefused as error:
        raise Conflict(str(error), field=error.field) from error


def _extension(row: Any) -> TimeLimit | None:
    return TimeLimit.model_validate(row.extension) if row.extension else None


def _what(extension: TimeLimit | None) -> str:
    if extension is None:
        return "a pause of the clock (缓办)"
    return f"an extension of {extension.value} {extension.unit.replace('_', ' ')}(s) (延期)"
