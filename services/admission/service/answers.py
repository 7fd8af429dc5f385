"""审查与征求意见: reviewers record verdicts, streets answer, the office answers objections and chases lateness."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

from contracts.events.admission import ReviewEscalated, ReviewRecorded, StreetAnswered
from services.admission.domain import progress
from services.admission.domain.application import Answer, Application, Status
from services.admission.domain.progress import Party, PartyKind
from services.admission.domain.route import Route
from services.admission.service.journal import Step
from services.admission.service.stages import settle
from services.admission.store.repository import AdmissionStore
from services.runtime.errors import Conflict, Forbidden, NotFound
from services.runtime.uow import UnitOfWork


async def record_review(
    uow: UnitOfWork,
    application_id: uuid.UUID,
    aspect: str,
    answer: Answer,
    *,
    acting_for: frozenset[str],
    today: date | None = None,
) -> Party:
    """审查意见: the body assigned this aspect records its verdict, opinion and attachments by the deadline."""
    async with uow:
        step = Step.of(uow, today)
        application, route = await _in_review(step, application_id)
        party = _assigned(await step.store.parties(application_id), PartyKind.REVIEWER, acting_for, aspect=aspect)
        answered = progress.record_answer(party, answer, by=uow.actor, at=step.at, today=step.today)
        await step.store.save_party(answered)
        recorded = ReviewRecorded(
            application_id=application_id,
            aspect=aspect,
            reviewer=party.code,
            verdict=answer.verdict,
            opinion=answer.opinion,
        )
        await uow.emit(recorded, about=str(application_id))
        await step.note(
            application_id,
            "review.recorded",
            aspect=aspect,
            reviewer=party.code,
            verdict=answer.verdict,
            attachments=list(answer.attachments),
        )
        await settle(step, application, route, party.stage)
        await uow.commit()
    return answered


async def answer_consultation(
    uow: UnitOfWork,
    application_id: uuid.UUID,
    street_code: str,
    answer: Answer,
    *,
    acting_for: frozenset[str],
    today: date | None = None,
) -> Party:
    """街道意见: a consulted street agrees or objects, by the deadline."""
    if street_code not in acting_for:
        raise Forbidden(f"not allowed to answer for street {street_code}", field="street_code", location="path")
    async with uow:
        step = Step.of(uow, today)
        application, route = await _in_review(step, application_id)
        party = _assigned(await step.store.parties(application_id), PartyKind.STREET, frozenset({street_code}))
        answered = progress.record_answer(party, answer, by=uow.actor, at=step.at, today=step.today)
        await step.store.save_party(answered)
        event = StreetAnswered(
            application_id=application_id, street_code=street_code, verdict=answer.verdict, opinion=answer.opinion
        )
        await uow.emit(event, about=str(application_id))
        await step.note(
            application_id, "street.answered", street=street_code, verdict=answer.verdict, opinion=answer.opinion
        )
        await settle(step, application, route, party.stage)
        await uow.commit()
    return answered


async def answer_objection(uow: UnitOfWork, application_id: uuid.UUID, street_code: str, reply: str) -> Party:
    """异议答复: the office answers a street's objection; the committee sees both."""
    async with uow:
        step = Step.of(uow)
        await step.locked(application_id)
        asked = [
            p for p in await step.store.parties(application_id) if p.kind is PartyKind.STREET and p.code == street_code
        ]
        if not asked:
            raise NotFound(f"street {street_code} was not consulted", field="street_code", location="path")
        replied = progress.answer_objection(asked[-1], reply)
        await step.store.save_party(replied)
        await step.note(application_id, "objection.answered", street=street_code, reply=reply)
        await uow.commit()
    return replied


async def extend_deadline(uow: UnitOfWork, application_id: uuid.UUID, code: str, due_on: date) -> Party:
    """延期: the office gives a late reviewer or street a new deadline."""
    async with uow:
        step = Step.of(uow)
        await _in_review(step, application_id)
        open_parties = [p for p in await step.store.parties(application_id) if p.code == code and not p.settled]
        if not open_parties:
            raise NotFound(f"{code} has nothing open on application {application_id}", field="code", location="path")
        extended = progress.extend(open_parties[0], due_on, step.today)
        await step.store.save_party(extended)
        await step.note(application_id, "deadline.extended", party=code, due_on=str(due_on))
        await uow.commit()
    return extended


async def sweep(uow: UnitOfWork, *, today: date | None = None) -> int:
    """超期处理: escalate late reviews to the office; record silent streets and close their consultations."""
    async with uow:
        late = await uow.repository(AdmissionStore).overdue(today or Step.of(uow).today)
    for application_id in late:
        await _sweep_one(uow, application_id, today)
    return len(late)


async def _sweep_one(uow: UnitOfWork, application_id: uuid.UUID, today: date | None) -> None:
    async with uow:
        step = Step.of(uow, today)
        application, route = await step.locked(application_id)
        if application.status is Status.IN_REVIEW:
            await _chase(step, application, route)
        await uow.commit()


async def _chase(step: Step, application: Application, route: Route) -> None:
    asked = await step.store.parties(application.id)
    for party in progress.escalations(asked, step.today):
        await step.store.save_party(party)
        escalated = ReviewEscalated(
            application_id=application.id, aspect=party.aspect or "review", reviewer=party.code, due_on=party.due_on
        )
        await step.uow.emit(escalated, about=str(application.id))
        await step.note(application.id, "review.escalated", reviewer=party.code, due_on=str(party.due_on))
    for stage in {party.stage for party in asked}:
        lapsed = progress.lapses(route.stage(stage), [p for p in asked if p.stage == stage], step.today)
        for party in lapsed:
            await step.store.save_party(party)
            await step.note(application.id, "street.silent", street=party.code, due_on=str(party.due_on))
        if lapsed:
            await settle(step, application, route, stage)


async def _in_review(step: Step, application_id: uuid.UUID) -> tuple[Application, Route]:
    application, route = await step.locked(application_id)
    if application.status is not Status.IN_REVIEW:
        raise Conflict(f"the application is {application.status}, not in review", field="status")
    return application, route


def _assigned(asked: list[Party], kind: PartyKind, codes: frozenset[str], *, aspect: str | None = None) -> Party:
    """The open party of ``kind`` for one of ``codes`` (and ``aspect``); only what one is assigned is answerable."""
    mine = [p for p in asked if p.kind is kind and p.code in codes and (aspect is None or p.aspect == aspect)]
    if not mine:
        raise Forbidden("nothing on this application is assigned to you", field="application_id", location="path")
    return next((p for p in mine if not p.settled), replace(mine[-1]))
