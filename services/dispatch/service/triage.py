"""The office's triage queue (人工派遣): cases routing could not place are dispatched by hand or refused with a
reason; and a closed case reopened (重新打开), once, within the set window. No accepted case ends unseen."""

from __future__ import annotations

from datetime import datetime

from contracts.events.dispatch import CaseAccepted, CaseNotAccepted, CaseReopened
from services.dispatch.domain import TaskStatus
from services.dispatch.domain.case import Case, ReopenRefused, Task
from services.dispatch.service.access import locked_case
from services.dispatch.service.assigning import assign, primary_task
from services.dispatch.service.cases import moved
from services.dispatch.service.commands import DispatchByHand, RefuseCase, ReopenCase
from services.dispatch.service.recording import Transition, record
from services.dispatch.store import DispatchStore
from services.runtime.errors import Rejected
from services.runtime.uow import UnitOfWork


async def dispatch_by_hand(uow: UnitOfWork, command: DispatchByHand) -> None:
    """人工派遣: the case leaves triage for the organisation the office names, the reason on the record."""
    async with uow:
        store = uow.repository(DispatchStore)
        case = await locked_case(store, command.case_id)
        street = await _known(store, command, case)
        after = moved(lambda: case.assigned_by_hand(street))
        await store.save(case, after)
        detail = f"人工派遣 to {command.assignee_code} in street {street}: {command.reason}"
        await record(uow, Transition(case.id, command.actor.name, "dispatched_by_hand", detail))
        await uow.emit(_accepted(after), about=str(case.id))
        reason = f"人工派遣 by {command.actor.name}: {command.reason}"
        await assign(uow, await primary_task(store, after, command.assignee_code, reason, command))
        await uow.commit()


async def _known(store: DispatchStore, command: DispatchByHand, case: Case) -> str:
    """The street the case goes to; both it and the assignee must be organisations dispatch knows."""
    street = command.street_code or case.street_code
    if street is None:
        raise Rejected("street_code is required: the case lies in no known street", field="street_code")
    bodies, streets = await store.organisations()
    if street not in streets:
        raise Rejected(f"street_code: no street {street!r} is known to dispatch", field="street_code")
    if command.assignee_code not in bodies | streets:
        raise Rejected(f"assignee_code: no organisation {command.assignee_code!r} is known", field="assignee_code")
    return street


def _accepted(case: Case) -> CaseAccepted:
    return CaseAccepted(
        case_id=case.id,
        source_system=case.source_system,
        source_id=case.source_id,
        item_code=case.item_code,
        street_code=case.street_code or "",
        kind=case.kind,
        by_hand=True,
    )


async def refuse_case(uow: UnitOfWork, command: RefuseCase) -> None:
    """不予受理 out of triage: the reason is the request's public status note."""
    async with uow:
        store = uow.repository(DispatchStore)
        case = await locked_case(store, command.case_id)
        after = moved(lambda: case.refused(command.reason))
        await store.save(case, after)
        await record(uow, Transition(case.id, command.actor.name, "refused", command.reason))
        refused = CaseNotAccepted(
            case_id=case.id, source_system=case.source_system, source_id=case.source_id, reason=command.reason
        )
        await uow.emit(refused, about=str(case.id))
        await uow.commit()


async def reopen_case(uow: UnitOfWork, command: ReopenCase) -> None:
    """重新打开: the case goes back to the assignee of its last primary task, with a fresh deadline."""
    async with uow:
        store = uow.repository(DispatchStore)
        case = await locked_case(store, command.case_id)
        try:
            after = moved(lambda: case.reopen(now=command.now, window=command.window))
        except ReopenRefused as error:
            raise Rejected(str(error), field="status") from error
        await store.save(case, after)
        await record(uow, Transition(case.id, command.actor.name, "reopened", command.reason))
        reopened = CaseReopened(
            case_id=case.id,
            source_system=case.source_system,
            source_id=case.source_id,
            reason=command.reason,
            reopened_at=command.now,
        )
        await uow.emit(reopened, about=str(case.id))
        reason = f"重新打开 by {command.actor.name}: {command.reason}"
        await assign(uow, await primary_task(store, after, _last_primary(case), reason, command))
        await uow.commit()


def _last_primary(case: Case) -> str:
    primaries = sorted((t for t in case.tasks if t.primary and t.status != TaskStatus.RETURNED), key=_assigned_at)
    if not primaries:
        raise Rejected("the case has no primary task to reopen to; the office dispatches it anew", field="case_id")
    return primaries[-1].assignee_code


def _assigned_at(task: Task) -> datetime:
    return task.assigned_at
