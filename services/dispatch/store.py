"""Dispatch's tables (schema ``dispatch``) and its repository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch.domain import RoutingEntry
from services.runtime.db import plumbing_tables

metadata = sa.MetaData(schema="dispatch")
plumbing = plumbing_tables(metadata)

routing_items = sa.Table(
    "routing_items",
    metadata,
    sa.Column("item_code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("responsible_body", sa.Text, nullable=False),
    sa.Column("co_operating_units", ARRAY(sa.Text), nullable=False),
    sa.Column("street_codes", ARRAY(sa.Text), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("basis", sa.Text, nullable=False),
    sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()),
)
grids = sa.Table(
    "grids",
    metadata,
    sa.Column("grid_code", sa.Text, primary_key=True),
    sa.Column("street_code", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("source_system", sa.Text, nullable=False),
    sa.Column("source_id", sa.Text, nullable=False),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("grid_code", sa.Text, nullable=False),
    sa.Column("street_code", sa.Text),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("refusal", sa.Text),
    sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("source_system", "source_id", name="cases_source_key"),
)
tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("case_id", UUID(as_uuid=True), sa.ForeignKey("dispatch.cases.id"), nullable=False, index=True),
    sa.Column("assignee_code", sa.Text, nullable=False, index=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("catalogue_version", sa.Integer, nullable=False),
    sa.Column("routing_reason", sa.Text, nullable=False),
    sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
)
timeline = sa.Table(
    "timeline",
    metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("case_id", UUID(as_uuid=True), sa.ForeignKey("dispatch.cases.id"), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("trace_id", sa.Text),
)


class DispatchStore:
    """Queries over one session; the unit of work owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_routing(self, entry: RoutingEntry) -> None:
        """Keep the newest catalogue version only: events may arrive out of order."""
        values = {
            "item_code": entry.item_code,
            "name": entry.name,
            "responsible_body": entry.responsible_body,
            "co_operating_units": list(entry.co_operating_units),
            "street_codes": list(entry.street_codes),
            "version": entry.version,
            "basis": entry.basis,
            "retired": entry.retired,
        }
        statement = insert(routing_items).values(**values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[routing_items.c.item_code],
                set_={k: statement.excluded[k] for k in values if k != "item_code"},
                where=routing_items.c.version <= statement.excluded.version,
            )
        )

    async def retire_routing(self, item_code: str, version: int) -> None:
        """A retirement may overtake its publication: keep a retired placeholder so the late one stays retired."""
        placeholder = {"name": "", "responsible_body": "", "co_operating_units": [], "street_codes": [], "basis": ""}
        statement = insert(routing_items).values(item_code=item_code, version=version, retired=True, **placeholder)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[routing_items.c.item_code],
                set_={"retired": True, "version": version},
                where=routing_items.c.version <= version,
            )
        )

    async def routing(self, item_code: str) -> RoutingEntry | None:
        row = (
            await self.session.execute(sa.select(routing_items).where(routing_items.c.item_code == item_code))
        ).first()
        if row is None:
            return None
        return RoutingEntry(
            item_code=row.item_code,
            name=row.name,
            responsible_body=row.responsible_body,
            co_operating_units=tuple(row.co_operating_units),
            street_codes=tuple(row.street_codes),
            version=row.version,
            basis=row.basis,
            retired=row.retired,
        )

    async def map_grid(self, grid_code: str, street_code: str, version: int) -> None:
        statement = insert(grids).values(grid_code=grid_code, street_code=street_code, version=version)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[grids.c.grid_code],
                set_={"street_code": statement.excluded.street_code, "version": statement.excluded.version},
                where=grids.c.version <= statement.excluded.version,
            )
        )

    async def street_of_grid(self, grid_code: str) -> str | None:
        street: str | None = await self.session.scalar(
            sa.select(grids.c.street_code).where(grids.c.grid_code == grid_code)
        )
        return street

    async def add_case(self, **values: Any) -> bool:
        """Insert a case; False when the source already reported it (same source system and id)."""
        inserted = await self.session.execute(
            insert(cases).values(**values).on_conflict_do_nothing(constraint="cases_source_key").returning(cases.c.id)
        )
        return inserted.first() is not None

    async def settle_case(
        self, case_id: uuid.UUID, *, status: str, street_code: str | None, refusal: str | None
    ) -> None:
        await self.session.execute(
            cases.update().where(cases.c.id == case_id).values(status=status, street_code=street_code, refusal=refusal)
        )

    async def add_task(self, **values: Any) -> None:
        await self.session.execute(tasks.insert().values(**values))

    async def note(self, case_id: uuid.UUID, *, actor: str, action: str, detail: str, trace_id: str | None) -> None:
        await self.session.execute(
            timeline.insert().values(case_id=case_id, actor=actor, action=action, detail=detail, trace_id=trace_id)
        )

    async def case(self, case_id: uuid.UUID) -> sa.Row[Any] | None:
        return (await self.session.execute(sa.select(cases).where(cases.c.id == case_id))).first()

    async def case_tasks(self, case_id: uuid.UUID) -> Sequence[sa.Row[Any]]:
        query = sa.select(tasks).where(tasks.c.case_id == case_id).order_by(tasks.c.role.desc(), tasks.c.assignee_code)
        return (await self.session.execute(query)).all()

    async def case_timeline(self, case_id: uuid.UUID) -> Sequence[sa.Row[Any]]:
        return (
            await self.session.execute(
                sa.select(timeline).where(timeline.c.case_id == case_id).order_by(timeline.c.seq)
            )
        ).all()

    async def tasks_of(self, assignees: frozenset[str] | None, *, limit: int) -> Sequence[sa.Row[Any]]:
        """An assignee's inbox (None: every assignee's, for the office)."""
        query = sa.select(tasks).order_by(tasks.c.assigned_at.desc()).limit(limit)
        if assignees is not None:
            query = query.where(tasks.c.assignee_code.in_(assignees))
        return (await self.session.execute(query)).all()
