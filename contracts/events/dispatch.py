"""Events of the dispatch service (吹哨—派发—办理—反馈), stream DISPATCH."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from contracts.base import CODE_PATTERN, MAX_ORGANISATIONS, IntegrationEvent, TimeLimit


class CaseAccepted(IntegrationEvent):
    """受理: the case is on the catalogue and will be dispatched."""

    TYPE: ClassVar[str] = "dispatch.case.accepted.v1"

    case_id: uuid.UUID = Field(description="Linkage case id")
    source_system: str = Field(description="Reporting system")
    source_id: str = Field(description="The reporting system's own case id")
    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item")
    street_code: str = Field(pattern=CODE_PATTERN, description="Street the case lies in")
    kind: str = Field(
        default="report",
        description="Case kind: report (上报), assisted (帮办代办, 小龙帮办) or elderly (适老), counted apart (v1.1)",
    )
    by_hand: bool = Field(default=False, description="Dispatched by hand by the office out of triage (人工派遣, v1.1)")


class CaseTriaged(IntegrationEvent):
    """待人工派遣: routing could not place the case; it waits in the office's triage queue, with the reason."""

    TYPE: ClassVar[str] = "dispatch.case.triaged.v1"

    case_id: uuid.UUID = Field(description="Linkage case id")
    source_system: str = Field(description="Reporting system")
    source_id: str = Field(description="The reporting system's own case id")
    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item the report named")
    kind: str = Field(default="report", description="Case kind: report, assisted (帮办代办) or elderly (适老)")
    reason: str = Field(min_length=1, description="Why routing could not place it")


class CaseReopened(IntegrationEvent):
    """重新打开: a closed case opened again (once, within the set window) and dispatched to its assignee again."""

    TYPE: ClassVar[str] = "dispatch.case.reopened.v1"

    case_id: uuid.UUID = Field(description="Linkage case id")
    source_system: str = Field(description="Reporting system")
    source_id: str = Field(description="The reporting system's own case id")
    reason: str = Field(min_length=1, description="Why, in the reopener's words")
    reopened_at: datetime = Field(description="When")


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
    due_at: datetime | None = Field(
        default=None, description="Deadline on the working calendar from the item version's time limit (v1.1)"
    )
    whistle_id: uuid.UUID | None = Field(
        default=None, description="The whistle (吹哨) that summoned the assignee (v1.1)"
    )
    acknowledge_by: datetime | None = Field(
        default=None, description="签收时限: acknowledge by then, counted in working hours (v1.2)"
    )


class TaskAcknowledged(IntegrationEvent):
    """签收 (报到 for a whistle): the assignee has taken the task on."""

    TYPE: ClassVar[str] = "dispatch.task.acknowledged.v1"

    task_id: uuid.UUID = Field(description="Task id")
    case_id: uuid.UUID = Field(description="Case the task belongs to")
    assignee_code: str = Field(pattern=CODE_PATTERN, description="Who acknowledged")
    acknowledged_at: datetime = Field(description="When")
    late: bool = Field(
        default=False,
        description="Acknowledged after its deadline: a whistle's report-in (报到超时) or, from v1.2, the "
        "acknowledgement time box of a normal dispatch (签收超时)",
    )


class TaskReturned(IntegrationEvent):
    """退回: the assignee says the task is not its duty, citing the catalogue and naming who it thinks is."""

    TYPE: ClassVar[str] = "dispatch.task.returned.v1"

    task_id: uuid.UUID = Field(description="Task id")
    case_id: uuid.UUID = Field(description="Case the task belongs to")
    assignee_code: str = Field(pattern=CODE_PATTERN, description="Who returned the task")
    named_body: str = Field(pattern=CODE_PATTERN, description="The body the assignee names as responsible")
    citation: str = Field(min_length=1, description="The catalogue item or clause the return rests on")
    reason: str = Field(min_length=1, description="Why, in the assignee's words")
    outcome: str = Field(description="rerouted (改派) or arbitration (提交区级仲裁)")
    rerouted_to: str | None = Field(default=None, description="New assignee when the catalogue settled it")
    returns_on_case: int = Field(ge=1, description="Returns on this case so far: ping-pong (推诿) made visible")


class TaskCompleted(IntegrationEvent):
    """办结: the assignee reports the task handled, with its result (反馈)."""

    TYPE: ClassVar[str] = "dispatch.task.completed.v1"

    task_id: uuid.UUID = Field(description="Task id")
    case_id: uuid.UUID = Field(description="Case the task belongs to")
    assignee_code: str = Field(pattern=CODE_PATTERN, description="Who completed it")
    result: str = Field(min_length=1, description="What was done")
    completed_at: datetime = Field(description="When")
    on_time: bool = Field(description="Completed by the due time (paused time excluded)")


class OverdueStage(StrEnum):
    REPORT = "report"  # 报到超时: a whistled department did not report in time
    HANDLE = "handle"  # 办理超时: the task passed its time limit
    ACKNOWLEDGE = "acknowledge"  # 签收超时: a dispatched task was not acknowledged in time (v1.2)


class TaskOverdue(IntegrationEvent):
    """超期: a task passed a deadline; the case is escalated to the office (升级督办)."""

    TYPE: ClassVar[str] = "dispatch.task.overdue.v1"

    task_id: uuid.UUID = Field(description="Task id")
    case_id: uuid.UUID = Field(description="Case the task belongs to")
    assignee_code: str = Field(pattern=CODE_PATTERN, description="Who is late")
    stage: OverdueStage = Field(description="Which deadline passed")
    due_at: datetime = Field(description="The deadline that passed")
    escalated_to: str = Field(description="Who now supervises the task, e.g. office")


class CaseVerified(IntegrationEvent):
    """核查: the street checked the result; passed, or sent back for rework (返工)."""

    TYPE: ClassVar[str] = "dispatch.case.verified.v1"

    case_id: uuid.UUID = Field(description="Case id")
    passed: bool = Field(description="True: passed; False: rework")
    verifier: str = Field(description="Who verified (street code or office)")
    note: str = Field(description="What the verifier found")
    rework_count: int = Field(ge=0, description="Reworks on this case so far")


class CaseOutcome(StrEnum):
    """结案类型: 'closed' is not 'fixed'."""

    RESOLVED = "resolved"  # 已解决
    NOT_RESPONSIBLE = "not_responsible"  # 非本级职责, with the named body
    DUPLICATE = "duplicate"  # 重复件
    UNRESOLVABLE = "unresolvable"  # 暂不具备解决条件, 挂账
    WITHDRAWN = "withdrawn"  # 撤件


class CaseClosed(IntegrationEvent):
    """结案: the case closed with a typed outcome."""

    TYPE: ClassVar[str] = "dispatch.case.closed.v1"

    case_id: uuid.UUID = Field(description="Case id")
    source_system: str = Field(description="Reporting system")
    source_id: str = Field(description="The reporting system's own case id")
    outcome: CaseOutcome = Field(description="Typed outcome")
    responsible_body: str | None = Field(default=None, description="The body named for not_responsible")
    note: str = Field(description="Closing note")
    closed_at: datetime = Field(description="When")
    on_time: bool = Field(description="Every primary task completed by its due time")


class CaseRated(IntegrationEvent):
    """满意度: the reporter's satisfaction with a closed case."""

    TYPE: ClassVar[str] = "dispatch.case.rated.v1"

    case_id: uuid.UUID = Field(description="Case id")
    satisfied: bool = Field(description="Satisfied (满意) or not")
    score: int = Field(ge=1, le=5, description="1 (very dissatisfied) to 5 (very satisfied)")
    comment: str | None = Field(default=None, max_length=2000, description="The reporter's words")


class WhistleReason(StrEnum):
    """吹哨 reasons (DOMAIN.md)."""

    CAPACITY = "capacity"  # 无力解决: the street cannot meet demand
    NO_POWER = "no_power"  # 缺乏执法权: the street lacks the power to enforce
    EMERGENCY = "emergency"  # 紧急情况


class WhistleBlown(IntegrationEvent):
    """街乡吹哨: a street summons named departments, who must report (报到) within the set time."""

    TYPE: ClassVar[str] = "dispatch.whistle.blown.v1"

    whistle_id: uuid.UUID = Field(description="Whistle id")
    case_id: uuid.UUID | None = Field(default=None, description="Case whistled on, when there is one")
    street_code: str = Field(pattern=CODE_PATTERN, description="Street that whistled")
    reason: WhistleReason = Field(description="Why")
    departments: tuple[str, ...] = Field(min_length=1, max_length=MAX_ORGANISATIONS, description="Departments summoned")
    report_by: datetime = Field(description="Deadline to report in (报到)")
    description: str = Field(description="What the street needs")


class TaskDeferred(IntegrationEvent):
    """延期/缓办: an approved deferral paused the task's clock, or the clock resumed with a new due time."""

    TYPE: ClassVar[str] = "dispatch.task.deferred.v1"

    task_id: uuid.UUID = Field(description="Task id")
    case_id: uuid.UUID = Field(description="Case the task belongs to")
    assignee_code: str = Field(pattern=CODE_PATTERN, description="Whose task")
    paused: bool = Field(description="True: the clock stopped; False: it runs again")
    reason: str = Field(min_length=1, description="Why the deferral was approved, or why the clock resumed")
    due_at: datetime | None = Field(default=None, description="The new due time when the clock resumed")
    deferral_id: uuid.UUID | None = Field(
        default=None, description="The assignee's deferral request the office approved, if any (v1.1)"
    )
    extended_by: TimeLimit | None = Field(
        default=None, description="延期: the approved extension; the due time moved on the working calendar (v1.1)"
    )
    previous_due_at: datetime | None = Field(default=None, description="The due time before the change (v1.1)")


class DeferralRequested(IntegrationEvent):
    """延期/缓办申请: the assignee asks the office to extend its deadline or to pause its clock."""

    TYPE: ClassVar[str] = "dispatch.deferral.requested.v1"

    deferral_id: uuid.UUID = Field(description="Deferral request id")
    task_id: uuid.UUID = Field(description="Task id")
    case_id: uuid.UUID = Field(description="Case the task belongs to")
    assignee_code: str = Field(pattern=CODE_PATTERN, description="Who asks")
    reason: str = Field(min_length=1, description="Why, in the assignee's words")
    extension: TimeLimit | None = Field(
        default=None, description="Extra time asked for (延期); null asks to pause the clock until resumed (缓办)"
    )
    due_at: datetime = Field(description="The due time when the request was made")
    requested_at: datetime = Field(description="When")


class DeferralRejected(IntegrationEvent):
    """延期/缓办不予批准: the office refused a deferral request; the deadline stands."""

    TYPE: ClassVar[str] = "dispatch.deferral.rejected.v1"

    deferral_id: uuid.UUID = Field(description="Deferral request id")
    task_id: uuid.UUID = Field(description="Task id")
    case_id: uuid.UUID = Field(description="Case the task belongs to")
    assignee_code: str = Field(pattern=CODE_PATTERN, description="Whose request")
    note: str = Field(min_length=1, description="Why the office refused")
    decided_at: datetime = Field(description="When")
