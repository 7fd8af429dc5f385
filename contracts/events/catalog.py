"""Events of the catalogue service (清单), stream CATALOG."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from contracts.base import CODE_PATTERN, IntegrationEvent, TimeLimit


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


class ItemDefinition(BaseModel):
    """事项: what a catalogue item says, wherever it travels (publication, admission approval)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item code (事项编码)")
    name: str = Field(min_length=1, max_length=200, description="Item name (事项名称)")
    list_kind: ListKind = Field(description="Which list the item belongs to")
    domain: str = Field(min_length=1, max_length=100, description="Domain (领域), e.g. 城市管理")
    responsible_body: str = Field(pattern=CODE_PATTERN, description="Responsible body (责任主体) code")
    co_operating_units: tuple[str, ...] = Field(default=(), description="Co-operating units (配合单位) codes")
    street_codes: tuple[str, ...] = Field(
        default=(), description="Streets whose published list holds the item; empty for district-wide duties"
    )
    time_limit: TimeLimit = Field(description="Time limit (办理时限)")
    legal_basis: tuple[ClauseRef, ...] = Field(default=(), description="Clauses the item rests on (法律依据)")


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
