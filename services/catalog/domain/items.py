"""Catalogue rules (清单): what an item is, and what a load changes. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.base import CODE_PATTERN, DISTRICT_TZ
from contracts.events.catalog import ItemDefinition
from contracts.geo import GeoPolygon
from services.runtime.errors import Rejected


class ItemSpec(ItemDefinition):
    """事项: one catalogue item as a catalogue version states it; a load must name every field right."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="after")
    def _needs_basis(self) -> ItemSpec:
        # an after-validator, so that leaving the field out (its default is empty) is refused too
        if not self.legal_basis:
            raise ValueError("legal_basis: an item needs at least one clause of legal basis (法律依据)")
        return self


Citation = tuple[int, str, str, str]
"""(task_no, law_id, article, paragraph): task_no 0 is the item's own basis, n its n-th task; paragraph ''
when the whole article is cited."""


def citations(item: ItemDefinition) -> set[Citation]:
    """Every clause an item cites, itself and through its tasks (照任务找法条)."""
    cited = {(0, c.law_id, c.article, c.paragraph or "") for c in item.legal_basis}
    for number, task in enumerate(item.tasks, start=1):
        cited |= {(number, c.law_id, c.article, c.paragraph or "") for c in task.basis}
    return cited


def end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=DISTRICT_TZ)


def today() -> date:
    return datetime.now(DISTRICT_TZ).date()


class GridSpec(BaseModel):
    """网格: a grid and the street it lies in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    grid_code: str = Field(pattern=CODE_PATTERN, description="Grid code")
    street_code: str = Field(pattern=CODE_PATTERN, description="Street (街道) code")
    geometry: GeoPolygon | None = Field(
        default=None, description="The grid's outline (GeoJSON Polygon, WGS84): dispatch places reported points by it"
    )


@dataclass(frozen=True)
class ItemState:
    """One state of an item as a catalogue version stated it; ``retired`` when that version removed it."""

    version: int
    valid_from: datetime
    item: ItemSpec
    retired: bool


@dataclass(frozen=True)
class Version:
    """清单版本: who made it, when, why, and what it changed (machine-readable)."""

    version: int
    created_at: datetime
    actor: str
    note: str
    diff: dict[str, list[str]]


@dataclass(frozen=True)
class CatalogueDiff:
    """What a load changes against the catalogue in force: the machine-readable diff of a version."""

    added: tuple[ItemSpec, ...] = ()
    changed: tuple[ItemSpec, ...] = ()
    unchanged: tuple[str, ...] = ()
    grids: tuple[GridSpec, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.grids)

    def summary(self) -> dict[str, list[str]]:
        return {
            "added": [i.item_code for i in self.added],
            "changed": [i.item_code for i in self.changed],
            "grids": [g.grid_code for g in self.grids],
        }


def check_unique(items: list[ItemSpec], grids: list[GridSpec]) -> None:
    """A load names each item and grid once; the error points at the second mention."""
    for name, codes in (("items", [i.item_code for i in items]), ("grids", [g.grid_code for g in grids])):
        seen: set[str] = set()
        for index, code in enumerate(codes):
            if code in seen:
                key = "item_code" if name == "items" else "grid_code"
                raise Rejected(f"duplicate code {code!r} in this load", field=f"{name}.{index}.{key}")
            seen.add(code)


def diff(
    current: dict[str, ItemSpec],
    current_grids: dict[str, GridSpec],
    *,
    items: list[ItemSpec],
    grids: list[GridSpec],
) -> CatalogueDiff:
    """Compare a load with the catalogue in force; items absent from the load stay as they are. A grid has
    changed when its street or its outline (轮廓) has: either one moves where dispatch places a point."""
    check_unique(items, grids)
    added = tuple(i for i in items if i.item_code not in current)
    changed = tuple(i for i in items if i.item_code in current and current[i.item_code] != i)
    unchanged = tuple(i.item_code for i in items if current.get(i.item_code) == i)
    stated = (with_kept_outline(g, current_grids.get(g.grid_code)) for g in grids)
    moved = tuple(g for g in stated if current_grids.get(g.grid_code) != g)
    return CatalogueDiff(added=added, changed=changed, unchanged=unchanged, grids=moved)


def with_kept_outline(grid: GridSpec, held: GridSpec | None) -> GridSpec:
    """A grid stated without an outline keeps the one the catalogue holds (a form from before outlines, or a
    street move alone), as dispatch keeps it on an event without one; an outline is replaced, never erased."""
    if grid.geometry is not None or held is None or held.geometry is None:
        return grid
    return grid.model_copy(update={"geometry": held.geometry})
