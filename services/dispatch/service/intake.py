"""Intake (受理): both doors, NATS and Open311, land in ``take_case``, which routes by the catalogue in force."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from opentelemetry import trace

from contracts.events.dispatch import CaseAccepted, CaseNotAccepted
from contracts.events.intake import CaseReported
from services.dispatch.domain import (
    OPEN_CASE,
    CaseStatus,
    Routing,
    RoutingEntry,
    case_street,
    in_force,
    route,
    upcoming,
)
from services.dispatch.domain.calendar import CHINA
from services.dispatch.service.recording import NewTask, assign, calendar, flush_held, record
from services.dispatch.store import DispatchStore
from services.runtime.uow import UnitOfWork


@dataclass(frozen=True)
class TakenCase:
    case_id: uuid.UUID
    fresh: bool  # False: the source had reported this case already


async def take_case(uow: UnitOfWork, report: CaseReported, *, ack_within_h: float) -> TakenCase:
    """受理并派发: persist the case once per source id, route it, dispatch its tasks, in one transaction.

    ``ack_within_h``: the working hours each assignee has to acknowledge its task (签收时限).
    """
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
        store.hold_notes()  # timeline entries go in as one insert, just before the commit
        trace.get_current_span().set_attributes(
            {"linkage.case_id": str(case_id), "linkage.item_code": report.item_code}
        )
        await record(uow, store, case_id, actor=report.source_system, action="reported", detail=report.description)
        await _route(uow, store, case_id, report, ack_within_h=ack_within_h)
        await flush_held(uow, store)
        await uow.commit()
    return TakenCase(case_id, fresh=True)


async def _route(
    uow: UnitOfWork, store: DispatchStore, case_id: uuid.UUID, report: CaseReported, *, ack_within_h: float
) -> None:
    now = datetime.now(UTC)
    entry, routing = await _decide(store, report, now)
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
    case = await store.update_case_returning(case_id, status=CaseStatus.DISPATCHED, street_code=street)
    detail = f"street {street}, catalogue v{entry.version}: {routing.street_rule}"
    await record(uow, store, case_id, actor="dispatch", action="accepted", detail=detail)
    accepted = CaseAccepted(
        case_id=case_id,
        source_system=report.source_system,
        source_id=report.source_id,
        item_code=report.item_code,
        street_code=street,
    )
    await uow.emit(accepted, about=str(case_id))
    working = await calendar(store) if routing.assignments else None
    for assignment in routing.assignments:
        task = NewTask(
            case, assignment.assignee_code, assignment.role, assignment.reason, entry.version, entry.time_limit
        )
        await assign(uow, store, task, now=now, actor="dispatch", ack_within_h=ack_within_h, working=working)


async def _decide(store: DispatchStore, report: CaseReported, now: datetime) -> tuple[RoutingEntry | None, Routing]:
    """The item version in force when the case was reported (never later than now), and the routing by it."""
    reported = report.reported_at if report.reported_at.tzinfo else report.reported_at.replace(tzinfo=UTC)
    day = min(reported, now).astimezone(CHINA).date()
    versions = await store.versions(report.item_code)
    entry = in_force(versions, day)
    grid_street, street_list = await store.street_and_list(report.grid_code, report.street_code)
    street = case_street(report.street_code, grid_street)
    open_cases = [s.value for s in OPEN_CASE]
    routing = route(
        item_code=report.item_code,
        entry=entry,
        reported_street=report.street_code,
        grid_street=grid_street,
        street_list=street_list if street else None,
        covers=await store.covers(report.item_code, street, open_statuses=open_cases) if street else (),
        pending=upcoming(versions, day),
    )
    return entry, routing
