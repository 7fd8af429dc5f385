"""Inspection results (检查结果) and when a result opens a case for dispatch. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.events.enforcement import InspectionOutcome

Outcome = InspectionOutcome

OUTCOME_LABELS = {
    Outcome.NO_PROBLEM: "未发现问题",
    Outcome.PROBLEMS_FOUND: "发现问题",
    Outcome.RECTIFICATION_ORDERED: "责令整改",
    Outcome.CASE_OPENED: "立案查处",
}


@dataclass(frozen=True)
class Evidence:
    """证据: a photo, a record or a document, by reference and content hash (the file lives elsewhere)."""

    kind: str
    reference: str
    sha256: str | None = None


@dataclass(frozen=True)
class RecordResult:
    """登记检查结果 for one drawn inspection."""

    draw_id: str
    matter: str
    target: str
    outcome: Outcome
    findings: str
    inspected_on: date
    evidence: tuple[Evidence, ...]
    refer: bool  # open a dispatch case (转办) for the problem


def result_refusal(command: RecordResult) -> tuple[str, str] | None:
    """The field and reason a result is refused, or None."""
    if command.outcome is not Outcome.NO_PROBLEM and not command.findings.strip():
        return "findings", "a result with problems says what was found (检查发现)"
    if command.outcome is not Outcome.NO_PROBLEM and not command.evidence:
        return "evidence", "a result with problems carries evidence (证据)"
    if command.refer and command.outcome is Outcome.NO_PROBLEM:
        return "refer", "only a problem found opens a case (转办)"
    return None
