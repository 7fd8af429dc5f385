"""Periods (统计期), the indicator definition type and who may read whose figures. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from contracts.base import DISTRICT_TZ
from contracts.events.dispatch import TaskAssigned, TaskRole


@dataclass(frozen=True)
class IndicatorDefinition:
    """指标定义: every published figure names the versioned definition it was computed by.

    Disputes over figures are disputes over definitions (DOMAIN.md), so the formula, numerator,
    denominator, window and minimum sample travel with the figure; a changed rule is a new ``@version``.
    """

    id: str
    name: str
    formula: str
    numerator: str
    denominator: str | None
    window: str
    minimum_sample: int
    source_events: tuple[str, ...]

    @property
    def key(self) -> str:
        """The indicator the definition is a version of: ``closure_rate`` of ``closure_rate@2``."""
        return self.id.split("@", 1)[0]

    @property
    def version(self) -> int:
        return int(self.id.split("@", 1)[1])

    def sufficient(self, sample: int) -> bool:
        """Whether a figure resting on ``sample`` events may be published as meaningful."""
        return sample >= self.minimum_sample


TASKS_ASSIGNED = IndicatorDefinition(
    id="tasks_assigned@1",
    name="派发任务数 (tasks assigned)",
    formula="count of TaskAssigned per assignee, primary (主办) and co-operating (配合) apart; total = both",
    numerator="tasks dispatched to the assignee whose assigned_at falls in the window",
    denominator=None,  # a count, not a rate
    window="calendar days from..to inclusive, China Standard Time (UTC+8)",
    minimum_sample=0,  # a count is meaningful at any size; the rates built on it set their own minimum
    source_events=(TaskAssigned.TYPE,),
)


@dataclass(frozen=True)
class Period:
    """统计期: whole calendar days ``start``..``end`` inclusive, in the district's time."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    def bounds(self) -> tuple[datetime, datetime]:
        """[first instant, first instant after) of the period, in UTC for the database."""
        first = datetime.combine(self.start, time(), DISTRICT_TZ)
        after = datetime.combine(self.end + timedelta(days=1), time(), DISTRICT_TZ)
        return first.astimezone(UTC), after.astimezone(UTC)


@dataclass(frozen=True)
class AssigneeCount:
    assignee_code: str
    primary: int = 0
    co_operating: int = 0

    @property
    def total(self) -> int:
        return self.primary + self.co_operating


def tally(counts: Iterable[tuple[str, TaskRole, int]]) -> list[AssigneeCount]:
    """Fold (assignee, role, count) groups into one row per assignee, ordered by assignee code."""
    by_assignee: dict[str, AssigneeCount] = {}
    for code, role, count in counts:
        row = by_assignee.get(code, AssigneeCount(code))
        if role == TaskRole.PRIMARY:
            row = AssigneeCount(code, row.primary + count, row.co_operating)
        else:
            row = AssigneeCount(code, row.primary, row.co_operating + count)
        by_assignee[code] = row
    return [by_assignee[code] for code in sorted(by_assignee)]


class OutOfScope(Exception):
    """A reader asked for an organisation's figures that it does not act for."""


def readable_assignees(requested: str | None, *, own: frozenset[str] | None) -> frozenset[str] | None:
    """Which assignees' figures a reader gets: ``None`` means every assignee.

    ``own`` is None for the office and operators, who see everyone; a department, street or agency sees
    only the codes it acts for, and asking for another's raises :class:`OutOfScope`.
    """
    if requested is not None:
        if own is not None and requested not in own:
            raise OutOfScope(f"not allowed to read the figures of {requested}")
        return frozenset({requested})
    return own
