"""Handwritten fakes for dispatch's use-case tests: an in-memory ``DispatchStore`` and its unit of work."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from contracts.events.dispatch import TaskRole
from services.dispatch.domain import CaseStatus, TaskStatus, YearNotice
from services.dispatch.domain.case import Case, Task
from services.dispatch.domain.records import Deferral, TimelineEntry, Whistle
from services.dispatch.store import DispatchStore
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Beijing


class FakeDispatchStore:
    """Cases and tasks in dictionaries; saves apply the difference the way the real store does."""

    def __init__(self) -> None:
        self.cases: dict[uuid.UUID, Case] = {}
        self.tasks: dict[uuid.UUID, Task] = {}
        self.timeline: list[TimelineEntry] = []
        self.whistles: list[Whistle] = []
        self.deferrals: dict[uuid.UUID, Deferral] = {}

    def put(self, case: Case) -> Case:
        self.cases[case.id] = replace(case, tasks=())
        self.tasks.update((task.id, task) for task in case.tasks)
        return case

    async def case(self, case_id: uuid.UUID, *, lock: bool = False) -> Case | None:
        found = self.cases.get(case_id)
        owned = tuple(task for task in self.tasks.values() if task.case_id == case_id)
        return None if found is None else replace(found, tasks=owned)

    async def save(self, before: Case, after: Case) -> None:
        self.cases[after.id] = replace(after, tasks=())
        self.tasks.update((task.id, task) for task in after.tasks)

    async def save_task(self, before: Task, after: Task) -> None:
        self.tasks[after.id] = after

    def add_task(self, task: Task) -> None:
        self.tasks[task.id] = task

    async def task(self, task_id: uuid.UUID) -> Task | None:
        return self.tasks.get(task_id)

    def note(self, case_id: uuid.UUID, *, actor: str, action: str, detail: str, trace_id: str | None) -> None:
        self.timeline.append(TimelineEntry(len(self.timeline) + 1, case_id, NOW, actor, action, detail, trace_id))

    async def add_whistle(self, whistle: Whistle) -> None:
        self.whistles.append(whistle)

    async def versions(self, item_code: str | None = None) -> list[object]:
        return []

    async def notices(self) -> dict[int, YearNotice]:
        return {}

    async def overdue_candidates(self, now: datetime, *, limit: int) -> list[Task]:
        return [task for task in self.tasks.values() if task.late_at(now)][:limit]


def unit_of_work(store: FakeDispatchStore) -> FakeUnitOfWork:
    return FakeUnitOfWork({DispatchStore: store})


def a_task(case_id: uuid.UUID, **fields: object) -> Task:
    task = Task(
        id=uuid.uuid4(),
        case_id=case_id,
        assignee_code="cgj",
        role=TaskRole.PRIMARY,
        status=TaskStatus.ACKNOWLEDGED,
        catalogue_version=1,
        routing_reason="责任主体",
        assigned_at=NOW,
    )
    return replace(task, **fields)  # type: ignore[arg-type]


def a_case(*tasks: Task, **fields: object) -> Case:
    case = Case(
        id=uuid.uuid4(),
        source_system="12345",
        source_id=str(uuid.uuid4()),
        item_code="GX-001",
        grid_code="g-1",
        street_code="hongxing",
        description="占道经营",
        status=CaseStatus.DISPATCHED,
        reported_at=NOW,
    )
    case = replace(case, **fields)  # type: ignore[arg-type]
    return replace(case, tasks=tuple(replace(task, case_id=case.id) for task in tasks))
