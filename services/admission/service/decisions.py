"""常委会审定 and 撤回: the committee approves, rejects or returns; the applicant may withdraw before that."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace

from contracts.base import IntegrationEvent
from contracts.events.admission import ApplicationApproved, ApplicationClosed, ApplicationRejected
from services.admission.domain import progress
from services.admission.domain.application import Application, Decide, Decision, Status
from services.admission.domain.progress import Party, PartyKind
from services.admission.service.journal import Step, owned
from services.admission.store.repository import AdmissionStore
from services.runtime.uow import UnitOfWork


async def decide(uow: UnitOfWork, application_id: uuid.UUID, decision: Decide) -> Application:
    """审定: once, after every stage; an approval goes to the catalogue as ``admission.application.approved.v1``."""
    async with uow:
        step = Step.of(uow)
        application, _ = await step.locked(application_id)
        status = progress.decide(application.status, decision)
        recorded = {"decision": decision.decision, "minutes_ref": decision.minutes_ref, "reason": decision.reason}
        await step.store.set_status(
            application_id, status, {**recorded, "decided_by": uow.actor, "at": step.at.isoformat()}
        )
        await uow.emit(_announced(application, decision), about=str(application_id))
        await step.note(application_id, f"decision.{decision.decision}", **recorded)
        await uow.commit()
    return _with(application, status, recorded)


def _announced(application: Application, decision: Decide) -> IntegrationEvent:
    about = {"application_id": application.id, "reason": decision.reason}
    if decision.decision is Decision.APPROVE:
        return ApplicationApproved(
            **about,
            kind=application.kind,
            item_code=application.item_code,
            item=application.proposal,
            minutes_ref=decision.minutes_ref,
            street_codes=application.street_codes,
        )
    if decision.decision is Decision.REJECT:
        return ApplicationRejected(**about, item_code=application.item_code, minutes_ref=decision.minutes_ref)
    return ApplicationClosed(**about, outcome=Status.RETURNED)


async def withdraw(
    uow: UnitOfWork, application_id: uuid.UUID, reason: str, *, acting_for: frozenset[str]
) -> Application:
    """撤回: the applying department withdraws before the committee decides."""
    async with uow:
        step = Step.of(uow)
        application = owned((await step.locked(application_id))[0], acting_for)
        status = progress.withdraw(application.status)
        await step.store.set_status(application_id, status, {"withdrawn": reason})
        await uow.emit(
            ApplicationClosed(application_id=application_id, outcome=status, reason=reason), about=str(application_id)
        )
        await step.note(application_id, "withdrawn", reason=reason)
        await uow.commit()
    return _with(application, status, {"withdrawn": reason})


async def assigned(uow: UnitOfWork, kind: PartyKind, codes: frozenset[str], *, limit: int) -> list[Party]:
    """审查任务 / 征求意见: what a reviewer or a street is asked, open ones first."""
    async with uow:
        return await uow.repository(AdmissionStore).assigned(kind, codes, limit=limit)


def _with(application: Application, status: Status, decision: Mapping[str, object]) -> Application:
    return replace(application, status=status, decision=dict(decision))
