"""Dispatch rules (派发规则): which cases are accepted and who gets which task. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contracts.events.dispatch import TaskRole


class CaseStatus(StrEnum):
    """案件状态, in lifecycle order."""

    REPORTED = "reported"  # 上报
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    DISPATCHED = "dispatched"  # 已派发


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


@dataclass(frozen=True)
class Assignment:
    assignee_code: str
    role: TaskRole
    reason: str


@dataclass(frozen=True)
class Routing:
    """The routing decision: either ``refusal`` (不予受理, with its reason) or the street and assignments."""

    street_code: str | None
    assignments: tuple[Assignment, ...]
    refusal: str | None = None


def route(
    *, item_code: str, entry: RoutingEntry | None, reported_street: str | None, grid_street: str | None
) -> Routing:
    """Route a case by its catalogue item and street: the responsible body leads, co-operating units assist."""
    street = reported_street or grid_street
    if entry is None:
        return _refuse(f"item {item_code} is not in the catalogue")
    if entry.retired:
        return _refuse(f"item {item_code} is retired from the catalogue")
    if street is None:
        return _refuse("the grid lies in no known street and the report names none")
    if entry.street_codes and street not in entry.street_codes:
        return _refuse(f"item {item_code} is not on the published list of street {street}")
    reason = f"item {entry.item_code} {entry.name}, catalogue v{entry.version}, basis: {entry.basis}"
    primary = Assignment(entry.responsible_body, TaskRole.PRIMARY, f"responsible body (责任主体) of {reason}")
    helpers = tuple(
        Assignment(code, TaskRole.CO_OPERATING, f"co-operating unit (配合单位) of {reason}")
        for code in entry.co_operating_units
        if code != entry.responsible_body
    )
    return Routing(street_code=street, assignments=(primary, *helpers))


def _refuse(reason: str) -> Routing:
    return Routing(street_code=None, assignments=(), refusal=reason)
