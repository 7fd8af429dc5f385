"""Examples of the dispatch service's events (see examples.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from contracts import IntegrationEvent, TimeLimit
from contracts.base import TimeUnit
from contracts.events.dispatch import (
    CaseAccepted,
    CaseClosed,
    CaseNotAccepted,
    CaseOutcome,
    CaseRated,
    CaseReopened,
    CaseTriaged,
    CaseVerified,
    DeferralRejected,
    DeferralRequested,
    OverdueStage,
    TaskAcknowledged,
    TaskAssigned,
    TaskCompleted,
    TaskDeferred,
    TaskOverdue,
    TaskReturned,
    TaskRole,
    WhistleBlown,
    WhistleReason,
)

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
CASE = uuid.UUID("00000000-0000-4000-8000-000000000001")
TASK = uuid.UUID("00000000-0000-4000-8000-000000000002")
DEFERRAL = uuid.UUID("00000000-0000-4000-8000-000000000003")

DISPATCH_EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    CaseAccepted: CaseAccepted(
        case_id=CASE, source_system="smartcity", source_id="1", item_code="GX-001", street_code="hongxing"
    ),
    CaseNotAccepted: CaseNotAccepted(case_id=CASE, source_system="smartcity", source_id="1", reason="事项不在清单内"),
    CaseTriaged: CaseTriaged(
        case_id=CASE, source_system="smartcity", source_id="1", item_code="GX-001", reason="坐标不在任何网格内"
    ),
    CaseReopened: CaseReopened(
        case_id=CASE, source_system="smartcity", source_id="1", reason="问题复发", reopened_at=NOW
    ),
    TaskAssigned: TaskAssigned(
        task_id=TASK,
        case_id=CASE,
        assignee_code="cgj",
        role=TaskRole.PRIMARY,
        item_code="GX-001",
        street_code="hongxing",
        catalogue_version=3,
        routing_reason="责任主体",
        description="垃圾堆积",
        assigned_at=NOW,
        due_at=NOW,
    ),
    TaskAcknowledged: TaskAcknowledged(task_id=TASK, case_id=CASE, assignee_code="cgj", acknowledged_at=NOW),
    TaskReturned: TaskReturned(
        task_id=TASK,
        case_id=CASE,
        assignee_code="cgj",
        named_body="scjg",
        citation="GX-001 v3 配合单位",
        reason="非本部门职责",
        outcome="rerouted",
        rerouted_to="scjg",
        returns_on_case=1,
    ),
    TaskCompleted: TaskCompleted(
        task_id=TASK, case_id=CASE, assignee_code="cgj", result="已清运", completed_at=NOW, on_time=True
    ),
    TaskDeferred: TaskDeferred(task_id=TASK, case_id=CASE, assignee_code="cgj", paused=True, reason="缓办：待天气好转"),
    DeferralRequested: DeferralRequested(
        deferral_id=DEFERRAL,
        task_id=TASK,
        case_id=CASE,
        assignee_code="cgj",
        reason="需协调产权单位",
        extension=TimeLimit(value=2, unit=TimeUnit.WORKING_DAY),
        due_at=NOW,
        requested_at=NOW,
    ),
    DeferralRejected: DeferralRejected(
        deferral_id=DEFERRAL, task_id=TASK, case_id=CASE, assignee_code="cgj", note="理由不充分", decided_at=NOW
    ),
    TaskOverdue: TaskOverdue(
        task_id=TASK, case_id=CASE, assignee_code="cgj", stage=OverdueStage.HANDLE, due_at=NOW, escalated_to="office"
    ),
    CaseVerified: CaseVerified(case_id=CASE, passed=True, verifier="hongxing", note="现场已清理", rework_count=0),
    CaseClosed: CaseClosed(
        case_id=CASE,
        source_system="smartcity",
        source_id="1",
        outcome=CaseOutcome.RESOLVED,
        note="已解决",
        closed_at=NOW,
        on_time=True,
    ),
    CaseRated: CaseRated(case_id=CASE, satisfied=True, score=5),
    WhistleBlown: WhistleBlown(
        whistle_id=TASK,
        case_id=CASE,
        street_code="hongxing",
        reason=WhistleReason.NO_POWER,
        departments=("cgj", "scjg"),
        report_by=NOW,
        description="违建需联合执法",
    ),
}
