"""问责 routes: the situations and methods, detection, raising by hand, the office's decision, the organisation's
answer, letters."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from contracts.base import CODE_PATTERN
from services.evaluation.api.indicators import PeriodParams
from services.evaluation.api.letter_pdf import render_pdf
from services.evaluation.api.scorecards import templates
from services.evaluation.domain.accountability import METHOD, METHODS, MONTH_DAYS, RULES, SITUATION, SITUATIONS
from services.evaluation.domain.letters import ISSUER, TITLE
from services.evaluation.service import accountability as service
from services.evaluation.service.letters import letter, paragraphs
from services.evaluation.store.findings import Finding
from services.runtime.auth import Principal
from services.runtime.deps import Office, Staff, UowDep

router = APIRouter(tags=["accountability (依单履职问责)"])
FindingId = Annotated[uuid.UUID, Path(description="The finding")]
OWN_KINDS = ("department", "street", "agency")
EVIDENCE_MAX = 50
"""Pieces of evidence one finding raised by hand may cite (a detected one keeps as many)."""


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
    source: str = Field(description="Who raised it: detector, or office (by hand)")
    summary: str | None = Field(description="The office's account of a finding it raised by hand")

    @classmethod
    def of(cls, f: Finding) -> FindingPublic:
        path = service.letter_path(f.finding_id) if f.respond_by else None
        return cls(**{**vars(f), "start": f.period_start, "end": f.period_end, "letter": path})


class EvidenceCreate(BaseModel):
    """One piece of evidence the office cites: what happened, when, and the case or admission application."""

    model_config = ConfigDict(extra="forbid")

    case_id: uuid.UUID | None = Field(default=None, description="A case (dispatch) the evidence is about")
    application_id: uuid.UUID | None = Field(default=None, description="An admission application (职责准入申请)")
    what: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = Field(
        description="What happened, in the office's words"
    )
    at: AwareDatetime | date = Field(description="When: a day, or an instant with its offset")

    def item(self) -> dict[str, Any]:
        """As a finding keeps its evidence: the shape a detector's occurrence has, with the application beside."""
        case, application = (str(i) if i else None for i in (self.case_id, self.application_id))
        ids = {"case_id": case, "application_id": application, "task_id": None, "trace_id": None}
        return {**ids, "what": self.what, "at": self.at.isoformat()}


class FindingCreate(PeriodParams):
    """A finding the office raises by hand (e.g. 向街道转嫁清单外工作), proposed as a detected one is."""

    org_code: str = Field(pattern=CODE_PATTERN, description="The department, street or agency concerned")
    situation: str = Field(description="A situation key (GET /accountability/rules), typically pushing_work")
    method: str | None = Field(default=None, description="A method key; default the rules' proposal")
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = Field(
        description="What the organisation did, in the office's words (Chinese as it is written)"
    )
    evidence: list[EvidenceCreate] = Field(min_length=1, max_length=EVIDENCE_MAX)

    @field_validator("situation")
    @classmethod
    def _known_situation(cls, key: str) -> str:
        if key not in SITUATION:
            raise ValueError(f"unknown situation {key!r}; known: {sorted(SITUATION)}")
        return key

    @field_validator("method")
    @classmethod
    def _known_method(cls, key: str | None) -> str | None:
        if key is not None and key not in METHOD:
            raise ValueError(f"unknown method {key!r}; known: {sorted(METHOD)}")
        return key

    def command(self) -> service.RaiseFinding:
        items = tuple(e.item() for e in self.evidence)
        return service.RaiseFinding(self.org_code, self.situation, self.period, self.method, self.summary, items)


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


@router.get(
    "/accountability/rules",
    summary="问责规则: the 7 situations, the 6 methods and the proposing rules",
    description=f"A situation's threshold over a period is the larger of ``per_month`` for every {MONTH_DAYS} days "
    "and ``share`` of the organisation's ``base``; a rule proposes its method at ``times`` that threshold.",
)
async def rules() -> dict[str, Any]:
    return {
        "month_days": MONTH_DAYS,
        "situations": [vars(s) for s in SITUATIONS],
        "methods": [vars(m) for m in METHODS],
        "rules": [vars(r) for r in RULES],
    }


@router.post("/findings/detect", summary="发现: run the detectors over a period (the office)")
async def detect(params: Annotated[PeriodParams, Query()], uow: UowDep, _: Office) -> list[FindingPublic]:
    return [FindingPublic.of(f) for f in await service.detect_findings(uow, params.period, now=datetime.now(UTC))]


@router.post("/findings", status_code=201, summary="立案: the office raises a finding by hand (e.g. pushing_work)")
async def raise_finding(body: FindingCreate, uow: UowDep, _: Office) -> FindingPublic:
    return FindingPublic.of(await service.raise_finding(uow, body.command(), now=datetime.now(UTC)))


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
