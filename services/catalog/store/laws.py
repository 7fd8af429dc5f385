"""Law changes and adjustments: the repository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events.catalog import LawChangeKind
from services.catalog.domain.laws import Adjustment, AdjustmentStatus, ClauseEdit, LawRevision
from services.catalog.domain.library import Law, LawKind, LawStatus
from services.catalog.store.tables import adjustments, clauses, law_revisions, laws, street_lists


class LawStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_law(self, law_id: str) -> Law | None:
        query = sa.select(laws).where(laws.c.law_id == law_id).with_for_update()
        row = (await self.session.execute(query)).first()
        return None if row is None else law_of(row)

    async def clauses_in_force(self, law_id: str) -> dict[tuple[str, str, str], str]:
        query = sa.select(clauses).where(clauses.c.law_id == law_id, clauses.c.in_force.is_(True))
        return {(r.law_id, r.article, r.paragraph): r.text for r in await self.session.execute(query)}

    async def apply(self, edits: Sequence[ClauseEdit], *, revision: int) -> None:
        for edit in edits:
            if edit.old_key is not None and edit.old_key != edit.new_key:
                await self.session.execute(_clause(edit.old_key).values(in_force=False, revision=revision))
            if edit.new_key is not None:
                law_id, article, paragraph = edit.new_key
                row = {
                    "law_id": law_id,
                    "article": article,
                    "paragraph": paragraph,
                    "text": edit.new_text,
                    "revision": revision,
                }
                statement = insert(clauses).values(**row, in_force=True)
                await self.session.execute(
                    statement.on_conflict_do_update(
                        index_elements=[clauses.c.law_id, clauses.c.article, clauses.c.paragraph],
                        set_={"text": edit.new_text, "in_force": True, "revision": revision},
                    )
                )

    async def record_revision(self, entry: LawRevision, *, status: LawStatus) -> None:
        """The document moves to the entry's revision (and ``status``); the entry joins its history."""
        await self.session.execute(
            laws.update().where(laws.c.law_id == entry.law_id).values(revision=entry.revision, status=status)
        )
        values = {
            "law_id": entry.law_id,
            "revision": entry.revision,
            "change": entry.change.value,
            "effective_on": entry.effective_on,
            "note": entry.note,
            "detail": entry.detail,
        }
        await self.session.execute(law_revisions.insert().values(**values))

    async def revisions(self, law_id: str) -> list[LawRevision]:
        query = sa.select(law_revisions).where(law_revisions.c.law_id == law_id).order_by(law_revisions.c.revision)
        return [_revision(row) for row in await self.session.execute(query)]

    async def published_lists_holding(self, item_codes: set[str]) -> dict[str, list[str]]:
        """item code → streets whose latest published list holds it."""
        if not item_codes:
            return {}
        latest = (
            sa.select(street_lists.c.street_code, sa.func.max(street_lists.c.revision).label("revision"))
            .where(street_lists.c.status == "published")
            .group_by(street_lists.c.street_code)
            .subquery()
        )
        query = sa.select(street_lists.c.street_code, street_lists.c.item_codes).join(
            latest,
            sa.and_(latest.c.street_code == street_lists.c.street_code, latest.c.revision == street_lists.c.revision),
        )
        holding: dict[str, list[str]] = {}
        for row in await self.session.execute(query):
            for code in set(row.item_codes) & item_codes:
                holding.setdefault(code, []).append(row.street_code)
        return {code: sorted(streets) for code, streets in holding.items()}

    async def open_adjustment(self, adjustment: Adjustment) -> None:
        values = {
            "id": adjustment.id,
            "law_id": adjustment.law_id,
            "law_revision": adjustment.law_revision,
            "item_code": adjustment.item_code,
            "change": adjustment.change.value,
            "clause_diff": list(adjustment.clause_diff),
            "street_codes": list(adjustment.street_codes),
        }
        await self.session.execute(adjustments.insert().values(status=AdjustmentStatus.OPEN.value, **values))

    async def adjustment(self, adjustment_id: uuid.UUID, *, lock: bool = False) -> Adjustment | None:
        query = sa.select(adjustments).where(adjustments.c.id == adjustment_id)
        row = (await self.session.execute(query.with_for_update() if lock else query)).first()
        return None if row is None else _adjustment(row)

    async def resolve(self, adjustment_id: uuid.UUID, *, version: int | None, resolution: str) -> None:
        await self.session.execute(
            adjustments.update()
            .where(adjustments.c.id == adjustment_id)
            .values(
                status=AdjustmentStatus.RESOLVED.value,
                resolved_at=sa.func.now(),
                resolved_version=version,
                resolution=resolution,
            )
        )

    async def adjustment_list(self, *, status: str | None, law_id: str | None, limit: int) -> list[Adjustment]:
        query = sa.select(adjustments).order_by(adjustments.c.opened_at.desc()).limit(limit)
        if status:
            query = query.where(adjustments.c.status == status)
        if law_id:
            query = query.where(adjustments.c.law_id == law_id)
        return [_adjustment(row) for row in await self.session.execute(query)]


def _clause(key: tuple[str, str, str]) -> sa.Update:
    law_id, article, paragraph = key
    return clauses.update().where(
        clauses.c.law_id == law_id, clauses.c.article == article, clauses.c.paragraph == paragraph
    )


def law_of(row: sa.Row[Any]) -> Law:
    return Law(
        law_id=row.law_id,
        title=row.title,
        kind=LawKind(row.kind),
        issuer=row.issuer,
        status=LawStatus(row.status),
        effective_from=row.effective_from,
        revision=row.revision,
    )


def _revision(row: sa.Row[Any]) -> LawRevision:
    return LawRevision(
        law_id=row.law_id,
        revision=row.revision,
        change=LawChangeKind(row.change),
        effective_on=row.effective_on,
        note=row.note,
        detail=row.detail,
        recorded_at=row.recorded_at,
    )


def _adjustment(row: sa.Row[Any]) -> Adjustment:
    return Adjustment(
        id=row.id,
        law_id=row.law_id,
        law_revision=row.law_revision,
        item_code=row.item_code,
        change=LawChangeKind(row.change),
        clause_diff=tuple(row.clause_diff),
        street_codes=tuple(row.street_codes),
        status=AdjustmentStatus(row.status),
        opened_at=row.opened_at,
        resolved_at=row.resolved_at,
        resolved_version=row.resolved_version,
        resolution=row.resolution,
    )
