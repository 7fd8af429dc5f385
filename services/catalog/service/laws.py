"""Basis library use cases: record a law change (立改废), trace its impact, open and resolve 一对一 adjustments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from contracts.events.catalog import AdjustmentOpened, AdjustmentResolved, LawChanged, LawChangeKind
from services.catalog.domain.items import Citation, ItemSpec, diff, today
from services.catalog.domain.laws import ClauseEdit, LawChange, changed_keys, plan_change
from services.catalog.domain.library import LawStatus, affected
from services.catalog.service.items import publish_version
from services.catalog.store.items import CatalogStore
from services.catalog.store.laws import LawStore
from services.catalog.store.library import LibraryStore
from services.runtime.errors import Conflict, NotFound, Rejected
from services.runtime.uow import UnitOfWork


@dataclass(frozen=True)
class CitingItem:
    item_code: str
    name: str
    citations: list[Citation]
    tasks: list[str]


@dataclass(frozen=True)
class Impact:
    """照法条找事项: every item, task and published street list that cites the law (or the given clauses)."""

    law: dict[str, Any]
    items: list[CitingItem]
    street_lists: dict[str, list[str]] = field(default_factory=dict)


async def impact(uow: UnitOfWork, law_id: str, *, article: str | None = None, paragraph: str | None = None) -> Impact:
    async with uow:
        library, laws = uow.repository(LibraryStore), uow.repository(LawStore)
        law = await library.law(law_id)
        if law is None:
            raise NotFound(f"no legal document {law_id} in the library", field="law_id", location="path")
        hits = _citing(await library.citations_of_law(law_id), article=article, paragraph=paragraph)
        streets = await laws.published_lists_holding({hit.item_code for hit in hits})
    return Impact(law=dict(law._mapping), items=hits, street_lists=streets)


def _citing(rows: list[Any], *, article: str | None, paragraph: str | None) -> list[CitingItem]:
    found: dict[str, CitingItem] = {}
    for row in rows:
        if (article and row.article != article) or (paragraph is not None and row.paragraph not in (paragraph, "")):
            continue
        spec = ItemSpec.model_validate(row.state)
        hit = found.setdefault(row.item_code, CitingItem(row.item_code, spec.name, [], []))
        hit.citations.append((row.task_no, row.law_id, row.article, row.paragraph))
        if row.task_no and spec.tasks[row.task_no - 1].text not in hit.tasks:
            hit.tasks.append(spec.tasks[row.task_no - 1].text)
    return sorted(found.values(), key=lambda hit: hit.item_code)


async def record_law_change(uow: UnitOfWork, law_id: str, change: LawChange) -> tuple[int, list[uuid.UUID]]:
    """立改废: apply the change to the library and open one adjustment per affected item (一对一调整)."""
    async with uow:
        laws, library = uow.repository(LawStore), uow.repository(LibraryStore)
        law = await _law_for(laws, library, law_id, change)
        revision = (law.revision + 1) if law is not None else 1
        edits = plan_change(law_id, change, await laws.clauses_in_force(law_id))
        await laws.apply(edits, revision=revision)
        detail = {"clauses": [_edit_json(e) for e in edits]}
        status = LawStatus.REPEALED if change.change is LawChangeKind.REPEALED else LawStatus.IN_FORCE
        await laws.record_revision(
            law_id,
            revision=revision,
            change=change.change,
            effective_on=change.effective_on,
            note=change.note,
            detail=detail,
            status=status,
        )
        opened = await _open_adjustments(uow, laws, library, law_id, change, edits, revision)
        title = law.title if law is not None else change.law.title if change.law else law_id
        await uow.emit(_law_changed(law_id, title, change, edits, opened), about=law_id)
        await uow.audit(action=f"law.{change.change}", entity=f"law:{law_id}", after={"revision": revision, **detail})
        await uow.commit()
    return revision, [adjustment_id for adjustment_id, _ in opened]


async def _law_for(laws: LawStore, library: LibraryStore, law_id: str, change: LawChange) -> Any:
    law = await laws.lock_law(law_id)
    if change.change is LawChangeKind.ENACTED:
        if law is not None:
            raise Conflict(f"{law_id} is already in the library", field="law_id", location="path")
        assert change.law is not None
        if change.law.law_id != law_id:
            raise Rejected("the enacted law's id differs from the one in the path", field="law.law_id")
        await library.add_laws([change.law])
        return None
    if law is None:
        raise NotFound(f"no legal document {law_id} in the library", field="law_id", location="path")
    if law.status == LawStatus.REPEALED:
        raise Conflict(f"{law_id} is repealed", field="law_id", location="path")
    return law


async def _open_adjustments(
    uow: UnitOfWork,
    laws: LawStore,
    library: LibraryStore,
    law_id: str,
    change: LawChange,
    edits: list[ClauseEdit],
    revision: int,
) -> list[tuple[uuid.UUID, str]]:
    keys = changed_keys(edits)
    rows = await library.citations_of_law(law_id)
    hits = affected(keys, [(r.item_code, (r.task_no, r.law_id, r.article, r.paragraph)) for r in rows])
    streets = await laws.published_lists_holding(set(hits))
    by_key = {e.old_key: e for e in edits if e.old_key is not None}
    opened = []
    for item_code, cited in sorted(hits.items()):
        adjustment_id = uuid.uuid4()
        clause_diff = [
            {
                "task_no": t,
                "article": a,
                "paragraph": p,
                **_edit_json(by_key.get((law, a, p)) or _article_edit(by_key, law, a)),
            }
            for t, law, a, p in sorted(cited)
        ]
        await laws.open_adjustment(
            id=adjustment_id,
            law_id=law_id,
            law_revision=revision,
            item_code=item_code,
            change=change.change,
            clause_diff=clause_diff,
            street_codes=streets.get(item_code, []),
        )
        event = AdjustmentOpened(
            adjustment_id=adjustment_id,
            item_code=item_code,
            law_id=law_id,
            change=change.change,
            street_codes=tuple(streets.get(item_code, [])),
        )
        await uow.emit(event, about=item_code)
        opened.append((adjustment_id, item_code))
    return opened


def _article_edit(by_key: dict[Any, ClauseEdit], law_id: str, article: str) -> ClauseEdit:
    """An article cited whole, changed in one of its paragraphs: show the first changed paragraph."""
    return next(e for k, e in sorted(by_key.items()) if k[0] == law_id and k[1] == article)


def _edit_json(edit: ClauseEdit) -> dict[str, Any]:
    return {
        "old": list(edit.old_key) if edit.old_key else None,
        "new": list(edit.new_key) if edit.new_key else None,
        "old_text": edit.old_text,
        "new_text": edit.new_text,
    }


def _law_changed(
    law_id: str, title: str, change: LawChange, edits: list[ClauseEdit], opened: list[tuple[uuid.UUID, str]]
) -> LawChanged:
    touched = sorted({f"{k[1]}/{k[2]}" if k[2] else k[1] for e in edits for k in (e.old_key or e.new_key,) if k})
    return LawChanged(
        law_id=law_id,
        title=title,
        change=change.change,
        effective_on=change.effective_on,
        clauses=tuple(touched),
        affected_items=tuple(code for _, code in opened),
    )


async def resolve_adjustment(
    uow: UnitOfWork, adjustment_id: uuid.UUID, *, item: ItemSpec | None, resolution: str
) -> int | None:
    """调整完成: either a revised item (a new catalogue version) or the item kept as it is."""
    async with uow:
        laws, store = uow.repository(LawStore), uow.repository(CatalogStore)
        row = await laws.adjustment(adjustment_id, lock=True)
        if row is None:
            raise NotFound(f"no adjustment {adjustment_id}", field="adjustment_id", location="path")
        if row.status != "open":
            raise Conflict(
                f"adjustment {adjustment_id} is already {row.status}", field="adjustment_id", location="path"
            )
        version = None
        if item is not None:
            if item.item_code != row.item_code:
                raise Rejected(f"this adjustment is about item {row.item_code}", field="item.item_code")
            change = diff(await store.items_in_force([item.item_code]), {}, items=[item], grids=[])
            if not change.empty:
                note = f"一对一调整 {adjustment_id}: {resolution}"
                version = await publish_version(uow, store, change, note=note, effective_from=today())
        await laws.resolve(adjustment_id, version=version, resolution=resolution)
        event = AdjustmentResolved(
            adjustment_id=adjustment_id, item_code=row.item_code, version=version, resolution=resolution
        )
        await uow.emit(event, about=row.item_code)
        await uow.audit(action="adjustment.resolve", entity=f"adjustment:{adjustment_id}", after={"version": version})
        await uow.commit()
    return version


async def adjustments(uow: UnitOfWork, *, status: str | None, law_id: str | None, limit: int) -> list[dict[str, Any]]:
    async with uow:
        return [
            dict(r._mapping)
            for r in await uow.repository(LawStore).adjustment_list(status=status, law_id=law_id, limit=limit)
        ]


async def law_view(uow: UnitOfWork, law_id: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """照法条找规章: the document, its clauses (in force or not) and its revisions."""
    async with uow:
        library, laws = uow.repository(LibraryStore), uow.repository(LawStore)
        law = await library.law(law_id)
        if law is None:
            raise NotFound(f"no legal document {law_id} in the library", field="law_id", location="path")
        clauses = [dict(r._mapping) for r in await library.law_clauses(law_id)]
        revisions = [dict(r._mapping) for r in await laws.revisions(law_id)]
    return dict(law._mapping), clauses, revisions
