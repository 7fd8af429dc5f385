"""One valid instance of every contract, so that every contract is exercised on the wire.

Producers with many events keep theirs in ``examples_<producer>.py``, merged here.
"""

from __future__ import annotations

from datetime import date

from contracts import IntegrationEvent
from contracts.events.enforcement import (
    CaseReferred,
    DrawCommitted,
    DrawRedrawn,
    DrawRevealed,
    InspectionOutcome,
    MatterRegistered,
    ResultPublished,
    VisitScheduled,
)
from contracts.events.evaluation import ScorecardPublished
from contracts.events.intake import CaseReported
from tests.contracts.examples_admission import ADMISSION_EXAMPLES
from tests.contracts.examples_catalog import CATALOG_EXAMPLES
from tests.contracts.examples_dispatch import CASE, DISPATCH_EXAMPLES, NOW
from tests.contracts.examples_evaluation import EVALUATION_EXAMPLES

DIGEST = "0" * 64
ENFORCEMENT_EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    DrawCommitted: DrawCommitted(
        draw_id=CASE,
        name="2026年上半年市场监管双随机抽查",
        commitment=DIGEST,
        algorithm="linkage-draw/1",
        seed_source="drand quicknet round 12345678",
        seed_not_before=NOW,
        matters=25,
        targets=1200,
        officers=87,
    ),
    DrawRevealed: DrawRevealed(draw_id=CASE, commitment=DIGEST, seed="ab" * 32, result_digest=DIGEST, inspections=96),
    DrawRedrawn: DrawRedrawn(draw_id=CASE, seq=1, reason="执法人员因病请假", barred=("ZF-001",), result_digest=DIGEST),
    VisitScheduled: VisitScheduled(
        plan_id=CASE,
        target_code="T-0001",
        street_code="hongxing",
        lead="ZF-007",
        departments=("scjg", "zhzfd"),
        matters=("m-1", "m-2"),
        officers=("ZF-001", "ZF-002"),
    ),
    ResultPublished: ResultPublished(
        result_id=CASE,
        draw_id=CASE,
        matter_id="m-1",
        target_code="T-0001",
        outcome=InspectionOutcome.RECTIFICATION_ORDERED,
        inspected_on=date(2026, 4, 1),
    ),
    CaseReferred: CaseReferred(
        source_id=str(CASE),
        item_code="QL-025",
        department_code="scjg",
        street_code="hongxing",
        target_code="T-0001",
        description="店外占道经营，责令整改",
        reported_at=NOW,
    ),
}

EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    **DISPATCH_EXAMPLES,
    **CATALOG_EXAMPLES,
    **ADMISSION_EXAMPLES,
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
    ScorecardPublished: ScorecardPublished(
        assignee_code="cgj",
        indicator="tasks_assigned@1",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        value=12,
        sample=12,
    ),
    MatterRegistered: MatterRegistered(matter_id=CASE, item_code="QL-025", name="占道经营检查", department_code="scjg"),
    **ENFORCEMENT_EXAMPLES,
    **EVALUATION_EXAMPLES,
}
