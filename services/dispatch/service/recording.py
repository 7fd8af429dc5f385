"""What every use case does when something moves: timeline entry, audit row, and tasks sent out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts import TimeLimit
from contracts.events.dispatch import TaskAssigned, TaskRole
from services.dispatch.domain import IllegalTransition, RoutingEntry, TaskStatus, WorkingCalendar, in_force, task_move
from services.dispatch.domain.calendar import CHINA
from services.dispatch.store import DispatchStore
from services.runtime.errors import Conflict, NotFound
from services.runtime.telemetry import current_trace_id
from services.runtime.uow import UnitOfWork


@dataclass(frozen=True)
class Actor:
    """Who acts: the token's subject, and the organisations it acts for (None: the office, for everyone)."""

    name: str
    scopes: frozenset[str] | None = None

    def may_act_for(self, code: str | None) -> bool:
        return self.scopes is None or code in self.scopes


async def record(
    uow: UnitOfWork,
    store: DispatchStore,
    case_id: uuid.UUID,
    *,
    actor: str,
    action: str,
    detail: str,
    entity: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """One transition: a timeline entry (who, when, why, trace id) and an audit row, in the caller's transaction."""
    await store.note(case_id, actor=actor, action=action, detail=detail, trace_id=current_trace_id())
    await uow.audit(action=action, entity=entity or f"case:{case_id}", before=before, after=after)


async def calendar(store: DispatchStore) -> WorkingCalendar:
    return WorkingCalendar.of(await store.notices())


async def entry_in_force(store: DispatchStore, item_code: str, at: datetime) -> RoutingEntry | None:
    """The catalogue version of the item in force at ``at`` (a version published ahead of its date waits)."""
    return in_force(await store.versions(item_code), at.astimezone(CHINA).date())


@dataclass(frozen=True)
class NewTask:
    case: Any
    assignee_code: str
    role: TaskRole
    reason: str
    catalogue_version: int
    time_limit: TimeLimit | None
    report_by: datetime | None = None
    whistle_id: uuid.UUID | None = None


async def assign(
    uow: UnitOfWork,
    store: DispatchStore,
    task: NewTask,
    *,
    now: datetime,
    actor: str,
    ack_within_h: float | None,
    working: WorkingCalendar | None = None,
) -> uuid.UUID:
    """派发: store the task with its deadlines, note it, and send it on the assignee's own subject.

    ``ack_within_h``: working hours the assignee has to acknowledge (签收时限); None for a whistle's summons,
    which has its own report-in time (报到). ``working``: the calendar, when the caller read it already.
    """
    task_id = uuid.uuid4()
    if working is None:
        working = await calendar(store)
    deadline = working.deadline(now, task.time_limit) if task.time_limit else None
    ack_by = working.add_working_seconds(now, ack_within_h * 3600) if ack_within_h else None
    case = task.case
    await store.add_task(
        id=task_id,
        case_id=case.id,
        assignee_code=task.assignee_code,
        role=task.role,
        status="assigned",
        catalogue_version=task.catalogue_version,
        routing_reason=task.reason,
        assigned_at=now,
        time_limit=task.time_limit.model_dump(mode="json") if task.time_limit else None,
        due_at=deadline.due_at if deadline else None,
        calendar_warning=deadline.warning if deadline else None,
        report_by=task.report_by,
        whistle_id=task.whistle_id,
        ack_by=ack_by,
    )
    due = f", due {deadline.due_at.isoformat()}" if deadline else ""
    due += f", acknowledge by {ack_by.isoformat()}" if ack_by else ""
    warning = f" (warning: {deadline.warning})" if deadline and deadline.warning else ""
    await record(
        uow,
        store,
        case.id,
        actor=actor,
        action="assigned",
        detail=f"{task.assignee_code}: {task.reason}{due}{warning}",
        entity=f"task:{task_id}",
        after={
            "assignee_code": task.assignee_code,
            "role": task.role,
            "due_at": deadline and deadline.due_at.isoformat(),
            "ack_by": ack_by and ack_by.isoformat(),
        },
    )
    event = TaskAssigned(
        task_id=task_id,
        case_id=case.id,
        assignee_code=task.assignee_code,
        role=task.role,
        item_code=case.item_code,
        street_code=case.street_code,
        catalogue_version=task.catalogue_version,
        routing_reason=task.reason,
        description=case.description,
        assigned_at=now,
        due_at=deadline.due_at if deadline else None,
        whistle_id=task.whistle_id,
        acknowledge_by=ack_by,
    )
    await uow.emit(event, about=str(task_id), token=task.assignee_code)
    return task_id


async def own_task(store: DispatchStore, task_id: uuid.UUID, actor: Actor) -> Any:
    """The task, if the actor may see it: another assignee's task is as good as absent (404, not 403)."""
    task = await store.task(task_id)
    if task is None or not actor.may_act_for(task.assignee_code):
        raise NotFound(f"no task {task_id} among yours", field="task_id", location="path")
    return task


async def locked_case(store: DispatchStore, case_id: uuid.UUID) -> Any:
    case = await store.case(case_id, lock=True)
    if case is None:
        raise NotFound(f"no case {case_id}", field="case_id", location="path")
    return case


def refused(error: IllegalTransition) -> Conflict:
    return Conflict(str(error), field=error.field, location="body")


async def task_to_move(store: DispatchStore, task_id: uuid.UUID, actor: Actor, action: str) -> Any:
    """The actor's task, re-read under its case's lock, if the lifecycle allows ``action`` on it."""
    task = await own_task(store, task_id, actor)
    await locked_case(store, task.case_id)  # serialises moves on one case
    task = await store.task(task_id)  # re-read under the case lock
    assert task is not None
    try:
        task_move(action, TaskStatus(task.status), task=f"task {task_id}")
    except IllegalTransition as error:
        raise refused(error) from error
    return task


async def record_task(
    uow: UnitOfWork, store: DispatchStore, task: Any, actor: Actor, action: str, detail: str, after: dict[str, Any]
) -> None:
    """A task's move on its case's timeline, its audit row naming the task."""
    await record(
        uow,
        store,
        task.case_id,
        actor=actor.name,
        action=action,
        detail=detail,
        entity=f"task:{task.id}",
        before={"status": task.status},
        after=after,
    )
