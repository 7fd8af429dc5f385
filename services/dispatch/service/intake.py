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

from contracts.events.dispatch import CaseAccepted, CaseNotAccepted, CaseTriaged
from contracts.events.intake import CaseReported
from services.dispatch.domain import (
    OPEN_CASE,
    Assignment,
    CaseStatus,
    Routing,
    RoutingEntry,
    case_street,
    in_force,
    route,
    upcoming,
)
from services.dispatch.domain.calendar import CHINA, WorkingCalendar
from services.dispatch.domain.case import Case, CaseKind
from services.dispatch.domain.workers import given, pick, with_worker
from services.dispatch.service.assigning import AssignTask, assign
from services.dispatch.service.placing import Located, locate_all
from services.dispatch.service.recording import Transition, record
from services.dispatch.store import DispatchStore
from services.dispatch.store.facts import RoutingFacts
from services.runtime.uow import UnitOfWork


@dataclass(frozen=True)
class TakenCase:
    case_id: uuid.UUID
    fresh: bool  # False: the source had reported this case already


@dataclass(frozen=True)
class _Decision:
    """A report routed: the case to insert and the item version it was routed by."""

    report: CaseReported
    case: Case
    entry: RoutingEntry | None
    routing: Routing
    located: Located


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
        store = uow.repository(DispatchStore)
        fresh = uow.unhandled(reports)
        decisions, working = await _decide(store, fresh, now) if fresh else ({}, WorkingCalendar())
        inserted = await store.add_cases([decision.case for decision in decisions.values()])
        repeated = [_source(d.report) for d in decisions.values() if d.case.id not in inserted]
        earlier = await store.cases_by_source(repeated)
        taken: dict[uuid.UUID, TakenCase] = {}
        for cause, decision in decisions.items():
            if decision.case.id not in inserted:  # the source had reported it: handled, nothing changes
                taken[cause] = TakenCase(earlier[_source(decision.report)], fresh=False)
                continue
            await _dispatch(uow, decision, _Dispatching(now, ack_within_h, working, cause))
            taken[cause] = TakenCase(decision.case.id, fresh=True)
        await uow.commit()  # also when every report was a repeat: the inbox claims mark the events handled
    return taken


@dataclass(frozen=True)
class _Dispatching:
    """What every case of a batch is dispatched with, and the event that brought the case (its trace)."""

    now: datetime
    ack_within_h: float
    working: WorkingCalendar
    cause: uuid.UUID


async def _dispatch(uow: UnitOfWork, decision: _Decision, how: _Dispatching) -> None:
    """What follows from one routing decision: timeline, events, and a task per assignment, in the trace of the
    event that brought the report."""
    report, routing, entry, case, cause = decision.report, decision.routing, decision.entry, decision.case, how.cause
    uow.annotate(cause, {"linkage.case_id": str(case.id), "linkage.item_code": report.item_code})
    await record(uow, Transition(case.id, report.source_system, "reported", report.description), cause=cause)
    if routing.refusal is not None:
        await _refuse(uow, case, routing.refusal, cause)
        return
    if routing.triage is not None or entry is None:
        await _triage(uow, case, routing.triage or "no catalogue version routes it", cause)
        return
    street = case.street_code or ""
    uow.annotate(cause, {"linkage.street_code": street})
    dropped = ": the street's part is refused, the departments act" if routing.street_dropped else ""
    rule = f"{routing.street_rule}{dropped}"
    detail = f"street {street} ({decision.located.how}), catalogue v{entry.version}: {rule}"
    await record(uow, Transition(case.id, "dispatch", "accepted", detail), cause=cause)
    accepted = CaseAccepted(
        case_id=case.id,
        source_system=report.source_system,
        source_id=report.source_id,
        item_code=report.item_code,
        street_code=street,
        kind=case.kind,
    )
    await uow.emit(accepted, about=str(case.id), cause=cause)
    for assignment in routing.assignments:
        await assign(uow, _task_for(case, assignment, entry, how), working=how.working, cause=cause)


async def _refuse(uow: UnitOfWork, case: Case, reason: str, cause: uuid.UUID) -> None:
    """不予受理: noted, and said on the bus."""
    await record(uow, Transition(case.id, "dispatch", "not_accepted", reason), cause=cause)
    refused = CaseNotAccepted(
        case_id=case.id, source_system=case.source_system, source_id=case.source_id, reason=reason
    )
    await uow.emit(refused, about=str(case.id), cause=cause)


async def _triage(uow: UnitOfWork, case: Case, reason: str, cause: uuid.UUID) -> None:
    """人工派遣: routing cannot place the case; it waits in the office's queue, and the bus hears of it."""
    await record(uow, Transition(case.id, "dispatch", "triaged", reason), cause=cause)
    triaged = CaseTriaged(
        case_id=case.id,
        source_system=case.source_system,
        source_id=case.source_id,
        item_code=case.item_code,
        kind=case.kind,
        reason=reason,
    )
    await uow.emit(triaged, about=str(case.id), cause=cause)


def _task_for(case: Case, assignment: Assignment, entry: RoutingEntry, how: _Dispatching) -> AssignTask:
    return AssignTask(
        case=case,
        assignee_code=assignment.assignee_code,
        role=assignment.role,
        reason=assignment.reason,
        catalogue_version=entry.version,
        time_limit=entry.time_limit,
        now=how.now,
        actor="dispatch",
        ack_within_h=how.ack_within_h,
    )


async def _decide(
    store: DispatchStore, reports: Mapping[uuid.UUID, CaseReported], now: datetime
) -> tuple[dict[uuid.UUID, _Decision], WorkingCalendar]:
    """Route every report by the item version in force when it was reported (never later than now).

    The routing facts (versions, grids, street lists, admissions, whistles, calendar) are read once for
    the batch, in one round trip; the working calendar comes with them.
    """
    places = await locate_all(store, reports)
    facts = await store.routing_facts(
        items={r.item_code for r in reports.values()},
        grids={place.grid_code for place in places.values() if place.grid_code},
        streets={r.street_code for r in reports.values() if r.street_code},
        open_statuses=[s.value for s in OPEN_CASE],
    )
    decisions = {}
    for cause, report in reports.items():
        entry, routing = _route(report, places[cause], facts, now)
        routing = _staffed(routing, places[cause].grid_code, facts, now)
        decisions[cause] = _Decision(report, _new_case(report, routing, places[cause]), entry, routing, places[cause])
    return decisions, WorkingCalendar.of(facts.notices)


def _route(
    report: CaseReported, located: Located, facts: RoutingFacts, now: datetime
) -> tuple[RoutingEntry | None, Routing]:
    """The item version in force on the day reported (never later than now), and the routing it gives."""
    reported = report.reported_at if report.reported_at.tzinfo else report.reported_at.replace(tzinfo=UTC)
    day = min(reported, now).astimezone(CHINA).date()
    versions = facts.versions.get(report.item_code, [])
    entry = in_force(versions, day)
    grid_street = facts.grid_streets.get(located.grid_code or "")
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
    return entry, routing


def _staffed(routing: Routing, grid: str | None, facts: RoutingFacts, now: datetime) -> Routing:
    """The grid's worker (网格员) joins an accepted case, picked by the balancing rule; the batch's roster counts
    the task at once, so that the next case of the same grid sees the worker's new load."""
    roster = facts.workers.get(grid or "", [])
    worker = pick(roster, facts.balancing) if routing.assignments else None
    if worker is not None:
        roster[roster.index(worker)] = given(worker, now)
    return with_worker(routing, worker, facts.balancing)


def _new_case(report: CaseReported, routing: Routing, located: Located) -> Case:
    """The case as stored: dispatched to its street, waiting for triage (人工派遣), or refused (不予受理)."""
    accepted = routing.refusal is None and routing.triage is None
    return Case(
        id=uuid.uuid4(),
        source_system=report.source_system,
        source_id=report.source_id,
        item_code=report.item_code,
        grid_code=located.grid_code,
        street_code=routing.street_code if accepted else report.street_code,
        description=report.description,
        status=_status(routing),
        refusal=routing.refusal,
        triage_reason=routing.triage,
        placement=located.how,
        kind=CaseKind(report.kind),
        recorded_by=report.recorded_by,
        reported_at=report.reported_at,
        address=report.address,
        lat=report.lat,
        long=report.long,
    )


def _status(routing: Routing) -> CaseStatus:
    if routing.refusal is not None:
        return CaseStatus.NOT_ACCEPTED
    return CaseStatus.TRIAGE if routing.triage is not None else CaseStatus.DISPATCHED


def _source(report: CaseReported) -> tuple[str, str]:
    return report.source_system, report.source_id
