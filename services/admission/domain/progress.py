"""How an application moves (审查 → 征求意见 → 审定): parties answer, stages complete, the committee decides.

Pure: the service loads the parties and the application, these functions say what changes or refuse.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from contracts.events.admission import Verdict
from services.admission.domain.application import Answer, Decide, Decision, Status
from services.admission.domain.route import Completion, Stage
from services.runtime.errors import Conflict


class PartyKind(StrEnum):
    REVIEWER = "reviewer"  # 审查机关
    STREET = "street"  # 被征求意见的街道


@dataclass(frozen=True)
class Party:
    """One body asked in one stage: a reviewer on its aspect, or a consulted street."""

    application_id: uuid.UUID
    stage: str
    kind: PartyKind
    code: str
    due_on: date
    aspect: str | None = None
    verdict: Verdict | None = None
    opinion: str | None = None
    attachments: tuple[str, ...] = ()
    answered_by: str | None = None
    answered_at: datetime | None = None
    escalated_on: date | None = None
    silent: bool = False  # 逾期未反馈: the deadline passed without an answer
    reply: str | None = None  # the office's answer to an objection (异议答复)

    @property
    def settled(self) -> bool:
        return self.verdict is not None or self.silent

    def overdue(self, today: date) -> bool:
        return not self.settled and today > self.due_on


def record_answer(party: Party, answer: Answer, *, by: str, at: datetime, today: date) -> Party:
    """A verdict or a street's answer, once, by its deadline."""
    if party.settled:
        raise Conflict(f"{party.code} already answered on {party.stage}", field="state")
    if party.overdue(today):
        raise Conflict(f"the deadline {party.due_on} has passed: the office extends it first", field="due_on")
    kept = {"verdict": answer.verdict, "opinion": answer.opinion}
    return replace(party, **kept, attachments=answer.attachments, answered_by=by, answered_at=at)  # type: ignore[arg-type]


def answer_objection(party: Party, text: str) -> Party:
    """异议答复: the office answers a street's objection, once."""
    if party.kind is not PartyKind.STREET or party.verdict is not Verdict.OBJECT:
        raise Conflict(f"{party.code} raised no objection to answer", field="street_code")
    if party.reply is not None:
        raise Conflict(f"the objection of {party.code} is already answered", field="state")
    return replace(party, reply=text)


def extend(party: Party, due_on: date, today: date) -> Party:
    """延期: the office gives a late party a new deadline."""
    if party.settled:
        raise Conflict(f"{party.code} already answered", field="state")
    if due_on < today:
        raise Conflict("the new deadline is in the past", field="due_on")
    return replace(party, due_on=due_on, escalated_on=None)


def escalations(parties: list[Party], today: date) -> list[Party]:
    """超期督办: late reviewers not yet escalated."""
    return [
        replace(p, escalated_on=today)
        for p in parties
        if p.kind is PartyKind.REVIEWER and p.overdue(today) and p.escalated_on is None
    ]


def lapses(stage: Stage, parties: list[Party], today: date) -> list[Party]:
    """逾期视为无意见: in a stage that completes on its deadline, silence past it is recorded as such."""
    if stage.completion is not Completion.ANSWERED_OR_LAPSED:
        return []
    return [replace(p, silent=True) for p in parties if p.overdue(today)]


def complete(parties: list[Party]) -> bool:
    return all(party.settled for party in parties)


def decide(status: Status, decision: Decide) -> Status:
    """常委会审定: only an application that has been through every stage, and only once."""
    if status is not Status.AWAITING_DECISION:
        raise Conflict(f"the application is {status}, not awaiting the committee's decision", field="status")
    return {Decision.APPROVE: Status.APPROVED, Decision.REJECT: Status.REJECTED, Decision.RETURN: Status.RETURNED}[
        decision.decision
    ]


def withdraw(status: Status) -> Status:
    """撤回: the applicant may withdraw until the committee has decided."""
    if not status.open:
        raise Conflict(f"the application is {status}: too late to withdraw", field="status")
    return Status.WITHDRAWN
