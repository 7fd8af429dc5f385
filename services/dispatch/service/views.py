"""Read-side use cases: a case and its timeline, inboxes, search, counts, the routing projection."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby

from services.dispatch.domain import STATUS_AFTER, CaseStatus, RoutingEntry, in_force, upcoming
from services.dispatch.domain.calendar import CHINA
from services.dispatch.domain.case import Case, Task
from services.dispatch.domain.records import CaseCounts, CaseFilter, Grid, Page, StatusChange, TimelineEntry
from services.dispatch.service.access import Actor, own_task
from services.dispatch.store import DispatchStore
from services.runtime.errors import Forbidden, NotFound
from services.runtime.uow import UnitOfWork


async def case_view(uow: UnitOfWork, case_id: uuid.UUID) -> Case:
    """The case with its tasks."""
    async with uow:
        case = await uow.repository(DispatchStore).case(case_id)
    if case is None:
        raise NotFound(f"no case {case_id}", field="case_id", location="path")
    return case


async def case_timeline(uow: UnitOfWork, case_id: uuid.UUID) -> list[TimelineEntry]:
    async with uow:
        store = uow.repository(DispatchStore)
        if await store.case(case_id) is None:
            raise NotFound(f"no case {case_id}", field="case_id", location="path")
        return await store.case_timeline(case_id)


async def inbox(uow: UnitOfWork, assignees: frozenset[str] | None, *, status: str | None, limit: int) -> list[Task]:
    async with uow:
        return await uow.repository(DispatchStore).tasks_of(assignees, status=status, limit=limit)


async def task_view(uow: UnitOfWork, task_id: uuid.UUID, actor: Actor) -> Task:
    async with uow:
        return await own_task(uow.repository(DispatchStore), task_id, actor)


async def search_cases(uow: UnitOfWork, wanted: CaseFilter, *, limit: int) -> list[tuple[Case, Task | None]]:
    """Cases matching ``wanted``, newest first, each with its primary task (for agency and due time)."""
    async with uow:
        store = uow.repository(DispatchStore)
        found = await store.search_cases(wanted, limit=limit)
        primaries = await store.primary_tasks([case.id for case in found])
    return [(case, primaries.get(case.id)) for case in found]


async def counts(uow: UnitOfWork) -> CaseCounts:
    async with uow:
        return await uow.repository(DispatchStore).counts()


@dataclass(frozen=True)
class ItemInForce:
    """An item as dispatch routes it today, and the version waiting for its effective date, if any."""

    entry: RoutingEntry
    upcoming: RoutingEntry | None


async def routing_of(uow: UnitOfWork, item_code: str, now: datetime) -> ItemInForce:
    async with uow:
        versions = await uow.repository(DispatchStore).versions(item_code)
    today = now.astimezone(CHINA).date()
    entry, later = in_force(versions, today), upcoming(versions, today)
    if entry is None and later is not None:
        message = f"item {item_code} takes effect on {later.effective_from} (catalogue v{later.version})"
        raise NotFound(message, field="item_code", location="path")
    if entry is None:
        raise NotFound(f"dispatch knows no item {item_code}", field="item_code", location="path")
    return ItemInForce(entry, later)


async def service_list(uow: UnitOfWork) -> tuple[list[RoutingEntry], list[Grid]]:
    """Open311 services: the items in force today and not retired, and the grids a request may name."""
    async with uow:
        store = uow.repository(DispatchStore)
        versions, grids = await store.versions(), await store.grid_map()
    today = datetime.now(UTC).astimezone(CHINA).date()
    current = (in_force(group, today) for _, group in groupby(versions, key=_item_code))
    return [entry for entry in current if entry is not None and not entry.retired], grids


def _item_code(entry: RoutingEntry) -> str:
    return entry.item_code


async def status_feed(
    uow: UnitOfWork, *, since: datetime, until: datetime, item_code: str | None, page: int, page_size: int
) -> list[StatusChange]:
    """Status changes across cases, oldest first, a page at a time: each entry with the status it left."""
    first = (page - 1) * page_size
    async with uow:
        rows = await uow.repository(DispatchStore).status_changes(
            actions=sorted(STATUS_AFTER),
            since=since,
            until=until,
            item_code=item_code,
            page=Page(first, page_size),
        )
    return [StatusChange(entry, item_code, STATUS_AFTER[entry.action]) for entry, item_code in rows]


async def street_cases(
    uow: UnitOfWork, street_code: str, actor: Actor, *, status: CaseStatus | None, limit: int
) -> list[tuple[Case, Task | None]]:
    """A street's own cases (本街道案件), newest first: what it acts on and verifies; another street's are not its."""
    if not actor.may_act_for(street_code):
        raise Forbidden(f"street {street_code}'s cases are read by that street and the office", field="street_code")
    return await search_cases(uow, CaseFilter(street_code=street_code, status=status), limit=limit)
