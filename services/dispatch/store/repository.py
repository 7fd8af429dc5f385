"""Dispatch's repository: queries over one session; the unit of work owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from services.dispatch.domain import YearNotice
from services.dispatch.store.projection import Projection
from services.dispatch.store.tables import calendar_years, cases, deferrals, tasks, timeline, whistles
from services.runtime.db import any_of, as_arrays, insert_rows

Row = sa.Row[Any]


class DispatchStore(Projection):
    """Cases, tasks, timeline, deferrals and the calendar, over the catalogue projection."""

    held_tasks: list[dict[str, Any]] | None = None  # see hold_writes
    held_notes: list[dict[str, Any]] | None = None

    # -- cases and tasks

    async def add_cases(self, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
        """Insert cases in one statement; a case its source reported already (same source system and id, in an
        earlier transaction or earlier in ``rows``) is left out. The ids of those inserted."""
        if not rows:
            return set()
        in_lock_order = sorted(rows, key=lambda row: (row["source_system"], row["source_id"]))  # no deadlock
        return set((await self.session.execute(_ADD_CASES, as_arrays(in_lock_order))).scalars())

    async def cases_by_source(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], uuid.UUID]:
        """Case ids by (source system, source id)."""
        if not keys:
            return {}
        systems, ids = zip(*keys, strict=True)
        query = sa.select(cases.c.source_system, cases.c.source_id, cases.c.id).where(
            any_of(cases.c.source_system, "systems"), any_of(cases.c.source_id, "ids")
        )
        wanted = set(keys)
        found = await self.session.execute(query, {"systems": list(set(systems)), "ids": list(set(ids))})
        return {(r.source_system, r.source_id): r.id for r in found if (r.source_system, r.source_id) in wanted}

    async def case(self, case_id: uuid.UUID, *, lock: bool = False) -> Row | None:
        query = sa.select(cases).where(cases.c.id == case_id)
        return (await self.session.execute(query.with_for_update() if lock else query)).first()

    async def update_case(self, case_id: uuid.UUID, **values: Any) -> None:
        await self.session.execute(
            cases.update().where(cases.c.id == case_id).values(updated_at=sa.func.now(), **values)
        )

    async def add_task(self, **values: Any) -> None:
        if self.held_tasks is not None:
            self.held_tasks.append(values)
            return
        await self.session.execute(tasks.insert().values(**values))

    async def task(self, task_id: uuid.UUID) -> Row | None:
        return (await self.session.execute(sa.select(tasks).where(tasks.c.id == task_id))).first()

    async def update_task(self, task_id: uuid.UUID, **values: Any) -> None:
        await self.session.execute(tasks.update().where(tasks.c.id == task_id).values(**values))

    async def case_tasks(self, case_id: uuid.UUID) -> Sequence[Row]:
        query = sa.select(tasks).where(tasks.c.case_id == case_id).order_by(tasks.c.role.desc(), tasks.c.assignee_code)
        return (await self.session.execute(query)).all()

    def hold_writes(self) -> None:
        """Collect new tasks and timeline entries instead of inserting each; ``flush_writes`` writes them at once.

        For hot paths (intake of a batch of cases): the use case flushes before it commits; entries keep the
        order they were noted in.
        """
        self.held_tasks = []
        self.held_notes = []

    async def flush_writes(self) -> None:
        """Insert the held tasks, then the held timeline entries: one statement each."""
        held_tasks, notes = self.held_tasks, self.held_notes
        self.held_tasks = self.held_notes = None
        if held_tasks:
            await self.session.execute(_INSERT_TASK, held_tasks)
        if notes:
            await self.session.execute(_INSERT_NOTE, notes)

    async def note(self, case_id: uuid.UUID, *, actor: str, action: str, detail: str, trace_id: str | None) -> None:
        values = {"case_id": case_id, "actor": actor, "action": action, "detail": detail, "trace_id": trace_id}
        if self.held_notes is not None:
            self.held_notes.append(values)
            return
        await self.session.execute(timeline.insert().values(**values))

    async def case_timeline(self, case_id: uuid.UUID) -> Sequence[Row]:
        query = sa.select(timeline).where(timeline.c.case_id == case_id).order_by(timeline.c.seq)
        return (await self.session.execute(query)).all()

    async def add_whistle(self, **values: Any) -> None:
        await self.session.execute(whistles.insert().values(**values))

    async def status_changes(
        self,
        *,
        actions: Sequence[str],
        since: datetime,
        until: datetime,
        item_code: str | None,
        offset: int,
        limit: int,
    ) -> Sequence[Row]:
        """Timeline entries that moved a case, across cases, oldest first: the update feed."""
        query = (
            sa.select(timeline, cases.c.item_code)
            .join(cases, cases.c.id == timeline.c.case_id)
            .where(timeline.c.action.in_(actions), timeline.c.at >= since, timeline.c.at <= until)
            .order_by(timeline.c.seq)
            .offset(offset)
            .limit(limit)
        )
        if item_code is not None:
            query = query.where(cases.c.item_code == item_code)
        return (await self.session.execute(query)).all()

    # -- deferrals (延期/缓办)

    async def add_deferral(self, **values: Any) -> None:
        await self.session.execute(deferrals.insert().values(**values))

    async def pending_deferral(self, task_id: uuid.UUID) -> Row | None:
        query = sa.select(deferrals).where(deferrals.c.task_id == task_id, deferrals.c.status == "pending")
        return (await self.session.execute(query)).first()

    async def update_deferral(self, deferral_id: uuid.UUID, **values: Any) -> None:
        await self.session.execute(deferrals.update().where(deferrals.c.id == deferral_id).values(**values))

    async def deferrals_of(self, task_id: uuid.UUID | None, *, status: str | None, limit: int) -> Sequence[Row]:
        """A task's deferrals, or every task's (the office's queue), newest first."""
        query = sa.select(deferrals).order_by(deferrals.c.requested_at.desc()).limit(limit)
        if task_id is not None:
            query = query.where(deferrals.c.task_id == task_id)
        if status is not None:
            query = query.where(deferrals.c.status == status)
        return (await self.session.execute(query)).all()

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
        unacknowledged = await self.session.scalar(
            sa.select(sa.func.count()).select_from(tasks).where(tasks.c.ack_late_at.is_not(None))
        )
        pings = await self.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(cases.c.return_count), 0)))
        return {
            "by_stage": by_stage,
            "overdue_tasks": overdue,
            "late_reports": late,
            "late_acknowledgements": unacknowledged,
            "returns": pings,
        }

    # -- deadlines

    async def overdue_candidates(self, now: datetime, *, live: Sequence[str], limit: int) -> Sequence[Row]:
        """Tasks past a deadline not yet flagged; locked so that replicas sweep disjoint rows."""
        late_handling = sa.and_(tasks.c.due_at < now, tasks.c.overdue_at.is_(None), tasks.c.paused_at.is_(None))
        late_report = sa.and_(
            tasks.c.report_by < now, tasks.c.acknowledged_at.is_(None), tasks.c.report_late_at.is_(None)
        )
        late_ack = sa.and_(
            tasks.c.ack_by < now,
            tasks.c.acknowledged_at.is_(None),
            tasks.c.ack_late_at.is_(None),
            tasks.c.paused_at.is_(None),
        )
        query = (
            sa.select(tasks)
            .where(tasks.c.status.in_(live), sa.or_(late_handling, late_report, late_ack))
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


# Intake's writes, built once (see services.runtime.db.insert_rows)
CASE_COLUMNS = (
    "id",
    "source_system",
    "source_id",
    "item_code",
    "grid_code",
    "street_code",
    "description",
    "status",
    "refusal",
    "reported_at",
    "address",
    "lat",
    "long",
)
"""What intake writes of a new case; the rest keeps its defaults."""
_ADD_CASES = (
    insert_rows(cases, CASE_COLUMNS).on_conflict_do_nothing(constraint="cases_source_key").returning(cases.c.id)
)
_INSERT_TASK = tasks.insert()
_INSERT_NOTE = timeline.insert()
