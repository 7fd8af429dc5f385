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
from services.evaluation.store.facts import FactStore
from services.evaluation.store.tallies import TallyReads
from services.runtime.errors import Forbidden
from tests.fakes import FakeUnitOfWork


class FakeFactStore:
    """Task facts merged by task id, as the projection's storage keeps them (a re-sent event changes nothing)."""

    def __init__(self) -> None:
        self.rows: list[FactRow] = []
        self.tasks: dict[uuid.UUID, dict[str, Any]] = {}

    async def apply(self, rows: list[FactRow]) -> None:
        self.rows += rows
        for row in rows:
            if row.kind == "task_assigned":
                self.tasks.setdefault(row.values["task_id"], {}).update(row.values)


class FakeTallyReads:
    """Counts read off the fake's task facts, as ``TallyReads.assignment_counts`` reads ``task_facts``."""

    def __init__(self, facts: FakeFactStore) -> None:
        self.facts = facts

    async def assignment_counts(
        self, period: Period, assignees: frozenset[str] | None
    ) -> list[tuple[str, TaskRole, int]]:
        first, after = period.bounds()
        counted = Counter(
            (t["assignee_code"], TaskRole(t["role"]))
            for t in self.facts.tasks.values()
            if first <= t["assigned_at"] < after and (assignees is None or t["assignee_code"] in assignees)
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


@pytest.fixture
def facts() -> FakeFactStore:
    return FakeFactStore()


@pytest.fixture
def store(facts: FakeFactStore) -> FakeTallyReads:
    return FakeTallyReads(facts)


async def test_each_task_counts_once_by_role(store: FakeTallyReads, facts: FakeFactStore) -> None:
    repeated = uuid.uuid4()
    batches = (
        [task("cgj", TaskRole.PRIMARY, task_id=repeated)],
        [task("cgj", TaskRole.PRIMARY, task_id=repeated), task("cgj", TaskRole.CO_OPERATING)],  # one re-sent
        [task("scjg", TaskRole.PRIMARY)],
    )
    for events in batches:
        uow = FakeUnitOfWork({FactStore: facts})
        await service.project(uow, [envelop(event, source="/linkage/dispatch") for event in events])
        assert uow.commits == 1
    definition, counts = await service.tasks_assigned(
        FakeUnitOfWork({TallyReads: store}),
        Period(date(2026, 11, 25), date(2026, 11, 25)),
        assignee_code=None,
        own=None,
    )
    assert definition.id == "tasks_assigned@1"
    assert [(c.assignee_code, c.primary, c.co_operating, c.total) for c in counts] == [
        ("cgj", 1, 1, 2),
        ("scjg", 1, 0, 1),
    ]


async def test_a_department_reads_only_its_own_figures(store: FakeTallyReads) -> None:
    with pytest.raises(Forbidden) as refused:
        await service.tasks_assigned(
            FakeUnitOfWork({TallyReads: store}),
            Period(date(2026, 11, 1), date(2026, 11, 30)),
            assignee_code="scjg",
            own=frozenset({"cgj"}),
        )
    assert refused.value.field == "assignee_code"
