"""Joint-visit plans (联合检查计划) and inspection results (检查结果), evented and audited."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from contracts.events.enforcement import CaseReferred, ResultPublished, VisitScheduled
from services.enforcement.domain.draw import drawn_from_json
from services.enforcement.domain.results import RecordResult, result_refusal
from services.enforcement.domain.spec import DrawRefused, PoolOfficer, committed_from_json
from services.enforcement.domain.visits import Planned, Visit, merge_visits
from services.enforcement.store.draws import DrawRecord, DrawStore, ResultRecord, VisitPlanRecord
from services.enforcement.store.registers import RegisterStore
from services.runtime.errors import Conflict, NotFound, Rejected
from services.runtime.uow import UnitOfWork


async def plan_visits(
    uow: UnitOfWork, *, name: str, draw_ids: Sequence[uuid.UUID], assign: Mapping[str, str], visit_cap: int
) -> VisitPlanRecord:
    """进一次门、查多项事: the revealed draws' inspections merged into one visit per target, staffed 1+2+N."""
    async with uow:
        records = [await _revealed(uow, draw_id) for draw_id in draw_ids]
        planned = [p for record in records for p in _planned(record)]
        try:
            plan = merge_visits(planned, _team(records), visit_cap=visit_cap, assign=assign)
        except DrawRefused as refused:
            raise Rejected(refused.message, field=refused.field) from refused
        visits = [v.to_json() for v in plan.visits]
        record = VisitPlanRecord(
            uuid.uuid4(), name, tuple(draw_ids), visits, plan.inspections, plan.saved, datetime.now(UTC)
        )
        await uow.repository(DrawStore).add_visit_plan(record)
        for visit in plan.visits:
            await uow.emit(_scheduled(record.id, visit), about=visit.target, token=visit.street)
        after = {"visits": len(visits), "inspections": plan.inspections, "saved": plan.saved}
        await uow.audit(action="visits.planned", entity=f"visit-plan:{record.id}", after=after)
        await uow.commit()
    return record


async def _revealed(uow: UnitOfWork, draw_id: uuid.UUID) -> DrawRecord:
    record = await uow.repository(DrawStore).get(draw_id)
    if record is None or record.current is None:
        raise Rejected(f"draw {draw_id} does not exist or has no seed yet", field="draw_ids")
    return record


def _planned(record: DrawRecord) -> list[Planned]:
    committed = committed_from_json(record.committed)
    departments = {m.id: m.department for m in committed.matters}
    streets = {t.code: t.street for t in committed.targets}
    drawn = drawn_from_json(record.current or {})
    return [
        Planned(i.matter, departments[i.matter], i.target, streets[i.target], i.officers) for i in drawn.inspections
    ]


def _team(records: Sequence[DrawRecord]) -> list[PoolOfficer]:
    """The street teams as the draws' pools hold them (available and certified for the period)."""
    officers = {o.code: o for record in records for o in committed_from_json(record.committed).officers}
    return [o for o in officers.values() if o.street is not None]


def _scheduled(plan_id: uuid.UUID, visit: Visit) -> VisitScheduled:
    return VisitScheduled(
        plan_id=plan_id,
        target_code=visit.target,
        street_code=visit.street,
        lead=visit.lead,
        departments=visit.enforcing + visit.co_operating,
        matters=visit.matters,
        officers=visit.officers,
    )


async def record_result(uow: UnitOfWork, command: RecordResult) -> ResultRecord:
    """登记检查结果: on a drawn inspection, once; a problem may open a dispatch case (转办) by event."""
    if (refusal := result_refusal(command)) is not None:
        raise Rejected(refusal[1], field=refusal[0])
    async with uow:
        draws = uow.repository(DrawStore)
        record = await draws.get(uuid.UUID(command.draw_id))
        if record is None:
            raise NotFound(f"no draw {command.draw_id}", field="draw_id")
        inspection = _inspection_of(record, command)
        result = _result(command)
        if not await draws.add_result(result):
            raise Conflict(f"{command.matter} on {command.target} has its result already", field="target")
        await uow.repository(RegisterStore).note_inspection(command.target, command.inspected_on, command.matter)
        await uow.audit(
            action="result.recorded", entity=f"result:{result.id}", after={"outcome": command.outcome.value}
        )
        await uow.emit(_published(result, command), about=str(result.id))
        if command.refer:
            await uow.emit(await _referral(uow, result, command, inspection), about=str(result.id))
        await uow.commit()
    return result


def _inspection_of(record: DrawRecord, command: RecordResult) -> dict[str, str]:
    committed = committed_from_json(record.committed)
    drawn = drawn_from_json(record.current or {"inspections": [], "shortfalls": []})
    if not any(i.matter == command.matter and i.target == command.target for i in drawn.inspections):
        raise Rejected(f"{command.matter} on {command.target} was not drawn in draw {record.id}", field="target")
    street = next(t.street for t in committed.targets if t.code == command.target)
    department = next(m.department for m in committed.matters if m.id == command.matter)
    return {"street": street, "department": department}


def _result(command: RecordResult) -> ResultRecord:
    evidence = [{"kind": e.kind, "reference": e.reference, "sha256": e.sha256} for e in command.evidence]
    return ResultRecord(
        id=uuid.uuid4(),
        draw_id=uuid.UUID(command.draw_id),
        matter=command.matter,
        target=command.target,
        outcome=command.outcome.value,
        findings=command.findings,
        evidence=evidence,
        inspected_on=command.inspected_on,
        recorded_at=datetime.now(UTC),
    )


def _published(result: ResultRecord, command: RecordResult) -> ResultPublished:
    return ResultPublished(
        result_id=result.id,
        draw_id=result.draw_id,
        matter_id=result.matter,
        target_code=result.target,
        outcome=command.outcome,
        inspected_on=result.inspected_on,
    )


async def _referral(
    uow: UnitOfWork, result: ResultRecord, command: RecordResult, where: dict[str, str]
) -> CaseReferred:
    matters = await uow.repository(RegisterStore).matters([uuid.UUID(command.matter)])
    item_code = matters[0].item_code if matters else command.matter
    return CaseReferred(
        source_id=str(result.id),
        item_code=item_code,
        department_code=where["department"],
        street_code=where["street"],
        target_code=command.target,
        description=command.findings,
        reported_at=result.recorded_at,
    )


async def visit_plans(uow: UnitOfWork) -> list[VisitPlanRecord]:
    async with uow:
        return await uow.repository(DrawStore).visit_plans()


async def results(uow: UnitOfWork) -> list[ResultRecord]:
    async with uow:
        return await uow.repository(DrawStore).results()
