"""派发: a task sent to an assignee, with its deadlines on the working calendar, noted and on the bus."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from contracts import TimeLimit
from contracts.events.dispatch import TaskAssigned, TaskRole
from services.dispatch.domain import Deadline, RoutingEntry, TaskStatus, WorkingCalendar, in_force
from services.dispatch.domain.calendar import CHINA
from services.dispatch.domain.case import KIND_LIMITS, Case, Task
from services.dispatch.service.commands import ArbitrateCase, DispatchByHand, ReopenCase
from services.dispatch.service.recording import Transition, record
from services.dispatch.store import DispatchStore
from services.runtime.uow import UnitOfWork


@dataclass(frozen=True)
class AssignTask:
    """Send ``case`` to ``assignee_code`` in ``role``, for ``reason``, under the catalogue version and limit given.

    ``ack_within_h``: working hours the assignee has to acknowledge (签收时限); None for a whistle's summons,
    which has its own report-in time (``report_by``, 报到)."""

    case: Case
    assignee_code: str
    role: TaskRole
    reason: str
    catalogue_version: int
    time_limit: TimeLimit | None
    now: datetime
    actor: str
    ack_within_h: float | None
    report_by: datetime | None = None
    whistle_id: uuid.UUID | None = None

    @property
    def kind_limit(self) -> TimeLimit | None:
        """The case kind's own limit (帮办代办, 适老): the earlier deadline wins, however the task is sent
        (intake, by hand, reopened, arbitrated, re-routed, summoned)."""
        return KIND_LIMITS.get(self.case.kind)


async def calendar(store: DispatchStore) -> WorkingCalendar:
    return WorkingCalendar.of(await store.notices())


async def entry_in_force(store: DispatchStore, item_code: str, at: datetime) -> RoutingEntry | None:
    """The catalogue version of the item in force at ``at`` (a version published ahead of its date waits)."""
    return in_force(await store.versions(item_code), at.astimezone(CHINA).date())


async def primary_task(
    store: DispatchStore,
    case: Case,
    assignee_code: str,
    reason: str,
    command: ArbitrateCase | DispatchByHand | ReopenCase,
) -> AssignTask:
    """The office's primary task for ``case`` (by hand, reopened, arbitrated), under the catalogue in force."""
    entry = await entry_in_force(store, case.item_code, command.now)
    return AssignTask(
        case=case,
        assignee_code=assignee_code,
        role=TaskRole.PRIMARY,
        reason=reason,
        catalogue_version=entry.version if entry else 1,
        time_limit=entry.time_limit if entry else None,
        now=command.now,
        actor=command.actor.name,
        ack_within_h=command.ack_within_h,
    )


async def assign(
    uow: UnitOfWork, command: AssignTask, *, working: WorkingCalendar | None = None, cause: uuid.UUID | None = None
) -> Task:
    """派发: store the task with its deadlines, note it, and send it on the assignee's own subject.

    ``working``: the calendar, when the caller read it already; ``cause``: the event the task follows from."""
    store = uow.repository(DispatchStore)
    task = new_task(command, working or await calendar(store))
    store.add_task(task)
    await record(uow, _assigned(command, task), cause=cause)
    await uow.emit(_event(command, task), about=str(task.id), token=task.assignee_code, cause=cause)
    return task


def new_task(command: AssignTask, working: WorkingCalendar) -> Task:
    deadline = _earliest(working, command.now, (command.time_limit, command.kind_limit))
    ack_by = working.add_working_seconds(command.now, command.ack_within_h * 3600) if command.ack_within_h else None
    return Task(
        id=uuid.uuid4(),
        case_id=command.case.id,
        assignee_code=command.assignee_code,
        role=command.role,
        status=TaskStatus.ASSIGNED,
        catalogue_version=command.catalogue_version,
        routing_reason=command.reason,
        assigned_at=command.now,
        time_limit=command.time_limit,
        due_at=deadline.due_at if deadline else None,
        calendar_warning=deadline.warning if deadline else None,
        report_by=command.report_by,
        whistle_id=command.whistle_id,
        ack_by=ack_by,
    )


def _earliest(working: WorkingCalendar, now: datetime, limits: tuple[TimeLimit | None, ...]) -> Deadline | None:
    deadlines = [working.deadline(now, limit) for limit in limits if limit is not None]
    return min(deadlines, key=_due, default=None)


def _due(deadline: Deadline) -> datetime:
    return deadline.due_at


def _assigned(command: AssignTask, task: Task) -> Transition:
    due = f", due {task.due_at.isoformat()}" if task.due_at else ""
    due += f", acknowledge by {task.ack_by.isoformat()}" if task.ack_by else ""
    warning = f" (warning: {task.calendar_warning})" if task.calendar_warning else ""
    after = {
        "assignee_code": task.assignee_code,
        "role": task.role,
        "due_at": task.due_at and task.due_at.isoformat(),
        "ack_by": task.ack_by and task.ack_by.isoformat(),
    }
    detail = f"{task.assignee_code}: {task.routing_reason}{due}{warning}"
    return Transition(task.case_id, command.actor, "assigned", detail, f"task:{task.id}", None, after)


def _event(command: AssignTask, task: Task) -> TaskAssigned:
    case = command.case
    return TaskAssigned(
        task_id=task.id,
        case_id=case.id,
        assignee_code=task.assignee_code,
        role=task.role,
        item_code=case.item_code,
        street_code=case.street_code,
        catalogue_version=task.catalogue_version,
        routing_reason=task.routing_reason,
        description=case.description,
        assigned_at=task.assigned_at,
        due_at=task.due_at,
        whistle_id=task.whistle_id,
        acknowledge_by=task.ack_by,
    )
