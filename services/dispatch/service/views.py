"""Read-side use cases: a case and its timeline, inboxes, search, counts, the routing projection."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

import sqlalchemy as sa

from services.dispatch.domain import STATUS_AFTER, RoutingEntry, in_force, upcoming
from services.dispatch.domain.calendar import CHINA
from services.dispatch.service.recording import Actor
from services.dispatch.store import DispatchStore
from services.runtime.errors import NotFound
from services.runtime.uow import UnitOfWork

Row = sa.Row[Any]


async def case_view(uow: UnitOfWork, case_id: uuid.UUID) -> tuple[Row, Sequence[Row]]:
    async with uow:
        store = DispatchStore(uow.session)
        case = await store.case(case_id)
        if case is None:
            raise NotFound(f"no case {case_id}", field="case_id", location="path")
        return case, await store.case_tasks(case_id)


async def case_timeline(uow: UnitOfWork, case_id: uuid.UUID) -> Sequence[Row]:
    async with uow:
        store = DispatchStore(uow.session)
        if await store.case(case_id) is None:
            raise NotFound(f"no case {case_id}", field="case_id", location="path")
        return await store.case_timeline(case_id)


async def inbox(uow: UnitOfWork, assignees: frozenset[str] | None, *, status: str | None, limit: int) -> Sequence[Row]:
    async with uow:
        return await DispatchStore(uow.session).tasks_of(assignees, status=status, limit=limit)


async def task_view(uow: UnitOfWork, task_id: uuid.UUID, actor: Actor) -> Row:
    async with uow:
        task = await DispatchStore(uow.session).task(task_id)
    if task is None or not actor.may_act_for(task.assignee_code):
        raise NotFound(f"no task {task_id} among yours", field="task_id", location="path")
    return task


async def search_cases(uow: UnitOfWork, *, limit: int, **filters: Any) -> tuple[Sequence[Row], dict[uuid.UUID, Row]]:
    """Cases matching the filters, newest first, each with its primary task (for agency and due time)."""
    async with uow:
        store = DispatchStore(uow.session)
        cases = await store.search_cases(limit=limit, **filters)
        return cases, await store.primary_tasks([case.id for case in cases])


async def counts(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
    async with uow:
        return await DispatchStore(uow.session).counts(now)


@dataclass(frozen=True)
class ItemInForce:
    """An item as dispatch routes it today, and the version waiting for its effective date, if any."""

    entry: RoutingEntry
    upcoming: RoutingEntry | None


async def routing_of(uow: UnitOfWork, item_code: str, now: datetime) -> ItemInForce:
    async with uow:
        versions = await DispatchStore(uow.session).versions(item_code)
    today = now.astimezone(CHINA).date()
    entry, later = in_force(versions, today), upcoming(versions, today)
    if entry is None and later is not None:
        message = f"item {item_code} takes effect on {later.effective_from} (catalogue v{later.version})"
        raise NotFound(message, field="item_code", location="path")
    if entry is None:
        raise NotFound(f"dispatch knows no item {item_code}", field="item_code", location="path")
    return ItemInForce(entry, later)


async def service_list(uow: UnitOfWork) -> tuple[list[RoutingEntry], Sequence[Row]]:
    """Open311 services: the items in force today and not retired, and the grids a request may name."""
    async with uow:
        store = DispatchStore(uow.session)
        versions, grids = await store.versions(), await store.grid_map()
    today = datetime.now(UTC).astimezone(CHINA).date()
    current = (in_force(group, today) for _, group in groupby(versions, key=lambda v: v.item_code))
    return [entry for entry in current if entry is not None and not entry.retired], grids


async def status_feed(
    uow: UnitOfWork, *, since: datetime, until: datetime, item_code: str | None, page: int, page_size: int
) -> list[tuple[Row, str]]:
    """Status changes across cases, oldest first, a page at a time: each entry with the status it left."""
    async with uow:
        rows = await DispatchStore(uow.session).status_changes(
            actions=sorted(STATUS_AFTER),
            since=since,
            until=until,
            item_code=item_code,
            offset=(page - 1) * page_size,
            limit=page_size,
        )
    return [(row, STATUS_AFTER[row.action]) for row in rows]
