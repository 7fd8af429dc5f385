"""告知书: what a notification letter says, and each evidence case's timeline from the projection's facts. Pure."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from contracts.base import DISTRICT_TZ
from services.evaluation.domain.facts import CaseFacts, TaskFacts

TITLE = "依单履职问责告知书"
ISSUER = "区委编办 (the organisation office)"


@dataclass(frozen=True)
class Moment:
    at: datetime
    what: str
    trace_id: str | None

    @property
    def local(self) -> str:
        return self.at.astimezone(DISTRICT_TZ).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class EvidenceCase:
    case_id: uuid.UUID
    street_code: str | None
    trace_id: str | None
    timeline: tuple[Moment, ...]


CASE_MOMENTS = (
    ("accepted_at", "受理"),
    ("first_verified_at", "核查"),
    ("closed_at", "结案"),
    ("rated_at", "评价"),
)
TASK_MOMENTS = (
    ("assigned_at", "派发至"),
    ("acknowledged_at", "签收"),
    ("returned_at", "退回"),
    ("overdue_at", "超期"),
    ("completed_at", "办结"),
)


def timeline(case: CaseFacts, tasks: Sequence[TaskFacts]) -> EvidenceCase:
    """The case's milestones and its tasks', oldest first, each with the trace id it was recorded under."""
    moments = [Moment(at, what, case.trace_id) for name, what in CASE_MOMENTS if (at := getattr(case, name))]
    for task in tasks:
        label = f" {task.assignee_code}" if task.assignee_code else ""
        moments += [
            Moment(at, f"{what}{label}", task.trace_id) for name, what in TASK_MOMENTS if (at := getattr(task, name))
        ]
    return EvidenceCase(case.case_id, case.street_code, case.trace_id, tuple(sorted(moments, key=lambda m: m.at)))
