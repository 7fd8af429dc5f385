"""Events of the evaluation service (评价), stream EVALUATION."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar

from pydantic import Field

from contracts.base import CODE_PATTERN, IntegrationEvent


class ScorecardPublished(IntegrationEvent):
    """A figure for one assignee over one period, recomputable from events.

    A scorecard (考评结果) publishes one event per figure with a sufficient sample and one for its weighted
    score (``indicator`` = ``scorecard@1``), each naming the organisation's kind.
    """

    TYPE: ClassVar[str] = "evaluation.scorecard.published.v1"

    assignee_code: str = Field(pattern=CODE_PATTERN, description="Department, street or agency scored")
    indicator: str = Field(min_length=1, description="Indicator definition id, e.g. tasks_assigned@1")
    period_start: date = Field(description="First day of the period")
    period_end: date = Field(description="Last day of the period")
    value: float = Field(description="The figure")
    sample: int = Field(ge=0, description="How many events the figure rests on")
    org_kind: str | None = Field(
        default=None,
        pattern=r"^(department|street|agency)$",
        description="What the scored organisation is: department (区直部门), street (街道), agency (派驻机构)",
    )


class AccountabilityOpened(IntegrationEvent):
    """问责线索: a detector found an organisation in one of the 7 situations over a period and proposes a method."""

    TYPE: ClassVar[str] = "evaluation.accountability.opened.v1"

    finding_id: uuid.UUID = Field(description="The finding")
    org_code: str = Field(pattern=CODE_PATTERN, description="Department, street or agency concerned")
    situation: str = Field(min_length=1, max_length=64, description="Situation key, e.g. repeated_overdue")
    proposed_method: str = Field(
        min_length=1, max_length=64, description="Method the rules propose, e.g. reminder_talk"
    )
    occurrences: int = Field(ge=1, description="How many times the situation occurred in the period")
    period_start: date = Field(description="First day of the period")
    period_end: date = Field(description="Last day of the period")
    source: str | None = Field(
        default=None,
        pattern=r"^(detector|office)$",
        description="Who raised it: a detector over the events, or the office by hand (absent before 2026-11-30)",
    )


class LetterIssued(IntegrationEvent):
    """告知书: the office confirmed a finding; the organisation is notified and must respond or appeal in time."""

    TYPE: ClassVar[str] = "evaluation.letter.issued.v1"

    finding_id: uuid.UUID = Field(description="The confirmed finding")
    org_code: str = Field(pattern=CODE_PATTERN, description="The organisation notified")
    situation: str = Field(min_length=1, max_length=64, description="Situation key")
    method: str = Field(min_length=1, max_length=64, description="Accountability method confirmed")
    respond_by: datetime = Field(description="Last instant to respond (说明情况) or appeal (申诉)")
    letter_path: str = Field(max_length=200, description="Path of the letter (HTML; .pdf beside it) on the service")


class AccountabilityChanged(IntegrationEvent):
    """A finding was dismissed by the office, or answered by its organisation (responded or appealed)."""

    TYPE: ClassVar[str] = "evaluation.accountability.changed.v1"

    finding_id: uuid.UUID = Field(description="The finding")
    org_code: str = Field(pattern=CODE_PATTERN, description="The organisation concerned")
    status: str = Field(pattern=r"^(dismissed|responded|appealed)$", description="The finding's new state")
    reason: str = Field(min_length=1, max_length=2000, description="The office's reason, or the organisation's answer")
