"""依单履职问责: detectors propose findings (the office raises by hand the ones they cannot see), the office
confirms or dismisses them, a confirmed one becomes a notification letter (告知书), and the organisation responds
or appeals by its deadline. Evented and audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from contracts.events.evaluation import AccountabilityChanged, AccountabilityOpened, LetterIssued
from services.evaluation.domain.accountability import CONFIRMED, PROPOSED, RESPONSE_DAYS, method_by_hand, transition
from services.evaluation.domain.detectors import Detected, detect
from services.evaluation.domain.periods import Period
from services.evaluation.service.projection import load_facts
from services.evaluation.store.findings import Finding, FindingStore
from services.runtime.errors import Conflict, Forbidden, NotFound, Rejected
from services.runtime.uow import UnitOfWork


@dataclass(frozen=True)
class Decision:
    """The office's confirm or dismiss, or the organisation's respond or appeal, with its reason or text."""

    finding_id: uuid.UUID
    action: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class RaiseFinding:
    """The office raises a finding by hand, for a situation the detectors cannot see (向街道转嫁清单外工作, told by
    admission's records) or one they missed; ``method`` None takes the rules' proposal."""

    org_code: str
    situation: str
    period: Period
    method: str | None
    summary: str
    evidence: tuple[dict[str, Any], ...]


def letter_path(finding_id: uuid.UUID) -> str:
    return f"/findings/{finding_id}/letter.html"


def _finding(d: Detected, period: Period, now: datetime) -> Finding:
    evidence = {"occurrences": d.occurrences, "threshold": d.threshold, "base": d.base, "items": list(d.evidence)}
    values = (d.org_code, d.situation, d.method, PROPOSED, period.start, period.end, evidence, now)
    return Finding(uuid.uuid4(), *values)


async def detect_findings(uow: UnitOfWork, period: Period, *, now: datetime) -> list[Finding]:
    """发现: run the detectors over ``period``; keep and announce the findings not made before."""
    detected = detect(await load_facts(uow, period), period.bounds())
    async with uow:
        new = await uow.repository(FindingStore).add_new([_finding(d, period, now) for d in detected])
        for f in new:
            await _announce(uow, f)
        await uow.commit()
    return new


async def raise_finding(uow: UnitOfWork, raised: RaiseFinding, *, now: datetime) -> Finding:
    """The office raises a finding by hand: proposed, announced and audited as a detected one is."""
    evidence = {"occurrences": len(raised.evidence), "items": list(raised.evidence)}
    method = method_by_hand(raised.situation, raised.method)
    p = raised.period
    values = (raised.org_code, raised.situation, method, PROPOSED, p.start, p.end, evidence, now)
    finding = Finding(uuid.uuid4(), *values, source="office", summary=raised.summary)
    async with uow:
        if not await uow.repository(FindingStore).add_new([finding]):
            message = f"{raised.org_code} already has a {raised.situation} finding for {p.start}..{p.end}"
            raise Conflict(message, field="situation")
        await _announce(uow, finding)
        await uow.commit()
    return finding


async def _announce(uow: UnitOfWork, f: Finding) -> None:
    await uow.emit(_opened(f), about=str(f.finding_id))
    await uow.audit(action="finding.proposed", entity=f"finding:{f.finding_id}", after=_audited(f))


def _opened(f: Finding) -> AccountabilityOpened:
    occurrences = int(f.evidence["occurrences"])
    return AccountabilityOpened(
        finding_id=f.finding_id,
        org_code=f.org_code,
        situation=f.situation,
        proposed_method=f.method,
        occurrences=occurrences,
        period_start=f.period_start,
        period_end=f.period_end,
        source=f.source,
    )


def _audited(f: Finding) -> dict[str, object]:
    return {"status": f.status, "situation": f.situation, "method": f.method, "reason": f.reason, "source": f.source}


async def _locked(uow: UnitOfWork, finding_id: uuid.UUID) -> Finding:
    found = await uow.repository(FindingStore).get(finding_id, lock=True)
    if found is None:
        raise NotFound(f"no finding {finding_id}", field="finding_id", location="path")
    return found


async def decide(uow: UnitOfWork, decision: Decision) -> Finding:
    """The office confirms (a letter is issued) or dismisses a proposed finding, with its reason."""
    async with uow:
        before = await _locked(uow, decision.finding_id)
        status = transition(before.status, decision.action)
        respond_by = decision.at + timedelta(days=RESPONSE_DAYS) if status == CONFIRMED else None
        after = replace(
            before,
            status=status,
            decided_by=uow.actor,
            decided_at=decision.at,
            reason=decision.reason,
            respond_by=respond_by,
        )
        await _record(uow, before, after, action=f"finding.{status}")
        await uow.commit()
    return after


async def answer(uow: UnitOfWork, decision: Decision, *, own: frozenset[str]) -> Finding:
    """The organisation responds (说明情况) or appeals (申诉) a confirmed finding before its deadline."""
    async with uow:
        before = await _locked(uow, decision.finding_id)
        if before.org_code not in own:
            raise Forbidden(f"this token does not act for {before.org_code}", field="finding_id", location="path")
        status = transition(before.status, decision.action)
        if before.respond_by is not None and decision.at > before.respond_by:
            raise Rejected(f"answers were due by {before.respond_by.isoformat()}", field="respond_by")
        response = {"action": decision.action, "text": decision.reason, "by": uow.actor, "at": decision.at.isoformat()}
        after = replace(before, status=status, response=response)
        await _record(uow, before, after, action=f"finding.{status}")
        await uow.commit()
    return after


async def _record(uow: UnitOfWork, before: Finding, after: Finding, *, action: str) -> None:
    await uow.repository(FindingStore).update(after)
    await uow.emit(_event(after), about=str(after.finding_id))
    await uow.audit(action=action, entity=f"finding:{after.finding_id}", before=_audited(before), after=_audited(after))


def _event(f: Finding) -> LetterIssued | AccountabilityChanged:
    if f.status == CONFIRMED and f.respond_by is not None:
        path = letter_path(f.finding_id)
        return LetterIssued(
            finding_id=f.finding_id,
            org_code=f.org_code,
            situation=f.situation,
            method=f.method,
            respond_by=f.respond_by,
            letter_path=path,
        )
    text = f.response["text"] if f.response else f.reason or ""
    return AccountabilityChanged(finding_id=f.finding_id, org_code=f.org_code, status=f.status, reason=text)


async def findings(uow: UnitOfWork, *, status: str | None, org_code: str | None) -> list[Finding]:
    async with uow:
        return await uow.repository(FindingStore).listed(status=status, org_code=org_code)
