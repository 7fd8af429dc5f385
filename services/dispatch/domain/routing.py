"""Routing rules (派发规则): which cases are accepted, who gets which task, how a return (退回) settles."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from contracts import TimeLimit
from contracts.events.dispatch import TaskRole
from services.dispatch.domain.streets import Cover, StreetList, street_verdict


@dataclass(frozen=True)
class RoutingEntry:
    """What dispatch knows of a catalogue item, projected from the catalogue's events."""

    item_code: str
    name: str
    responsible_body: str
    co_operating_units: tuple[str, ...]
    street_codes: tuple[str, ...]
    version: int
    basis: str
    retired: bool = False
    domain: str = ""
    list_kind: str = ""
    time_limit: TimeLimit | None = None
    effective_from: date | None = None  # None: in force at once (a retirement)
    street_tasks: tuple[str, ...] = ()  # 街道职责任务: what the item asks of the street the case lies in

    def in_force_on(self, day: date) -> bool:
        return self.effective_from is None or self.effective_from <= day


def in_force(versions: Iterable[RoutingEntry], day: date) -> RoutingEntry | None:
    """The item as in force on ``day``: its newest version whose effective date has come (施行日期).

    A version published ahead of its effective date waits; the one before it stays in force meanwhile.
    """
    return max((v for v in versions if v.in_force_on(day)), key=_version, default=None)


def upcoming(versions: Iterable[RoutingEntry], day: date) -> RoutingEntry | None:
    """The next version to take effect after ``day``, if one is published already."""
    later = [v for v in versions if not v.in_force_on(day)]
    return min(later, key=_taking_effect, default=None)


def _version(entry: RoutingEntry) -> int:
    return entry.version


def _taking_effect(entry: RoutingEntry) -> tuple[date, int]:
    return entry.effective_from or date.max, entry.version


@dataclass(frozen=True)
class Assignment:
    assignee_code: str
    role: TaskRole
    reason: str


@dataclass(frozen=True)
class Routing:
    """The routing decision: a true refusal (不予受理, ``refusal``), the office's triage queue (人工派遣, ``triage``:
    routing cannot place it), or the street and the assignments."""

    street_code: str | None
    assignments: tuple[Assignment, ...]
    refusal: str | None = None
    street_rule: str | None = None  # which street rule decided the street's part (一街一单, 准入, 吹哨)
    triage: str | None = None
    street_dropped: bool = False  # the outside-list rule refused the street's part; the departments still act


def case_street(reported_street: str | None, grid_street: str | None) -> str | None:
    """The street a case lies in: the one the report names, else the one its grid maps to."""
    return reported_street or grid_street


def route(
    *,
    item_code: str,
    entry: RoutingEntry | None,
    reported_street: str | None,
    grid_street: str | None,
    street_list: StreetList | None = None,
    covers: Sequence[Cover] = (),
    pending: RoutingEntry | None = None,
) -> Routing:
    """Route a case by its catalogue item and street: the responsible body leads, co-operating units assist.

    ``entry`` is the item version in force when the case was reported; ``pending`` a version not yet in force.
    """
    street = case_street(reported_street, grid_street)
    if entry is None and pending is not None:
        return _refuse(
            f"effective-date rule: item {item_code} is not in force yet "
            f"(catalogue v{pending.version} takes effect on {pending.effective_from})"
        )
    if entry is None:
        return _triage(f"item {item_code} is not in the catalogue dispatch knows")
    if entry.retired:
        return _refuse(f"item {item_code} is retired from the catalogue")
    if street is None:
        return _triage("the case lies in no known street: its grid is unknown or its point lies in no grid")
    verdict = street_verdict(
        item_code=item_code,
        street=street,
        street_list=street_list,
        item_streets=entry.street_codes,
        version=entry.version,
        covers=covers,
    )
    dropped = ": the street's part is refused, the departments act" if not verdict.allowed else ""
    reason = (
        f"item {entry.item_code} {entry.name}, catalogue v{entry.version}, basis: {entry.basis}; "
        f"street: {verdict.rule}{dropped}"
    )
    primary = Assignment(entry.responsible_body, TaskRole.PRIMARY, f"responsible body (责任主体) of {reason}")
    helpers = tuple(
        Assignment(code, TaskRole.CO_OPERATING, f"co-operating unit (配合单位) of {reason}")
        for code in entry.co_operating_units
        if code != entry.responsible_body
    )
    streets = _street_part(entry, street, verdict.rule) if verdict.allowed else ()
    assignments = _distinct((primary, *helpers, *streets))
    return Routing(street, assignments, street_rule=verdict.rule, street_dropped=not verdict.allowed)


def _street_part(entry: RoutingEntry, street: str, rule: str) -> tuple[Assignment, ...]:
    """The item's street tasks (街道职责任务) as the street's own task, when the street rules allow it."""
    if not entry.street_tasks:
        return ()
    tasks = "; ".join(entry.street_tasks)
    why = f"street tasks (街道职责任务) of item {entry.item_code}: {tasks}; street: {rule}"
    return (Assignment(street, TaskRole.CO_OPERATING, why),)


def _distinct(assignments: tuple[Assignment, ...]) -> tuple[Assignment, ...]:
    """One task per assignee: the first role named wins (the responsible body before the street)."""
    seen: set[str] = set()
    kept = []
    for assignment in assignments:
        if assignment.assignee_code not in seen:
            seen.add(assignment.assignee_code)
            kept.append(assignment)
    return tuple(kept)


def _refuse(reason: str) -> Routing:
    return Routing(street_code=None, assignments=(), refusal=reason)


def _triage(reason: str) -> Routing:
    return Routing(street_code=None, assignments=(), triage=reason)


MAX_RETURNS = 2
"""Returns on one case before it goes to district arbitration whatever the catalogue says: ping-pong (推诿) stops."""


@dataclass(frozen=True)
class ReturnDecision:
    """How a return (退回) settles: re-routed to ``assignee`` or sent to district arbitration (区级仲裁)."""

    rerouted_to: str | None
    why: str

    @property
    def outcome(self) -> str:
        return "rerouted" if self.rerouted_to else "arbitration"


def settle_return(
    *, entry: RoutingEntry | None, returning: str, named: str, returns_before: int, assignees: frozenset[str]
) -> ReturnDecision:
    """The catalogue settles a return only when its current version names the body the assignee names."""
    if returns_before + 1 > MAX_RETURNS:
        return ReturnDecision(None, f"returned {returns_before + 1} times: district arbitration decides")
    if entry is None or entry.retired:
        return ReturnDecision(None, "the item is no longer in the catalogue: district arbitration decides")
    if named == returning or named in assignees:
        return ReturnDecision(None, f"{named} already holds a task on this case: district arbitration decides")
    if entry.responsible_body == named:
        return ReturnDecision(named, f"catalogue v{entry.version} names {named} responsible for {entry.item_code}")
    return ReturnDecision(
        None, f"catalogue v{entry.version} names {entry.responsible_body}, not {named}: district arbitration decides"
    )
