"""事实: what the projection keeps of each case, task and whistle summons, and how an event becomes it. Pure.

Each event sets only the columns it knows (``FactRow``), so events may arrive in any order and twice: the
projection's storage merges them (store/facts.py), and a replay of the streams builds the same rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts.envelope import CloudEvent
from contracts.events.dispatch import (
    CaseAccepted,
    CaseClosed,
    CaseRated,
    CaseVerified,
    OverdueStage,
    TaskAcknowledged,
    TaskAssigned,
    TaskCompleted,
    TaskDeferred,
    TaskOverdue,
    TaskReturned,
    TaskRole,
    WhistleBlown,
)

DISTRICT = "district"
"""The organisation code under which the whole district's figure is kept (区级总体)."""


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """案件事实: one case's milestones; ``None`` for one not reached (or not yet heard of)."""

    case_id: uuid.UUID
    street_code: str | None = None
    accepted_at: datetime | None = None
    closed_at: datetime | None = None
    closed_on_time: bool | None = None
    outcome: str | None = None
    first_verified_at: datetime | None = None
    rework_count: int = 0
    rated_at: datetime | None = None
    satisfied: bool | None = None
    trace_id: str | None = None


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """任务事实: one dispatched task's milestones."""

    task_id: uuid.UUID
    case_id: uuid.UUID | None = None
    assignee_code: str | None = None
    role: str | None = None
    whistle_id: uuid.UUID | None = None
    assigned_at: datetime | None = None
    due_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_late: bool | None = None
    completed_at: datetime | None = None
    completed_on_time: bool | None = None
    returned_at: datetime | None = None
    returns_on_case: int = 0
    deferred: bool = False
    overdue_at: datetime | None = None
    trace_id: str | None = None


@dataclass(frozen=True, slots=True)
class Summons:
    """吹哨点名: one department summoned by one whistle, to report in (报到) by ``report_by``."""

    whistle_id: uuid.UUID
    department: str
    street_code: str
    blown_at: datetime
    report_by: datetime
    case_id: uuid.UUID | None = None


class Facts:
    """Everything one computation reads, with the indexes the indicators share, built once."""

    def __init__(self, cases: Iterable[CaseFacts], tasks: Iterable[TaskFacts], summons: Iterable[Summons]) -> None:
        self.cases = {case.case_id: case for case in cases}
        self.tasks = list(tasks)
        self.summons = list(summons)
        self.primaries: dict[uuid.UUID, set[str]] = {}
        self.whistle_tasks: dict[tuple[uuid.UUID, str], TaskFacts] = {}
        for task in self.tasks:
            self._index(task)

    def _index(self, task: TaskFacts) -> None:
        if task.case_id is not None and task.assignee_code is not None and task.role == TaskRole.PRIMARY:
            self.primaries.setdefault(task.case_id, set()).add(task.assignee_code)
        if task.whistle_id is not None and task.assignee_code is not None:
            self.whistle_tasks[(task.whistle_id, task.assignee_code)] = task

    def case_orgs(self, case: CaseFacts) -> tuple[str, ...]:
        """Who a case-level figure counts for: the district, the case's street and its primary assignees."""
        street = (case.street_code,) if case.street_code else ()
        return (DISTRICT, *street, *sorted(self.primaries.get(case.case_id, ())))

    def primary_orgs(self, case: CaseFacts) -> tuple[str, ...]:
        return (DISTRICT, *sorted(self.primaries.get(case.case_id, ())))


@dataclass(frozen=True)
class FactRow:
    """The columns one event sets in one projection table (``kind`` names the table and its merge rule)."""

    kind: str
    values: dict[str, Any]


def _accepted(e: CloudEvent[CaseAccepted], trace: str | None) -> list[FactRow]:
    d = e.data
    return [
        FactRow(
            "case_accepted",
            {"case_id": d.case_id, "street_code": d.street_code, "accepted_at": e.time, "trace_id": trace},
        )
    ]


def _closed(e: CloudEvent[CaseClosed], _: str | None) -> list[FactRow]:
    d = e.data
    values = {"case_id": d.case_id, "closed_at": d.closed_at, "closed_on_time": d.on_time, "outcome": d.outcome.value}
    return [FactRow("case_closed", values)]


def _verified(e: CloudEvent[CaseVerified], _: str | None) -> list[FactRow]:
    values = {"case_id": e.data.case_id, "first_verified_at": e.time, "rework_count": e.data.rework_count}
    return [FactRow("case_verified", values)]


def _rated(e: CloudEvent[CaseRated], _: str | None) -> list[FactRow]:
    return [FactRow("case_rated", {"case_id": e.data.case_id, "rated_at": e.time, "satisfied": e.data.satisfied})]


def _assigned(e: CloudEvent[TaskAssigned], trace: str | None) -> list[FactRow]:
    d = e.data
    values = {
        "task_id": d.task_id,
        "case_id": d.case_id,
        "assignee_code": d.assignee_code,
        "role": d.role.value,
        "whistle_id": d.whistle_id,
        "assigned_at": d.assigned_at,
        "due_at": d.due_at,
        "trace_id": trace,
    }
    return [FactRow("task_assigned", values)]


def _task(e: CloudEvent[Any], **values: Any) -> dict[str, Any]:
    """The columns every task event carries besides its own."""
    return {"task_id": e.data.task_id, "case_id": e.data.case_id, "assignee_code": e.data.assignee_code, **values}


def _acknowledged(e: CloudEvent[TaskAcknowledged], _: str | None) -> list[FactRow]:
    values = _task(e, acknowledged_at=e.data.acknowledged_at, acknowledged_late=e.data.late)
    return [FactRow("task_acknowledged", values)]


def _completed(e: CloudEvent[TaskCompleted], _: str | None) -> list[FactRow]:
    values = _task(e, completed_at=e.data.completed_at, completed_on_time=e.data.on_time)
    return [FactRow("task_completed", values)]


def _returned(e: CloudEvent[TaskReturned], _: str | None) -> list[FactRow]:
    return [FactRow("task_returned", _task(e, returned_at=e.time, returns_on_case=e.data.returns_on_case))]


def _deferred(e: CloudEvent[TaskDeferred], _: str | None) -> list[FactRow]:
    return [FactRow("task_deferred", _task(e, deferred=True))]


def _overdue(e: CloudEvent[TaskOverdue], _: str | None) -> list[FactRow]:
    if e.data.stage != OverdueStage.HANDLE:
        return []  # late acknowledgement and report-in are told by TaskAcknowledged.late
    return [FactRow("task_overdue", _task(e, overdue_at=e.data.due_at))]


def _whistle(e: CloudEvent[WhistleBlown], _: str | None) -> list[FactRow]:
    d = e.data
    common = {
        "whistle_id": d.whistle_id,
        "street_code": d.street_code,
        "blown_at": e.time,
        "report_by": d.report_by,
        "case_id": d.case_id,
    }
    return [FactRow("summons", {**common, "department": department}) for department in d.departments]


Translation = Callable[[CloudEvent[Any], str | None], list[FactRow]]
TRANSLATIONS: dict[str, Translation] = {
    CaseAccepted.TYPE: _accepted,
    CaseClosed.TYPE: _closed,
    CaseVerified.TYPE: _verified,
    CaseRated.TYPE: _rated,
    TaskAssigned.TYPE: _assigned,
    TaskAcknowledged.TYPE: _acknowledged,
    TaskCompleted.TYPE: _completed,
    TaskReturned.TYPE: _returned,
    TaskDeferred.TYPE: _deferred,
    TaskOverdue.TYPE: _overdue,
    WhistleBlown.TYPE: _whistle,
}
"""Every event type the projection reads, and what it keeps of each."""


def fact_rows(event: CloudEvent[Any], *, trace_id: str | None = None) -> list[FactRow]:
    """What the projection keeps of ``event``; nothing for a type it does not read."""
    translate = TRANSLATIONS.get(event.type)
    return translate(event, trace_id) if translate is not None else []
