"""A case kind's own limit (帮办代办, 适老) holds for every task the case gets, not only those intake sends."""

from __future__ import annotations

import pytest

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.dispatch import TaskRole
from services.dispatch.domain import CaseStatus, WorkingCalendar
from services.dispatch.domain.case import KIND_LIMITS, CaseKind
from services.dispatch.service.access import Actor
from services.dispatch.service.assigning import AssignTask, new_task
from services.dispatch.service.cases import arbitrate_case
from services.dispatch.service.commands import ArbitrateCase
from tests.unit.dispatch_fakes import NOW, FakeDispatchStore, a_case, unit_of_work

WORKING = WorkingCalendar.of({})
ITEM_LIMIT = TimeLimit(value=15, unit=TimeUnit.WORKING_DAY)  # longer than either kind's own


def sent(kind: CaseKind, time_limit: TimeLimit | None) -> AssignTask:
    return AssignTask(
        case=a_case(kind=kind),
        assignee_code="cgj",
        role=TaskRole.PRIMARY,
        reason="re-routed (改派)",
        catalogue_version=1,
        time_limit=time_limit,
        now=NOW,
        actor="dispatch",
        ack_within_h=4,
    )


@pytest.mark.parametrize("kind", list(KIND_LIMITS))
@pytest.mark.parametrize("time_limit", [ITEM_LIMIT, None], ids=["item-limit", "no-item-limit"])
def test_the_kinds_shorter_limit_wins_whatever_sent_the_task(kind: CaseKind, time_limit: TimeLimit | None) -> None:
    task = new_task(sent(kind, time_limit), WORKING)
    assert task.due_at == WORKING.deadline(NOW, KIND_LIMITS[kind]).due_at
    assert task.time_limit == time_limit  # the item's own limit is kept as the catalogue gave it


def test_a_report_keeps_its_items_limit() -> None:
    assert new_task(sent(CaseKind.REPORT, ITEM_LIMIT), WORKING).due_at == WORKING.deadline(NOW, ITEM_LIMIT).due_at
    assert new_task(sent(CaseKind.REPORT, None), WORKING).due_at is None


async def test_an_arbitrated_elderly_case_is_due_by_the_next_working_day() -> None:
    store = FakeDispatchStore()  # no catalogue versions: the office's task has no item limit of its own
    case = store.put(a_case(kind=CaseKind.ELDERLY, status=CaseStatus.ARBITRATION))
    command = ArbitrateCase(case.id, "scjg", "市场监管职责", Actor("office"), NOW, ack_within_h=4)
    task_id = await arbitrate_case(unit_of_work(store), command)
    assert store.tasks[task_id].due_at == WORKING.deadline(NOW, KIND_LIMITS[CaseKind.ELDERLY]).due_at
