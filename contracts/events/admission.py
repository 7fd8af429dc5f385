"""Events of the admission service (职责准入), stream ADMISSION: every stage of an application is one event."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from contracts.base import CODE_PATTERN, MAX_FLAGS, MAX_ORGANISATIONS, IntegrationEvent
from contracts.events.catalog import ItemDefinition


class ApplicationKind(StrEnum):
    ADD = "add"  # 新增
    CHANGE = "change"  # 变更
    REMOVE = "remove"  # 取消


class Verdict(StrEnum):
    """审查意见 or 街道意见: a review or a street's answer."""

    AGREE = "agree"  # 同意 / 通过
    OBJECT = "object"  # 不同意 / 有异议


class ApplicationSubmitted(IntegrationEvent):
    """准入申请: a department applies to add, change or remove a duty on streets."""

    TYPE: ClassVar[str] = "admission.application.submitted.v1"

    application_id: uuid.UUID = Field(description="Application id")
    department_code: str = Field(pattern=CODE_PATTERN, description="Applying department")
    kind: ApplicationKind = Field(description="Add, change or remove")
    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item the application concerns")
    item_name: str = Field(min_length=1, max_length=200, description="Item name")
    duplicate_of_existing: bool = Field(
        description="Automatic check: an item of similar name or tasks is already in the catalogue"
    )
    flags: tuple[str, ...] = Field(
        default=(),
        max_length=MAX_FLAGS,
        description="Every automatic-check flag raised (e.g. readds_retired_item), added in v1.1",
    )
    street_codes: tuple[str, ...] = Field(
        default=(), max_length=MAX_ORGANISATIONS, description="Streets the duty would land on (涉及街道), v1.2"
    )


class StageOpened(IntegrationEvent):
    """环节开启: a stage of the route opened for an application, with the parties asked and their deadline."""

    TYPE: ClassVar[str] = "admission.stage.opened.v1"

    application_id: uuid.UUID = Field(description="Application id")
    stage: str = Field(min_length=1, max_length=50, description="Stage name in the route (e.g. review)")
    kind: str = Field(min_length=1, max_length=20, description="review, consultation or decision")
    parties: tuple[str, ...] = Field(
        default=(), max_length=MAX_ORGANISATIONS, description="Reviewing bodies or streets asked, by code"
    )
    due_on: date | None = Field(default=None, description="Last working day to answer (工作日历)")


class ReviewRecorded(IntegrationEvent):
    """审查意见: a reviewing body (司法局 legality, 营商局 reasonableness) recorded its verdict."""

    TYPE: ClassVar[str] = "admission.review.recorded.v1"

    application_id: uuid.UUID = Field(description="Application id")
    aspect: str = Field(min_length=1, max_length=50, description="legality (合法性), reasonableness (合理性)...")
    reviewer: str = Field(pattern=CODE_PATTERN, description="Reviewing body code")
    verdict: Verdict = Field(description="Agree or object")
    opinion: str = Field(min_length=1, max_length=4000, description="The reviewer's opinion (审查意见)")


class ReviewEscalated(IntegrationEvent):
    """审查超期: a review is past its deadline and goes to the office (区委编办)."""

    TYPE: ClassVar[str] = "admission.review.escalated.v1"

    application_id: uuid.UUID = Field(description="Application id")
    aspect: str = Field(min_length=1, max_length=50, description="Aspect under review")
    reviewer: str = Field(pattern=CODE_PATTERN, description="Reviewing body code")
    due_on: date = Field(description="The deadline that passed")


class StreetAnswered(IntegrationEvent):
    """街道意见: one consulted street agreed or objected."""

    TYPE: ClassVar[str] = "admission.street.answered.v1"

    application_id: uuid.UUID = Field(description="Application id")
    street_code: str = Field(pattern=CODE_PATTERN, description="Street (街道) code")
    verdict: Verdict = Field(description="Agree or object")
    opinion: str = Field(min_length=1, max_length=4000, description="The street's opinion or objection")


class ConsultationClosed(IntegrationEvent):
    """征求意见结束: every street answered, or the deadline passed and silence was recorded."""

    TYPE: ClassVar[str] = "admission.consultation.closed.v1"

    application_id: uuid.UUID = Field(description="Application id")
    agreed: tuple[str, ...] = Field(default=(), max_length=MAX_ORGANISATIONS, description="Streets that agreed")
    objected: tuple[str, ...] = Field(default=(), max_length=MAX_ORGANISATIONS, description="Streets that objected")
    silent: tuple[str, ...] = Field(
        default=(), max_length=MAX_ORGANISATIONS, description="Streets that did not answer by the deadline"
    )


class ApplicationApproved(IntegrationEvent):
    """常委会审定: the committee approved the application; the catalogue applies it as a new version."""

    TYPE: ClassVar[str] = "admission.application.approved.v1"

    application_id: uuid.UUID = Field(description="Application id")
    kind: ApplicationKind = Field(description="Add, change or remove")
    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item the decision concerns")
    item: ItemDefinition | None = Field(
        default=None, description="The item as approved; required for add and change, absent for remove"
    )
    reason: str = Field(min_length=1, max_length=2000, description="The decision and its grounds")
    minutes_ref: str | None = Field(default=None, max_length=200, description="Committee minutes (会议纪要), v1.1")
    street_codes: tuple[str, ...] = Field(
        default=(), max_length=MAX_ORGANISATIONS, description="Streets whose lists go back to filing (备案), v1.1"
    )


class ApplicationRejected(IntegrationEvent):
    """常委会不予通过: the committee rejected the application; nothing changes in the catalogue."""

    TYPE: ClassVar[str] = "admission.application.rejected.v1"

    application_id: uuid.UUID = Field(description="Application id")
    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item the application concerned")
    reason: str = Field(min_length=1, max_length=2000, description="Why it was rejected")
    minutes_ref: str = Field(min_length=1, max_length=200, description="Committee minutes (会议纪要)")


class ApplicationClosed(IntegrationEvent):
    """退回修改 or 撤回: the committee returned the application for revision, or the applicant withdrew it."""

    TYPE: ClassVar[str] = "admission.application.closed.v1"

    application_id: uuid.UUID = Field(description="Application id")
    outcome: str = Field(min_length=1, max_length=20, description="returned or withdrawn")
    reason: str = Field(min_length=1, max_length=2000, description="Why")


ADMISSION_EVENTS: tuple[type[IntegrationEvent], ...] = (
    ApplicationSubmitted,
    StageOpened,
    ReviewRecorded,
    ReviewEscalated,
    StreetAnswered,
    ConsultationClosed,
    ApplicationApproved,
    ApplicationRejected,
    ApplicationClosed,
)
"""Admission's events in lifecycle order, for the registry."""
