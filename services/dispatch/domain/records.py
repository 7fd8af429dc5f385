"""What dispatch keeps beside the case aggregate, as its repository hands it out: timeline entries, deferrals,
grids, counts, and the filters a case search takes. Pure data."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from contracts import TimeLimit
from services.dispatch.domain.deferral import DeferralStatus
from services.dispatch.domain.lifecycle import CaseStatus


@dataclass(frozen=True)
class TimelineEntry:
    """One step on a case's timeline (案件时间线): who, when, why, under which trace."""

    seq: int
    case_id: uuid.UUID
    at: datetime
    actor: str
    action: str
    detail: str
    trace_id: str | None


@dataclass(frozen=True)
class StatusChange:
    """A timeline entry that moved its case, with the case's item and the status it left (the update feed)."""

    entry: TimelineEntry
    item_code: str
    status: CaseStatus


@dataclass(frozen=True)
class Deferral:
    """A deferral request (延期/缓办申请) and the office's decision on it."""

    id: uuid.UUID
    task_id: uuid.UUID
    status: DeferralStatus
    reason: str
    extension: TimeLimit | None  # None: a pause of the clock (缓办)
    requested_by: str
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    previous_due_at: datetime | None = None
    new_due_at: datetime | None = None


@dataclass(frozen=True)
class Grid:
    """A grid (网格) and the street it lies in."""

    grid_code: str
    street_code: str
    version: int


@dataclass(frozen=True)
class Whistle:
    """街乡吹哨: a street summons departments to report in on a case by ``report_by``."""

    id: uuid.UUID
    case_id: uuid.UUID
    street_code: str
    reason: str
    departments: tuple[str, ...]
    description: str
    report_by: datetime
    blown_at: datetime


@dataclass(frozen=True)
class CaseCounts:
    """Cases by stage (环节), flagged tasks by deadline, and returns (推诿 made visible)."""

    by_stage: dict[str, int]
    overdue_tasks: int
    late_reports: int
    late_acknowledgements: int
    returns: int
    by_kind: dict[str, int]  # 上报, 帮办代办, 适老: each kind counted apart


@dataclass(frozen=True)
class CaseFilter:
    """A case search: every field set narrows it."""

    status: CaseStatus | None = None
    street_code: str | None = None
    item_code: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    ids: Sequence[uuid.UUID] | None = None
    statuses: Sequence[str] | None = None
    assignee_code: str | None = None  # a task of the case is this organisation's (primary or co-operating)
    overdue: bool | None = None  # True: a task of the case was flagged overdue (逾期); False: none was


@dataclass(frozen=True)
class Page:
    """Which rows of a long list: skip ``offset``, take at most ``size``."""

    offset: int
    size: int
