"""The route (准入流程) as data: stages, the parties each asks in parallel, how a stage completes, deadlines.

A district changes its route without code (``PUT /route``); an application keeps the route it started on.
Deadlines count working days on the Chinese calendar (``chinese-calendar``: holidays and make-up workdays 调休);
a year the package does not know falls back to Monday to Friday.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from enum import StrEnum

import chinese_calendar
from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.base import CODE_PATTERN, MAX_ORGANISATIONS
from contracts.events.catalog import ItemDefinition
from services.admission.domain.checks import CheckSettings


class StageKind(StrEnum):
    REVIEW = "review"  # 审查: named bodies, each on one aspect
    CONSULTATION = "consultation"  # 征求街道意见: every affected street
    DECISION = "decision"  # 常委会审定


class Completion(StrEnum):
    """When a stage is done."""

    ALL_ANSWERED = "all_answered"  # every party answered (a late one is escalated, not skipped)
    ANSWERED_OR_LAPSED = "answered_or_lapsed"  # every party answered, or the deadline passed (silence recorded)


class Reviewer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    aspect: str = Field(min_length=1, max_length=50, description="e.g. legality (合法性), reasonableness (合理性)")
    body: str = Field(pattern=CODE_PATTERN, description="Reviewing body code, e.g. sfj (司法局), ysj (营商局)")


class Stage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=CODE_PATTERN, description="Stage name, unique in the route")
    kind: StageKind
    reviewers: tuple[Reviewer, ...] = Field(default=(), max_length=MAX_ORGANISATIONS, description="Review only")
    due_working_days: int = Field(default=10, ge=1, le=120, description="Working days the parties have")
    completion: Completion = Completion.ALL_ANSWERED
    with_previous: bool = Field(default=False, description="Opens together with the stage before (in parallel)")


class Route(BaseModel):
    """准入流程: stages in order; the last is the committee's decision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stages: tuple[Stage, ...] = Field(min_length=1, max_length=20)
    checks: CheckSettings = Field(default_factory=CheckSettings)

    @model_validator(mode="after")
    def _well_formed(self) -> Route:
        names = [stage.name for stage in self.stages]
        if len(set(names)) != len(names):
            raise ValueError("stage names repeat")
        if self.stages[-1].kind is not StageKind.DECISION or names.count(self.stages[-1].name) != 1:
            raise ValueError("the last stage is the committee's decision")
        if any(s.kind is StageKind.DECISION for s in self.stages[:-1]) or self.stages[0].with_previous:
            raise ValueError("one decision, last; the first stage has no stage before it")
        if any(s.kind is StageKind.REVIEW and not s.reviewers for s in self.stages):
            raise ValueError("a review stage names its reviewers")
        return self

    def stage(self, name: str) -> Stage:
        return next(stage for stage in self.stages if stage.name == name)

    def opening(self, closed: frozenset[str]) -> tuple[Stage, ...]:
        """The stages to open once ``closed`` are done: the first not closed, and those opening with it."""
        waiting = [i for i, stage in enumerate(self.stages) if stage.name not in closed]
        if not waiting:
            return ()
        first = waiting[0]
        return (self.stages[first], *itertools.takewhile(lambda s: s.with_previous, self.stages[first + 1 :]))


DEFAULT_ROUTE = Route(
    stages=(
        Stage(
            name="review",
            kind=StageKind.REVIEW,
            reviewers=(Reviewer(aspect="legality", body="sfj"), Reviewer(aspect="reasonableness", body="ysj")),
        ),
        Stage(name="consultation", kind=StageKind.CONSULTATION, completion=Completion.ANSWERED_OR_LAPSED),
        Stage(name="decision", kind=StageKind.DECISION),
    )
)
"""龙沙区's route: 司法局 and 营商局 review in parallel, then the affected streets are consulted, then the committee."""


def working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year past the package's data: weekdays until a notice is loaded
        return day.weekday() < 5


def due_after(start: date, working_days: int) -> date:
    """The last day to answer: ``working_days`` working days after ``start`` (the day it opened not counted)."""
    day, left = start, working_days
    while left:
        day += timedelta(days=1)
        left -= working_day(day)
    return day


def affected_streets(proposal: ItemDefinition | None, asked: tuple[str, ...]) -> tuple[str, ...]:
    """The streets to consult: those the applicant names, else those the item's list would hold."""
    return asked or (proposal.street_codes if proposal is not None else ())
