"""Examples of the catalogue's events (see examples.py)."""

from __future__ import annotations

import uuid
from datetime import date

from contracts import IntegrationEvent, TimeLimit
from contracts.base import TimeUnit
from contracts.events.catalog import (
    AdjustmentOpened,
    AdjustmentResolved,
    ClauseRef,
    DutyTask,
    EmergencyRecorded,
    GridMapped,
    ItemDefinition,
    ItemPublished,
    ItemRetired,
    LawChanged,
    LawChangeKind,
    ListKind,
    StreetListPublished,
    TaskParty,
)
from contracts.geo import GeoPolygon

ADJUSTMENT = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
CLAUSE = ClauseRef(law_id="L1", law_title="城市市容和环境卫生管理条例", article="第十条")
DEFINITION = ItemDefinition(
    item_code="GX-001",
    name="门前三包责任制落实",
    list_kind=ListKind.COMMON,
    domain="城市管理",
    responsible_body="cgj",
    co_operating_units=("hbj",),
    time_limit=TimeLimit(value=5, unit=TimeUnit.WORKING_DAY),
    legal_basis=(CLAUSE,),
    tasks=(
        DutyTask(party=TaskParty.DEPARTMENT, text="制定门前三包管理标准", basis=(CLAUSE,)),
        DutyTask(party=TaskParty.STREET, text="组织辖区商户签订责任书", basis=(CLAUSE,)),
    ),
    filing_conditions="发现责任区内乱堆乱放",
    closing_conditions="责任区恢复整洁",
    accountability=("未按清单履行职责",),
)

CATALOG_EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    ItemPublished: ItemPublished(**DEFINITION.model_dump(), version=3, effective_from=date(2026, 1, 1)),
    ItemRetired: ItemRetired(item_code="GX-001", version=4, reason="职责调整"),
    GridMapped: GridMapped(
        grid_code="g-001",
        street_code="hongxing",
        version=3,
        geometry=GeoPolygon(coordinates=[[(123.9, 47.34), (123.91, 47.34), (123.91, 47.35), (123.9, 47.34)]]),
    ),
    StreetListPublished: StreetListPublished(
        street_code="hongxing", revision=1, item_codes=("GX-001",), filing_no="龙编备〔2026〕1号", catalogue_version=3
    ),
    LawChanged: LawChanged(
        law_id="L1",
        title="城市市容和环境卫生管理条例",
        change=LawChangeKind.AMENDED,
        effective_on=date(2026, 3, 1),
        clauses=("第十条",),
        affected_items=("GX-001",),
    ),
    AdjustmentOpened: AdjustmentOpened(
        adjustment_id=ADJUSTMENT,
        item_code="GX-001",
        law_id="L1",
        change=LawChangeKind.AMENDED,
        street_codes=("hongxing",),
    ),
    AdjustmentResolved: AdjustmentResolved(
        adjustment_id=ADJUSTMENT, item_code="GX-001", version=5, resolution="依新条款修订任务"
    ),
    EmergencyRecorded: EmergencyRecorded(
        version=6, reason="防汛应急：街道临时承担积水点巡查", actor="office-zhang", item_codes=("GX-001",)
    ),
}
