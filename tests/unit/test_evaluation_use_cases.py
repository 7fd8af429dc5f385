"""Evaluation use cases against an in-memory repository."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest

from contracts.envelope import envelop
from contracts.events.dispatch import TaskAssigned, TaskRole
from services.evaluation import service
from services.evaluation.domain import Period
from services.evaluation.domain.facts import FactRow
from services.evaluation.store import EvaluationStore
from services.evaluation.store.facts import FactStore
from services.runtime.errors import Forbidden
from tests.fakes import FakeUnitOfWork


class FakeEvaluationStore:
    def __init__(self) -> None:
        self.assignments: dict[uuid.UUID, dict[str, Any]] = {}

    async def record_assignments(self, rows: list[dict[str, Any]]) -> int:
        new = [row for row in rows if row["task_id"] not in self.assignments]
        self.assignments.update((row["task_id"], row) for row in new)
        return len(new)

    async def assignment_counts(
        self, period: Period, assignees: frozenset[str] | None
    ) -> list[tuple[str, TaskRole, int]]:
        first, after = period.bounds()
        counted = Counter(
            (a["assignee_code"], TaskRole(a["role"]))
            for a in self.assignments.values()
            if first <= a["assigned_at"] < after and (assignees is None or a["assignee_code"] in assignees)
        )
        return [(code, role, n) for (code, role), n in counted.items()]


def task(assignee: str, role: TaskRole, *, task_id: uuid.UUID | None = None) -> TaskAssigned:
    return TaskAssigned(
        task_id=task_id or uuid.uuid4(),
        case_id=uuid.uuid4(),
        assignee_code=assignee,
        role=role,
        item_code="GX-001",
        street_code="hongxing",
        catalogue_version=1,
        routing_reason="责任主体",
        description="垃圾堆积",
        assigned_at=datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
    )


class FakeFactStore:
    def __init__(self) -> None:
        self.rows: list[FactRow] = []

    async def apply(self, rows: list[FactRow]) -> None:
        self.rows += rows


@pytest.fixture
def store() -> FakeEvaluationStore:
    return FakeEvaluationStore()


async def test_each_task_counts_once_by_role(store: FakeEvaluationStore) -> None:
    repeated = uuid.uuid4()
    batches = (
        [task("cgj", TaskRole.PRIMARY, task_id=repeated)],
        [task("cgj", TaskRole.PRIMARY, task_id=repeated), task("cgj", TaskRole.CO_OPERATING)],  # one re-sent
        [task("scjg", TaskRole.PRIMARY)],
    )
    for events in batches:
        uow = FakeUnitOfWork({EvaluationStore: store, FactStore: FakeFactStore()})
        await service.project(uow, [envelop(event, source="/linkage/dispatch") for event in events])
        assert uow.commits == 1  # a known task still commits: the inbox claim marks the event handled
    definition, counts = await service.tasks_assigned(
        FakeUnitOfWork({EvaluationStore: store}),
        Period(date(2026, 11, 25), date(2026, 11, 25)),
        assignee_code=None,
        own=None,
    )
    assert definition.id == "tasks_assigned@1"
    assert [(c.assignee_code, c.primary, c.co_operating, c.total) for c in counts] == [
        ("cgj", 1, 1, 2),
        ("scjg", 1, 0, 1),
    ]


async def test_a_department_reads_only_its_own_figures(store: FakeEvaluationStore) -> None:
    with pytest.raises(Forbidden) as refused:
        await service.tasks_assigned(
            FakeUnitOfWork({EvaluationStore: store}),
            Period(date(2026, 11, 1), date(2026, 11, 30)),
            assignee_code="scjg",
            own=frozenset({"cgj"}),
        )
    assert refused.value.field == "assignee_code"
