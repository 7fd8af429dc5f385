"""One valid instance of every contract, so that every contract is exercised on the wire.

Producers with many events keep theirs in ``examples_<producer>.py``, merged here.
"""

from __future__ import annotations

from datetime import date

from contracts import IntegrationEvent
from contracts.events.admission import ApplicationApproved, ApplicationKind, ApplicationSubmitted
from contracts.events.enforcement import MatterRegistered
from contracts.events.evaluation import ScorecardPublished
from contracts.events.intake import CaseReported
from tests.contracts.examples_catalog import CATALOG_EXAMPLES, DEFINITION
from tests.contracts.examples_dispatch import CASE, DISPATCH_EXAMPLES, NOW

EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    **DISPATCH_EXAMPLES,
    **CATALOG_EXAMPLES,
    CaseReported: CaseReported(
        source_system="smartcity",
        source_id="12345-1",
        item_code="GX-001",
        grid_code="g-001",
        description="小区门口垃圾堆积",
        reported_at=NOW,
        lat=47.35,
        long=123.92,
    ),
    ApplicationSubmitted: ApplicationSubmitted(
        application_id=CASE,
        department_code="jsx",
        kind=ApplicationKind.ADD,
        item_code="GX-200",
        item_name="计生协会基层工作",
        duplicate_of_existing=False,
    ),
    ApplicationApproved: ApplicationApproved(
        application_id=CASE, kind=ApplicationKind.ADD, item_code="GX-001", item=DEFINITION, reason="常委会审定"
    ),
    ScorecardPublished: ScorecardPublished(
        assignee_code="cgj",
        indicator="tasks_assigned@1",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        value=12,
        sample=12,
    ),
    MatterRegistered: MatterRegistered(matter_id=CASE, item_code="QL-025", name="占道经营检查", department_code="scjg"),
}
