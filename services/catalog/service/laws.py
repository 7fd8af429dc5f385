"""Basis library use cases: record a law change (立改废), trace its impact, open and resolve 一对一 adjustments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from contracts.events.catalog import AdjustmentOpened, AdjustmentResolved, LawChanged, LawChangeKind
from services.catalog.domain.door import NO_GROUNDS, Grounds
from services.catalog.domain.items import Citation, ItemSpec, diff, today
from services.catalog.domain.laws import (
    Adjustment,
    AdjustmentStatus,
    ClauseEdit,
    LawChange,
    LawRevision,
    changed_keys,
    clause_diff,
    edit_record,
    plan_change,
    touched_clauses,
)
from services.catalog.domain.library import CitingItem, Clause, Law, LawStatus, affected, citing
from services.catalog.service import door
from services.catalog.service.items import publish_version
from services.catalog.store.items import CatalogStore
from services.catalog.store.laws import LawStore
from services.catalog.store.library import LibraryStore
from services.runtime.errors import Conflict, NotFound, Rejected
from services.runtime.uow import UnitOfWork


@dataclass(frozen=True)
class Impact:
    """照法条找事项: every item, task and published street list that cites the law (or the given clauses)."""

    law: Law
    items: list[CitingItem]
    street_lists: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class LawView:
    """照法条找规章: the document, its clauses (in force or not) and its revisions."""

    law: Law
    clauses: list[Clause]
    revisions: list[LawRevision]


async def impact(uow: UnitOfWork, law_id: str, *, article: str | None = None, paragraph: str | None = None) -> Impact:
    async with uow:
        library, laws = uow.repository(LibraryStore), uow.repository(LawStore)
        law = _found(await library.law(law_id), law_id)
        hits = citing(await library.citations_of_law(law_id), article=article, paragraph=paragraph)
        streets = await laws.published_lists_holding({hit.item_code for hit in hits})
    return Impact(law=law, items=hits, street_lists=streets)


async def record_law_change(uow: UnitOfWork, law_id: str, change: LawChange) -> tuple[int, list[uuid.UUID]]:
    """立改废: apply the change to the library and open one adjustment per affected item (一对一调整)."""
    async with uow:
        laws, library = uow.repository(LawStore), uow.repository(LibraryStore)
        law = await _law_for(laws, library, law_id, change)
        edits = plan_change(law_id, change, await laws.clauses_in_force(law_id))
        entry = _revision(law_id, law, change, edits)
        await laws.apply(edits, revision=entry.revision)
        repealed = change.change is LawChangeKind.REPEALED
        await laws.record_revision(entry, status=LawStatus.REPEALED if repealed else LawStatus.IN_FORCE)
        opened = await _open_adjustments(uow, entry, edits)
        title = law.title if law is not None else change.law.title if change.law else law_id
        await uow.emit(_law_changed(entry, title, edits, opened), about=law_id)
        after = {"revision": entry.revision, **entry.detail}
        await uow.audit(action=f"law.{change.change}", entity=f"law:{law_id}", after=after)
        await uow.commit()
    return entry.revision, [adjustment.id for adjustment in opened]


def _revision(law_id: str, law: Law | None, change: LawChange, edits: list[ClauseEdit]) -> LawRevision:
    return LawRevision(
        law_id=law_id,
        revision=(law.revision + 1) if law is not None else 1,
        change=change.change,
        effective_on=change.effective_on,
        note=change.note,
        detail={"clauses": [edit_record(e) for e in edits]},
    )


async def _law_for(laws: LawStore, library: LibraryStore, law_id: str, change: LawChange) -> Law | None:
    """The document a change applies to, locked; an enactment adds it and has none before."""
    law = await laws.lock_law(law_id)
    if change.change is LawChangeKind.ENACTED:
        if law is not None:
            raise Conflict(f"{law_id} is already in the library", field="law_id", location="path")
        assert change.law is not None
        if change.law.law_id != law_id:
            raise Rejected("the enacted law's id differs from the one in the path", field="law.law_id")
        await library.add_laws([change.law])
        return None
    if _found(law, law_id).status == LawStatus.REPEALED:
        raise Conflict(f"{law_id} is repealed", field="law_id", location="path")
    return law


def _found(law: Law | None, law_id: str) -> Law:
    if law is None:
        raise NotFound(f"no legal document {law_id} in the library", field="law_id", location="path")
    return law


async def _open_adjustments(uow: UnitOfWork, entry: LawRevision, edits: list[ClauseEdit]) -> list[Adjustment]:
    laws, library = uow.repository(LawStore), uow.repository(LibraryStore)
    found = await library.citations_of_law(entry.law_id)
    hits = affected(changed_keys(edits), [(hit.item.item_code, hit.citation) for hit in found])
    streets = await laws.published_lists_holding(set(hits))
    opened = [_adjustment(entry, code, cited, edits, streets.get(code, [])) for code, cited in sorted(hits.items())]
    for adjustment in opened:
        await laws.open_adjustment(adjustment)
        event = AdjustmentOpened(
            adjustment_id=adjustment.id,
            item_code=adjustment.item_code,
            law_id=adjustment.law_id,
            change=adjustment.change,
            street_codes=adjustment.street_codes,
        )
        await uow.emit(event, about=adjustment.item_code)
    return opened


def _adjustment(
    entry: LawRevision, item_code: str, cited: set[Citation], edits: list[ClauseEdit], streets: list[str]
) -> Adjustment:
    return Adjustment(
        id=uuid.uuid4(),
        law_id=entry.law_id,
        law_revision=entry.revision,
        item_code=item_code,
        change=entry.change,
        clause_diff=tuple(clause_diff(cited, edits)),
        street_codes=tuple(streets),
    )


def _law_changed(entry: LawRevision, title: str, edits: list[ClauseEdit], opened: list[Adjustment]) -> LawChanged:
    return LawChanged(
        law_id=entry.law_id,
        title=title,
        change=entry.change,
        effective_on=entry.effective_on,
        clauses=touched_clauses(edits),
        affected_items=tuple(adjustment.item_code for adjustment in opened),
    )


async def resolve_adjustment(
    uow: UnitOfWork, adjustment_id: uuid.UUID, *, item: ItemSpec | None, resolution: str, grounds: Grounds = NO_GROUNDS
) -> int | None:
    """调整完成: either a revised item (a new catalogue version) or the item kept as it is. A revision that widens
    street duties passes the door (``domain.door``) like any edit: it cites its ``grounds`` or is refused whole."""
    async with uow:
        laws = uow.repository(LawStore)
        adjustment = await _open_adjustment(laws, adjustment_id)
        version = None if item is None else await _revise(uow, adjustment, item, resolution=resolution, grounds=grounds)
        await laws.resolve(adjustment_id, version=version, resolution=resolution)
        event = AdjustmentResolved(
            adjustment_id=adjustment_id, item_code=adjustment.item_code, version=version, resolution=resolution
        )
        await uow.emit(event, about=adjustment.item_code)
        await uow.audit(action="adjustment.resolve", entity=f"adjustment:{adjustment_id}", after={"version": version})
        await uow.commit()
    return version


async def _open_adjustment(laws: LawStore, adjustment_id: uuid.UUID) -> Adjustment:
    adjustment = await laws.adjustment(adjustment_id, lock=True)
    if adjustment is None:
        raise NotFound(f"no adjustment {adjustment_id}", field="adjustment_id", location="path")
    if adjustment.status is not AdjustmentStatus.OPEN:
        message = f"adjustment {adjustment_id} is already {adjustment.status}"
        raise Conflict(message, field="adjustment_id", location="path")
    return adjustment


async def _revise(
    uow: UnitOfWork, adjustment: Adjustment, item: ItemSpec, *, resolution: str, grounds: Grounds
) -> int | None:
    """The revised item as a new catalogue version, unless it is the item as it stands."""
    if item.item_code != adjustment.item_code:
        raise Rejected(f"this adjustment is about item {adjustment.item_code}", field="item.item_code")
    store = uow.repository(CatalogStore)
    version = await store.next_version()  # the version lock, before reading the item the door compares with
    in_force = await store.items_in_force([item.item_code])
    passage = await door.admit(uow, grounds, door.proposed([item], in_force, lambda _: "item"), founding=False)
    change = diff(in_force, {}, items=[item], grids=[])
    if change.empty:
        return None
    note = f"一对一调整 {adjustment.id}: {resolution}"
    return await publish_version(
        uow, store, change, note=note, effective_from=today(), passage=passage, version=version
    )


async def adjustments(uow: UnitOfWork, *, status: str | None, law_id: str | None, limit: int) -> list[Adjustment]:
    async with uow:
        return await uow.repository(LawStore).adjustment_list(status=status, law_id=law_id, limit=limit)


async def law_view(uow: UnitOfWork, law_id: str) -> LawView:
    """照法条找规章: the document, its clauses (in force or not) and its revisions."""
    async with uow:
        library, laws = uow.repository(LibraryStore), uow.repository(LawStore)
        law = _found(await library.law(law_id), law_id)
        return LawView(law=law, clauses=await library.law_clauses(law_id), revisions=await laws.revisions(law_id))
