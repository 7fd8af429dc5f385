"""发现: the situations of failing to act by the list, evaluated from the projection's facts over a period. Pure.

Each detector lists, per organisation, the occurrences in the period with their evidence (case, task, trace
id, what happened, when); an organisation at or over the situation's threshold gets a finding, with the method
the rules propose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


def _within(at: datetime | None, bounds: Bounds) -> bool:
    return at is not None and bounds[0] <= at < bounds[1]


def _task(task: TaskFacts, what: str, at: datetime | None) -> dict[str, Any]:
    ids = {"case_id": str(task.case_id) if task.case_id else None, "task_id": str(task.task_id)}
    return {**ids, "trace_id": task.trace_id, "what": what, "at": at.isoformat() if at else None}


def _case(case: CaseFacts, what: str, at: datetime | None) -> dict[str, Any]:
    ids = {"case_id": str(case.case_id), "task_id": None, "trace_id": case.trace_id}
    return {**ids, "what": what, "at": at.isoformat() if at else None}


def _add(found: Occurrences, org: str | None, evidence: dict[str, Any]) -> None:
    if org and org != DISTRICT:
        found.setdefault(org, []).append(evidence)


def not_acting(facts: Facts, bounds: Bounds) -> Occurrences:
    found: Occurrences = {}
    for t in facts.tasks:
        idle = t.acknowledged_at is None and t.completed_at is None and t.returned_at is None
        if t.role == "primary" and t.whistle_id is None and idle and _within(t.due_at, bounds):
            _add(found, t.assignee_code, _task(t, "到期未签收、未办理、未退回", t.due_at))
    return found


def shirking(facts: Facts, bounds: Bounds) -> Occurrences:
    found: Occurrences = {}
    for t in facts.tasks:
        if t.returns_on_case >= 2 and _within(t.returned_at, bounds):
            _add(found, t.assignee_code, _task(t, f"同一案件第{t.returns_on_case}次退回", t.returned_at))
    return found


def repeated_overdue(facts: Facts, bounds: Bounds) -> Occurrences:
    found: Occurrences = {}
    for t in facts.tasks:
        if _within(t.overdue_at, bounds):
            _add(found, t.assignee_code, _task(t, "办理超期", t.overdue_at))
    return found


def false_closure(facts: Facts, bounds: Bounds) -> Occurrences:
    found: Occurrences = {}
    for case in facts.cases.values():
        if case.rework_count > 0 and _within(case.first_verified_at, bounds):
            for org in facts.primary_orgs(case):
                _add(found, org, _case(case, f"核查未通过，返工{case.rework_count}次", case.first_verified_at))
    return found


def whistle_no_report(facts: Facts, bounds: Bounds) -> Occurrences:
    found: Occurrences = {}
    for s in facts.summons:
        task = facts.whistle_tasks.get((s.whistle_id, s.department))
        if _within(s.report_by, bounds) and (task is None or task.acknowledged_at is None or task.acknowledged_late):
            ids = {"case_id": str(s.case_id) if s.case_id else None, "task_id": str(task.task_id) if task else None}
            trace = task.trace_id if task else None
            _add(
                found,
                s.department,
                {**ids, "trace_id": trace, "what": "吹哨后未按时报到", "at": s.report_by.isoformat()},
            )
    return found


def dissatisfaction(facts: Facts, bounds: Bounds) -> Occurrences:
    found: Occurrences = {}
    rated: dict[str, int] = {}
    for case in facts.cases.values():
        if _within(case.rated_at, bounds):
            for org in facts.primary_orgs(case):
                rated[org] = rated.get(org, 0) + 1
                if case.satisfied is False:
                    _add(found, org, _case(case, "群众评价不满意", case.rated_at))
    return {org: items for org, items in found.items() if len(items) > 0.1 * rated[org]}


DETECTORS: dict[str, Callable[[Facts, Bounds], Occurrences]] = {
    "not_acting": not_acting,
    "shirking": shirking,
    "repeated_overdue": repeated_overdue,
    "false_closure": false_closure,
    "whistle_no_report": whistle_no_report,
    "dissatisfaction": dissatisfaction,
}
"""A detector per situation that the projection's facts can tell; ``pushing_work`` is raised by hand."""


def detect(facts: Facts, bounds: Bounds) -> list[Detected]:
    """Every organisation and situation at or over its threshold in the period, with the proposed method."""
    found: list[Detected] = []
    for situation, detector in DETECTORS.items():
        for org, items in sorted(detector(facts, bounds).items()):
            method = propose(situation, len(items))
            if method is not None and SITUATION[situation].detected:
                found.append(Detected(org, situation, method, len(items), tuple(items[:EVIDENCE_KEPT])))
    return found
