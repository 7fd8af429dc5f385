"""What dispatch's routes accept and return (separate from the tables and the domain)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.base import CODE_PATTERN, TimeLimit
from contracts.events.dispatch import CaseOutcome, WhistleReason
from services.dispatch.domain.records import Deferral
from services.dispatch.domain.workers import BalanceRule

Code = Annotated[str, Field(pattern=CODE_PATTERN)]


class TaskPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    case_id: uuid.UUID
    assignee_code: str
    role: str
    status: str
    catalogue_version: int
    routing_reason: str
    assigned_at: datetime
    due_at: datetime | None = Field(default=None, description="Deadline on the working calendar (办理时限)")
    calendar_warning: str | None = Field(default=None, description="Set when the deadline crosses a fallback year")
    paused_at: datetime | None = Field(default=None, description="When an approved deferral stopped the clock")
    acknowledged_at: datetime | None = None
    completed_at: datetime | None = None
    result: str | None = None
    overdue_at: datetime | None = Field(default=None, description="When the sweep found the task overdue")
    whistle_id: uuid.UUID | None = None
    report_by: datetime | None = Field(default=None, description="吹哨: report in (报到) by then")
    report_late_at: datetime | None = None
    ack_by: datetime | None = Field(default=None, description="签收时限: acknowledge by then")
    ack_late_at: datetime | None = Field(default=None, description="When the sweep found it unacknowledged")
    returned_to: str | None = None
    return_note: str | None = None


class CasePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source_system: str
    source_id: str
    item_code: str
    grid_code: str | None = Field(description="Grid (网格): as reported, or the grid its point lies in")
    street_code: str | None
    description: str
    status: str
    refusal: str | None
    reported_at: datetime
    kind: str = Field(default="report", description="report, assisted (帮办代办) or elderly (适老)")
    recorded_by: str | None = Field(default=None, description="The helper who recorded it for a resident")
    address: str | None = None
    lat: float | None = None
    long: float | None = None
    placement: str | None = Field(default=None, description="How the grid was found (named, or the point placed)")
    triage_reason: str | None = Field(default=None, description="人工派遣: why routing could not place the case")
    reopen_count: int = 0
    outcome: str | None = None
    outcome_body: str | None = None
    satisfied: bool | None = None
    score: int | None = None
    rework_count: int = 0
    return_count: int = Field(default=0, description="Returns on this case: ping-pong (推诿) made visible")
    tasks: list[TaskPublic] = []


class RoutingPublic(BaseModel):
    item_code: str
    name: str
    responsible_body: str
    co_operating_units: tuple[str, ...]
    street_codes: tuple[str, ...]
    version: int
    basis: str
    retired: bool
    time_limit: dict[str, object] | None = None
    effective_from: date | None = Field(default=None, description="When this version took effect (施行日期)")
    upcoming_version: int | None = Field(default=None, description="A published version not in force yet")
    upcoming_from: date | None = Field(default=None, description="When the upcoming version takes effect")


class TimelineEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    action: str
    detail: str
    trace_id: str | None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Completion(Strict):
    result: str = Field(min_length=1, max_length=4000, description="What was done (办理结果)")


class Return(Strict):
    """退回: cite the catalogue and name who is responsible."""

    responsible_body: str = Field(pattern=CODE_PATTERN, description="The body the assignee holds responsible")
    citation: str = Field(min_length=1, max_length=500, description="Catalogue item, version or clause relied on")
    reason: str = Field(min_length=1, max_length=2000)


class Note(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class DeferralRequest(Strict):
    """延期/缓办申请: an extension of the deadline, or (no extension) a pause of the clock until resumed."""

    reason: str = Field(min_length=1, max_length=2000)
    extension: TimeLimit | None = Field(
        default=None, description="Extra time asked for (延期), e.g. {value: 2, unit: working_day}; null: 缓办"
    )


class Decision(Strict):
    note: str = Field(min_length=1, max_length=2000, description="The office's grounds")


class DeferralPublic(BaseModel):
    id: uuid.UUID
    task_id: uuid.UUID
    status: str = Field(description="pending, approved or rejected")
    reason: str
    extension: dict[str, object] | None = Field(description="延期 asked for; null: a pause (缓办)")
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    previous_due_at: datetime | None
    new_due_at: datetime | None

    @staticmethod
    def of(deferral: Deferral) -> DeferralPublic:
        extension = deferral.extension.model_dump(mode="json") if deferral.extension else None
        fields = {name: getattr(deferral, name) for name in DeferralPublic.model_fields if name != "extension"}
        return DeferralPublic(**fields, extension=extension)


class Verification(Strict):
    passed: bool = Field(description="True: passed (核查通过); False: rework (返工)")
    note: str = Field(min_length=1, max_length=2000)


class Closure(Strict):
    outcome: CaseOutcome
    responsible_body: str | None = Field(default=None, pattern=CODE_PATTERN, description="For not_responsible")
    note: str = Field(min_length=1, max_length=2000)


class Rating(Strict):
    score: int = Field(ge=1, le=5, description="1 very dissatisfied … 5 very satisfied; 4 and 5 count as satisfied")
    comment: str | None = Field(default=None, max_length=2000)


class Arbitration(Strict):
    assignee_code: str = Field(pattern=CODE_PATTERN, description="Who the district holds responsible")
    reason: str = Field(min_length=1, max_length=2000)


class Whistle(Strict):
    reason: WhistleReason
    departments: list[Code] = Field(min_length=1, max_length=20, description="Departments summoned")
    report_within_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60, description="Beijing's origin: 30 minutes")
    description: str = Field(min_length=1, max_length=2000)


class HolidayNotice(Strict):
    """国务院办公厅关于节假日安排的通知, as dates."""

    notice: str = Field(min_length=1, max_length=500, description="Which notice, e.g. 国办发明电〔2026〕X号")
    holidays: list[date] = Field(description="Days off, weekends inside holiday blocks included")
    workdays: list[date] = Field(default=[], description="Make-up working days (调休上班)")


class YearPublic(BaseModel):
    year: int
    source: str = Field(description="notice, package, or weekdays (fallback)")
    warning: str | None


class ByHand(BaseModel):
    """人工派遣: who takes the case, in which street (when the case lies in none known), and why."""

    assignee_code: Code = Field(description="The organisation the office sends the case to")
    street_code: Code | None = Field(default=None, description="The street the case lies in, when routing found none")
    reason: str = Field(min_length=1, max_length=2000, description="Why, on the record")


class Refusal(BaseModel):
    reason: str = Field(
        min_length=1, max_length=2000, description="不予受理: the reporter reads it in the status notes"
    )


class Reopening(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Why the case is opened again")


class WorkerIn(BaseModel):
    worker_code: Code = Field(description="The grid worker's (网格员) code: their tasks go out on their own subject")
    name: str = Field(min_length=1, max_length=100, description="Name, as the street knows them")


class Roster(BaseModel):
    """A grid's roster (网格员名册): the whole list; workers left off stay on record, inactive."""

    workers: list[WorkerIn] = Field(max_length=50)


class WorkerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    worker_code: str
    grid_code: str
    name: str
    active: bool
    load: int = Field(description="Live tasks the worker holds now (在办)")
    last_assigned_at: datetime | None = None


class BalancingPublic(BaseModel):
    """派单规则: least_loaded (最少在办优先) or round_robin (轮流); ``cap``: live tasks a worker holds at most."""

    model_config = ConfigDict(from_attributes=True)

    rule: BalanceRule
    cap: int = Field(ge=1, le=1000)


class AssistedRequest(BaseModel):
    """帮办代办 / 适老: a helper (小龙帮办) records a request for a resident; where it is, as Open311 takes it."""

    item_code: Code = Field(description="The catalogue item (事项) the resident needs")
    kind: Literal["assisted", "elderly"] = Field(description="assisted (帮办代办) or elderly (适老, served first)")
    description: str = Field(min_length=1, max_length=4000, description="What the resident needs, in plain words")
    recorded_by: str = Field(min_length=1, max_length=100, description="The helper recording it (帮办员)")
    grid_code: Code | None = Field(default=None, description="The resident's grid, when the helper knows it")
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, max_length=500, description="The resident's address")
    source_id: str | None = Field(
        default=None, max_length=128, description="The helper's own id: recording is idempotent"
    )
