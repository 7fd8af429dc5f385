"""Examples of the dispatch service's events (see examples.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from contracts import IntegrationEvent
from contracts.events.dispatch import CaseAccepted, CaseNotAccepted, TaskAssigned, TaskRole

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
CASE = uuid.UUID("00000000-0000-4000-8000-000000000001")

DISPATCH_EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    CaseAccepted: CaseAccepted(
        case_id=CASE, source_system="smartcity", source_id="1", item_code="GX-001", street_code="hongxing"
    ),
    CaseNotAccepted: CaseNotAccepted(case_id=CASE, source_system="smartcity", source_id="1", reason="事项不在清单内"),
    TaskAssigned: TaskAssigned(
        task_id=CASE,
        case_id=CASE,
        assignee_code="cgj",
        role=TaskRole.PRIMARY,
        item_code="GX-001",
        street_code="hongxing",
        catalogue_version=3,
        routing_reason="责任主体",
        description="垃圾堆积",
        assigned_at=NOW,
    ),
}
