"""What the street and the office do with a case: verify (核查), close (结案), rate, arbitrate, whistle (吹哨)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from contracts.events.dispatch import CaseClosed, CaseRated, CaseVerified, TaskRole, WhistleBlown, WhistleReason
from services.dispatch.domain import CaseStatus, IllegalTransition
from services.dispatch.domain.case import Case
from services.dispatch.domain.records import Whistle
from services.dispatch.service.access import Actor, locked_case, refused, street_case
from services.dispatch.service.assigning import AssignTask, assign, entry_in_force, primary_task
from services.dispatch.service.commands import ArbitrateCase, BlowWhistle, CloseCase
from services.dispatch.service.recording import Transition, record
from services.dispatch.store import DispatchStore
from services.runtime.errors import Rejected
from services.runtime.uow import UnitOfWork

WHISTLED = (CaseStatus.DISPATCHED, CaseStatus.HANDLED, CaseStatus.ARBITRATION)
"""A street whistles on a case still being handled, or awaiting arbitration."""


async def verify_case(uow: UnitOfWork, case_id: uuid.UUID, *, passed: bool, note: str, actor: Actor) -> None:
    """核查 by the case's street: pass, or rework (返工) back to the assignee with the clock still running."""
    async with uow:
        store = uow.repository(DispatchStore)
        case = await street_case(store, case_id, actor)
        after = moved(lambda: case.verify(passed=passed))
        await store.save(case, after)
        changed = {"status": after.status, "rework_count": after.rework_count}
        action = "verified" if passed else "rework"
        await record(uow, Transition(case_id, actor.name, action, note, None, {"status": case.status}, changed))
        verifier = case.street_code if actor.scopes is not None else "office"
        verified = CaseVerified(
            case_id=case_id, passed=passed, verifier=verifier, note=note, rework_count=after.rework_count
        )
        await uow.emit(verified, about=str(case_id))
        await uow.commit()


async def close_case(uow: UnitOfWork, command: CloseCase) -> None:
    """结案 with a typed outcome; tasks still open are cancelled."""
    async with uow:
        store = uow.repository(DispatchStore)
        case = await street_case(store, command.case_id, command.actor)
        try:
            after = moved(
                lambda: case.close(
                    command.outcome, responsible_body=command.responsible_body, note=command.note, now=command.now
                )
            )
        except ValueError as error:
            raise Rejected(str(error), field="responsible_body") from error
        await store.save(case, after)
        body = f" ({command.responsible_body})" if command.responsible_body else ""
        detail = f"{command.outcome}{body}: {command.note}"
        changed = {"status": after.status, "outcome": command.outcome}
        await record(
            uow, Transition(case.id, command.actor.name, "closed", detail, None, {"status": case.status}, changed)
        )
        await uow.emit(_closed(case, command), about=str(case.id))
        await uow.commit()


def _closed(case: Case, command: CloseCase) -> CaseClosed:
    return CaseClosed(
        case_id=case.id,
        source_system=case.source_system,
        source_id=case.source_id,
        outcome=command.outcome,
        responsible_body=command.responsible_body,
        note=command.note,
        closed_at=command.now,
        on_time=case.on_time,
    )


async def rate_case(uow: UnitOfWork, case_id: uuid.UUID, *, score: int, comment: str | None, actor: Actor) -> None:
    """满意度: 4 or 5 counts as satisfied (满意), as the 12345 evaluation counts it."""
    async with uow:
        store = uow.repository(DispatchStore)
        case = await locked_case(store, case_id)
        after = moved(lambda: case.rate(score))
        await store.save(case, after)
        verdict = "satisfied" if after.satisfied else "not satisfied"
        detail = f"score {score} ({verdict})" + (f": {comment}" if comment else "")
        await record(uow, Transition(case_id, actor.name, "rated", detail, after={"score": score}))
        rated = CaseRated(case_id=case_id, satisfied=bool(after.satisfied), score=score, comment=comment)
        await uow.emit(rated, about=str(case_id))
        await uow.commit()


async def arbitrate_case(uow: UnitOfWork, command: ArbitrateCase) -> uuid.UUID:
    """区级仲裁: the office decides who is responsible when the catalogue did not settle a return."""
    async with uow:
        store = uow.repository(DispatchStore)
        case = await locked_case(store, command.case_id)
        after = moved(lambda: case.arbitrated())
        await store.save(case, after)
        detail = f"{command.assignee_code}: {command.reason}"
        await record(uow, Transition(case.id, command.actor.name, "arbitrated", detail))
        reason = f"district arbitration (区级仲裁): {command.reason}"
        task = await assign(uow, await primary_task(store, case, command.assignee_code, reason, command))
        await uow.commit()
    return task.id


async def blow_whistle(uow: UnitOfWork, command: BlowWhistle) -> uuid.UUID:
    """街乡吹哨、部门报到: each named department gets a task it must acknowledge within ``report_within``."""
    async with uow:
        store = uow.repository(DispatchStore)
        case = await street_case(store, command.case_id, command.actor)
        if case.status not in WHISTLED:
            raise refused(IllegalTransition("the case", "whistle on", case.status, ["dispatched", "handled"]))
        whistle = _whistle(case, command)
        await store.add_whistle(whistle)
        detail = (
            f"{whistle.reason}: {', '.join(whistle.departments)} must report by {whistle.report_by.isoformat()}; "
            f"{whistle.description}"
        )
        await record(uow, Transition(case.id, command.actor.name, "whistle", detail, f"whistle:{whistle.id}"))
        entry = await entry_in_force(store, case.item_code, command.now)
        for code in _distinct(command.departments):
            await assign(uow, _summons(case, whistle, code, entry.version if entry else 1, command))
        await uow.emit(_blown(whistle), about=str(whistle.id))
        await uow.commit()
    return whistle.id


def _distinct(codes: tuple[str, ...]) -> list[str]:
    """Each department once, in the order the street named them."""
    distinct: list[str] = []
    for code in codes:
        if code not in distinct:
            distinct.append(code)
    return distinct


def _whistle(case: Case, command: BlowWhistle) -> Whistle:
    return Whistle(
        id=uuid.uuid4(),
        case_id=case.id,
        street_code=case.street_code or "",
        reason=command.reason,
        departments=command.departments,
        description=command.description,
        report_by=command.now + command.report_within,
        blown_at=command.now,
    )


def _summons(case: Case, whistle: Whistle, code: str, version: int, command: BlowWhistle) -> AssignTask:
    """报到 has its own time: the summoned department reports by the whistle's time, no acknowledgement box."""
    why = f"summoned by street {case.street_code}'s whistle (吹哨, {whistle.reason}): {whistle.description}"
    return AssignTask(
        case=case,
        assignee_code=code,
        role=TaskRole.CO_OPERATING,
        reason=why,
        catalogue_version=version,
        time_limit=None,
        now=command.now,
        actor=command.actor.name,
        ack_within_h=None,
        report_by=whistle.report_by,
        whistle_id=whistle.id,
    )


def _blown(whistle: Whistle) -> WhistleBlown:
    return WhistleBlown(
        whistle_id=whistle.id,
        case_id=whistle.case_id,
        street_code=whistle.street_code,
        reason=WhistleReason(whistle.reason),
        departments=whistle.departments,
        report_by=whistle.report_by,
        description=whistle.description,
    )


def moved(move: Callable[[], Case]) -> Case:
    """The case after ``move``, or a 409 naming why the lifecycle refuses it."""
    try:
        return move()
    except IllegalTransition as error:
        raise refused(error) from error
