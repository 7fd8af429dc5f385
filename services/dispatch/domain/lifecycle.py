"""The case loop as a state machine (上报→受理→派遣→签收→处置→核查→结案→评价). Pure: no I/O.

Every move names the entity, the state it is in and the states it may be in, so a refused request says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from contracts.events.dispatch import CaseOutcome

S = TypeVar("S", bound=StrEnum)


class CaseStatus(StrEnum):
    """案件状态, in lifecycle order."""

    REPORTED = "reported"  # 上报
    NOT_ACCEPTED = "not_accepted"  # 不予受理: a true refusal only
    TRIAGE = "triage"  # 待人工派遣: routing could not place it; the office assigns it by hand or refuses it
    DISPATCHED = "dispatched"  # 已派遣 (受理 and 派遣 happen in one step)
    ARBITRATION = "arbitration"  # 待区级仲裁: a return the catalogue does not settle
    HANDLED = "handled"  # 已处置, awaiting the street's verification (待核查)
    VERIFIED = "verified"  # 核查通过
    CLOSED = "closed"  # 已结案, with a typed outcome
    RATED = "rated"  # 已评价: the reporter's satisfaction recorded


class TaskStatus(StrEnum):
    ASSIGNED = "assigned"  # 待签收
    ACKNOWLEDGED = "acknowledged"  # 已签收 (报到 for a whistle)
    REWORK = "rework"  # 返工: verification sent it back
    COMPLETED = "completed"  # 已办结
    RETURNED = "returned"  # 已退回
    CANCELLED = "cancelled"  # 已撤销: the case closed before the task was done


OPEN_CASE = frozenset({CaseStatus.DISPATCHED, CaseStatus.ARBITRATION, CaseStatus.HANDLED, CaseStatus.VERIFIED})
LIVE_TASK = frozenset({TaskStatus.ASSIGNED, TaskStatus.ACKNOWLEDGED, TaskStatus.REWORK})
"""Tasks whose clock runs: they can be paused, go overdue, or be cancelled by a closure."""

CASE_MOVES: Mapping[str, Mapping[CaseStatus, CaseStatus]] = {
    "accept": {CaseStatus.REPORTED: CaseStatus.DISPATCHED},
    "refuse": {CaseStatus.REPORTED: CaseStatus.NOT_ACCEPTED, CaseStatus.TRIAGE: CaseStatus.NOT_ACCEPTED},
    "triage": {CaseStatus.REPORTED: CaseStatus.TRIAGE},
    "assign_by_hand": {CaseStatus.TRIAGE: CaseStatus.DISPATCHED},
    "reopen": {CaseStatus.CLOSED: CaseStatus.DISPATCHED, CaseStatus.RATED: CaseStatus.DISPATCHED},
    "escalate": {CaseStatus.DISPATCHED: CaseStatus.ARBITRATION},
    "arbitrate": {CaseStatus.ARBITRATION: CaseStatus.DISPATCHED},
    "reroute": {CaseStatus.DISPATCHED: CaseStatus.DISPATCHED},
    "handle": {CaseStatus.DISPATCHED: CaseStatus.HANDLED},
    "verify": {CaseStatus.HANDLED: CaseStatus.VERIFIED},
    "rework": {CaseStatus.HANDLED: CaseStatus.DISPATCHED},
    "close": {status: CaseStatus.CLOSED for status in OPEN_CASE},
    "rate": {CaseStatus.CLOSED: CaseStatus.RATED},
}
TASK_MOVES: Mapping[str, Mapping[TaskStatus, TaskStatus]] = {
    "acknowledge": {TaskStatus.ASSIGNED: TaskStatus.ACKNOWLEDGED},
    "complete": {TaskStatus.ACKNOWLEDGED: TaskStatus.COMPLETED, TaskStatus.REWORK: TaskStatus.COMPLETED},
    "return": {TaskStatus.ASSIGNED: TaskStatus.RETURNED, TaskStatus.ACKNOWLEDGED: TaskStatus.RETURNED},
    "rework": {TaskStatus.COMPLETED: TaskStatus.REWORK},
    "cancel": {status: TaskStatus.CANCELLED for status in LIVE_TASK},
    "pause": {status: status for status in LIVE_TASK},
    "defer": {status: status for status in LIVE_TASK},  # ask for, or decide on, a deferral (延期/缓办)
    "resume": {status: status for status in LIVE_TASK},
}

STATUS_AFTER: Mapping[str, CaseStatus] = {
    "reported": CaseStatus.REPORTED,
    "not_accepted": CaseStatus.NOT_ACCEPTED,
    "triaged": CaseStatus.TRIAGE,
    "dispatched_by_hand": CaseStatus.DISPATCHED,
    "refused": CaseStatus.NOT_ACCEPTED,
    "reopened": CaseStatus.DISPATCHED,
    "accepted": CaseStatus.DISPATCHED,
    "arbitration": CaseStatus.ARBITRATION,
    "arbitrated": CaseStatus.DISPATCHED,
    "handled": CaseStatus.HANDLED,
    "rework": CaseStatus.DISPATCHED,
    "verified": CaseStatus.VERIFIED,
    "closed": CaseStatus.CLOSED,
    "rated": CaseStatus.RATED,
}
"""Timeline actions that move the case itself, and the status each leaves it in: the status-change feed."""


class IllegalTransition(Exception):
    """A move the lifecycle does not allow from the entity's current state."""

    def __init__(self, entity: str, action: str, current: str, allowed: list[str]) -> None:
        self.field = "status"
        expected = " or ".join(allowed) or "no state"
        super().__init__(f"cannot {action} {entity}: its status is {current}, {action} needs {expected}")


def case_move(action: str, current: CaseStatus, *, case: str = "the case") -> CaseStatus:
    return _move(CASE_MOVES[action], action, current, case)


def task_move(action: str, current: TaskStatus, *, task: str = "the task") -> TaskStatus:
    return _move(TASK_MOVES[action], action, current, task)


def check_closure(status: CaseStatus, outcome: CaseOutcome, responsible_body: str | None) -> None:
    """'Resolved' only after verification passed; 'not our duty' must name the responsible body."""
    if outcome is CaseOutcome.RESOLVED and status is not CaseStatus.VERIFIED:
        raise IllegalTransition("the case as resolved", "close", status, [CaseStatus.VERIFIED])
    if outcome is CaseOutcome.NOT_RESPONSIBLE and not responsible_body:
        raise ValueError("outcome not_responsible needs responsible_body, the body that is responsible")


def _move(moves: Mapping[S, S], action: str, current: S, entity: str) -> S:
    if current not in moves:
        raise IllegalTransition(entity, action, current, sorted(moves))
    return moves[current]
