"""Deadlines on the Chinese working calendar: Spring Festival 2026, make-up Saturdays, later years, pauses."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from contracts import TimeLimit
from contracts.base import TimeUnit
from services.dispatch.domain import CalendarSource, WorkingCalendar, YearNotice
from services.dispatch.domain.calendar import CHINA

CALENDAR = WorkingCalendar()


def at(y: int, m: int, d: int, h: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=CHINA)


def days(n: int) -> TimeLimit:
    return TimeLimit(value=n, unit=TimeUnit.WORKING_DAY)


def hours(n: int) -> TimeLimit:
    return TimeLimit(value=n, unit=TimeUnit.WORKING_HOUR)


def test_spring_festival_week_stops_the_clock_and_the_make_up_saturday_before_it_counts() -> None:
    # 2026: holidays Sun 15 – Mon 23 February; Saturday 14 February is a make-up workday (调休上班).
    deadline = CALENDAR.deadline(at(2026, 2, 13, 10), days(3))
    assert deadline.due_at == at(2026, 2, 25, 17)  # Sat 14th, Tue 24th, Wed 25th
    assert deadline.warning is None


def test_working_hours_run_on_the_make_up_saturday_then_skip_the_festival() -> None:
    assert CALENDAR.deadline(at(2026, 2, 13, 15), hours(8)).due_at == at(2026, 2, 14, 15)
    assert CALENDAR.deadline(at(2026, 2, 14, 16), hours(4)).due_at == at(2026, 2, 24, 12)


def test_a_make_up_saturday_after_the_festival_is_a_working_day() -> None:
    assert CALENDAR.is_workday(date(2026, 2, 28))
    assert CALENDAR.deadline(at(2026, 2, 27, 10), days(1)).due_at == at(2026, 2, 28, 17)
    assert not CALENDAR.is_workday(date(2026, 3, 7))  # an ordinary Saturday


def test_working_time_outside_office_hours_starts_at_the_next_opening() -> None:
    assert CALENDAR.deadline(at(2026, 3, 2, 20), hours(1)).due_at == at(2026, 3, 3, 10)
    worked = CALENDAR.working_seconds_between(at(2026, 2, 13, 16), at(2026, 2, 24, 10))
    assert worked == (1 + 8 + 1) * 3600  # Fri 16-17, the make-up Saturday, Tue 9-10


def test_natural_days_ignore_the_calendar() -> None:
    assert CALENDAR.deadline(at(2026, 2, 13, 10), TimeLimit(value=3, unit=TimeUnit.NATURAL_DAY)).due_at == at(
        2026, 2, 16, 10
    )


def test_a_year_the_package_does_not_know_falls_back_to_weekdays_with_a_warning() -> None:
    assert CALENDAR.source(2027) is CalendarSource.WEEKDAYS
    deadline = CALENDAR.deadline(at(2027, 1, 29, 10), days(1))  # a Friday
    assert deadline.due_at == at(2027, 2, 1, 17)
    assert deadline.warning is not None
    assert "2027" in deadline.warning
    crossing = CALENDAR.deadline(at(2026, 12, 31, 10), days(2))
    assert crossing.warning is not None
    assert "2027" in crossing.warning


def test_a_loaded_state_council_notice_replaces_the_fallback() -> None:
    notice = YearNotice(year=2027, holidays=frozenset({date(2027, 2, 1)}), workdays=frozenset({date(2027, 1, 30)}))
    calendar = WorkingCalendar({2027: notice})
    assert calendar.source(2027) is CalendarSource.NOTICE
    deadline = calendar.deadline(at(2027, 1, 29, 10), days(2))
    assert deadline.due_at == at(2027, 2, 2, 17)  # Sat 30th (make-up), Mon 1st off, Tue 2nd
    assert deadline.warning is None


def test_a_notice_refuses_dates_of_another_year_or_on_both_lists() -> None:
    with pytest.raises(ValueError, match="outside 2027"):
        YearNotice(year=2027, holidays=frozenset({date(2026, 10, 1)}))
    with pytest.raises(ValueError, match="both holiday and workday"):
        YearNotice(year=2027, holidays=frozenset({date(2027, 5, 1)}), workdays=frozenset({date(2027, 5, 1)}))


def test_a_pause_keeps_the_working_time_left_across_the_festival() -> None:
    due = CALENDAR.deadline(at(2026, 2, 11, 9), days(2)).due_at  # Thu 12th, Fri 13th
    assert due == at(2026, 2, 13, 17)
    resumed = CALENDAR.resumed(
        due_at=due, paused_at=at(2026, 2, 13, 13), resumed_at=at(2026, 2, 24, 9), unit=TimeUnit.WORKING_DAY
    )
    assert resumed.due_at == at(2026, 2, 24, 13)  # the 4 working hours left run from the resume
