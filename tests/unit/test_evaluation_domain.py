"""Evaluation rules, pure: indicator definitions, periods in the district's days, tallies, read scopes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from contracts.events.dispatch import TaskAssigned, TaskRole
from services.evaluation.domain import (
    TASKS_ASSIGNED,
    AssigneeCount,
    OutOfScope,
    Period,
    readable_assignees,
    tally,
)


def test_the_tasks_assigned_definition_is_versioned_and_names_its_source_events() -> None:
    assert TASKS_ASSIGNED.id == "tasks_assigned@1"
    assert TASKS_ASSIGNED.source_events == (TaskAssigned.TYPE,)
    assert TASKS_ASSIGNED.denominator is None
    assert "UTC+8" in TASKS_ASSIGNED.window


def test_a_definition_publishes_a_figure_only_from_its_minimum_sample() -> None:
    strict = replace(TASKS_ASSIGNED, id="tasks_assigned@2", minimum_sample=30)
    assert not strict.sufficient(29)
    assert strict.sufficient(30)
    assert TASKS_ASSIGNED.sufficient(0)


def test_a_period_covers_whole_days_of_china_standard_time() -> None:
    first, after = Period(date(2026, 3, 1), date(2026, 3, 31)).bounds()
    assert first == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # 00:00 on 1 March in Beijing
    assert after == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)


def test_a_single_day_period_is_allowed_and_a_reversed_one_is_not() -> None:
    first, after = Period(date(2026, 5, 1), date(2026, 5, 1)).bounds()
    assert (after - first).days == 1
    with pytest.raises(ValueError, match="before it starts"):
        Period(date(2026, 5, 2), date(2026, 5, 1))


def test_tally_keeps_primary_and_co_operating_apart_and_sorts_by_assignee() -> None:
    rows = tally([("zfj", TaskRole.PRIMARY, 3), ("cgj", TaskRole.CO_OPERATING, 2), ("zfj", TaskRole.CO_OPERATING, 1)])
    assert rows == [AssigneeCount("cgj", 0, 2), AssigneeCount("zfj", 3, 1)]
    assert [row.total for row in rows] == [2, 4]
    assert tally([]) == []


def test_the_office_reads_everyone_and_a_department_only_itself() -> None:
    assert readable_assignees(None, own=None) is None
    assert readable_assignees("cgj", own=None) == frozenset({"cgj"})
    assert readable_assignees(None, own=frozenset({"cgj", "scjg"})) == frozenset({"cgj", "scjg"})
    assert readable_assignees("scjg", own=frozenset({"cgj", "scjg"})) == frozenset({"scjg"})
    with pytest.raises(OutOfScope, match="zfj"):
        readable_assignees("zfj", own=frozenset({"cgj"}))
