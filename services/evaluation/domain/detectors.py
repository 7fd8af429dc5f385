"""发现: the situations of failing to act by the list, evaluated from the projection's facts over a period. Pure.

Each detector lists, per organisation, the occurrences in the period with their evidence (case, task, trace
id, what happened, when), and counts the organisation's relevant volume they are a share of (its base: the
tasks due, the cases verified...). An organisation at or over the situation's threshold for the period's
length and that base gets a finding, with the method the rules propose for how many times over it went.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.evaluation.domain.accountability import SITUATION, propose
from services.evaluation.domain.facts import DISTRICT, CaseFacts, Facts, TaskFacts
from services.evaluation.domain.figures import Bounds

Occurrences = dict[str, list[dict[str, Any]]]
EVIDENCE_KEPT = 50
"""Occurrences kept as a finding's evidence (all are counted)."""


@dataclass(frozen=True)
class Detected:
    org_code: str
    situation: str
    method: str
    occurrences: int
    evidence: tuple[dict[str, Any], ...]
    threshold: float = 1.0
    base: int | None = None


@dataclass
class Occurred:
    """One situation over a period: each organisation's occurrences, and its base (the volume they are a share of)."""

    found: Occurrences = field(default_factory=dict)
    base: Counter[str] = field(default_factory=Counter)

    def count(self, org: str | None) -> None:
        if org and org != DISTRICT:
            self.base[org] += 1

    def add(self, org: str | None, evidence: dict[str, Any]) -> None:
        if org and org != DISTRICT:
            self.found.setdefault(org, []).append(evidence)


def _within(at: datetime | None, bounds: Bounds) -> bool:
    return at is not None and bounds[0] <= at < bounds[1]


def _task(task: TaskFacts, what: str, at: datetime | None) -> dict[str, Any]:
    ids = {"case_id": str(task.case_id) if task.case_id else None, "task_id": str(task.task_id)}
    return {**ids, "trace_id": task.trace_id, "what": what, "at": at.isoformat() if at else None}


def _case(case: CaseFacts, what: str, at: datetime | None) -> dict[str, Any]:
    ids = {"case_id": str(case.case_id), "task_id": None, "trace_id": case.trace_id}
    return {**ids, "what": what, "at": at.isoformat() if at else None}


def not_acting(facts: Facts, bounds: Bounds) -> Occurred:
    seen = Occurred()
    for t in facts.tasks:
        if t.role == "primary" and t.whistle_id is None and _within(t.due_at, bounds):
            seen.count(t.assignee_code)
            if t.acknowledged_at is None and t.completed_at is None and t.returned_at is None:
                seen.add(t.assignee_code, _task(t, "到期未签收、未办理、未退回", t.due_at))
    return seen


def shirking(facts: Facts, bounds: Bounds) -> Occurred:
    seen = Occurred()
    for t in facts.tasks:
        if _within(t.assigned_at, bounds):
            seen.count(t.assignee_code)
        if t.returns_on_case >= 2 and _within(t.returned_at, bounds):
            seen.add(t.assignee_code, _task(t, f"同一案件第{t.returns_on_case}次退回", t.returned_at))
    return seen


def repeated_overdue(facts: Facts, bounds: Bounds) -> Occurred:
    seen = Occurred()
    for t in facts.tasks:
        if _within(t.due_at, bounds):
            seen.count(t.assignee_code)
        if _within(t.overdue_at, bounds):
            seen.add(t.assignee_code, _task(t, "办理超期", t.overdue_at))
    return seen


def false_closure(facts: Facts, bounds: Bounds) -> Occurred:
    seen = Occurred()
    for case in facts.cases.values():
        if _within(case.first_verified_at, bounds):
            for org in facts.primary_orgs(case):
                seen.count(org)
                if case.rework_count > 0:
                    seen.add(org, _case(case, f"核查未通过，返工{case.rework_count}次", case.first_verified_at))
    return seen


def whistle_no_report(facts: Facts, bounds: Bounds) -> Occurred:
    seen = Occurred()
    for s in (s for s in facts.summons if _within(s.report_by, bounds)):
        seen.count(s.department)
        task = facts.whistle_tasks.get((s.whistle_id, s.department))
        if task is None or task.acknowledged_at is None or task.acknowledged_late:
            ids = {"case_id": str(s.case_id) if s.case_id else None, "task_id": str(task.task_id) if task else None}
            trace = task.trace_id if task else None
            seen.add(
                s.department, {**ids, "trace_id": trace, "what": "吹哨后未按时报到", "at": s.report_by.isoformat()}
            )
    return seen


def dissatisfaction(facts: Facts, bounds: Bounds) -> Occurred:
    seen = Occurred()
    for case in facts.cases.values():
        if _within(case.rated_at, bounds):
            for org in facts.primary_orgs(case):
                seen.count(org)
                if case.satisfied is False:
                    seen.add(org, _case(case, "群众评价不满意", case.rated_at))
    return seen


DETECTORS: dict[str, Callable[[Facts, Bounds], Occurred]] = {
    "not_acting": not_acting,
    "shirking": shirking,
    "repeated_overdue": repeated_overdue,
    "false_closure": false_closure,
    "whistle_no_report": whistle_no_report,
    "dissatisfaction": dissatisfaction,
}
"""A detector per situation that the projection's facts can tell; ``pushing_work`` is raised by hand."""


def days_of(bounds: Bounds) -> float:
    """The period's length in days (a day with a clock change is still a day)."""
    return (bounds[1] - bounds[0]).total_seconds() / 86_400


def verdict(situation: str, occurrences: int, *, days: float, base: int | None) -> tuple[str | None, float]:
    """The method proposed for ``occurrences`` of ``situation`` (None: no finding), and the threshold it met."""
    threshold = SITUATION[situation].threshold(days=days, base=base)
    return propose(situation, occurrences, threshold=threshold), threshold


def detect(facts: Facts, bounds: Bounds) -> list[Detected]:
    """Every organisation and situation at or over its threshold in the period, with the proposed method."""
    found: list[Detected] = []
    for situation, detector in DETECTORS.items():
        seen = detector(facts, bounds)
        for org, items in sorted(seen.found.items()):
            base = seen.base[org] if SITUATION[situation].share is not None else None
            method, threshold = verdict(situation, len(items), days=days_of(bounds), base=base)
            if method is not None and SITUATION[situation].detected:
                evidence = tuple(items[:EVIDENCE_KEPT])
                found.append(Detected(org, situation, method, len(items), evidence, round(threshold, 2), base))
    return found
