"""Reviews and consultation over HTTP: reviewers and streets answer what they are asked; the office chases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.admission.api.schemas import (
    AnswerBody,
    Code,
    DeadlineBody,
    PartyAssigned,
    PartyPublic,
    ReplyBody,
)
from services.admission.domain.progress import PartyKind
from services.admission.domain.route import Route
from services.admission.service import answers, decisions, submissions
from services.runtime.deps import Office, OfficeOrOperator, Reviewer, Street
from services.runtime.deps import UowDep as Uow

router = APIRouter(tags=["reviews and consultation"])
Aspect = Annotated[str, Path(min_length=1, max_length=50, description="legality (合法性), reasonableness (合理性)")]
PathCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.post("/applications/{application_id}/reviews/{aspect}", summary="审查意见: the assigned body's verdict")
async def record_review(
    application_id: uuid.UUID, aspect: Aspect, body: AnswerBody, uow: Uow, principal: Reviewer
) -> PartyPublic:
    bodies = principal.scopes("reviewer")
    return PartyPublic.of(await answers.record_review(uow, application_id, aspect, body.answer(), acting_for=bodies))


@router.post("/applications/{application_id}/consultation/{street_code}", summary="街道意见: agree or object")
async def answer_consultation(
    application_id: uuid.UUID, street_code: PathCode, body: AnswerBody, uow: Uow, principal: Street
) -> PartyPublic:
    streets = principal.scopes("street")
    party = await answers.answer_consultation(uow, application_id, street_code, body.answer(), acting_for=streets)
    return PartyPublic.of(party)


@router.post("/applications/{application_id}/consultation/{street_code}/reply", summary="异议答复: answer an objection")
async def reply(application_id: uuid.UUID, street_code: PathCode, body: ReplyBody, uow: Uow, _: Office) -> PartyPublic:
    return PartyPublic.of(await answers.answer_objection(uow, application_id, street_code, body.reply))


@router.post("/applications/{application_id}/parties/{code}/deadline", summary="延期: a new deadline for a late party")
async def extend(application_id: uuid.UUID, code: PathCode, body: DeadlineBody, uow: Uow, _: Office) -> PartyPublic:
    return PartyPublic.of(await answers.extend_deadline(uow, application_id, code, body.due_on))


@router.get("/reviews", summary="审查任务: what this reviewing body is asked, open first")
async def my_reviews(uow: Uow, principal: Reviewer, limit: Limit = 100) -> list[PartyAssigned]:
    asked = await decisions.assigned(uow, PartyKind.REVIEWER, principal.scopes("reviewer"), limit=limit)
    return [PartyAssigned.of(party) for party in asked]


@router.get("/consultations", summary="征求意见: what this street is asked, open first")
async def my_consultations(uow: Uow, principal: Street, limit: Limit = 100) -> list[PartyAssigned]:
    asked = await decisions.assigned(uow, PartyKind.STREET, principal.scopes("street"), limit=limit)
    return [PartyAssigned.of(party) for party in asked]


@router.post("/deadlines/sweep", summary="超期处理: escalate late reviews, record silent streets")
async def sweep(uow: Uow, _: OfficeOrOperator) -> dict[str, int]:
    return {"applications": await answers.sweep(uow)}


@router.get("/route", summary="准入流程: the route new applications take")
async def get_route(uow: Uow, _: OfficeOrOperator) -> dict[str, object]:
    version, route = await submissions.current_route(uow)
    return {"version": version, "route": route.model_dump(mode="json")}


@router.put("/route", summary="调整准入流程: stages, reviewers, completion rules, deadlines, check thresholds")
async def put_route(route: Route, uow: Uow, _: Office) -> dict[str, object]:
    return {"version": await submissions.set_route(uow, route), "route": route.model_dump(mode="json")}


__all__ = ["Code"]
