"""The catalogue's HTTP routes: load a catalogue, read items as of any date, list versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from contracts.base import CODE_PATTERN, TimeLimit
from contracts.events.catalog import ClauseRef, ListKind
from services.catalog.api.schemas import VersionRecord
from services.catalog.domain.door import Grounds
from services.catalog.domain.items import ItemSpec
from services.catalog.domain.library import CatalogueLoad
from services.catalog.service import door
from services.catalog.service import items as service
from services.catalog.store.items import CatalogReads
from services.runtime.deps import AdmissionParty, CatalogueReader, Office, UowDep, provided
from services.runtime.errors import Rejected

router = APIRouter(tags=["catalogue"])


ReadsDep = Annotated[CatalogReads, Depends(provided(CatalogReads))]


class VersionPublic(BaseModel):
    version: int | None = Field(description="The new catalogue version, or null when the load changed nothing")
    diff: dict[str, list[str]]


class ItemPublic(BaseModel):
    item: ItemSpec
    versions: list[tuple[int, datetime]] = Field(description="Catalogue versions that changed it, with their time")


@router.post(
    "/catalogue",
    status_code=201,
    summary="Load items and grids as a new catalogue version; widening street duties on a catalogue that has a "
    "version needs an approved application (application_id) or an emergency_reason",
)
async def load(payload: CatalogueLoad, uow: UowDep, _: Office) -> VersionPublic:
    outcome = await service.load_catalogue(uow, payload)
    return VersionPublic(version=outcome.version, diff=outcome.diff)


@router.get("/items/{item_code}", summary="An item as in force today, or as it was at the end of as_of")
async def get_item(
    item_code: Annotated[str, Path(pattern=CODE_PATTERN)],
    reads: ReadsDep,
    _: CatalogueReader,
    as_of: Annotated[date | None, Query(description="YYYY-MM-DD")] = None,
) -> ItemPublic:
    item, history = await service.item_as_of(reads, item_code, as_of=as_of)
    return ItemPublic(item=item, versions=history)


@router.get("/versions", summary="Catalogue versions, newest first, with their machine-readable diff")
async def list_versions(
    uow: UowDep, _: CatalogueReader, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[VersionRecord]:
    return [VersionRecord.model_validate(version) for version in await service.versions(uow, limit=limit)]


@router.get("/items", summary="照清单找事项: search items in force by name or task text (Chinese substrings)")
async def search_items(
    uow: UowDep,
    _: CatalogueReader,
    q: Annotated[str | None, Query(max_length=100, description="Text in the item name or a task")] = None,
    list_kind: Annotated[ListKind | None, Query(description="Only this list")] = None,
    street_code: Annotated[str | None, Query(pattern=CODE_PATTERN, description="Items that apply to it")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    as_of: Annotated[date | None, Query(description="YYYY-MM-DD: the list as it was at the end of that day")] = None,
) -> list[ItemSpec]:
    kind = list_kind.value if list_kind else None
    return await service.search(uow, q, list_kind=kind, street_code=street_code, limit=limit, as_of=as_of)


class ItemEdit(Grounds):
    """An item edit; one that adds a street task or reaches more streets cites its grounds (唯一入口)."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=500, description="Why the item changes")
    item: ItemSpec


@router.put(
    "/items/{item_code}",
    summary="Edit one item: a new catalogue version with its diff; widening street duties needs an approved "
    "application (application_id) or an emergency_reason",
)
async def edit_item(
    item_code: Annotated[str, Path(pattern=CODE_PATTERN)], body: ItemEdit, uow: UowDep, _: Office
) -> VersionPublic:
    if body.item.item_code != item_code:
        raise Rejected("the item's code differs from the one in the path", field="item.item_code")
    outcome = await service.edit_item(uow, body.item, body, note=body.note)
    return VersionPublic(version=outcome.version, diff=outcome.diff)


@router.get(
    "/emergencies",
    summary="紧急情况: versions that widened street duties without an approved application, newest first; "
    "for the standing committee and everyone else in admission (准入)",
)
async def list_emergencies(
    uow: UowDep, _: AdmissionParty, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[VersionRecord]:
    found = await door.emergencies(uow, limit=limit)
    return [VersionRecord.model_validate(version) for version in found]


class Responsibility(BaseModel):
    """Who answers for an item at a given time: what dispatch routes by (责任主体、配合单位、时限、依据)."""

    item_code: str
    name: str
    responsible_body: str
    co_operating_units: tuple[str, ...]
    time_limit: TimeLimit
    legal_basis: tuple[ClauseRef, ...]
    version: int
    applies_to_street: bool | None = Field(description="Whether the item applies to the street asked about")


@router.get("/responsibility/{item_code}", summary="Responsibility lookup by item code (and street) at a date")
async def responsibility(
    item_code: Annotated[str, Path(pattern=CODE_PATTERN)],
    reads: ReadsDep,
    _: CatalogueReader,
    street_code: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    at: Annotated[date | None, Query(description="YYYY-MM-DD; today if absent")] = None,
) -> Responsibility:
    item, history = await service.item_as_of(reads, item_code, as_of=at)
    applies = None if street_code is None else (not item.street_codes or street_code in item.street_codes)
    return Responsibility(**item.model_dump(), version=history[-1][0], applies_to_street=applies)
