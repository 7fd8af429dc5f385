"""Events of the evaluation service (评价), stream EVALUATION."""

from __future__ import annotations

from datetime import date
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
