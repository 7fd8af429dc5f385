"""Catalogue use cases: every change makes a new catalogue version and publishes what it changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from contracts.events.admission import ApplicationApproved, ApplicationKind
from contracts.events.catalog import GridMapped, ItemPublished, ItemRetired
from services.catalog.domain.door import Grounds, Passage, PassedBy
from services.catalog.domain.items import CatalogueDiff, GridSpec, ItemSpec, Version, citations, diff, today
from services.catalog.domain.library import CatalogueLoad, check_citations, check_library, check_organisations
from services.catalog.service import door
from services.catalog.service.streetlists import reopen_for_filing
from services.catalog.store.door import DoorStore
from services.catalog.store.items import CatalogReads, CatalogStore
from services.catalog.store.library import LibraryStore
from services.runtime.errors import NotFound, Rejected
from services.runtime.uow import UnitOfWork

UNCITED = Passage(PassedBy.NOTHING)


@dataclass(frozen=True)
class VersionOutcome:
    version: int | None
    diff: dict[str, list[str]]


async def load_catalogue(uow: UnitOfWork, load: CatalogueLoad) -> VersionOutcome:
    """导入清单: library, organisations, grids and items in one transaction; nothing is half-loaded, and a load
    that changes no item or grid makes no version.

    Street duties widen only through the door (``domain.door``): on a catalogue that has a version, a load that
    adds a street task or reaches more streets cites ``application_id`` or ``emergency_reason``, or is refused
    whole (422 naming ``items.<n>.tasks.<m>``). The first load into an empty catalogue is the district's founding
    list (首次建立清单) and passes freely."""
    return await _load(uow, load, at=lambda index: f"items.{index}")


async def edit_item(uow: UnitOfWork, item: ItemSpec, grounds: Grounds, *, note: str) -> VersionOutcome:
    """事项编辑: one item as a new version, through the same door as a load (a refusal names ``item.tasks.<m>``)."""
    cited = {"application_id": grounds.application_id, "emergency_reason": grounds.emergency_reason}
    load = CatalogueLoad(note=note, items=[item], **cited)
    return await _load(uow, load, at=lambda _: "item")


async def _load(uow: UnitOfWork, load: CatalogueLoad, *, at: Callable[[int], str]) -> VersionOutcome:
    async with uow:
        store, library = uow.repository(CatalogStore), uow.repository(LibraryStore)
        next_version = await store.next_version()  # takes the version lock first: two founding loads cannot both pass
        founding = next_version == 1
        current = await store.items_in_force([i.item_code for i in load.items])
        change = diff(
            current, await store.grid_map([g.grid_code for g in load.grids]), items=load.items, grids=load.grids
        )
        passage = await door.admit(uow, load, door.proposed(load.items, current, at), founding=founding)
        await _load_library(library, load, changed={i.item_code for i in change.added + change.changed})
        version = None
        if not change.empty:
            effective = load.effective_from or today()
            version = await publish_version(
                uow, store, change, note=load.note, effective_from=effective, passage=passage, version=next_version
            )
        await uow.commit()
    return VersionOutcome(version=version, diff=change.summary() | (passage.marks() if version else {}))


async def _load_library(library: LibraryStore, load: CatalogueLoad, *, changed: set[str]) -> None:
    law_ids = {c.law_id for c in load.clauses} | {c[1] for i in load.items for c in citations(i)}
    known = set(await library.known_laws(law_ids | {law.law_id for law in load.laws}))
    check_library(load, known_laws=known, existing_texts=await library.clause_texts({c.key for c in load.clauses}))
    check_organisations(load.organisations, await library.organisation_codes())
    await library.add_laws([law for law in load.laws if law.law_id not in known])
    await library.add_clauses(load.clauses)
    await library.upsert_organisations(load.organisations)
    check_citations(load.items, await library.clause_status(law_ids), only=changed)
    await check_parties(library, load)


async def check_parties(library: LibraryStore, load: CatalogueLoad) -> None:
    """Once the district keeps an organisation register, items may name only organisations in it."""
    codes = await library.organisation_codes()
    if not codes:
        return
    for index, item in enumerate(load.items):
        for field, code in (
            ("responsible_body", item.responsible_body),
            *((f"co_operating_units.{n}", c) for n, c in enumerate(item.co_operating_units)),
            *((f"street_codes.{n}", c) for n, c in enumerate(item.street_codes)),
        ):
            if code not in codes:
                raise Rejected(f"{code!r} is no registered organisation", field=f"items.{index}.{field}")


async def apply_approval(uow: UnitOfWork, approved: ApplicationApproved) -> None:
    """准入生效: an approved application enters the catalogue as a new version citing it in its diff; the catalogue
    remembers the approval, so that a later load or edit within the approved item may cite it (``domain.door``)."""
    async with uow:
        store = uow.repository(CatalogStore)
        current = await store.items_in_force([approved.item_code])
        note = f"admission {approved.application_id}: {approved.reason}"
        cited = Passage(PassedBy.APPLICATION, application_id=approved.application_id)
        item = None if approved.item is None else ItemSpec.model_validate(approved.item.model_dump())
        if approved.kind is ApplicationKind.REMOVE:
            await _retire(uow, store, current.get(approved.item_code), note=note, reason=approved.reason, cited=cited)
        else:
            if item is None:
                raise Rejected("an approved add or change carries the item", field="item")
            change = diff(current, {}, items=[item], grids=[])
            if not change.empty:
                await publish_version(uow, store, change, note=note, effective_from=today(), passage=cited)
        await uow.repository(DoorStore).remember(approved.application_id, approved.item_code, item)
        await reopen_for_filing(
            uow, _affected(approved), approved.item_code, drop=approved.kind is ApplicationKind.REMOVE
        )
        await uow.commit()


def _affected(approved: ApplicationApproved) -> tuple[str, ...]:
    """The streets the application names, and those the item's own list holds."""
    return (*approved.street_codes, *(approved.item.street_codes if approved.item is not None else ()))


async def publish_version(
    uow: UnitOfWork,
    store: CatalogStore,
    change: CatalogueDiff,
    *,
    note: str,
    effective_from: date,
    passage: Passage = UNCITED,
    version: int | None = None,
) -> int:
    """清单版本: the version, its item states and grids, their events; its diff says on what grounds it passed.
    A caller that already took the version lock passes the number it was given (``version``)."""
    if version is None:
        version = await store.next_version()
    summary = change.summary() | passage.marks()
    valid_from = await store.add_version(version, actor=uow.actor, note=note, diff=summary)
    await store.add_states(version, valid_from, change.added + change.changed)
    for item in change.added + change.changed:
        event = ItemPublished(**item.model_dump(), version=version, effective_from=effective_from)
        await uow.emit(event, about=item.item_code)
    for grid in change.grids:
        await store.map_grid(grid, version)
        await uow.emit(
            GridMapped(grid_code=grid.grid_code, street_code=grid.street_code, version=version, geometry=grid.geometry),
            about=grid.grid_code,
        )
    await uow.audit(action="catalogue.version", entity=f"catalogue:{version}", after={"note": note, **summary})
    await door.record_emergency(uow, passage, version)
    return version


async def _retire(
    uow: UnitOfWork, store: CatalogStore, item: ItemSpec | None, *, note: str, reason: str, cited: Passage
) -> None:
    if item is None:
        return  # already retired or never held: the approval is applied by there being nothing to remove
    version = await store.next_version()
    summary = {"retired": [item.item_code]} | cited.marks()
    valid_from = await store.add_version(version, actor=uow.actor, note=note, diff=summary)
    await store.retire(version, valid_from, item)
    await uow.emit(ItemRetired(item_code=item.item_code, version=version, reason=reason), about=item.item_code)
    await uow.audit(action="item.retire", entity=f"item:{item.item_code}", after={"version": version})


async def item_as_of(
    reads: CatalogReads, item_code: str, *, as_of: date | None
) -> tuple[ItemSpec, list[tuple[int, datetime]]]:
    """An item as the catalogue stated it at the end of ``as_of`` (today when absent), with its versions."""
    history = await reads.item_history(item_code, as_of=as_of)  # one statement, no transaction around it
    if not history or history[-1].retired:
        when = f" on {as_of.isoformat()}" if as_of else ""
        raise NotFound(f"item {item_code} is not in the catalogue{when}", field="item_code", location="path")
    return history[-1].item, [(state.version, state.valid_from) for state in history]


async def versions(uow: UnitOfWork, *, limit: int) -> list[Version]:
    async with uow:
        return await uow.repository(CatalogStore).version_list(limit)


async def search(
    uow: UnitOfWork,
    text: str | None,
    *,
    list_kind: str | None,
    street_code: str | None,
    limit: int,
    as_of: date | None = None,
) -> list[ItemSpec]:
    async with uow:
        store = uow.repository(CatalogStore)
        return await store.search(text, list_kind=list_kind, street_code=street_code, limit=limit, as_of=as_of)


async def grids(uow: UnitOfWork) -> list[GridSpec]:
    """网格: every grid held, with its street and outline, by code."""
    async with uow:
        return await uow.repository(CatalogStore).all_grids()
