"""Dispatch use cases against an in-memory repository: one transaction each, the events they say, the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.events.dispatch import CaseRated, CaseVerified, OverdueStage, TaskCompleted, TaskOverdue
from services.dispatch import service
from services.dispatch.domain import CaseStatus, TaskStatus
from services.runtime.errors import Conflict, NotFound
from tests.unit.dispatch_fakes import NOW, FakeDispatchStore, a_case, a_task, unit_of_work

OFFICE = service.Actor("office (office)")
CGJ = service.Actor("cgj (department)", frozenset({"cgj"}))


@pytest.fixture
def store() -> FakeDispatchStore:
    return FakeDispatchStore()


async def test_completing_the_last_primary_task_hands_the_case_to_verification(store: FakeDispatchStore) -> None:
    case = store.put(a_case(a_task(None, due_at=NOW + timedelta(days=1))))  # type: ignore[arg-type]
    task_id = case.tasks[0].id
    uow = unit_of_work(store)
    await service.complete_task(uow, task_id, result="清理完毕", actor=CGJ, now=NOW)
    assert uow.commits == 1
    assert store.cases[case.id].status is CaseStatus.HANDLED
    assert store.tasks[task_id].status is TaskStatus.COMPLETED
    [(event, _, _)] = uow.emitted
    assert isinstance(event, TaskCompleted)
    assert event.on_time
    assert [entry.action for entry in store.timeline] == ["completed", "handled"]


async def test_another_assignees_task_is_not_found(store: FakeDispatchStore) -> None:
    case = store.put(a_case(a_task(None, assignee_code="scjg")))  # type: ignore[arg-type]
    uow = unit_of_work(store)
    with pytest.raises(NotFound):
        await service.complete_task(uow, case.tasks[0].id, result="x", actor=CGJ, now=NOW)
    assert uow.commits == 0


async def test_rework_counts_and_says_so(store: FakeDispatchStore) -> None:
    case = store.put(a_case(a_task(None, status=TaskStatus.COMPLETED), status=CaseStatus.HANDLED))  # type: ignore[arg-type]
    uow = unit_of_work(store)
    await service.verify_case(uow, case.id, passed=False, note="未清理干净", actor=OFFICE)
    assert store.cases[case.id].rework_count == 1
    assert store.tasks[case.tasks[0].id].status is TaskStatus.REWORK
    [(event, _, _)] = uow.emitted
    assert isinstance(event, CaseVerified)
    assert (event.passed, event.rework_count, event.verifier) == (False, 1, "office")


async def test_rating_a_case_not_closed_is_a_conflict(store: FakeDispatchStore) -> None:
    case = store.put(a_case())
    with pytest.raises(Conflict):
        await service.rate_case(unit_of_work(store), case.id, score=5, comment=None, actor=OFFICE)
    store.put(a_case(id=case.id, status=CaseStatus.CLOSED))
    uow = unit_of_work(store)
    await service.rate_case(uow, case.id, score=3, comment="一般", actor=OFFICE)
    [(event, _, _)] = uow.emitted
    assert isinstance(event, CaseRated)
    assert not event.satisfied


async def test_the_sweep_flags_each_deadline_once(store: FakeDispatchStore) -> None:
    past = NOW - timedelta(minutes=1)
    store.put(a_case(a_task(None, status=TaskStatus.ASSIGNED, ack_by=past, due_at=past)))  # type: ignore[arg-type]
    uow = unit_of_work(store)
    assert await service.sweep_overdue(uow, NOW) == 1
    stages = [event.stage for event, _, _ in uow.emitted if isinstance(event, TaskOverdue)]
    assert stages == [OverdueStage.ACKNOWLEDGE, OverdueStage.HANDLE]
    again = unit_of_work(store)
    assert await service.sweep_overdue(again, NOW) == 0
    assert again.emitted == []
