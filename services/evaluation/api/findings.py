"""问责 routes: the situations and methods, detection, the office's decision, the organisation's answer, letters."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from contracts.base import CODE_PATTERN
from services.evaluation.api.indicators import PeriodParams
from services.evaluation.api.letter_pdf import render_pdf
from services.evaluation.api.scorecards import templates
from services.evaluation.domain.accountability import METHODS, RULES, SITUATIONS
from services.evaluation.domain.letters import ISSUER, TITLE
from services.evaluation.service import accountability as service
from services.evaluation.service.letters import letter, paragraphs
from services.evaluation.store.findings import Finding
from services.runtime.auth import Principal
from services.runtime.deps import Office, Staff, UowDep

router = APIRouter(tags=["accountability (依单履职问责)"])
FindingId = Annotated[uuid.UUID, Path(description="The finding")]
OWN_KINDS = ("department", "street", "agency")


class FindingPublic(BaseModel):
    finding_id: uuid.UUID
    org_code: str
    situation: str
    method: str
    status: str
    start: date
    end: date
    evidence: dict[str, Any]
    reason: str | None
    respond_by: datetime | None
    response: dict[str, Any] | None
    letter: str | None = Field(description="The letter's page, once confirmed; .pdf beside it")

    @classmethod
    def of(cls, f: Finding) -> FindingPublic:
        path = service.letter_path(f.finding_id) if f.respond_by else None
        return cls(**{**vars(f), "start": f.period_start, "end": f.period_end, "letter": path})


class DecisionCreate(BaseModel):
    action: Literal["confirm", "dismiss"] = Field(description="确认 or 不予问责")
    reason: str = Field(min_length=1, max_length=2000, description="Why, in the office's words")


class AnswerCreate(BaseModel):
    action: Literal["respond", "appeal"] = Field(description="说明情况 or 申诉")
    text: str = Field(min_length=1, max_length=2000, description="The organisation's answer")


def own(principal: Principal) -> frozenset[str] | None:
    """The organisations a caller acts for; None for the office and operators, who see every finding."""
    if principal.has("office") or principal.has("operator"):
        return None
    return frozenset().union(*(principal.scopes(kind) for kind in OWN_KINDS))


@router.get("/accountability/rules", summary="问责规则: the 7 situations, the 6 methods and the proposing rules")
async def rules() -> dict[str, list[dict[str, Any]]]:
    return {
        "situations": [vars(s) for s in SITUATIONS],
        "methods": [vars(m) for m in METHODS],
        "rules": [vars(r) for r in RULES],
    }


@router.post("/findings/detect", summary="发现: run the detectors over a period (the office)")
async def detect(params: Annotated[PeriodParams, Query()], uow: UowDep, _: Office) -> list[FindingPublic]:
    return [FindingPublic.of(f) for f in await service.detect_findings(uow, params.period, now=datetime.now(UTC))]


@router.get("/findings", summary="问责线索: findings, the caller's own unless office or operator")
async def list_findings(
    uow: UowDep,
    principal: Staff,
    status: Annotated[str | None, Query(max_length=20)] = None,
    org_code: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
) -> list[FindingPublic]:
    found = await service.findings(uow, status=status, org_code=org_code)
    mine = own(principal)
    return [FindingPublic.of(f) for f in found if mine is None or f.org_code in mine]


@router.post("/findings/{finding_id}/decision", summary="确认或不予问责 (the office), with a reason")
async def decide(finding_id: FindingId, body: DecisionCreate, uow: UowDep, _: Office) -> FindingPublic:
    decision = service.Decision(finding_id, body.action, body.reason, datetime.now(UTC))
    return FindingPublic.of(await service.decide(uow, decision))


@router.post("/findings/{finding_id}/answer", summary="说明情况或申诉 (the organisation), before the deadline")
async def answer(finding_id: FindingId, body: AnswerCreate, uow: UowDep, principal: Staff) -> FindingPublic:
    decision = service.Decision(finding_id, body.action, body.text, datetime.now(UTC))
    return FindingPublic.of(await service.answer(uow, decision, own=own(principal) or frozenset()))


@router.get("/findings/{finding_id}/letter.html", response_class=HTMLResponse, summary="告知书 (HTML)")
async def letter_page(finding_id: FindingId, uow: UowDep, _: Staff) -> HTMLResponse:
    found = await letter(uow, finding_id)
    values = {"letter": found, "paragraphs": paragraphs(found), "title": TITLE, "issuer": ISSUER}
    return HTMLResponse(templates().get_template("letter.html").render(**values))


@router.get("/findings/{finding_id}/letter.pdf", summary="告知书 (PDF)")
async def letter_pdf(finding_id: FindingId, uow: UowDep, _: Staff) -> Response:
    found = await letter(uow, finding_id)
    headers = {"Content-Disposition": f'inline; filename="letter-{finding_id}.pdf"'}
    pdf = await asyncio.to_thread(render_pdf, found)  # seconds of font work, off the event loop
    return Response(pdf, media_type="application/pdf", headers=headers)
