"""Table rows to the domain's frozen dataclasses and back: nothing else crosses the store's edge."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

import sqlalchemy as sa

from contracts import TimeLimit
from contracts.events.dispatch import CaseOutcome, TaskRole
from services.dispatch.domain import CaseStatus, DeferralStatus, TaskStatus
from services.dispatch.domain.case import Case, CaseKind, Task
from services.dispatch.domain.records import Deferral, TimelineEntry

D = TypeVar("D")
TASK_FIELDS = tuple(field.name for field in dataclasses.fields(Task))
CASE_FIELDS = tuple(field.name for field in dataclasses.fields(Case) if field.name != "tasks")


def task_of(row: sa.Row[Any]) -> Task:
    values = row._mapping
    typed = {"role": TaskRole(row.role), "status": TaskStatus(row.status), "time_limit": _limit(row.time_limit)}
    return Task(**{**{name: values[name] for name in TASK_FIELDS}, **typed})


def case_of(row: sa.Row[Any], tasks: tuple[Task, ...] = ()) -> Case:
    values = row._mapping
    typed = {
        "status": CaseStatus(row.status),
        "outcome": row.outcome and CaseOutcome(row.outcome),
        "kind": CaseKind(row.kind),
        "tasks": tasks,
    }
    return Case(**{**{name: values[name] for name in CASE_FIELDS}, **typed})


def deferral_of(row: sa.Row[Any]) -> Deferral:
    values = {**row._mapping, "status": DeferralStatus(row.status), "extension": _limit(row.extension)}
    return Deferral(**values)


def timeline_entry_of(row: sa.Row[Any]) -> TimelineEntry:
    return _of(TimelineEntry, row._mapping)


def task_row(task: Task) -> dict[str, Any]:
    return {name: column_value(getattr(task, name)) for name in TASK_FIELDS}


def changes(before: D, after: D, names: tuple[str, ...]) -> dict[str, Any]:
    """The columns whose values differ between two versions of one record, ready to write."""
    return {name: column_value(getattr(after, name)) for name in names if getattr(before, name) != getattr(after, name)}


def column_value(value: object) -> object:
    """A dataclass field as its column holds it: a time limit as JSON, the rest as it is."""
    return value.model_dump(mode="json") if isinstance(value, TimeLimit) else value


def _of(kind: type[D], values: Mapping[Any, Any]) -> D:
    names = {field.name for field in dataclasses.fields(kind)}  # type: ignore[arg-type]
    return kind(**{name: value for name, value in values.items() if name in names})


def _limit(raw: object) -> TimeLimit | None:
    return TimeLimit.model_validate(raw) if raw else None
