"""The case (案件) and its tasks (任务) as one aggregate: verify (核查), complete (办结), close (结案), rate (评价),
and when a task is late (超期). Pure: frozen dataclasses in, frozen dataclasses out; a store saves the difference.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import cast

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.dispatch import CaseOutcome, OverdueStage, TaskRole
from services.dispatch.domain.lifecycle import LIVE_TASK, CaseStatus, TaskStatus, case_move, check_closure, task_move


class CaseKind(StrEnum):
    """案件类型: what kind of request a case is; each kind has its own time limit and counts."""

    REPORT = "report"  # 上报: a problem reported (12345, grid worker, citizen)
    ASSISTED = "assisted"  # 帮办代办 (小龙帮办): a helper handles a service for a resident
    ELDERLY = "elderly"  # 适老: a request from or for an elderly resident, served first


KIND_LIMITS: Mapping[CaseKind, TimeLimit] = {
    CaseKind.ASSISTED: TimeLimit(value=5, unit=TimeUnit.WORKING_DAY),  # 帮办代办: seen through within a working week
    CaseKind.ELDERLY: TimeLimit(value=1, unit=TimeUnit.WORKING_DAY),  # 适老: served first, by the next working day
}
"""Each kind's own time limit: a task's deadline is the earlier of its item's limit and its case kind's."""

SATISFIED_FROM = 4
"""满意度: a score of 4 or 5 counts as satisfied (满意), as the 12345 evaluation counts it."""


@dataclass(frozen=True)
class Task:
    """A task (任务) one assignee holds on a case, with its clocks: report-in, acknowledgement, handling."""

    id: uuid.UUID
    case_id: uuid.UUID
    assignee_code: str
    role: TaskRole
    status: TaskStatus
    catalogue_version: int
    routing_reason: str
    assigned_at: datetime
    time_limit: TimeLimit | None = None
    due_at: datetime | None = None
    calendar_warning: str | None = None
    paused_at: datetime | None = None
    acknowledged_at: datetime | None = None
    completed_at: datetime | None = None
    result: str | None = None
    overdue_at: datetime | None = None
    whistle_id: uuid.UUID | None = None
    report_by: datetime | None = None
    report_late_at: datetime | None = None
    ack_by: datetime | None = None
    ack_late_at: datetime | None = None
    returned_to: str | None = None
    return_note: str | None = None

    @property
    def primary(self) -> bool:
        return self.role == TaskRole.PRIMARY

    @property
    def standing(self) -> bool:
        """Still part of the case's work: neither returned (退回) nor cancelled."""
        return self.status not in (TaskStatus.RETURNED, TaskStatus.CANCELLED)

    def moved(self, action: str) -> TaskStatus:
        """The status ``action`` leads to; raises ``IllegalTransition`` if the lifecycle forbids it."""
        return task_move(action, self.status, task=f"task {self.id}")

    def acknowledge(self, now: datetime) -> Task:
        return replace(self, status=self.moved("acknowledge"), acknowledged_at=now)

    def acknowledged_late(self, now: datetime) -> bool:
        """签收/报到 after its time: a whistle's report-in time, else the acknowledgement time."""
        by = self.report_by or self.ack_by
        return by is not None and now > by

    def complete(self, result: str, now: datetime) -> Task:
        return replace(self, status=self.moved("complete"), completed_at=now, result=result)

    def finished_on_time(self) -> bool:
        """Done by its due time (no due time: on time)."""
        return self.due_at is None or (self.completed_at is not None and self.completed_at <= self.due_at)

    def late_at(self, now: datetime) -> tuple[Lateness, ...]:
        """The deadlines this task has passed at ``now`` and not been flagged for yet."""
        return tuple(rule for rule in LATENESS if rule.applies(self, now))

    def flagged(self, rule: Lateness, now: datetime) -> Task:
        flags: dict[str, datetime] = {rule.flag: now}
        return replace(self, **flags)  # type: ignore[arg-type]  # the rule names a flag field


@dataclass(frozen=True)
class Lateness:
    """One deadline a live task can pass (超期): its stage, the field holding the deadline, the field the sweep
    sets when it flags it, and the fields that, when set, mean the deadline no longer runs.

    The sweep's SQL filter is built from these same rules (``DispatchStore.overdue_candidates``)."""

    stage: OverdueStage
    deadline: str
    flag: str
    stopped_by: tuple[str, ...]

    def due(self, task: Task) -> datetime | None:
        return cast(datetime | None, getattr(task, self.deadline))

    def applies(self, task: Task, now: datetime) -> bool:
        due = self.due(task)
        if task.status not in LIVE_TASK or due is None or not due < now:
            return False
        return all(cast(object, getattr(task, name)) is None for name in (self.flag, *self.stopped_by))


LATENESS = (
    Lateness(OverdueStage.REPORT, "report_by", "report_late_at", ("acknowledged_at",)),  # 报到超时
    Lateness(OverdueStage.ACKNOWLEDGE, "ack_by", "ack_late_at", ("acknowledged_at", "paused_at")),  # 签收超时
    Lateness(OverdueStage.HANDLE, "due_at", "overdue_at", ("paused_at",)),  # 办理超期
)
"""A paused clock (缓办) stops acknowledgement and handling, not a whistle's report-in: a summoned department
reports whatever else its task waits for."""


@dataclass(frozen=True)
class Case:
    """A case (案件) with its tasks: the aggregate every move on a case goes through."""

    id: uuid.UUID
    source_system: str
    source_id: str
    item_code: str
    grid_code: str | None
    street_code: str | None
    description: str
    status: CaseStatus
    reported_at: datetime
    refusal: str | None = None
    received_at: datetime | None = None
    address: str | None = None
    lat: float | None = None
    long: float | None = None
    updated_at: datetime | None = None
    outcome: CaseOutcome | None = None
    outcome_body: str | None = None
    closing_note: str | None = None
    closed_at: datetime | None = None
    satisfied: bool | None = None
    score: int | None = None
    rework_count: int = 0
    return_count: int = 0
    triage_reason: str | None = None
    placement: str | None = None
    reopen_count: int = 0
    kind: CaseKind = CaseKind.REPORT
    recorded_by: str | None = None
    tasks: tuple[Task, ...] = ()

    def moved(self, action: str) -> CaseStatus:
        """The status ``action`` leads to; raises ``IllegalTransition`` if the lifecycle forbids it."""
        return case_move(action, self.status)

    def task(self, task_id: uuid.UUID) -> Task:
        return next(task for task in self.tasks if task.id == task_id)

    def with_task(self, task: Task) -> Case:
        """The case with ``task`` added, or put in place of the task with its id."""
        if all(t.id != task.id for t in self.tasks):
            return replace(self, tasks=(*self.tasks, task))
        return replace(self, tasks=tuple(task if t.id == task.id else t for t in self.tasks))

    def verify(self, *, passed: bool) -> Case:
        """核查: pass, or rework (返工): completed primary tasks go back to their assignees, the clock running."""
        if passed:
            return replace(self, status=self.moved("verify"))
        tasks = tuple(replace(t, status=t.moved("rework")) if _reworked(t) else t for t in self.tasks)
        return replace(self, status=self.moved("rework"), rework_count=self.rework_count + 1, tasks=tasks)

    @property
    def handled(self) -> bool:
        """已处置: every standing primary task is completed (and there is one)."""
        primaries = [t for t in self.tasks if t.primary and t.standing]
        return bool(primaries) and all(t.status == TaskStatus.COMPLETED for t in primaries)

    def complete(self, task_id: uuid.UUID, *, result: str, now: datetime) -> Case:
        """办结 of one task; the case awaits verification (待核查) once every primary task is done."""
        done = self.with_task(self.task(task_id).complete(result, now))
        if done.status == CaseStatus.DISPATCHED and done.handled:
            return replace(done, status=done.moved("handle"))
        return done

    def close(self, outcome: CaseOutcome, *, responsible_body: str | None, note: str, now: datetime) -> Case:
        """结案 with a typed outcome; the tasks still live are cancelled. Raises ``ValueError`` for a
        not-responsible outcome without the responsible body, ``IllegalTransition`` for a move not allowed."""
        status = self.moved("close")
        check_closure(self.status, outcome, responsible_body)
        tasks = tuple(replace(t, status=t.moved("cancel")) if t.status in LIVE_TASK else t for t in self.tasks)
        return replace(
            self,
            status=status,
            tasks=tasks,
            outcome=outcome,
            outcome_body=responsible_body,
            closing_note=note,
            closed_at=now,
        )

    @property
    def on_time(self) -> bool:
        """Every completed primary task was done by its due time."""
        return all(t.finished_on_time() for t in self.tasks if t.primary and t.status == TaskStatus.COMPLETED)

    def arbitrated(self) -> Case:
        """区级仲裁 decided: the case is dispatched again (to the body the office names)."""
        return replace(self, status=self.moved("arbitrate"))

    def returned(self, task_id: uuid.UUID, *, named_body: str, note: str, rerouted: bool) -> Case:
        """退回 of one task: counted on the case (推诿 made visible); a primary task not re-routed sends the case
        to district arbitration (区级仲裁)."""
        task = self.task(task_id)
        back = replace(task, status=task.moved("return"), returned_to=named_body, return_note=note)
        after = replace(self.with_task(back), return_count=self.return_count + 1)
        if not task.primary:
            return after
        return replace(after, status=after.moved("reroute" if rerouted else "escalate"))

    def rate(self, score: int) -> Case:
        """满意度: the reporter's score; 4 and 5 count as satisfied."""
        return replace(self, status=self.moved("rate"), score=score, satisfied=satisfied(score))

    @property
    def refused_by_office(self) -> bool:
        """不予受理 by the office out of triage: its reason was written for the reporter to read."""
        return self.status == CaseStatus.NOT_ACCEPTED and self.triage_reason is not None

    def assigned_by_hand(self, street_code: str) -> Case:
        """人工派遣: the office takes the case out of triage, in the street it names (or the one it had)."""
        return replace(self, status=self.moved("assign_by_hand"), street_code=street_code)

    def refused(self, reason: str) -> Case:
        """不予受理 by the office, out of triage: the reason is what the reporter reads."""
        return replace(self, status=self.moved("refuse"), refusal=reason)

    def reopen(self, *, now: datetime, window: timedelta) -> Case:
        """重新打开: a closed case opens again, once, within ``window`` of its closing; the old outcome goes."""
        status = self.moved("reopen")
        if self.reopen_count >= MAX_REOPENS:
            raise ReopenRefused(f"the case was reopened {self.reopen_count} time(s) already; {MAX_REOPENS} at most")
        if self.closed_at is None or now > self.closed_at + window:
            raise ReopenRefused(f"the case can be reopened within {window.days} day(s) of its closing only")
        return replace(
            self,
            status=status,
            reopen_count=self.reopen_count + 1,
            outcome=None,
            outcome_body=None,
            closing_note=None,
            closed_at=None,
            satisfied=None,
            score=None,
        )


MAX_REOPENS = 1
"""A case reopens once (as the Open311 anchors allow); after that a new report is a new case."""


class ReopenRefused(ValueError):
    """Reopening refused: too late, or reopened already."""


def satisfied(score: int) -> bool:
    return score >= SATISFIED_FROM


def _reworked(task: Task) -> bool:
    return task.primary and task.status == TaskStatus.COMPLETED
