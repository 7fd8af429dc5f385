"""Intake (受理) and the catalogue projection: both doors, NATS and Open311, land in ``take_case``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from opentelemetry import trace

from contracts.events.catalog import GridMapped, ItemPublished, ItemRetired
from contracts.events.dispatch import CaseAccepted, CaseNotAccepted
from contracts.events.intake import CaseReported
from services.dispatch.domain import CaseStatus, RoutingEntry, route
from services.dispatch.service.recording import NewTask, assign, record
from services.dispatch.store import DispatchStore
from services.runtime.uow import UnitOfWork


async def project_item(uow: UnitOfWork, item: ItemPublished) -> None:
    """Keep the routing projection (路由表) in step with the catalogue, time limit included."""
    basis = "; ".join(f"{c.law_title} {c.article}" for c in item.legal_basis) or "none recorded"
    entry = RoutingEntry(
        item_code=item.item_code,
        name=item.name,
        responsible_body=item.responsible_body,
        co_operating_units=item.co_operating_units,
        street_codes=item.street_codes,
        version=item.version,
        basis=basis,
        domain=item.domain,
        list_kind=item.list_kind,
        time_limit=item.time_limit,
        effective_from=item.effective_from,
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


@dataclass(frozen=True)
class TakenCase:
    case_id: uuid.UUID
    fresh: bool  # False: the source had reported this case already


async def take_case(uow: UnitOfWork, report: CaseReported) -> TakenCase:
    """受理并派发: persist the case once per source id, route it, dispatch its tasks, in one transaction."""
    case_id = uuid.uuid4()
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
            address=report.address,
            lat=report.lat,
            long=report.long,
        )
        if not fresh:
            existing = await store.case_by_source(report.source_system, report.source_id)
            await uow.commit()  # the inbox claim still commits: this event is handled
            assert existing is not None
            return TakenCase(existing, fresh=False)
        trace.get_current_span().set_attributes(
            {"linkage.case_id": str(case_id), "linkage.item_code": report.item_code}
        )
        await record(uow, store, case_id, actor=report.source_system, action="reported", detail=report.description)
        await _route(uow, store, case_id, report)
        await uow.commit()
    return TakenCase(case_id, fresh=True)


async def _route(uow: UnitOfWork, store: DispatchStore, case_id: uuid.UUID, report: CaseReported) -> None:
    entry = await store.routing(report.item_code)
    routing = route(
        item_code=report.item_code,
        entry=entry,
        reported_street=report.street_code,
        grid_street=await store.street_of_grid(report.grid_code),
    )
    if routing.refusal is not None or entry is None:
        reason = routing.refusal or ""
        await store.update_case(case_id, status=CaseStatus.NOT_ACCEPTED, refusal=reason)
        await record(uow, store, case_id, actor="dispatch", action="not_accepted", detail=reason)
        refused = CaseNotAccepted(
            case_id=case_id, source_system=report.source_system, source_id=report.source_id, reason=reason
        )
        await uow.emit(refused, about=str(case_id))
        return
    street = routing.street_code
    assert street is not None
    trace.get_current_span().set_attribute("linkage.street_code", street)
    await store.update_case(case_id, status=CaseStatus.DISPATCHED, street_code=street)
    await record(uow, store, case_id, actor="dispatch", action="accepted", detail=f"street {street}")
    accepted = CaseAccepted(
        case_id=case_id,
        source_system=report.source_system,
        source_id=report.source_id,
        item_code=report.item_code,
        street_code=street,
    )
    await uow.emit(accepted, about=str(case_id))
    case = await store.case(case_id)
    now = datetime.now(UTC)
    for assignment in routing.assignments:
        task = NewTask(
            case, assignment.assignee_code, assignment.role, assignment.reason, entry.version, entry.time_limit
        )
        await assign(uow, store, task, now=now, actor="dispatch")
