"""已知清单: the catalogue facts the automatic checks read, kept in step with catalog's events."""

from __future__ import annotations

from contracts.events.catalog import ItemDefinition, ItemPublished, ItemRetired, LawChanged, LawChangeKind
from services.admission.domain.facts import ClauseKey, KnownItem, clause_key
from services.admission.store.repository import AdmissionStore
from services.runtime.uow import UnitOfWork


async def project_item(uow: UnitOfWork, item: ItemPublished) -> None:
    """An item as published: its definition for the similarity checks, its clauses for the library."""
    definition = ItemDefinition.model_validate(item.model_dump())
    async with uow:
        store = uow.repository(AdmissionStore)
        known = KnownItem(item_code=item.item_code, name=item.name, version=item.version, definition=definition)
        await store.upsert_known(known)
        await store.add_clauses(_cited(definition))
        await uow.commit()


async def retire_item(uow: UnitOfWork, retired: ItemRetired) -> None:
    """A removed item stays known as removed, so re-adding it is flagged."""
    async with uow:
        known = KnownItem(item_code=retired.item_code, name=None, version=retired.version, retired=True)
        await uow.repository(AdmissionStore).upsert_known(known)
        await uow.commit()


async def law_changed(uow: UnitOfWork, changed: LawChanged) -> None:
    """立改废: an enactment adds its clauses to the library; a repeal takes the whole law out of force."""
    async with uow:
        store = uow.repository(AdmissionStore)
        if changed.change is LawChangeKind.REPEALED:
            await store.repeal(changed.law_id, changed.effective_on)
        elif changed.change is LawChangeKind.ENACTED:
            await store.add_clauses(_split(changed.law_id, clause) for clause in changed.clauses)
        await uow.commit()


def _cited(item: ItemDefinition) -> list[ClauseKey]:
    return [clause_key(c) for c in item.legal_basis] + [clause_key(c) for t in item.tasks for c in t.basis]


def _split(law_id: str, clause: str) -> ClauseKey:
    """LawChanged names a clause as 'article' or 'article/paragraph'."""
    article, _, paragraph = clause.partition("/")
    return (law_id, article, paragraph)
