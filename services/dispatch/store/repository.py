"""Dispatch's repository: queries over one session; the unit of work owns the transaction."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from services.dispatch.domain import LIVE_TASK, YearNotice
from services.dispatch.domain.case import LATENESS, Case, Lateness, Task
from services.dispatch.domain.records import CaseCounts, CaseFilter, Deferral, Page, TimelineEntry, Whistle
from services.dispatch.store.projection import Projection
from services.dispatch.store.rows import (
    CASE_FIELDS,
    TASK_FIELDS,
    case_of,
    changes,
    column_value,
    deferral_of,
    task_of,
    task_row,
    timeline_entry_of,
)
from services.dispatch.store.tables import calendar_years, cases, deferrals, tasks, timeline, whistles
from services.runtime.db import any_of, as_arrays, insert_rows
from services.runtime.uow import hold


class DispatchStore(Projection):
    """Cases with their tasks, the timeline, whistles, deferrals and the calendar, over the catalogue projection."""

    # -- cases and tasks

    async def add_cases(self, new: Sequence[Case]) -> set[uuid.UUID]:
        """Insert cases in one statement; a case its source reported already (same source system and id, in an
        earlier transaction or earlier in ``new``) is left out. The ids of those inserted."""
        if not new:
            return set()
        in_lock_order = sorted(new, key=lambda case: (case.source_system, case.source_id))  # no deadlock
        rows = [{name: getattr(case, name) for name in CASE_COLUMNS} for case in in_lock_order]
        return set((await self.session.execute(_ADD_CASES, as_arrays(rows))).scalars())

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

    async def case(self, case_id: uuid.UUID, *, lock: bool = False) -> Case | None:
        """The case with its tasks; ``lock``: its row locked, which serialises every move on the case."""
        query = sa.select(cases).where(cases.c.id == case_id)
        row = (await self.session.execute(query.with_for_update() if lock else query)).first()
        return None if row is None else case_of(row, tuple(await self._tasks(tasks.c.case_id == case_id)))

    async def save(self, before: Case, after: Case) -> None:
        """Write what changed from ``before`` to ``after``: the case's columns, each changed task, new tasks."""
        if changed := changes(before, after, CASE_FIELDS):
            await self.session.execute(
                cases.update().where(cases.c.id == after.id).values(updated_at=sa.func.now(), **changed)
            )
        old = {task.id: task for task in before.tasks}
        for task in after.tasks:
            if task.id not in old:
                self.add_task(task)
            else:
                await self.save_task(old[task.id], task)

    async def save_task(self, before: Task, after: Task) -> None:
        if changed := changes(before, after, TASK_FIELDS):
            await self.session.execute(tasks.update().where(tasks.c.id == after.id).values(**changed))

    def add_task(self, task: Task) -> None:
        """Inserted when the unit of work commits, with the other tasks it holds: one statement for a batch."""
        hold(self.session, tasks, task_row(task))

    async def task(self, task_id: uuid.UUID) -> Task | None:
        found = await self._tasks(tasks.c.id == task_id)
        return found[0] if found else None

    async def _tasks(self, where: sa.ColumnElement[bool]) -> list[Task]:
        query = sa.select(tasks).where(where).order_by(tasks.c.role.desc(), tasks.c.assignee_code)
        return [task_of(row) for row in await self.session.execute(query)]

    def note(self, case_id: uuid.UUID, *, actor: str, action: str, detail: str, trace_id: str | None) -> None:
        """A timeline entry, inserted at commit in the order noted (its ``seq`` follows that order)."""
        values = {"case_id": case_id, "actor": actor, "action": action, "detail": detail, "trace_id": trace_id}
        hold(self.session, timeline, values)

    async def case_timeline(self, case_id: uuid.UUID) -> list[TimelineEntry]:
        query = sa.select(timeline).where(timeline.c.case_id == case_id).order_by(timeline.c.seq)
        return [timeline_entry_of(row) for row in await self.session.execute(query)]

    async def add_whistle(self, whistle: Whistle) -> None:
        values = {field.name: getattr(whistle, field.name) for field in dataclasses.fields(whistle)}
        await self.session.execute(whistles.insert().values(**{**values, "departments": list(whistle.departments)}))

    async def status_changes(
        self, *, actions: Sequence[str], since: datetime, until: datetime, item_code: str | None, page: Page
    ) -> list[tuple[TimelineEntry, str]]:
        """Timeline entries that moved a case, across cases, oldest first, each with its case's item: the feed."""
        query = (
            sa.select(timeline, cases.c.item_code)
            .join(cases, cases.c.id == timeline.c.case_id)
            .where(timeline.c.action.in_(actions), timeline.c.at >= since, timeline.c.at <= until)
            .order_by(timeline.c.seq)
            .offset(page.offset)
            .limit(page.size)
        )
        if item_code is not None:
            query = query.where(cases.c.item_code == item_code)
        return [(timeline_entry_of(row), row.item_code) for row in await self.session.execute(query)]

    # -- deferrals (延期/缓办)

    async def add_deferral(self, deferral: Deferral) -> None:
        values = {field.name: column_value(getattr(deferral, field.name)) for field in dataclasses.fields(deferral)}
        await self.session.execute(deferrals.insert().values(**values))

    async def pending_deferral(self, task_id: uuid.UUID) -> Deferral | None:
        query = sa.select(deferrals).where(deferrals.c.task_id == task_id, deferrals.c.status == "pending")
        row = (await self.session.execute(query)).first()
        return None if row is None else deferral_of(row)

    async def save_deferral(self, before: Deferral, after: Deferral) -> None:
        changed = changes(before, after, tuple(field.name for field in dataclasses.fields(Deferral)))
        await self.session.execute(deferrals.update().where(deferrals.c.id == after.id).values(**changed))

    async def deferrals_of(self, task_id: uuid.UUID | None, *, status: str | None, limit: int) -> list[Deferral]:
        """A task's deferrals, or every task's (the office's queue), newest first."""
        query = sa.select(deferrals).order_by(deferrals.c.requested_at.desc()).limit(limit)
        if task_id is not None:
            query = query.where(deferrals.c.task_id == task_id)
        if status is not None:
            query = query.where(deferrals.c.status == status)
        return [deferral_of(row) for row in await self.session.execute(query)]

    # -- views

    async def tasks_of(self, assignees: frozenset[str] | None, *, status: str | None, limit: int) -> list[Task]:
        """An assignee's inbox (None: every assignee's, for the office)."""
        query = sa.select(tasks).order_by(tasks.c.assigned_at.desc()).limit(limit)
        if assignees is not None:
            query = query.where(tasks.c.assignee_code.in_(assignees))
        if status is not None:
            query = query.where(tasks.c.status == status)
        return [task_of(row) for row in await self.session.execute(query)]

    async def search_cases(self, wanted: CaseFilter, *, limit: int) -> list[Case]:
        """Cases matching ``wanted``, newest first (without their tasks)."""
        query = sa.select(cases).where(*_matching(wanted)).order_by(cases.c.received_at.desc()).limit(limit)
        return [case_of(row) for row in await self.session.execute(query)]

    async def primary_tasks(self, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Task]:
        """Each case's primary task, the latest assigned where it has several (after a re-route)."""
        query = sa.select(tasks).where(tasks.c.case_id.in_(case_ids), tasks.c.role == "primary")
        return {
            task.case_id: task for task in map(task_of, await self.session.execute(query.order_by(tasks.c.assigned_at)))
        }

    async def counts(self) -> CaseCounts:
        by_stage: dict[str, int] = dict(
            (await self.session.execute(sa.select(cases.c.status, sa.func.count()).group_by("status"))).all()
        )
        flagged = [sa.func.count(tasks.c[name]) for name in ("overdue_at", "report_late_at", "ack_late_at")]
        overdue, late, unacknowledged = tuple((await self.session.execute(sa.select(*flagged))).one())
        returns = await self.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(cases.c.return_count), 0)))
        by_kind: dict[str, int] = dict(
            (await self.session.execute(sa.select(cases.c.kind, sa.func.count()).group_by("kind"))).all()
        )
        return CaseCounts(by_stage, overdue, late, unacknowledged, int(returns or 0), by_kind)

    # -- deadlines

    async def overdue_candidates(self, now: datetime, *, limit: int) -> list[Task]:
        """Tasks past a deadline not yet flagged (the domain's ``LATENESS`` rules as SQL); locked so that
        replicas sweep disjoint rows."""
        query = (
            sa.select(tasks)
            .where(sa.or_(*(late_filter(rule, now) for rule in LATENESS)))
            .order_by(tasks.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [task_of(row) for row in await self.session.execute(query)]

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


def late_filter(rule: Lateness, now: datetime) -> sa.ColumnElement[bool]:
    """``Lateness.applies`` as SQL: a live task past the rule's deadline, neither flagged nor stopped."""
    unset = (tasks.c[name].is_(None) for name in (rule.flag, *rule.stopped_by))
    return sa.and_(tasks.c.status.in_([s.value for s in LIVE_TASK]), tasks.c[rule.deadline] < now, *unset)


def _matching(wanted: CaseFilter) -> list[sa.ColumnElement[bool]]:
    equal = {"status": wanted.status, "street_code": wanted.street_code, "item_code": wanted.item_code}
    where = [cases.c[name] == value for name, value in equal.items() if value is not None]
    if wanted.since is not None:
        where.append(cases.c.received_at >= wanted.since)
    if wanted.until is not None:
        where.append(cases.c.received_at <= wanted.until)
    if wanted.ids is not None:
        where.append(cases.c.id.in_(wanted.ids))
    if wanted.statuses is not None:
        where.append(cases.c.status.in_(wanted.statuses))
    return where + _by_tasks(wanted)


def _by_tasks(wanted: CaseFilter) -> list[sa.ColumnElement[bool]]:
    """The filters a case's tasks answer (one EXISTS each, on the tasks' case_id index)."""
    where: list[sa.ColumnElement[bool]] = []
    if wanted.assignee_code is not None:
        where.append(_has_task(tasks.c.assignee_code == wanted.assignee_code))
    if wanted.overdue is not None:
        flagged = _has_task(tasks.c.overdue_at.is_not(None))
        where.append(flagged if wanted.overdue else sa.not_(flagged))
    return where


def _has_task(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return sa.exists().where(tasks.c.case_id == cases.c.id, condition)


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
    "triage_reason",
    "placement",
    "kind",
    "recorded_by",
)
"""What intake writes of a new case; the rest keeps its defaults."""
_ADD_CASES = (
    insert_rows(cases, CASE_COLUMNS).on_conflict_do_nothing(constraint="cases_source_key").returning(cases.c.id)
)
