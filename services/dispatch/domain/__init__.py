"""Dispatch's pure rules: routing and returns, the case lifecycle, the working calendar. No I/O."""

from services.dispatch.domain.calendar import CalendarSource, Deadline, WorkingCalendar, YearNotice
from services.dispatch.domain.lifecycle import (
    LIVE_TASK,
    OPEN_CASE,
    CaseStatus,
    IllegalTransition,
    TaskStatus,
    case_move,
    check_closure,
    task_move,
)
from services.dispatch.domain.routing import (
    MAX_RETURNS,
    Assignment,
    ReturnDecision,
    Routing,
    RoutingEntry,
    route,
    settle_return,
)

__all__ = [
    "LIVE_TASK",
    "MAX_RETURNS",
    "OPEN_CASE",
    "Assignment",
    "CalendarSource",
    "CaseStatus",
    "Deadline",
    "IllegalTransition",
    "ReturnDecision",
    "Routing",
    "RoutingEntry",
    "TaskStatus",
    "WorkingCalendar",
    "YearNotice",
    "case_move",
    "check_closure",
    "route",
    "settle_return",
    "task_move",
]
