"""Events of the joint-enforcement service ("1+2+N", 双随机、一公开), stream ENFORCEMENT."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from contracts.base import CODE_PATTERN, IntegrationEvent


class MatterRegistered(IntegrationEvent):
    """抽查事项: an inspection matter enters the list, linked to a power-list catalogue item."""

    TYPE: ClassVar[str] = "enforcement.matter.registered.v1"

    matter_id: uuid.UUID = Field(description="Inspection matter id")
    item_code: str = Field(pattern=CODE_PATTERN, description="Power-list catalogue item the matter inspects")
    name: str = Field(min_length=1, max_length=200, description="Matter name")
    department_code: str = Field(pattern=CODE_PATTERN, description="Department that inspects")


MAX_OFFICERS_PER_VISIT = 50
"""Officers on one visit: 1 + 2 + N departments' pairs; a district has a few dozen departments."""
MAX_MATTERS_PER_VISIT = 100
"""Matters checked on one visit: the power list holds 46 items, 25 of them devolved penalty powers."""


class InspectionOutcome(StrEnum):
    """检查结果."""

    NO_PROBLEM = "no_problem"  # 未发现问题
    PROBLEMS_FOUND = "problems_found"  # 发现问题
    RECTIFICATION_ORDERED = "rectification_ordered"  # 责令整改
    CASE_OPENED = "case_opened"  # 立案查处


class DrawCommitted(IntegrationEvent):
    """抽取承诺: the plan, pools and constraints of a draw are fixed; their hash is public before any seed."""

    TYPE: ClassVar[str] = "enforcement.draw.committed.v1"

    draw_id: uuid.UUID = Field(description="Draw id; GET /draws/{id}/record gives the whole record")
    name: str = Field(min_length=1, max_length=200, description="Plan name (抽查计划)")
    commitment: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 (hex) of the canonical JSON committed")
    algorithm: str = Field(max_length=64, description="The documented draw algorithm, e.g. linkage-draw/1")
    seed_source: str = Field(max_length=500, description="The public random value to be used, named in advance")
    seed_not_before: datetime = Field(description="No seed is accepted before this instant")
    matters: int = Field(ge=0, description="Inspection matters in the plan")
    targets: int = Field(ge=0, description="Targets in the pool")
    officers: int = Field(ge=0, description="Officers in the pool")


class DrawRevealed(IntegrationEvent):
    """种子公开: the seed is entered and the draw made; anyone can recompute it from the record."""

    TYPE: ClassVar[str] = "enforcement.draw.revealed.v1"

    draw_id: uuid.UUID = Field(description="Draw id")
    commitment: str = Field(pattern=r"^[0-9a-f]{64}$", description="The commitment published before the seed")
    seed: str = Field(min_length=1, max_length=512, description="The public random value used")
    result_digest: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the canonical JSON of the result")
    inspections: int = Field(ge=0, description="Inspections drawn")


class DrawRedrawn(IntegrationEvent):
    """重新抽取: a re-draw appended to a draw (e.g. an officer fell ill); the first result stays on record."""

    TYPE: ClassVar[str] = "enforcement.draw.redrawn.v1"

    draw_id: uuid.UUID = Field(description="Draw id")
    seq: int = Field(ge=1, description="Re-draw number, from 1")
    reason: str = Field(min_length=1, max_length=500, description="Why (原因)")
    barred: tuple[str, ...] = Field(max_length=MAX_OFFICERS_PER_VISIT, description="Officers taken off the draw")
    result_digest: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the canonical JSON of the result")


class VisitScheduled(IntegrationEvent):
    """联合检查安排: one visit to a target for several departments' matters, staffed 1+2+N; routed by street."""

    TYPE: ClassVar[str] = "enforcement.visit.scheduled.v1"
    ROUTED: ClassVar[bool] = True

    plan_id: uuid.UUID = Field(description="Joint-visit plan id")
    target_code: str = Field(pattern=CODE_PATTERN, description="Target (检查对象)")
    street_code: str = Field(pattern=CODE_PATTERN, description="Street of the target; the routing token")
    lead: str | None = Field(description="The street comprehensive team's officer (the 1), null if none was free")
    departments: tuple[str, ...] = Field(max_length=MAX_OFFICERS_PER_VISIT, description="Departments on the visit")
    matters: tuple[str, ...] = Field(max_length=MAX_MATTERS_PER_VISIT, description="Matter ids checked")
    officers: tuple[str, ...] = Field(max_length=MAX_OFFICERS_PER_VISIT, description="Drawn officers on the visit")


class ResultPublished(IntegrationEvent):
    """检查结果公示: an inspection's outcome, public."""

    TYPE: ClassVar[str] = "enforcement.result.published.v1"

    result_id: uuid.UUID = Field(description="Result id")
    draw_id: uuid.UUID = Field(description="The draw that chose the inspection")
    matter_id: str = Field(max_length=64, description="Inspection matter id")
    target_code: str = Field(pattern=CODE_PATTERN, description="Target")
    outcome: InspectionOutcome = Field(description="Outcome")
    inspected_on: date = Field(description="检查日期")


class CaseReferred(IntegrationEvent):
    """转办: a problem an inspection found becomes a case for dispatch (吹哨—派发), in intake's terms."""

    TYPE: ClassVar[str] = "enforcement.case.referred.v1"

    source_system: str = Field(default="enforcement", max_length=64, description="Always enforcement")
    source_id: str = Field(min_length=1, max_length=128, description="The result id: dispatch is idempotent on it")
    item_code: str = Field(pattern=CODE_PATTERN, description="Power-list item of the matter inspected")
    department_code: str = Field(pattern=CODE_PATTERN, description="Department that inspected")
    street_code: str = Field(pattern=CODE_PATTERN, description="Street of the target")
    target_code: str = Field(pattern=CODE_PATTERN, description="Target (market entity)")
    description: str = Field(min_length=1, max_length=4000, description="What was found (检查发现)")
    reported_at: datetime = Field(description="When the result was recorded")
