"""The office's triage queue (人工派遣): cases routing could not place, dispatched by hand or refused; reopening."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.dispatch import service
from services.dispatch.api.roles import actor_of
from services.dispatch.api.schemas import ByHand, CasePublic, Refusal, Reopening
from services.dispatch.domain import CaseStatus
from services.dispatch.domain.records import CaseFilter
from services.dispatch.service import DispatchByHand, RefuseCase, ReopenCase
from services.dispatch.settings import Settings
from services.runtime.deps import Office, Reporter, settings_of
from services.runtime.deps import UowDep as Uow

router = APIRouter(tags=["triage"])
SettingsDep = Annotated[Settings, Depends(settings_of(Settings))]


@router.get("/triage", summary="人工派遣: the cases routing could not place, oldest reason first, with why")
async def queue(uow: Uow, _: Office, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[CasePublic]:
    found = await service.search_cases(uow, CaseFilter(status=CaseStatus.TRIAGE), limit=limit)
    return [CasePublic.model_validate(replace(case, tasks=())) for case, _primary in found]


@router.post("/cases/{case_id}/dispatch-by-hand", status_code=204, summary="人工派遣: send a triaged case by hand")
async def by_hand(case_id: uuid.UUID, body: ByHand, uow: Uow, principal: Office, settings: SettingsDep) -> None:
    command = DispatchByHand(
        case_id,
        body.assignee_code,
        body.street_code,
        body.reason,
        actor_of(principal),
        datetime.now(UTC),
        settings.ack_within_working_hours,
    )
    await service.dispatch_by_hand(uow, command)


@router.post("/cases/{case_id}/refuse", status_code=204, summary="不予受理: refuse a triaged case, with the reason")
async def refuse(case_id: uuid.UUID, body: Refusal, uow: Uow, principal: Office) -> None:
    await service.refuse_case(uow, RefuseCase(case_id, body.reason, actor_of(principal)))


@router.post("/cases/{case_id}/reopen", status_code=204, summary="重新打开: once, within the set days of closing")
async def reopen(case_id: uuid.UUID, body: Reopening, uow: Uow, principal: Reporter, settings: SettingsDep) -> None:
    window = timedelta(days=settings.reopen_within_days)
    now = datetime.now(UTC)
    command = ReopenCase(case_id, body.reason, actor_of(principal), now, window, settings.ack_within_working_hours)
    await service.reopen_case(uow, command)
