"""Events of the dispatch service (吹哨—派发—办理—反馈), stream DISPATCH."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from contracts.base import CODE_PATTERN, IntegrationEvent


class CaseAccepted(IntegrationEvent):
    """受理: the case is on the catalogue and will be dispatched."""

    TYPE: ClassVar[str] = "dispatch.case.accepted.v1"

    case_id: uuid.UUID = Field(description="Linkage case id")
    source_system: str = Field(description="Reporting system")
    source_id: str = Field(description="The reporting system's own case id")
    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item")
    street_code: str = Field(pattern=CODE_PATTERN, description="Street the case lies in")


class CaseNotAccepted(IntegrationEvent):
    """不予受理: the case cannot be taken on, with the reason."""

    TYPE: ClassVar[str] = "dispatch.case.not_accepted.v1"

    case_id: uuid.UUID = Field(description="Linkage case id")
    source_system: str = Field(description="Reporting system")
    source_id: str = Field(description="The reporting system's own case id")
    reason: str = Field(min_length=1, description="Why the case was not accepted")


class TaskRole(StrEnum):
    PRIMARY = "primary"  # 主办
    CO_OPERATING = "co_operating"  # 配合


class TaskAssigned(IntegrationEvent):
    """派发: a task of a case is dispatched to an assignee; routed by the assignee code."""

    TYPE: ClassVar[str] = "dispatch.task.assigned.v1"
    ROUTED: ClassVar[bool] = True

    task_id: uuid.UUID = Field(description="Task id")
    case_id: uuid.UUID = Field(description="Case the task belongs to")
    assignee_code: str = Field(pattern=CODE_PATTERN, description="Department, street or agency that must act")
    role: TaskRole = Field(description="Primary (主办) or co-operating (配合) task")
    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item the case falls under")
    street_code: str = Field(pattern=CODE_PATTERN, description="Street the case lies in")
    catalogue_version: int = Field(ge=1, description="Catalogue version the routing used")
    routing_reason: str = Field(description="Why this assignee: item, catalogue version, clause")
    description: str = Field(description="What was reported")
    assigned_at: datetime = Field(description="When the task was dispatched")
