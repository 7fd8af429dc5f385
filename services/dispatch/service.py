"""Dispatch use cases: one transaction each, through the unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from opentelemetry import trace

from contracts.events.catalog import GridMapped, ItemPublished, ItemRetired
from contracts.events.dispatch import CaseAccepted, CaseNotAccepted, TaskAssigned
from contracts.events.intake import CaseReported
from services.dispatch.domain import CaseStatus, Routing, RoutingEntry, route
from services.dispatch.store import DispatchStore
from services.runtime.errors import NotFound
from services.runtime.telemetry import current_trace_id
from services.runtime.uow import UnitOfWork


async def project_item(uow: UnitOfWork, item: ItemPublished) -> None:
    """Keep the routing projection (路由表) in step with the catalogue."""
    basis = "; ".join(f"{c.law_title} {c.article}" for c in item.legal_basis) or "none recorded"
    entry = RoutingEntry(
        item_code=item.item_code,
        name=item.name,
        responsible_body=item.responsible_body,
        co_operating_units=item.co_operating_units,
        street_codes=item.street_codes,
        version=item.version,
        basis=basis,
    )
    async with uow:
        await DispatchStore(uow.session).upsert_routing(entry)
        await uow.commit()


async def retire_item(uow: UnitOfWork, retired: ItemRetired) -> None:
    async with uow:
        await DispatchStore(uow.session).retire_routing(retired.item_code, retired.version)
        await uow.commit()


async def map_grid(uow: UnitOfWork, mapped: GridMapped) -> None:
    async with uow:
        await DispatchStore(uow.session).map_grid(mapped.grid_code, mapped.street_code, mapped.version)
        await uow.commit()


async def take_case(uow: UnitOfWork, report: CaseReported) -> uuid.UUID | None:
    """受理并派发: persist the case once per source id, route it, dispatch its tasks.

    Returns the new case id, or None when the source already reported this case.
    """
    case_id = uuid.uuid4()
    trace_id = current_trace_id()
    span = trace.get_current_span()
    async with uow:
        store = DispatchStore(uow.session)
        fresh = await store.add_case(
            id=case_id,
            source_system=report.source_system,
            source_id=report.source_id,
            item_code=report.item_code,
            grid_code=report.grid_code,
            street_code=report.street_code,
            description=report.description,
            status=CaseStatus.REPORTED,
            reported_at=report.reported_at,
        )
        if not fresh:
            await uow.commit()  # the inbox claim still commits: this event is handled
            return None
        await store.note(
            case_id, actor=report.source_system, action="reported", detail=report.description, trace_id=trace_id
        )
        entry = await store.routing(report.item_code)
        routing = route(
            item_code=report.item_code,
            entry=entry,
            reported_street=report.street_code,
            grid_street=await store.street_of_grid(report.grid_code),
        )
        span.set_attributes({"linkage.case_id": str(case_id), "linkage.item_code": report.item_code})
        if routing.refusal is not None or entry is None:
            await _refuse(uow, store, case_id, report, routing.refusal or "", trace_id)
        else:
            await _dispatch(uow, store, case_id, report, routing, entry, trace_id)
        await uow.commit()
    return case_id


async def _refuse(
    uow: UnitOfWork, store: DispatchStore, case_id: uuid.UUID, report: CaseReported, reason: str, trace_id: str | None
) -> None:
    await store.settle_case(case_id, status=CaseStatus.NOT_ACCEPTED, street_code=report.street_code, refusal=reason)
    await store.note(case_id, actor="dispatch", action="not_accepted", detail=reason, trace_id=trace_id)
    event = CaseNotAccepted(
        case_id=case_id, source_system=report.source_system, source_id=report.source_id, reason=reason
    )
    await uow.emit(event, about=str(case_id))


async def _dispatch(
    uow: UnitOfWork,
    store: DispatchStore,
    case_id: uuid.UUID,
    report: CaseReported,
    routing: Routing,
    entry: RoutingEntry,
    trace_id: str | None,
) -> None:
    street = routing.street_code
    assert street is not None
    await store.settle_case(case_id, status=CaseStatus.DISPATCHED, street_code=street, refusal=None)
    accepted = CaseAccepted(
        case_id=case_id,
        source_system=report.source_system,
        source_id=report.source_id,
        item_code=report.item_code,
        street_code=street,
    )
    await uow.emit(accepted, about=str(case_id))
    now = datetime.now(UTC)
    for assignment in routing.assignments:
        task_id = uuid.uuid4()
        await store.add_task(
            id=task_id,
            case_id=case_id,
            assignee_code=assignment.assignee_code,
            role=assignment.role,
            status="assigned",
            catalogue_version=entry.version,
            routing_reason=assignment.reason,
            assigned_at=now,
        )
        await store.note(
            case_id,
            actor="dispatch",
            action="assigned",
            detail=f"{assignment.assignee_code}: {assignment.reason}",
            trace_id=trace_id,
        )
        assigned = TaskAssigned(
            task_id=task_id,
            case_id=case_id,
            assignee_code=assignment.assignee_code,
            role=assignment.role,
            item_code=report.item_code,
            street_code=street,
            catalogue_version=entry.version,
            routing_reason=assignment.reason,
            description=report.description,
            assigned_at=now,
        )
        await uow.emit(assigned, about=str(task_id), token=assignment.assignee_code)


async def case_view(uow: UnitOfWork, case_id: uuid.UUID) -> tuple[sa.Row[Any], Sequence[sa.Row[Any]]]:
    async with uow:
        store = DispatchStore(uow.session)
        case = await store.case(case_id)
        if case is None:
            raise NotFound(f"no case {case_id}", field="case_id", location="path")
        return case, await store.case_tasks(case_id)


async def case_timeline(uow: UnitOfWork, case_id: uuid.UUID) -> Sequence[sa.Row[Any]]:
    async with uow:
        store = DispatchStore(uow.session)
        if await store.case(case_id) is None:
            raise NotFound(f"no case {case_id}", field="case_id", location="path")
        return await store.case_timeline(case_id)


async def inbox(uow: UnitOfWork, assignees: frozenset[str] | None, *, limit: int) -> Sequence[sa.Row[Any]]:
    async with uow:
        return await DispatchStore(uow.session).tasks_of(assignees, limit=limit)


async def routing_of(uow: UnitOfWork, item_code: str) -> RoutingEntry:
    async with uow:
        entry = await DispatchStore(uow.session).routing(item_code)
    if entry is None:
        raise NotFound(f"dispatch knows no item {item_code}", field="item_code", location="path")
    return entry
