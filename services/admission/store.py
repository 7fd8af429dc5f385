"""Admission's tables (schema ``admission``) and its repository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.admission.domain import KnownItem
from services.runtime.db import plumbing_tables

metadata = sa.MetaData(schema="admission")
plumbing = plumbing_tables(metadata)

known_items = sa.Table(
    "known_items",
    metadata,
    sa.Column("item_code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()),
)
applications = sa.Table(
    "applications",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("department_code", sa.Text, nullable=False, index=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("item_code", sa.Text, nullable=False, index=True),
    sa.Column("item_name", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("flags", ARRAY(sa.Text), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("submitted_by", sa.Text, nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
)


class AdmissionStore:
    """Queries over one session; the unit of work owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_known(self, item: KnownItem) -> None:
        """Keep the newest catalogue version only: events may arrive out of order.

        A retirement seen before its item still writes a row (without a name), so that an older
        publication arriving late cannot bring the item back.
        """
        values = {"item_code": item.item_code, "name": item.name, "version": item.version, "retired": item.retired}
        statement = insert(known_items).values(**values)
        kept = {"retired": statement.excluded.retired, "version": statement.excluded.version}
        if item.name is not None:  # a retirement keeps the name the item was published under
            kept["name"] = statement.excluded.name
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[known_items.c.item_code],
                set_=kept,
                where=known_items.c.version <= statement.excluded.version,
            )
        )

    async def known(self, item_code: str) -> KnownItem | None:
        row = (await self.session.execute(sa.select(known_items).where(known_items.c.item_code == item_code))).first()
        if row is None:
            return None
        return KnownItem(item_code=row.item_code, name=row.name, version=row.version, retired=row.retired)

    async def add_application(self, **values: Any) -> sa.Row[Any]:
        row: sa.Row[Any] = (
            await self.session.execute(applications.insert().values(**values).returning(applications))
        ).one()
        return row

    async def application(self, application_id: uuid.UUID) -> sa.Row[Any] | None:
        return (await self.session.execute(sa.select(applications).where(applications.c.id == application_id))).first()

    async def applications_of(self, departments: frozenset[str] | None, *, limit: int) -> Sequence[sa.Row[Any]]:
        """Newest first; None: every department's, for the office and the reviewers."""
        query = sa.select(applications).order_by(applications.c.submitted_at.desc()).limit(limit)
        if departments is not None:
            query = query.where(applications.c.department_code.in_(departments))
        return (await self.session.execute(query)).all()
