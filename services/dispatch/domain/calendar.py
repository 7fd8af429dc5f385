"""The Chinese working calendar (工作日历): holidays, make-up workdays (调休), working hours, deadlines.

Holiday data comes from the ``chinese-calendar`` package, which knows only the years up to its release.
For a later year the office loads the State Council's annual notice (国务院办公厅关于节假日安排的通知);
until it does, that year falls back to plain weekdays and every deadline crossing it carries a warning.
Pure: the notices are handed in, nothing is read here.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar, cast

import chinese_calendar

from contracts import TimeLimit
from contracts.base import DISTRICT_TZ, TimeUnit

A = TypeVar("A")
CHINA = DISTRICT_TZ
WORK_START = time(9, 0)
WORK_END = time(17, 0)
"""Working hours (工作时间): a working hour counts only inside this window on a working day."""
WORKING_DAY_S = 8 * 3600
HORIZON_DAYS = 3 * 366
"""No limit in the catalogue runs longer; a guard against looping on a bad input."""


class CalendarSource(StrEnum):
    NOTICE = "notice"  # loaded by the office from the State Council's notice
    PACKAGE = "package"  # the chinese-calendar package
    WEEKDAYS = "weekdays"  # fallback: Monday to Friday, holidays unknown


@dataclass(frozen=True)
class YearNotice:
    """One year's holiday arrangement as the State Council published it."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date] = frozenset()  # make-up working days (调休上班), often a Saturday or Sunday

    def __post_init__(self) -> None:
        strays = sorted(d for d in self.holidays | self.workdays if d.year != self.year)
        if strays:
            raise ValueError(f"dates outside {self.year}: {', '.join(map(str, strays))}")
        if both := sorted(self.holidays & self.workdays):
            raise ValueError(f"dates both holiday and workday: {', '.join(map(str, both))}")


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    warning: str | None = None


MEMORY = 4096
"""Answers a calendar keeps (see ``WorkingCalendar._known``)."""


@dataclass(frozen=True)
class WorkingCalendar:
    notices: Mapping[int, YearNotice] = field(default_factory=dict)
    _known: dict[Hashable, object] = field(default_factory=dict, init=False, repr=False, compare=False)
    """What was asked already (a day's verdict, a year's source, a deadline from an instant). A shared
    calendar lives while the notices stay the same (``of``) and every batch asks from a new instant, so
    past ``MEMORY`` answers it starts again from nothing."""

    def _remember(self, key: Hashable, answer: A) -> A:
        if len(self._known) >= MEMORY:
            self._known.clear()
        self._known[key] = answer
        return answer

    @staticmethod
    def of(notices: Mapping[int, YearNotice]) -> WorkingCalendar:
        """The calendar of these notices, shared while they stay the same: its memory of days is kept."""
        return _calendar(frozenset(notices.values()))

    def source(self, year: int) -> CalendarSource:
        if (known := self._known.get(year)) is not None:
            return cast(CalendarSource, known)
        if year in self.notices:
            source = CalendarSource.NOTICE
        else:
            try:
                chinese_calendar.is_workday(date(year, 6, 1))
                source = CalendarSource.PACKAGE
            except NotImplementedError:
                source = CalendarSource.WEEKDAYS
        self._remember(year, source)
        return source

    def warning(self, year: int) -> str | None:
        if self.source(year) is not CalendarSource.WEEKDAYS:
            return None
        return f"no holiday data for {year}: counted Monday to Friday until the office loads the State Council notice"

    def is_workday(self, day: date) -> bool:
        if (known := self._known.get(day)) is not None:
            return cast(bool, known)
        source = self.source(day.year)
        if source is CalendarSource.NOTICE:
            notice = self.notices[day.year]
            workday = day in notice.workdays or (day.weekday() < 5 and day not in notice.holidays)
        elif source is CalendarSource.PACKAGE:
            workday = bool(chinese_calendar.is_workday(day))
        else:
            workday = day.weekday() < 5
        self._remember(day, workday)
        return workday

    def deadline(self, start: datetime, limit: TimeLimit) -> Deadline:
        """When a limit counted from ``start`` runs out; working days count from the next working day (次日起算).

        Remembered: a batch of cases dispatched at one instant asks the same few questions many times.
        """
        key = ("deadline", start, limit.value, limit.unit)
        if (known := self._known.get(key)) is None:
            known = self._remember(key, self._deadline(start, limit))
        return cast(Deadline, known)

    def _deadline(self, start: datetime, limit: TimeLimit) -> Deadline:
        if limit.unit is TimeUnit.NATURAL_DAY:
            due = start + timedelta(days=limit.value)
        elif limit.unit is TimeUnit.WORKING_HOUR:
            due = self.add_working_seconds(start, limit.value * 3600)
        else:
            due = self._end_of_nth_workday_after(start, limit.value)
        return Deadline(due, self._warning_between(start, due))

    def resumed(self, *, due_at: datetime, paused_at: datetime, resumed_at: datetime, unit: TimeUnit) -> Deadline:
        """缓办 over: the time left when the clock stopped runs again from ``resumed_at``."""
        if unit is TimeUnit.NATURAL_DAY:
            due = due_at + (resumed_at - paused_at)
        else:
            due = self.add_working_seconds(resumed_at, self.working_seconds_between(paused_at, due_at))
        return Deadline(due, self._warning_between(resumed_at, due))

    def extended(self, due_at: datetime, by: TimeLimit) -> Deadline:
        """延期: the due time moved on by an approved extension, counted the way the extension is."""
        if by.unit is TimeUnit.NATURAL_DAY:
            due = due_at + timedelta(days=by.value)
        else:
            hours = by.value * (WORKING_DAY_S // 3600 if by.unit is TimeUnit.WORKING_DAY else 1)
            due = self.add_working_seconds(due_at, hours * 3600)
        return Deadline(due, self._warning_between(due_at, due))

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant ``seconds`` of working time after ``start`` (remembered, as ``deadline`` is)."""
        key = ("after", start, seconds)
        if (known := self._known.get(key)) is None:
            known = self._remember(key, self._add_working_seconds(start, seconds))
        return cast(datetime, known)

    def _add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        cursor = start.astimezone(CHINA)
        for _ in range(HORIZON_DAYS):
            opens, closes = _window(cursor.date())
            begin = max(cursor, opens)
            if self.is_workday(cursor.date()) and begin < closes:
                available = (closes - begin).total_seconds()
                if seconds <= available:
                    return begin + timedelta(seconds=seconds)
                seconds -= available
            cursor = _midnight_after(cursor)
        raise ValueError(f"working time beyond {HORIZON_DAYS} days")

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Working time in [start, end); zero when end is not after start."""
        total = 0.0
        cursor, end = start.astimezone(CHINA), end.astimezone(CHINA)
        while cursor < end:
            opens, closes = _window(cursor.date())
            begin, finish = max(cursor, opens), min(end, closes)
            if self.is_workday(cursor.date()) and begin < finish:
                total += (finish - begin).total_seconds()
            cursor = _midnight_after(cursor)
        return total

    def _end_of_nth_workday_after(self, start: datetime, n: int) -> datetime:
        day = start.astimezone(CHINA).date()
        for _ in range(HORIZON_DAYS):
            day += timedelta(days=1)
            if self.is_workday(day):
                n -= 1
                if n == 0:
                    return _window(day)[1]
        raise ValueError(f"working days beyond {HORIZON_DAYS} days")

    def _warning_between(self, start: datetime, end: datetime) -> str | None:
        years = range(start.astimezone(CHINA).year, end.astimezone(CHINA).year + 1)
        warnings = [w for year in years if (w := self.warning(year))]
        return "; ".join(warnings) or None


def _window(day: date) -> tuple[datetime, datetime]:
    return datetime.combine(day, WORK_START, CHINA), datetime.combine(day, WORK_END, CHINA)


def _midnight_after(moment: datetime) -> datetime:
    return datetime.combine(moment.date() + timedelta(days=1), time(0), CHINA)


@functools.lru_cache(maxsize=8)
def _calendar(notices: frozenset[YearNotice]) -> WorkingCalendar:
    return WorkingCalendar({notice.year: notice for notice in notices})
