"""Assisted services (帮办代办, the 252-person 小龙帮办 team) and elderly-friendly (适老) requests: a helper records
a request for a resident; it is routed like any case, with its own kind, deadline and counts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter

from contracts.events.intake import CaseReported
from services.dispatch import service
from services.dispatch.api.policy import AckWithin
from services.dispatch.api.schemas import AssistedRequest
from services.runtime.auth import Principal
from services.runtime.deps import StreetOrOffice
from services.runtime.deps import UowDep as Uow

router = APIRouter(tags=["assisted"])


@router.post("/assisted", status_code=201, summary="帮办代办/适老: a helper records a request for a resident")
async def record_assisted(
    body: AssistedRequest, uow: Uow, principal: StreetOrOffice, ack_within_h: AckWithin
) -> dict[str, object]:
    taken = await service.take_assisted(uow, _report(body, principal), ack_within_h=ack_within_h)
    return {"case_id": taken.case_id, "fresh": taken.fresh}


def _report(body: AssistedRequest, principal: Principal) -> CaseReported:
    return CaseReported(
        source_system=f"helper:{principal.subject}"[:64],
        source_id=body.source_id or str(uuid.uuid4()),
        item_code=body.item_code,
        grid_code=body.grid_code,
        description=body.description,
        address=body.address,
        lat=body.lat,
        long=body.long,
        reported_at=datetime.now(UTC),
        kind=body.kind,
        recorded_by=body.recorded_by,
    )
