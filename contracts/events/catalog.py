"""Events of the catalogue service (清单), stream CATALOG."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from contracts.base import (
    CODE_PATTERN,
    MAX_CHANGED_CLAUSES,
    MAX_CLAUSES,
    MAX_ITEMS,
    MAX_ORGANISATIONS,
    MAX_SITUATIONS,
    MAX_TASKS,
    IntegrationEvent,
    TimeLimit,
)
from contracts.geo import GeoPolygon


class ListKind(StrEnum):
    """清单类型."""

    COMMON = "common"  # 共性清单
    DIFFERENTIATED = "differentiated"  # 差异化清单
    POWER = "power"  # 行政权力清单和责任清单
    SERVICE = "service"  # 政务服务事项清单
    COMMUNITY = "community"  # 社区减负清单


class ClauseRef(BaseModel):
    """法条: one clause of a legal document that a duty rests on."""

    model_config = ConfigDict(frozen=True)

    law_id: str = Field(min_length=1, description="Legal document id in the basis library (依据库)")
    law_title: str = Field(min_length=1, description="Legal document title")
    article: str = Field(min_length=1, description="Article (条), e.g. 第十二条")
    paragraph: str | None = Field(default=None, description="Paragraph (款) when the article has several")


class TaskParty(StrEnum):
    """Who carries out a task (任务主体)."""

    DEPARTMENT = "department"  # 部门职责任务
    STREET = "street"  # 街道职责任务


class DutyTask(BaseModel):
    """职责任务: one task under an item, for the department or for the street, with its own legal basis."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    party: TaskParty = Field(description="Department task or street task")
    text: str = Field(min_length=1, max_length=2000, description="What must be done (任务内容)")
    basis: tuple[ClauseRef, ...] = Field(default=(), max_length=MAX_CLAUSES, description="Clauses this task rests on")


class ItemDefinition(BaseModel):
    """事项: what a catalogue item says, wherever it travels (publication, admission approval)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item code (事项编码)")
    name: str = Field(min_length=1, max_length=200, description="Item name (事项名称)")
    list_kind: ListKind = Field(description="Which list the item belongs to")
    domain: str = Field(min_length=1, max_length=100, description="Domain (领域), e.g. 城市管理")
    responsible_body: str = Field(pattern=CODE_PATTERN, description="Responsible body (责任主体) code")
    co_operating_units: tuple[str, ...] = Field(
        default=(), max_length=MAX_ORGANISATIONS, description="Co-operating units (配合单位) codes"
    )
    street_codes: tuple[str, ...] = Field(
        default=(),
        max_length=MAX_ORGANISATIONS,
        description="Streets whose published list holds the item; empty for district-wide duties",
    )
    time_limit: TimeLimit = Field(description="Time limit (办理时限)")
    legal_basis: tuple[ClauseRef, ...] = Field(
        default=(), max_length=MAX_CLAUSES, description="Clauses the item rests on (法律依据)"
    )
    tasks: tuple[DutyTask, ...] = Field(
        default=(), max_length=MAX_TASKS, description="Department and street tasks (职责任务), v1.1"
    )
    filing_conditions: str | None = Field(default=None, max_length=2000, description="立案条件, v1.1")
    closing_conditions: str | None = Field(default=None, max_length=2000, description="结案条件, v1.1")
    accountability: tuple[str, ...] = Field(
        default=(), max_length=MAX_SITUATIONS, description="问责情形 that apply to the item, v1.1"
    )


class ItemPublished(ItemDefinition, IntegrationEvent):
    """事项发布: a catalogue item as in force from ``effective_from`` in catalogue ``version``."""

    TYPE: ClassVar[str] = "catalog.item.published.v1"

    version: int = Field(ge=1, description="Catalogue version that carries this item state")
    effective_from: date = Field(description="Date from which this item state is in force")


class ItemRetired(IntegrationEvent):
    """事项取消: the item leaves the catalogue from catalogue ``version``."""

    TYPE: ClassVar[str] = "catalog.item.retired.v1"

    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item code")
    version: int = Field(ge=1, description="Catalogue version without the item")
    reason: str = Field(min_length=1, max_length=500, description="Why the item was retired")


class GridMapped(IntegrationEvent):
    """网格划分: a grid (网格) belongs to a street from catalogue ``version`` on."""

    TYPE: ClassVar[str] = "catalog.grid.mapped.v1"

    grid_code: str = Field(pattern=CODE_PATTERN, description="Grid code")
    street_code: str = Field(pattern=CODE_PATTERN, description="Street (街道) the grid lies in")
    version: int = Field(ge=1, description="Catalogue version that carries the mapping")
    geometry: GeoPolygon | None = Field(
        default=None, description="The grid's outline (GeoJSON Polygon, WGS84), for placing a reported point (v1.1)"
    )


class LawChangeKind(StrEnum):
    """立改废释: how a legal document changed."""

    ENACTED = "enacted"
    AMENDED = "amended"
    REPEALED = "repealed"
    RENUMBERED = "renumbered"


class LawChanged(IntegrationEvent):
    """法律法规立改废: a legal document in the basis library changed; ``affected_items`` need adjustment."""

    TYPE: ClassVar[str] = "catalog.law.changed.v1"

    law_id: str = Field(min_length=1, description="Legal document id")
    title: str = Field(min_length=1, description="Legal document title")
    change: LawChangeKind = Field(description="Enacted, amended, repealed or renumbered")
    effective_on: date = Field(description="When the change takes effect")
    clauses: tuple[str, ...] = Field(
        default=(), max_length=MAX_CHANGED_CLAUSES, description="Changed clauses, as 'article' or 'article/paragraph'"
    )
    affected_items: tuple[str, ...] = Field(
        default=(), max_length=MAX_ITEMS, description="Items citing a changed clause (一对一调整)"
    )


class AdjustmentOpened(IntegrationEvent):
    """一对一调整: review work opened for one item because a clause it cites changed."""

    TYPE: ClassVar[str] = "catalog.adjustment.opened.v1"

    adjustment_id: uuid.UUID = Field(description="Adjustment id")
    item_code: str = Field(pattern=CODE_PATTERN, description="Item to review")
    law_id: str = Field(min_length=1, description="Legal document that changed")
    change: LawChangeKind = Field(description="How it changed")
    street_codes: tuple[str, ...] = Field(
        default=(), max_length=MAX_ORGANISATIONS, description="Street lists holding the item"
    )


class AdjustmentResolved(IntegrationEvent):
    """调整完成: the item was reviewed; ``version`` is the catalogue version that carries the result."""

    TYPE: ClassVar[str] = "catalog.adjustment.resolved.v1"

    adjustment_id: uuid.UUID = Field(description="Adjustment id")
    item_code: str = Field(pattern=CODE_PATTERN, description="Item reviewed")
    version: int | None = Field(default=None, ge=1, description="New catalogue version, or null if kept as is")
    resolution: str = Field(min_length=1, max_length=2000, description="What was decided")


class EmergencyRecorded(IntegrationEvent):
    """紧急情况: street duties (街道职责) widened in catalogue ``version`` without an approved admission application
    (准入), on the office's stated reason; flagged to the standing committee (区委常委会议) for review."""

    TYPE: ClassVar[str] = "catalog.emergency.recorded.v1"

    version: int = Field(ge=1, description="Catalogue version that carries the widening")
    reason: str = Field(min_length=1, max_length=2000, description="The emergency reason the office gave")
    actor: str = Field(min_length=1, max_length=200, description="Who used the emergency path")
    item_codes: tuple[str, ...] = Field(
        min_length=1, max_length=MAX_ITEMS, description="Items whose street duties widened"
    )


class StreetListPublished(IntegrationEvent):
    """一街一单: a street's list, reviewed and filed (备案), is published; dispatch routes by it."""

    TYPE: ClassVar[str] = "catalog.streetlist.published.v1"

    street_code: str = Field(pattern=CODE_PATTERN, description="Street (街道) code")
    revision: int = Field(ge=1, description="Revision of the street's list")
    item_codes: tuple[str, ...] = Field(max_length=MAX_ITEMS, description="Items on the published list")
    filing_no: str = Field(min_length=1, description="Filing number (备案号)")
    catalogue_version: int = Field(ge=1, description="Catalogue version the list was reviewed against")
