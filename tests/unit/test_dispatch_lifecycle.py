"""The case loop's state machine and how returns settle, pure."""

from __future__ import annotations

import pytest

from contracts.events.dispatch import CaseOutcome
from services.dispatch.domain import (
    CaseStatus,
    IllegalTransition,
    RoutingEntry,
    TaskStatus,
    case_move,
    check_closure,
    settle_return,
    task_move,
)

ENTRY = RoutingEntry(
    item_code="GX-001",
    name="占道经营治理",
    responsible_body="cgj",
    co_operating_units=("scjg",),
    street_codes=(),
    version=4,
    basis="城市市容和环境卫生管理条例 第十四条",
)


def test_the_happy_path_runs_from_report_to_rating() -> None:
    status = CaseStatus.REPORTED
    for action in ("accept", "handle", "verify", "close", "rate"):
        status = case_move(action, status)
    assert status is CaseStatus.RATED
    task = TaskStatus.ASSIGNED
    for action in ("acknowledge", "complete", "rework", "complete"):
        task = task_move(action, task)
    assert task is TaskStatus.COMPLETED


def test_illegal_moves_are_refused_naming_the_state_and_what_was_needed() -> None:
    with pytest.raises(IllegalTransition, match="its status is assigned, complete needs acknowledged or rework"):
        task_move("complete", TaskStatus.ASSIGNED)
    with pytest.raises(IllegalTransition, match="cannot rate the case: its status is dispatched"):
        case_move("rate", CaseStatus.DISPATCHED)
    with pytest.raises(IllegalTransition) as error:
        case_move("verify", CaseStatus.CLOSED)
    assert error.value.field == "status"
    with pytest.raises(IllegalTransition):
        task_move("return", TaskStatus.COMPLETED)


def test_rework_sends_the_case_back_to_dispatched() -> None:
    assert case_move("rework", CaseStatus.HANDLED) is CaseStatus.DISPATCHED


def test_resolved_needs_verification_and_not_ours_needs_a_named_body() -> None:
    with pytest.raises(IllegalTransition, match="resolved"):
        check_closure(CaseStatus.HANDLED, CaseOutcome.RESOLVED, None)
    check_closure(CaseStatus.VERIFIED, CaseOutcome.RESOLVED, None)
    check_closure(CaseStatus.DISPATCHED, CaseOutcome.DUPLICATE, None)
    with pytest.raises(ValueError, match="responsible_body"):
        check_closure(CaseStatus.DISPATCHED, CaseOutcome.NOT_RESPONSIBLE, None)


def test_a_return_the_catalogue_backs_is_rerouted() -> None:
    moved = RoutingEntry(**{**ENTRY.__dict__, "responsible_body": "zjj", "version": 5})
    decision = settle_return(entry=moved, returning="cgj", named="zjj", returns_before=0, assignees=frozenset({"cgj"}))
    assert decision.rerouted_to == "zjj"
    assert decision.outcome == "rerouted"
    assert "v5" in decision.why


def test_a_return_the_catalogue_does_not_settle_goes_to_arbitration() -> None:
    decision = settle_return(entry=ENTRY, returning="cgj", named="zjj", returns_before=0, assignees=frozenset({"cgj"}))
    assert decision.outcome == "arbitration"
    assert "names cgj, not zjj" in decision.why


def test_ping_pong_goes_to_arbitration_whatever_the_catalogue_says() -> None:
    moved = RoutingEntry(**{**ENTRY.__dict__, "responsible_body": "zjj"})
    decision = settle_return(entry=moved, returning="cgj", named="zjj", returns_before=2, assignees=frozenset())
    assert decision.outcome == "arbitration"
    assert "returned 3 times" in decision.why
