"""One valid instance of every contract, so that every contract is exercised on the wire.

Producers with many events keep theirs in ``examples_<producer>.py``, merged here.
"""

from __future__ import annotations

from datetime import date

from contracts import IntegrationEvent, TimeLimit
from contracts.base import TimeUnit
from contracts.events.admission import ApplicationApproved, ApplicationKind, ApplicationSubmitted
from contracts.events.catalog import ClauseRef, GridMapped, ItemDefinition, ItemPublished, ItemRetired, ListKind
from contracts.events.enforcement import MatterRegistered
from contracts.events.evaluation import ScorecardPublished
from contracts.events.intake import CaseReported
from tests.contracts.examples_dispatch import CASE, DISPATCH_EXAMPLES, NOW

DEFINITION = ItemDefinition(
    item_code="GX-001",
    name="门前三包责任制落实",
    list_kind=ListKind.COMMON,
    domain="城市管理",
    responsible_body="cgj",
    co_operating_units=("hbj",),
    time_limit=TimeLimit(value=5, unit=TimeUnit.WORKING_DAY),
    legal_basis=(ClauseRef(law_id="L1", law_title="城市市容和环境卫生管理条例", article="第十条"),),
)

EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    **DISPATCH_EXAMPLES,
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
    ItemPublished: ItemPublished(**DEFINITION.model_dump(), version=3, effective_from=date(2026, 1, 1)),
    ItemRetired: ItemRetired(item_code="GX-001", version=4, reason="职责调整"),
    GridMapped: GridMapped(grid_code="g-001", street_code="hongxing", version=3),
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
