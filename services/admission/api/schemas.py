"""Admission's request and response bodies, declared apart from the tables and the domain."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from contracts.base import CODE_PATTERN, MAX_ORGANISATIONS
from contracts.events.admission import ApplicationKind, Verdict
from contracts.events.catalog import ItemDefinition
from services.admission.domain.application import Answer, Application, Decision, Resources
from services.admission.domain.progress import Party

Code = Annotated[str, Field(pattern=CODE_PATTERN)]


class ApplicationCreate(BaseModel):
    department_code: str = Field(pattern=CODE_PATTERN, description="Applying department (申请部门)")
    kind: ApplicationKind = Field(description="Add (新增), change (变更) or remove (取消) a duty")
    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item code (事项编码)")
    proposal: ItemDefinition | None = Field(
        default=None, description="The item as proposed: street and department tasks, legal basis, parties"
    )
    street_codes: list[Code] = Field(default=[], max_length=MAX_ORGANISATIONS, description="Streets affected")
    resources: Resources = Field(default_factory=Resources, description="人财物 that go with the duty")
    reason: str = Field(min_length=1, max_length=4000, description="Why (申请理由)")


class FindingPublic(BaseModel):
    code: str = Field(description="Which check (e.g. similar_name, moves_co_operating_duty, no_resources)")
    field: str = Field(description="The input it concerns")
    detail: str


class PartyPublic(BaseModel):
    stage: str
    kind: str = Field(description="reviewer or street")
    code: str
    aspect: str | None
    due_on: date = Field(description="Last working day to answer")
    verdict: Verdict | None
    opinion: str | None
    attachments: list[str]
    answered_at: datetime | None
    escalated_on: date | None = Field(description="Set when a late review went to the office (超期督办)")
    silent: bool = Field(description="The deadline passed without an answer (逾期未反馈)")
    reply: str | None = Field(description="The office's answer to an objection (异议答复)")

    @classmethod
    def of(cls, party: Party) -> PartyPublic:
        return cls.model_validate(vars(party))


class PartyAssigned(PartyPublic):
    application_id: uuid.UUID

    @classmethod
    def of(cls, party: Party) -> PartyAssigned:
        return cls.model_validate(vars(party))


class ApplicationPublic(BaseModel):
    id: uuid.UUID
    department_code: str
    kind: ApplicationKind
    item_code: str
    item_name: str
    proposal: ItemDefinition | None
    street_codes: list[str]
    resources: Resources
    reason: str
    diff: dict[str, Any] = Field(description="For a change or removal: against the version in force (变更对照)")
    flags: list[str] = Field(description="What the automatic checks (自动审查) flagged")
    findings: list[FindingPublic]
    status: str
    submitted_by: str
    submitted_at: datetime
    decision: dict[str, Any] | None
    revises: uuid.UUID | None = Field(default=None, description="The returned application this one revises (修改重报)")
    parties: list[PartyPublic] = Field(default=[], description="Reviewers and streets asked, with their answers")

    @classmethod
    def of(cls, application: Application, parties: list[Party] | None = None) -> ApplicationPublic:
        found = [FindingPublic(code=f.code, field=f.field, detail=f.detail) for f in application.findings]
        listed = {"street_codes": list(application.street_codes), "flags": list(application.flags), "findings": found}
        base = {k: v for k, v in vars(application).items() if k not in listed}
        return cls(**base, **listed, parties=[PartyPublic.of(p) for p in parties or []])


class AnswerBody(BaseModel):
    verdict: Verdict = Field(description="agree (同意) or object (有异议)")
    opinion: str = Field(min_length=1, max_length=4000, description="Opinion or objection, with reasons")
    attachments: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default=[], max_length=20, description="Attachments (附件), by reference"
    )

    def answer(self) -> Answer:
        return Answer(verdict=self.verdict, opinion=self.opinion, attachments=tuple(self.attachments))


class ReplyBody(BaseModel):
    reply: str = Field(min_length=1, max_length=4000, description="The office's answer to the objection")


class DeadlineBody(BaseModel):
    due_on: date = Field(description="New last day to answer")


class DecisionBody(BaseModel):
    decision: Decision = Field(description="approve (通过), reject (不予通过) or return (退回修改)")
    minutes_ref: str = Field(min_length=1, max_length=200, description="Committee minutes reference (会议纪要)")
    reason: str = Field(min_length=1, max_length=2000, description="Grounds of the decision")


class WithdrawalBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Why the applicant withdraws")
