"""What the street and the office do with a case: verify (核查), close (结案), rate, arbitrate, whistle (吹哨)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from contracts.events.dispatch import (
    CaseClosed,
    CaseOutcome,
    CaseRated,
    CaseVerified,
    TaskRole,
    WhistleBlown,
    WhistleReason,
)
from services.dispatch.domain import CaseStatus, IllegalTransition, TaskStatus, case_move, check_closure
from services.dispatch.domain.lifecycle import LIVE_TASK
from services.dispatch.service.recording import Actor, NewTask, assign, entry_in_force, locked_case, record, refused
from services.dispatch.store import DispatchStore
from services.runtime.errors import NotFound, Rejected
from services.runtime.uow import UnitOfWork


async def verify_case(uow: UnitOfWork, case_id: uuid.UUID, *, passed: bool, note: str, actor: Actor) -> None:
    """核查 by the case's street: pass, or rework (返工) back to the assignee with the clock still running."""
    async with uow:
        store = DispatchStore(uow.session)
        case = await _case_of_street(store, case_id, actor)
        status = _move("verify" if passed else "rework", case.status)
        reworks = case.rework_count + (0 if passed else 1)
        await store.update_case(case_id, status=status, rework_count=reworks)
        if not passed:
            for task in await store.case_tasks(case_id):
                if task.role == TaskRole.PRIMARY and task.status == TaskStatus.COMPLETED:
                    await store.update_task(task.id, status=TaskStatus.REWORK)
        action = "verified" if passed else "rework"
        await record(
            uow,
            store,
            case_id,
            actor=actor.name,
            action=action,
            detail=note,
            before={"status": case.status},
            after={"status": status, "rework_count": reworks},
        )
        verifier = case.street_code if actor.scopes is not None else "office"
        event = CaseVerified(case_id=case_id, passed=passed, verifier=verifier, note=note, rework_count=reworks)
        await uow.emit(event, about=str(case_id))
        await uow.commit()


async def close_case(
    uow: UnitOfWork,
    case_id: uuid.UUID,
    *,
    outcome: CaseOutcome,
    responsible_body: str | None,
    note: str,
    actor: Actor,
    now: datetime,
) -> None:
    """结案 with a typed outcome; tasks still open are cancelled."""
    async with uow:
        store = DispatchStore(uow.session)
        case = await _case_of_street(store, case_id, actor)
        status = _move("close", case.status)
        try:
            check_closure(CaseStatus(case.status), outcome, responsible_body)
        except IllegalTransition as error:
            raise refused(error) from error
        except ValueError as error:
            raise Rejected(str(error), field="responsible_body") from error
        tasks = await store.case_tasks(case_id)
        for task in tasks:
            if task.status in LIVE_TASK:
                await store.update_task(task.id, status=TaskStatus.CANCELLED)
        on_time = all(_on_time(t) for t in tasks if t.role == TaskRole.PRIMARY and t.status == TaskStatus.COMPLETED)
        await store.update_case(
            case_id, status=status, outcome=outcome, outcome_body=responsible_body, closing_note=note, closed_at=now
        )
        body = f" ({responsible_body})" if responsible_body else ""
        await record(
            uow,
            store,
            case_id,
            actor=actor.name,
            action="closed",
            detail=f"{outcome}{body}: {note}",
            before={"status": case.status},
            after={"status": status, "outcome": outcome},
        )
        event = CaseClosed(
            case_id=case_id,
            source_system=case.source_system,
            source_id=case.source_id,
            outcome=outcome,
            responsible_body=responsible_body,
            note=note,
            closed_at=now,
            on_time=on_time,
        )
        await uow.emit(event, about=str(case_id))
        await uow.commit()


def _on_time(task: Any) -> bool:
    return task.due_at is None or (task.completed_at is not None and task.completed_at <= task.due_at)


async def rate_case(uow: UnitOfWork, case_id: uuid.UUID, *, score: int, comment: str | None, actor: Actor) -> None:
    """满意度: 4 or 5 counts as satisfied (满意), as the 12345 evaluation counts it."""
    async with uow:
        store = DispatchStore(uow.session)
        case = await locked_case(store, case_id)
        status = _move("rate", case.status)
        satisfied = score >= 4
        await store.update_case(case_id, status=status, satisfied=satisfied, score=score)
        detail = f"score {score} ({'satisfied' if satisfied else 'not satisfied'})" + (
            f": {comment}" if comment else ""
        )
        await record(uow, store, case_id, actor=actor.name, action="rated", detail=detail, after={"score": score})
        await uow.emit(
            CaseRated(case_id=case_id, satisfied=satisfied, score=score, comment=comment), about=str(case_id)
        )
        await uow.commit()


async def arbitrate_case(
    uow: UnitOfWork,
    case_id: uuid.UUID,
    *,
    assignee_code: str,
    reason: str,
    actor: Actor,
    now: datetime,
    ack_within_h: float,
) -> uuid.UUID:
    """区级仲裁: the office decides who is responsible when the catalogue did not settle a return."""
    async with uow:
        store = DispatchStore(uow.session)
        case = await locked_case(store, case_id)
        status = _move("arbitrate", case.status)
        await store.update_case(case_id, status=status)
        await record(uow, store, case_id, actor=actor.name, action="arbitrated", detail=f"{assignee_code}: {reason}")
        entry = await entry_in_force(store, case.item_code, now)
        task = NewTask(
            case,
            assignee_code,
            TaskRole.PRIMARY,
            f"district arbitration (区级仲裁): {reason}",
            entry.version if entry else 1,
            entry.time_limit if entry else None,
        )
        task_id = await assign(uow, store, task, now=now, actor=actor.name, ack_within_h=ack_within_h)
        await uow.commit()
    return task_id


async def blow_whistle(
    uow: UnitOfWork,
    case_id: uuid.UUID,
    *,
    reason: WhistleReason,
    departments: tuple[str, ...],
    report_within: timedelta,
    description: str,
    actor: Actor,
    now: datetime,
) -> uuid.UUID:
    """街乡吹哨、部门报到: each named department gets a task it must acknowledge within ``report_within``."""
    whistle_id = uuid.uuid4()
    report_by = now + report_within
    async with uow:
        store = DispatchStore(uow.session)
        case = await _case_of_street(store, case_id, actor)
        if case.status not in (CaseStatus.DISPATCHED, CaseStatus.HANDLED, CaseStatus.ARBITRATION):
            raise refused(IllegalTransition("the case", "whistle on", case.status, ["dispatched", "handled"]))
        await store.add_whistle(
            id=whistle_id,
            case_id=case_id,
            street_code=case.street_code,
            reason=reason,
            departments=list(departments),
            description=description,
            report_by=report_by,
            blown_at=now,
        )
        detail = f"{reason}: {', '.join(departments)} must report by {report_by.isoformat()}; {description}"
        await record(
            uow, store, case_id, actor=actor.name, action="whistle", detail=detail, entity=f"whistle:{whistle_id}"
        )
        entry = await entry_in_force(store, case.item_code, now)
        for code in dict.fromkeys(departments):
            why = f"summoned by street {case.street_code}'s whistle (吹哨, {reason}): {description}"
            task = NewTask(
                case, code, TaskRole.CO_OPERATING, why, entry.version if entry else 1, None, report_by, whistle_id
            )
            await assign(uow, store, task, now=now, actor=actor.name, ack_within_h=None)  # 报到 has its own time
        event = WhistleBlown(
            whistle_id=whistle_id,
            case_id=case_id,
            street_code=case.street_code,
            reason=reason,
            departments=departments,
            report_by=report_by,
            description=description,
        )
        await uow.emit(event, about=str(whistle_id))
        await uow.commit()
    return whistle_id


async def _case_of_street(store: DispatchStore, case_id: uuid.UUID, actor: Actor) -> Any:
    """The case, locked, if the actor is its street or the office."""
    case = await locked_case(store, case_id)
    if not actor.may_act_for(case.street_code):
        raise NotFound(f"no case {case_id} in your street", field="case_id", location="path")
    return case


def _move(action: str, status: str) -> CaseStatus:
    try:
        return case_move(action, CaseStatus(status))
    except IllegalTransition as error:
        raise refused(error) from error
