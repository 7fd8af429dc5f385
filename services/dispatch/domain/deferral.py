"""Deferrals (延期/缓办): the assignee asks, the office approves or refuses. Pure: no I/O.

An extension (延期) moves the due time on by working time; a pause (缓办) stops the clock until the office
resumes it. A request must come before the deadline passes, and a task holds one pending request at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts import TimeLimit


class DeferralStatus(StrEnum):
    PENDING = "pending"  # 待审批
    APPROVED = "approved"  # 已批准
    REJECTED = "rejected"  # 不予批准


class DeferralRefused(Exception):
    """A deferral the rules do not allow; ``field`` names the input or state at fault."""

    def __init__(self, message: str, field: str = "status") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ClockState:
    """What a deferral request is checked against: the task's clock as it stands."""

    due_at: datetime | None
    overdue_at: datetime | None
    paused_at: datetime | None
    pending: bool


def check_request(clock: ClockState, *, extension: TimeLimit | None, now: datetime) -> None:
    """May the assignee ask for this deferral now? Raises ``DeferralRefused`` saying why not."""
    if clock.pending:
        raise DeferralRefused("the task already has a deferral request awaiting the office")
    if clock.due_at is None:
        raise DeferralRefused("the task has no deadline to defer")
    if clock.overdue_at is not None or now >= clock.due_at:
        raise DeferralRefused(f"a deferral must be asked for before the deadline ({clock.due_at.isoformat()}) passes")
    if extension is None and clock.paused_at is not None:
        raise DeferralRefused("the clock is already paused", field="extension")


def check_approval(clock: ClockState, *, extension: TimeLimit | None) -> None:
    """May the office approve the pending request? A pause needs a running clock."""
    if not clock.pending:
        raise DeferralRefused("the task has no deferral request awaiting the office")
    if extension is None and clock.paused_at is not None:
        raise DeferralRefused("the clock is already paused: resume it or reject the request")
