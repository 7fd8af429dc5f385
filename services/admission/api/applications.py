"""Applications over HTTP: a department applies or withdraws, the committee decides, parties read."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.admission.api.schemas import (
    ApplicationCreate,
    ApplicationPublic,
    DecisionBody,
    WithdrawalBody,
)
from services.admission.domain.application import Decide, SubmitApplication
from services.admission.service import decisions, submissions
from services.admission.service.submissions import Visibility
from services.runtime.auth import Principal
from services.runtime.deps import AdmissionParty, Committee, Department
from services.runtime.deps import UowDep as Uow

router = APIRouter(tags=["applications"])


def _visibility(principal: Principal) -> Visibility:
    return Visibility(
        everything=principal.has("office") or principal.has("committee"),
        departments=principal.scopes("department"),
        reviewers=principal.scopes("reviewer"),
        streets=principal.scopes("street"),
    )


@router.post("/applications", status_code=status.HTTP_201_CREATED, summary="提交准入申请: apply to change a duty")
async def submit(body: ApplicationCreate, uow: Uow, principal: Department) -> ApplicationPublic:
    command = SubmitApplication(**{**dict(body), "street_codes": tuple(body.street_codes)})
    application = await submissions.submit_application(uow, command, acting_for=principal.scopes("department"))
    return ApplicationPublic.of(application)


@router.get("/applications/{application_id}", summary="One application: proposal, findings, parties and answers")
async def get_application(application_id: uuid.UUID, uow: Uow, principal: AdmissionParty) -> ApplicationPublic:
    application, parties = await submissions.application_view(uow, application_id, sees=_visibility(principal))
    return ApplicationPublic.of(application, parties)


@router.get("/applications/{application_id}/timeline", summary="办理轨迹: who did what, when, under which trace")
async def get_timeline(application_id: uuid.UUID, uow: Uow, principal: AdmissionParty) -> list[dict[str, object]]:
    return await submissions.timeline(uow, application_id, sees=_visibility(principal))


@router.get("/applications", summary="Applications, newest first: a department sees only its own")
async def list_applications(
    uow: Uow, principal: AdmissionParty, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[ApplicationPublic]:
    everyone = principal.has("office") or principal.has("committee")
    departments = None if everyone else principal.scopes("department")
    return [ApplicationPublic.of(a) for a in await submissions.applications(uow, departments, limit=limit)]


@router.post("/applications/{application_id}/decision", summary="常委会审定: approve, reject or return")
async def decide(application_id: uuid.UUID, body: DecisionBody, uow: Uow, _: Committee) -> ApplicationPublic:
    decision = Decide(decision=body.decision, minutes_ref=body.minutes_ref, reason=body.reason)
    return ApplicationPublic.of(await decisions.decide(uow, application_id, decision))


@router.post(
    "/applications/{application_id}/revision",
    status_code=status.HTTP_201_CREATED,
    summary="修改重报: the applicant revises a returned application; the revision goes through the route again",
)
async def revise(
    application_id: uuid.UUID, body: ApplicationCreate, uow: Uow, principal: Department
) -> ApplicationPublic:
    command = SubmitApplication(**{**dict(body), "street_codes": tuple(body.street_codes), "revises": application_id})
    application = await submissions.submit_application(uow, command, acting_for=principal.scopes("department"))
    return ApplicationPublic.of(application)


@router.post("/applications/{application_id}/withdrawal", summary="撤回: the applicant withdraws before the decision")
async def withdraw(
    application_id: uuid.UUID, body: WithdrawalBody, uow: Uow, principal: Department
) -> ApplicationPublic:
    application = await decisions.withdraw(uow, application_id, body.reason, acting_for=principal.scopes("department"))
    return ApplicationPublic.of(application)
