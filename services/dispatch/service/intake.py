"""Intake (受理): both doors, NATS and Open311, land in ``take_cases``, which routes by the catalogue in force.

A consumer hands it a fetched batch of reports, handled in one transaction with a fixed number of
statements whatever the batch size: the routing facts read at once, the cases inserted at once, tasks,
timeline, audit and outbox rows written at once. Open311 hands it one report.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

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
from services.dispatch.domain.calendar import CHINA, WorkingCalendar
from services.dispatch.service.recording import NewTask, assign, record
from services.dispatch.store import DispatchStore
from services.runtime.uow import UnitOfWork


@dataclass(frozen=True)
class TakenCase:
    case_id: uuid.UUID
    fresh: bool  # False: the source had reported this case already


@dataclass(frozen=True)
class _Decision:
    """A report routed: the case row to insert and the item version it was routed by."""

    report: CaseReported
    row: dict[str, Any]
    entry: RoutingEntry | None
    routing: Routing


async def take_case(uow: UnitOfWork, report: CaseReported, *, ack_within_h: float) -> TakenCase:
    """受理并派发 one report (Open311), as ``take_cases`` does."""
    cause = uuid.uuid4()
    return (await take_cases(uow, {cause: report}, ack_within_h=ack_within_h))[cause]


async def take_cases(
    uow: UnitOfWork, reports: Mapping[uuid.UUID, CaseReported], *, ack_within_h: float
) -> dict[uuid.UUID, TakenCase]:
    """受理并派发: persist each case once per source id, route it, dispatch its tasks, all in one transaction.

    ``reports`` are keyed by the id of the event that brought each (the unit of work skips those handled
    before, and carries each one's trace). ``ack_within_h``: the working hours each assignee has to
    acknowledge its task (签收时限). Returns, per report handled now, its case (an earlier one for a repeat).
    """
    now = datetime.now(UTC)
    async with uow:
        store = DispatchStore(uow.session)
        fresh = uow.unhandled(reports)
        decisions, working = await _decide(store, fresh, now) if fresh else ({}, WorkingCalendar())
        inserted = await store.add_cases([decision.row for decision in decisions.values()])
        repeated = {d.row["id"] for d in decisions.values()} - inserted
        earlier = await store.cases_by_source(
            [_source(d.report) for d in decisions.values() if d.row["id"] in repeated]
        )
        store.hold_writes()
        taken: dict[uuid.UUID, TakenCase] = {}
        for cause, decision in decisions.items():
            if decision.row["id"] not in inserted:  # the source had reported it: handled, nothing changes
                taken[cause] = TakenCase(earlier[_source(decision.report)], fresh=False)
                continue
            case = SimpleNamespace(**decision.row)  # the row as inserted, read like one read back
            with uow.handling(cause):
                await _dispatch(uow, store, case, decision, now=now, ack_within_h=ack_within_h, working=working)
            taken[cause] = TakenCase(case.id, fresh=True)
        await store.flush_writes()
        await uow.commit()  # also when every report was a repeat: the inbox claims mark the events handled
    return taken


async def _dispatch(
    uow: UnitOfWork,
    store: DispatchStore,
    case: Any,
    decision: _Decision,
    *,
    now: datetime,
    ack_within_h: float,
    working: WorkingCalendar,
) -> None:
    """What follows from one routing decision: timeline, events, and a task per assignment."""
    report, routing, entry = decision.report, decision.routing, decision.entry
    trace.get_current_span().set_attributes({"linkage.case_id": str(case.id), "linkage.item_code": report.item_code})
    await record(uow, store, case.id, actor=report.source_system, action="reported", detail=report.description)
    if routing.refusal is not None or entry is None:
        reason = routing.refusal or ""
        await record(uow, store, case.id, actor="dispatch", action="not_accepted", detail=reason)
        refused = CaseNotAccepted(
            case_id=case.id, source_system=report.source_system, source_id=report.source_id, reason=reason
        )
        await uow.emit(refused, about=str(case.id))
        return
    street = case.street_code
    trace.get_current_span().set_attribute("linkage.street_code", street)
    detail = f"street {street}, catalogue v{entry.version}: {routing.street_rule}"
    await record(uow, store, case.id, actor="dispatch", action="accepted", detail=detail)
    accepted = CaseAccepted(
        case_id=case.id,
        source_system=report.source_system,
        source_id=report.source_id,
        item_code=report.item_code,
        street_code=street,
    )
    await uow.emit(accepted, about=str(case.id))
    for assignment in routing.assignments:
        task = NewTask(
            case, assignment.assignee_code, assignment.role, assignment.reason, entry.version, entry.time_limit
        )
        await assign(uow, store, task, now=now, actor="dispatch", ack_within_h=ack_within_h, working=working)


async def _decide(
    store: DispatchStore, reports: Mapping[uuid.UUID, CaseReported], now: datetime
) -> tuple[dict[uuid.UUID, _Decision], WorkingCalendar]:
    """Route every report by the item version in force when it was reported (never later than now).

    The routing facts (versions, grids, street lists, admissions, whistles, calendar) are read once for
    the batch, in one round trip; the working calendar comes with them.
    """
    facts = await store.routing_facts(
        items={r.item_code for r in reports.values()},
        grids={r.grid_code for r in reports.values()},
        streets={r.street_code for r in reports.values() if r.street_code},
        open_statuses=[s.value for s in OPEN_CASE],
    )
    decisions = {}
    for cause, report in reports.items():
        reported = report.reported_at if report.reported_at.tzinfo else report.reported_at.replace(tzinfo=UTC)
        day = min(reported, now).astimezone(CHINA).date()
        versions = facts.versions.get(report.item_code, [])
        entry = in_force(versions, day)
        grid_street = facts.grid_streets.get(report.grid_code)
        street = case_street(report.street_code, grid_street)
        routing = route(
            item_code=report.item_code,
            entry=entry,
            reported_street=report.street_code,
            grid_street=grid_street,
            street_list=facts.street_lists.get(street) if street else None,
            covers=facts.covers(report.item_code, street) if street else (),
            pending=upcoming(versions, day),
        )
        decisions[cause] = _Decision(report, _case_row(report, routing), entry, routing)
    return decisions, WorkingCalendar.of(facts.notices)


def _case_row(report: CaseReported, routing: Routing) -> dict[str, Any]:
    """The case as stored: dispatched to its street, or not accepted with the reason (不予受理)."""
    accepted = routing.refusal is None
    return {
        "id": uuid.uuid4(),
        "source_system": report.source_system,
        "source_id": report.source_id,
        "item_code": report.item_code,
        "grid_code": report.grid_code,
        "street_code": routing.street_code if accepted else report.street_code,
        "description": report.description,
        "status": CaseStatus.DISPATCHED if accepted else CaseStatus.NOT_ACCEPTED,
        "refusal": None if accepted else routing.refusal,
        "reported_at": report.reported_at,
        "address": report.address,
        "lat": report.lat,
        "long": report.long,
    }


def _source(report: CaseReported) -> tuple[str, str]:
    return report.source_system, report.source_id
