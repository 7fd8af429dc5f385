"""数据: each indicator's figure per organisation over a period, computed from the projection's facts. Pure.

One counter per indicator key walks the facts once and tallies, per organisation, the numerator and
denominator (or the durations) its definition names; ``figures`` turns the tallies into ``Figure``s that
carry the definition's id and read "insufficient sample" (``value is None``) under its minimum.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.evaluation.domain.facts import DISTRICT, Facts
from services.evaluation.domain.indicators import DURATIONS, current
from services.evaluation.domain.periods import IndicatorDefinition, Period


@dataclass(frozen=True)
class Figure:
    """One organisation's figure for one indicator over one period, with the definition it was computed by."""

    indicator: str
    org_code: str
    sample: int
    value: float | None
    numerator: int | None = None
    p90: float | None = None

    @property
    def sufficient(self) -> bool:
        return self.value is not None


@dataclass
class Tally:
    """Per organisation: [hits, total] for a rate, or the durations in hours for a distribution."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    durations: dict[str, list[float]] = field(default_factory=dict)
    spreads: dict[str, Spread] = field(default_factory=dict)  # durations already reduced (store/tallies.py)

    def add(self, orgs: Iterable[str], hit: bool) -> None:
        for org in orgs:
            count = self.counts.setdefault(org, [0, 0])
            count[0] += hit
            count[1] += 1

    def add_hours(self, orgs: Iterable[str], start: datetime, end: datetime) -> None:
        hours = (end - start).total_seconds() / 3600
        for org in orgs:
            self.durations.setdefault(org, []).append(hours)


@dataclass(frozen=True)
class Spread:
    """分布: a distribution of durations in hours reduced to what a figure shows (nearest-rank quantiles)."""

    sample: int
    median: float
    p90: float


Bounds = tuple[datetime, datetime]
INSUFFICIENT = "insufficient sample"


def reading(figure: Figure) -> str:
    """The figure as a person reads it: a percent, hours with their p90, or "insufficient sample" (样本不足)."""
    if figure.value is None:
        return INSUFFICIENT
    if figure.p90 is not None or figure.numerator is None:
        return f"{figure.value:g} h (p90 {figure.p90:g} h)"
    return f"{figure.value:.2f}%"


def _within(at: datetime | None, bounds: Bounds) -> bool:
    return at is not None and bounds[0] <= at < bounds[1]


def _before(at: datetime | None, bounds: Bounds) -> bool:
    return at is not None and at < bounds[1]


def _closure(facts: Facts, bounds: Bounds) -> Tally:
    tally = Tally()
    for case in facts.cases.values():
        if _within(case.accepted_at, bounds):
            tally.add(facts.case_orgs(case), _before(case.closed_at, bounds))
    return tally


def _on_time(facts: Facts, bounds: Bounds) -> Tally:
    tally = Tally()
    for task in facts.tasks:
        if task.role == "primary" and not task.deferred and task.assigned_at and _within(task.due_at, bounds):
            tally.add((DISTRICT, task.assignee_code or ""), task.completed_on_time is True)
    return tally


def _acknowledged(facts: Facts, bounds: Bounds) -> Tally:
    tally = Tally()
    for task in facts.tasks:
        if task.whistle_id is None and task.assigned_at and _within(task.acknowledged_at, bounds):
            tally.add((DISTRICT, task.assignee_code or ""), not task.acknowledged_late)
    return tally


def _rework(facts: Facts, bounds: Bounds) -> Tally:
    tally = Tally()
    for case in facts.cases.values():
        if _within(case.first_verified_at, bounds):
            tally.add(facts.primary_orgs(case), case.rework_count > 0)
    return tally


def _returns(facts: Facts, bounds: Bounds) -> Tally:
    tally = Tally()
    for task in facts.tasks:
        if _within(task.assigned_at, bounds):
            tally.add((DISTRICT, task.assignee_code or ""), _before(task.returned_at, bounds))
    return tally


def _ping_pong(facts: Facts, bounds: Bounds) -> Tally:
    tally = Tally()
    for task in facts.tasks:
        if _within(task.returned_at, bounds):
            tally.add((DISTRICT, task.assignee_code or ""), task.returns_on_case >= 2)
    return tally


def _satisfaction(facts: Facts, bounds: Bounds) -> Tally:
    tally = Tally()
    for case in facts.cases.values():
        if _within(case.rated_at, bounds):
            tally.add(facts.case_orgs(case), case.satisfied is True)
    return tally


def _response(facts: Facts, bounds: Bounds) -> Tally:
    tally = Tally()
    for task in facts.tasks:
        if task.assigned_at and task.acknowledged_at and _within(task.acknowledged_at, bounds):
            tally.add_hours((DISTRICT, task.assignee_code or ""), task.assigned_at, task.acknowledged_at)
    return tally


def _resolution(facts: Facts, bounds: Bounds) -> Tally:
    tally = Tally()
    for task in facts.tasks:
        if task.assigned_at and task.completed_at and _within(task.completed_at, bounds):
            tally.add_hours((DISTRICT, task.assignee_code or ""), task.assigned_at, task.completed_at)
    return tally


def _report_in(facts: Facts, bounds: Bounds) -> Tally:
    tally = Tally()
    for summons in facts.summons:
        if _within(summons.report_by, bounds):
            task = facts.whistle_tasks.get((summons.whistle_id, summons.department))
            reported = task is not None and _before(task.acknowledged_at, bounds) and not task.acknowledged_late
            tally.add((DISTRICT, summons.department), reported)
    return tally


COUNTERS: dict[str, Callable[[Facts, Bounds], Tally]] = {
    "closure_rate": _closure,
    "on_time_closure": _on_time,
    "acknowledged_on_time": _acknowledged,
    "rework_rate": _rework,
    "return_rate": _returns,
    "ping_pong": _ping_pong,
    "satisfaction": _satisfaction,
    "response_time": _response,
    "resolution_time": _resolution,
    "whistle_report_in": _report_in,
}
"""How each indicator key counts; a new version that changes the counting adds its own entry by key@version."""


def quantile(values: Sequence[float], q: float) -> float:
    """Nearest-rank quantile of sorted ``values`` (the p90 is a value that occurred)."""
    return values[max(0, math.ceil(q * len(values)) - 1)]


def _rate_figure(definition: IndicatorDefinition, org: str, hits: int, total: int) -> Figure:
    if not definition.sufficient(total) or total == 0:
        return Figure(definition.id, org, total, None, hits)
    return Figure(definition.id, org, total, round(100 * hits / total, 2), hits)


def spread(hours: list[float]) -> Spread:
    hours.sort()
    return Spread(len(hours), quantile(hours, 0.5), quantile(hours, 0.9)) if hours else Spread(0, 0.0, 0.0)


def _duration_figure(definition: IndicatorDefinition, org: str, hours: Spread) -> Figure:
    if not definition.sufficient(hours.sample) or not hours.sample:
        return Figure(definition.id, org, hours.sample, None)
    return Figure(definition.id, org, hours.sample, round(hours.median, 2), p90=round(hours.p90, 2))


def _counter(definition: IndicatorDefinition) -> Callable[[Facts, Bounds], Tally] | None:
    return COUNTERS.get(definition.id) or COUNTERS.get(definition.key)


def figures(facts: Facts, period: Period, definitions: Sequence[IndicatorDefinition] | None = None) -> list[Figure]:
    """Every organisation's figure for each definition (current ones by default), ordered by indicator, org."""
    bounds = period.bounds()
    found: list[Figure] = []
    for definition in definitions if definitions is not None else current():
        count = _counter(definition)
        if count is not None:  # else a count kept elsewhere (tasks_assigned)
            found += _figures_of(definition, count(facts, bounds))
    return found


def _figures_of(definition: IndicatorDefinition, tally: Tally) -> list[Figure]:
    if definition.key in DURATIONS:
        spreads = tally.spreads or {org: spread(hours) for org, hours in tally.durations.items()}
        return [_duration_figure(definition, org, s) for org, s in sorted(spreads.items())]
    return [_rate_figure(definition, org, hits, n) for org, (hits, n) in sorted(tally.counts.items())]


def tallied(
    rates: Iterable[tuple[str, str, int, int]],
    spreads: Iterable[tuple[str, str, Spread]],
    definitions: Sequence[IndicatorDefinition] | None = None,
) -> list[Figure]:
    """The figures of tallies counted elsewhere (Postgres, store/tallies.py) by each indicator key's counting.

    Only for definitions counted as ``COUNTERS[key]`` counts: a version with counting of its own is not in them.
    """
    tallies: dict[str, Tally] = {}
    for key, org, hits, total in rates:
        count = tallies.setdefault(key, Tally()).counts.setdefault(org, [0, 0])
        count[0] += hits  # twice only for an org counted twice over, as Tally.add counts it
        count[1] += total
    for key, org, hours in spreads:
        tallies.setdefault(key, Tally()).spreads[org] = hours
    chosen = definitions if definitions is not None else current()
    return [f for d in chosen if d.id not in COUNTERS and d.key in COUNTERS for f in _figures_of(d, _of(tallies, d))]


def _of(tallies: dict[str, Tally], definition: IndicatorDefinition) -> Tally:
    return tallies.get(definition.key) or Tally()
