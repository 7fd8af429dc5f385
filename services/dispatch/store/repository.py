"""Dispatch's repository: queries over one session; the unit of work owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import TimeLimit
from services.dispatch.domain import RoutingEntry, YearNotice
from services.dispatch.store.tables import calendar_years, cases, grids, routing_items, tasks, timeline, whistles

Row = sa.Row[Any]


class DispatchStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- the catalogue projection (路由表)

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
            "domain": entry.domain,
            "list_kind": entry.list_kind,
            "time_limit": entry.time_limit.model_dump(mode="json") if entry.time_limit else None,
            "effective_from": entry.effective_from,
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
        query = sa.select(routing_items).where(routing_items.c.item_code == item_code)
        row = (await self.session.execute(query)).first()
        return None if row is None else _entry(row)

    async def live_items(self) -> list[RoutingEntry]:
        query = sa.select(routing_items).where(~routing_items.c.retired).order_by(routing_items.c.item_code)
        return [_entry(row) for row in await self.session.execute(query)]

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

    async def grid_map(self) -> Sequence[Row]:
        return (await self.session.execute(sa.select(grids).order_by(grids.c.grid_code))).all()

    # -- cases and tasks

    async def add_case(self, **values: Any) -> bool:
        """Insert a case; False when the source already reported it (same source system and id)."""
        inserted = await self.session.execute(
            insert(cases).values(**values).on_conflict_do_nothing(constraint="cases_source_key").returning(cases.c.id)
        )
        return inserted.first() is not None

    async def case_by_source(self, source_system: str, source_id: str) -> uuid.UUID | None:
        query = sa.select(cases.c.id).where(cases.c.source_system == source_system, cases.c.source_id == source_id)
        found: uuid.UUID | None = await self.session.scalar(query)
        return found

    async def case(self, case_id: uuid.UUID, *, lock: bool = False) -> Row | None:
        query = sa.select(cases).where(cases.c.id == case_id)
        return (await self.session.execute(query.with_for_update() if lock else query)).first()

    async def update_case(self, case_id: uuid.UUID, **values: Any) -> None:
        await self.session.execute(
            cases.update().where(cases.c.id == case_id).values(updated_at=sa.func.now(), **values)
        )

    async def add_task(self, **values: Any) -> None:
        await self.session.execute(tasks.insert().values(**values))

    async def task(self, task_id: uuid.UUID) -> Row | None:
        return (await self.session.execute(sa.select(tasks).where(tasks.c.id == task_id))).first()

    async def update_task(self, task_id: uuid.UUID, **values: Any) -> None:
        await self.session.execute(tasks.update().where(tasks.c.id == task_id).values(**values))

    async def case_tasks(self, case_id: uuid.UUID) -> Sequence[Row]:
        query = sa.select(tasks).where(tasks.c.case_id == case_id).order_by(tasks.c.role.desc(), tasks.c.assignee_code)
        return (await self.session.execute(query)).all()

    async def note(self, case_id: uuid.UUID, *, actor: str, action: str, detail: str, trace_id: str | None) -> None:
        await self.session.execute(
            timeline.insert().values(case_id=case_id, actor=actor, action=action, detail=detail, trace_id=trace_id)
        )

    async def case_timeline(self, case_id: uuid.UUID) -> Sequence[Row]:
        query = sa.select(timeline).where(timeline.c.case_id == case_id).order_by(timeline.c.seq)
        return (await self.session.execute(query)).all()

    async def add_whistle(self, **values: Any) -> None:
        await self.session.execute(whistles.insert().values(**values))

    # -- views

    async def tasks_of(
        self, assignees: frozenset[str] | None, *, status: str | None = None, limit: int
    ) -> Sequence[Row]:
        """An assignee's inbox (None: every assignee's, for the office)."""
        query = sa.select(tasks).order_by(tasks.c.assigned_at.desc()).limit(limit)
        if assignees is not None:
            query = query.where(tasks.c.assignee_code.in_(assignees))
        if status is not None:
            query = query.where(tasks.c.status == status)
        return (await self.session.execute(query)).all()

    async def search_cases(self, *, limit: int, **filters: Any) -> Sequence[Row]:
        query = sa.select(cases).order_by(cases.c.received_at.desc()).limit(limit)
        for name, value in filters.items():
            if name == "since":
                query = query.where(cases.c.received_at >= value)
            elif name == "until":
                query = query.where(cases.c.received_at <= value)
            elif name == "ids":
                query = query.where(cases.c.id.in_(value))
            elif name == "statuses":
                query = query.where(cases.c.status.in_(value))
            elif value is not None:
                query = query.where(cases.c[name] == value)
        return (await self.session.execute(query)).all()

    async def primary_tasks(self, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row]:
        query = sa.select(tasks).where(tasks.c.case_id.in_(case_ids), tasks.c.role == "primary")
        return {row.case_id: row for row in await self.session.execute(query.order_by(tasks.c.assigned_at))}

    async def counts(self, now: datetime) -> dict[str, Any]:
        by_stage: dict[str, int] = dict(
            (await self.session.execute(sa.select(cases.c.status, sa.func.count()).group_by("status"))).all()
        )
        overdue = await self.session.scalar(
            sa.select(sa.func.count()).select_from(tasks).where(tasks.c.overdue_at.is_not(None))
        )
        late = await self.session.scalar(
            sa.select(sa.func.count()).select_from(tasks).where(tasks.c.report_late_at.is_not(None))
        )
        pings = await self.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(cases.c.return_count), 0)))
        return {"by_stage": by_stage, "overdue_tasks": overdue, "late_reports": late, "returns": pings}

    # -- deadlines

    async def overdue_candidates(self, now: datetime, *, live: Sequence[str], limit: int) -> Sequence[Row]:
        """Tasks past a deadline not yet flagged; locked so that replicas sweep disjoint rows."""
        late_handling = sa.and_(tasks.c.due_at < now, tasks.c.overdue_at.is_(None), tasks.c.paused_at.is_(None))
        late_report = sa.and_(
            tasks.c.report_by < now, tasks.c.acknowledged_at.is_(None), tasks.c.report_late_at.is_(None)
        )
        query = (
            sa.select(tasks)
            .where(tasks.c.status.in_(live), sa.or_(late_handling, late_report))
            .order_by(tasks.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(query)).all()

    async def notices(self) -> dict[int, YearNotice]:
        rows = await self.session.execute(sa.select(calendar_years))
        return {
            row.year: YearNotice(year=row.year, holidays=frozenset(row.holidays), workdays=frozenset(row.workdays))
            for row in rows
        }

    async def save_notice(self, notice: YearNotice, *, text: str, loaded_by: str) -> None:
        values = {
            "holidays": sorted(notice.holidays),
            "workdays": sorted(notice.workdays),
            "notice": text,
            "loaded_by": loaded_by,
            "loaded_at": sa.func.now(),
        }
        statement = insert(calendar_years).values(year=notice.year, **values)
        await self.session.execute(statement.on_conflict_do_update(index_elements=["year"], set_=values))


def _entry(row: Row) -> RoutingEntry:
    return RoutingEntry(
        item_code=row.item_code,
        name=row.name,
        responsible_body=row.responsible_body,
        co_operating_units=tuple(row.co_operating_units),
        street_codes=tuple(row.street_codes),
        version=row.version,
        basis=row.basis,
        retired=row.retired,
        domain=row.domain,
        list_kind=row.list_kind,
        time_limit=TimeLimit.model_validate(row.time_limit) if row.time_limit else None,
        effective_from=row.effective_from,
    )
