"""Deferrals (延期/缓办) and the status-change feed, pure: who may ask when, and how an extension counts."""

from __future__ import annotations

from datetime import datetime

import pytest

from contracts import TimeLimit
from contracts.base import TimeUnit
from services.dispatch.domain import (
    STATUS_AFTER,
    CaseStatus,
    ClockState,
    DeferralRefused,
    WorkingCalendar,
    check_approval,
    check_request,
)
from services.dispatch.domain.calendar import CHINA

DUE = datetime(2026, 2, 13, 17, tzinfo=CHINA)  # the Friday before the Spring Festival 2026
RUNNING = ClockState(due_at=DUE, overdue_at=None, paused_at=None, pending=False)
TWO_DAYS = TimeLimit(value=2, unit=TimeUnit.WORKING_DAY)


def before_due() -> datetime:
    return datetime(2026, 2, 13, 10, tzinfo=CHINA)


def test_an_assignee_may_ask_before_the_deadline_for_an_extension_or_a_pause() -> None:
    check_request(RUNNING, extension=TWO_DAYS, now=before_due())
    check_request(RUNNING, extension=None, now=before_due())


@pytest.mark.parametrize(
    ("clock", "extension", "words"),
    [
        (ClockState(DUE, None, None, pending=True), TWO_DAYS, "already has a deferral request"),
        (ClockState(None, None, None, pending=False), TWO_DAYS, "no deadline to defer"),
        (ClockState(DUE, DUE, None, pending=False), TWO_DAYS, "before the deadline"),
        (ClockState(DUE, None, DUE, pending=False), None, "already paused"),
    ],
)
def test_a_request_is_refused_saying_why(clock: ClockState, extension: TimeLimit | None, words: str) -> None:
    with pytest.raises(DeferralRefused, match=words):
        check_request(clock, extension=extension, now=before_due())


def test_a_request_after_the_deadline_is_refused_even_before_the_sweep_flags_it() -> None:
    with pytest.raises(DeferralRefused, match="before the deadline"):
        check_request(RUNNING, extension=TWO_DAYS, now=datetime(2026, 2, 13, 17, 1, tzinfo=CHINA))


def test_the_office_approves_only_a_pending_request_and_pauses_only_a_running_clock() -> None:
    with pytest.raises(DeferralRefused, match="no deferral request"):
        check_approval(RUNNING, extension=TWO_DAYS)
    check_approval(ClockState(DUE, None, None, pending=True), extension=None)
    check_approval(ClockState(DUE, None, DUE, pending=True), extension=TWO_DAYS)  # extending a paused clock is fine
    with pytest.raises(DeferralRefused, match="already paused"):
        check_approval(ClockState(DUE, None, DUE, pending=True), extension=None)


def test_an_extension_counts_on_the_working_calendar_across_the_festival() -> None:
    calendar = WorkingCalendar()
    # Saturday 14 February 2026 is a make-up workday, 15-23 February are holidays
    assert calendar.extended(DUE, TWO_DAYS).due_at == datetime(2026, 2, 24, 17, tzinfo=CHINA)  # Sat 14th, Tue 24th
    four_hours = TimeLimit(value=4, unit=TimeUnit.WORKING_HOUR)
    assert calendar.extended(DUE, four_hours).due_at == datetime(2026, 2, 14, 13, tzinfo=CHINA)
    twelve_hours = TimeLimit(value=12, unit=TimeUnit.WORKING_HOUR)
    assert calendar.extended(DUE, twelve_hours).due_at == datetime(2026, 2, 24, 13, tzinfo=CHINA)
    natural = TimeLimit(value=3, unit=TimeUnit.NATURAL_DAY)
    assert calendar.extended(DUE, natural).due_at == datetime(2026, 2, 16, 17, tzinfo=CHINA)
    # the make-up Saturday (28 February) is a working day
    friday = datetime(2026, 2, 27, 17, tzinfo=CHINA)
    assert calendar.extended(friday, TimeLimit(value=1, unit=TimeUnit.WORKING_DAY)).due_at == datetime(
        2026, 2, 28, 17, tzinfo=CHINA
    )


def test_the_feed_knows_the_status_each_case_move_leaves() -> None:
    assert STATUS_AFTER["accepted"] is CaseStatus.DISPATCHED
    assert STATUS_AFTER["rework"] is CaseStatus.DISPATCHED
    assert STATUS_AFTER["closed"] is CaseStatus.CLOSED
    assert "assigned" not in STATUS_AFTER  # a task's move is not the case's
