"""The case aggregate, pure: verify, complete, close, rate, returns and lateness."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from contracts.events.dispatch import CaseOutcome, OverdueStage, TaskRole
from services.dispatch.domain import CaseStatus, IllegalTransition, TaskStatus
from services.dispatch.domain.case import LATENESS, ReopenRefused, satisfied
from tests.unit.dispatch_fakes import NOW, a_case, a_task

CASE = uuid.uuid4()


def test_the_case_is_handled_when_every_standing_primary_task_is_done() -> None:
    first, second = a_task(CASE), a_task(CASE, assignee_code="scjg")
    returned = a_task(CASE, assignee_code="zjj", status=TaskStatus.RETURNED)
    helper = a_task(CASE, role=TaskRole.CO_OPERATING)
    case = a_case(first, second, returned, helper)
    once = case.complete(case.tasks[0].id, result="清理完毕", now=NOW)
    assert once.status is CaseStatus.DISPATCHED  # the second primary task is still open
    twice = once.complete(case.tasks[1].id, result="已处理", now=NOW)
    assert twice.status is CaseStatus.HANDLED  # the returned one and the helper do not hold it up
    assert twice.task(case.tasks[1].id).result == "已处理"


def test_rework_sends_completed_primary_tasks_back_and_counts() -> None:
    done = a_task(CASE, status=TaskStatus.COMPLETED)
    helper = a_task(CASE, role=TaskRole.CO_OPERATING, status=TaskStatus.COMPLETED)
    case = a_case(done, helper, status=CaseStatus.HANDLED)
    reworked = case.verify(passed=False)
    assert reworked.status is CaseStatus.DISPATCHED
    assert reworked.rework_count == 1
    assert [t.status for t in reworked.tasks] == [TaskStatus.REWORK, TaskStatus.COMPLETED]
    assert case.verify(passed=True).status is CaseStatus.VERIFIED


def test_verify_refuses_a_case_not_handled() -> None:
    with pytest.raises(IllegalTransition):
        a_case(a_task(CASE)).verify(passed=True)


def test_closing_cancels_live_tasks_and_knows_whether_the_work_was_on_time() -> None:
    late = a_task(CASE, status=TaskStatus.COMPLETED, due_at=NOW, completed_at=NOW + timedelta(hours=1))
    live = a_task(CASE, role=TaskRole.CO_OPERATING)
    case = a_case(late, live, status=CaseStatus.VERIFIED)
    closed = case.close(CaseOutcome.RESOLVED, responsible_body=None, note="办结", now=NOW)
    assert closed.status is CaseStatus.CLOSED
    assert closed.tasks[1].status is TaskStatus.CANCELLED
    assert not case.on_time
    with pytest.raises(ValueError, match="responsible_body"):
        case.close(CaseOutcome.NOT_RESPONSIBLE, responsible_body=None, note="非本单位", now=NOW)
    dispatched = replace(case, status=CaseStatus.DISPATCHED)
    with pytest.raises(IllegalTransition):
        dispatched.close(CaseOutcome.RESOLVED, responsible_body=None, note="x", now=NOW)


def test_four_and_five_count_as_satisfied() -> None:
    assert [satisfied(score) for score in range(1, 6)] == [False, False, False, True, True]
    rated = a_case(status=CaseStatus.CLOSED).rate(4)
    assert (rated.status, rated.satisfied, rated.score) == (CaseStatus.RATED, True, 4)


def test_a_primary_return_reroutes_or_escalates_and_a_helpers_return_leaves_the_case() -> None:
    primary, helper = a_task(CASE), a_task(CASE, role=TaskRole.CO_OPERATING, assignee_code="scjg")
    case = a_case(primary, helper)
    escalated = case.returned(case.tasks[0].id, named_body="zjj", note="n", rerouted=False)
    assert (escalated.status, escalated.return_count) == (CaseStatus.ARBITRATION, 1)
    assert escalated.tasks[0].status is TaskStatus.RETURNED
    rerouted = case.returned(case.tasks[0].id, named_body="zjj", note="n", rerouted=True)
    assert rerouted.status is CaseStatus.DISPATCHED
    aside = case.returned(case.tasks[1].id, named_body="zjj", note="n", rerouted=False)
    assert (aside.status, aside.return_count) == (CaseStatus.DISPATCHED, 1)


def test_a_report_in_is_late_only_once_its_time_has_passed() -> None:
    """The sweep's Python once flagged a whistle's report-in whenever the task was a candidate, due or not."""
    summoned = a_task(CASE, status=TaskStatus.ASSIGNED, report_by=NOW + timedelta(minutes=30))
    assert summoned.late_at(NOW) == ()
    assert [rule.stage for rule in summoned.late_at(NOW + timedelta(hours=1))] == [OverdueStage.REPORT]


def test_each_deadline_is_flagged_once_and_a_pause_stops_acknowledgement_and_handling() -> None:
    past = NOW - timedelta(minutes=1)
    task = a_task(CASE, status=TaskStatus.ASSIGNED, ack_by=past, due_at=past)
    assert [rule.stage for rule in task.late_at(NOW)] == [OverdueStage.ACKNOWLEDGE, OverdueStage.HANDLE]
    flagged = task
    for rule in task.late_at(NOW):
        flagged = flagged.flagged(rule, NOW)
    assert flagged.late_at(NOW) == ()
    assert replace(task, paused_at=past).late_at(NOW) == ()
    assert replace(task, status=TaskStatus.COMPLETED).late_at(NOW) == ()
    assert {rule.stage for rule in LATENESS} == set(OverdueStage)


def test_a_closed_case_reopens_once_within_the_window_and_forgets_its_outcome() -> None:
    closed = replace(a_case(), status=CaseStatus.CLOSED, outcome=CaseOutcome.WITHDRAWN, closed_at=NOW, score=None)
    window = timedelta(days=7)
    reopened = closed.reopen(now=NOW + timedelta(days=6), window=window)
    assert (reopened.status, reopened.reopen_count, reopened.outcome, reopened.closed_at) == (
        CaseStatus.DISPATCHED,
        1,
        None,
        None,
    )
    with pytest.raises(ReopenRefused, match="within 7 day"):
        closed.reopen(now=NOW + timedelta(days=8), window=window)
    again = replace(reopened, status=CaseStatus.CLOSED, closed_at=NOW)
    with pytest.raises(ReopenRefused, match="reopened 1 time"):
        again.reopen(now=NOW, window=window)
    with pytest.raises(IllegalTransition):
        a_case().reopen(now=NOW, window=window)  # an open case is not reopened


def test_only_a_triaged_case_is_dispatched_by_hand_or_refused_by_the_office() -> None:
    triaged = replace(a_case(), status=CaseStatus.TRIAGE, street_code=None, triage_reason="no known street")
    assert triaged.assigned_by_hand("s1").street_code == "s1"
    refused = triaged.refused("非本区辖区")
    assert (refused.status, refused.refusal, refused.refused_by_office) == (CaseStatus.NOT_ACCEPTED, "非本区辖区", True)
    with pytest.raises(IllegalTransition):
        a_case().assigned_by_hand("s1")
