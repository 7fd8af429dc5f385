"""Enforcement's tables (schema ``enforcement``) and its repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.enforcement.domain import PowerListEntry
from services.enforcement.store.tables import matters, metadata, plumbing, power_list

__all__ = ["EnforcementStore", "metadata", "plumbing"]


class EnforcementStore:
    """Queries over one session; the unit of work owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_entry(self, entry: PowerListEntry) -> None:
        """Keep the newest catalogue version only: events may arrive out of order."""
        values = {"item_code": entry.item_code, "name": entry.name, "version": entry.version, "listed": entry.listed}
        statement = insert(power_list).values(**values)
        kept = {"listed": statement.excluded.listed, "version": statement.excluded.version}
        if entry.name is not None:  # a retirement keeps the name the item was published under
            kept["name"] = statement.excluded.name
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[power_list.c.item_code],
                set_=kept,
                where=power_list.c.version <= statement.excluded.version,
            )
        )

    async def entry(self, item_code: str) -> PowerListEntry | None:
        row = (await self.session.execute(sa.select(power_list).where(power_list.c.item_code == item_code))).first()
        if row is None:
            return None
        return PowerListEntry(item_code=row.item_code, name=row.name, version=row.version, listed=row.listed)

    async def listed(self) -> Sequence[sa.Row[Any]]:
        query = sa.select(power_list).where(power_list.c.listed).order_by(power_list.c.item_code)
        return (await self.session.execute(query)).all()

    async def add_matter(self, **values: Any) -> sa.Row[Any] | None:
        """Insert a matter; None when the department already has one on this item."""
        inserted = await self.session.execute(
            insert(matters)
            .values(**values)
            .on_conflict_do_nothing(constraint="matters_item_department_key")
            .returning(matters)
        )
        row: sa.Row[Any] | None = inserted.first()
        return row

    async def matters_of(self, department_code: str | None, *, limit: int) -> Sequence[sa.Row[Any]]:
        query = sa.select(matters).order_by(matters.c.item_code, matters.c.department_code).limit(limit)
        if department_code is not None:
            query = query.where(matters.c.department_code == department_code)
        return (await self.session.execute(query)).all()
