"""Deadlines that survive restarts: due times live in Postgres and a sweep flags what passed them (超期)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from contracts.events.dispatch import OverdueStage, TaskOverdue
from services.dispatch.domain import CalendarSource, YearNotice
from services.dispatch.domain.case import Task
from services.dispatch.service.assigning import calendar
from services.dispatch.service.recording import Transition, record
from services.dispatch.store import DispatchStore
from services.runtime.errors import Rejected
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)
ESCALATED_TO = "office"  # 升级督办: the organisation office supervises overdue work


async def sweep_overdue(uow: UnitOfWork, now: datetime, *, limit: int = 500) -> int:
    """Flag every task past a deadline once, escalate it, and say so on the bus; returns how many were flagged.

    Three deadlines (``LATENESS``): a whistle's report-in (报到), a dispatch's acknowledgement (签收), the
    handling limit (办理). Safe to run from several replicas at once (rows are locked SKIP LOCKED) and after
    any restart.
    """
    async with uow:
        store = uow.repository(DispatchStore)
        late = await store.overdue_candidates(now, limit=limit)
        for task in late:
            flagged = task
            for rule in task.late_at(now):
                flagged = flagged.flagged(rule, now)
                await _flag(uow, task, rule.stage, rule.due(task) or now)
            await store.save_task(task, flagged)
        await uow.commit()
    return len(late)


WHAT_WENT_LATE = {
    OverdueStage.REPORT: "did not report in (报到超时)",
    OverdueStage.ACKNOWLEDGE: "did not acknowledge (签收超时)",
    OverdueStage.HANDLE: "is overdue (超期)",
}


async def _flag(uow: UnitOfWork, task: Task, stage: OverdueStage, due: datetime) -> None:
    escalated = f"escalated to the {ESCALATED_TO} (升级督办)"
    detail = f"{task.assignee_code} {WHAT_WENT_LATE[stage]}: due {due.isoformat()}; {escalated}"
    await record(uow, Transition(task.case_id, "dispatch", f"overdue_{stage}", detail, f"task:{task.id}"))
    event = TaskOverdue(
        task_id=task.id,
        case_id=task.case_id,
        assignee_code=task.assignee_code,
        stage=stage,
        due_at=due,
        escalated_to=ESCALATED_TO,
    )
    await uow.emit(event, about=str(task.id))


@dataclass(frozen=True)
class YearStatus:
    year: int
    source: CalendarSource
    warning: str | None


async def load_notice(
    uow: UnitOfWork, year: int, *, holidays: list[date], workdays: list[date], notice: str, loaded_by: str
) -> YearStatus:
    """The office loads the State Council's annual holiday notice; deadlines counted after this use it."""
    try:
        parsed = YearNotice(year=year, holidays=frozenset(holidays), workdays=frozenset(workdays))
    except ValueError as error:
        raise Rejected(str(error), field="holidays") from error
    async with uow:
        store = uow.repository(DispatchStore)
        await store.save_notice(parsed, text=notice, loaded_by=loaded_by)
        loaded: dict[str, object] = {"notice": notice}
        await uow.audit(action="calendar_loaded", entity=f"calendar:{year}", after=loaded)
        await uow.commit()
    return YearStatus(year, CalendarSource.NOTICE, None)


async def calendar_status(uow: UnitOfWork, years: range) -> list[YearStatus]:
    """Which source each year's working days come from; a fallback year carries the operators' warning."""
    async with uow:
        working = await calendar(uow.repository(DispatchStore))
    statuses = [YearStatus(year, working.source(year), working.warning(year)) for year in years]
    for status in statuses:
        if status.warning:
            log.warning("working calendar: %s", status.warning)
    return statuses
