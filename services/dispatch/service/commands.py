"""What the routes ask of dispatch's use cases, where a use case needs more than a few facts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.events.dispatch import CaseOutcome, WhistleReason
from services.dispatch.service.access import Actor


@dataclass(frozen=True)
class CloseCase:
    """结案 with a typed outcome; ``responsible_body`` names who is, for a not-responsible outcome."""

    case_id: uuid.UUID
    outcome: CaseOutcome
    responsible_body: str | None
    note: str
    actor: Actor
    now: datetime


@dataclass(frozen=True)
class ArbitrateCase:
    """区级仲裁: the office names the body responsible for a case whose return the catalogue did not settle."""

    case_id: uuid.UUID
    assignee_code: str
    reason: str
    actor: Actor
    now: datetime
    ack_within_h: float


@dataclass(frozen=True)
class BlowWhistle:
    """街乡吹哨: the case's street summons ``departments`` to report in (报到) within ``report_within``."""

    case_id: uuid.UUID
    reason: WhistleReason
    departments: tuple[str, ...]
    report_within: timedelta
    description: str
    actor: Actor
    now: datetime


@dataclass(frozen=True)
class ReturnTask:
    """退回: the assignee cites the catalogue and names the body it holds responsible."""

    task_id: uuid.UUID
    named_body: str
    citation: str
    reason: str
    actor: Actor
    now: datetime
    ack_within_h: float


@dataclass(frozen=True)
class DispatchByHand:
    """人工派遣: the office sends a case out of triage to ``assignee_code``, in ``street_code`` (or the case's own)."""

    case_id: uuid.UUID
    assignee_code: str
    street_code: str | None
    reason: str
    actor: Actor
    now: datetime
    ack_within_h: float


@dataclass(frozen=True)
class RefuseCase:
    """不予受理 by the office, out of triage; ``reason`` is what the reporter reads in the status notes."""

    case_id: uuid.UUID
    reason: str
    actor: Actor


@dataclass(frozen=True)
class ReopenCase:
    """重新打开: the reporter (or the office) opens a closed case again, once, within ``window`` of its closing."""

    case_id: uuid.UUID
    reason: str
    actor: Actor
    now: datetime
    window: timedelta
    ack_within_h: float
