"""Deadlines that survive restarts: due times live in Postgres and a sweep flags what passed them (超期)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from contracts.events.dispatch import OverdueStage, TaskOverdue
from services.dispatch.domain import CalendarSource, YearNotice
from services.dispatch.domain.lifecycle import LIVE_TASK
from services.dispatch.service.recording import calendar, record
from services.dispatch.store import DispatchStore
from services.runtime.errors import Rejected
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)
ESCALATED_TO = "office"  # 升级督办: the organisation office supervises overdue work


async def sweep_overdue(uow: UnitOfWork, now: datetime, *, limit: int = 500) -> int:
    """Flag every task past a deadline once, escalate it, and say so on the bus; returns how many were flagged.

    Three deadlines: a whistle's report-in (报到), a dispatch's acknowledgement (签收), the handling limit (办理).

    Safe to run from several replicas at once (rows are locked SKIP LOCKED) and after any restart.
    """
    async with uow:
        store = DispatchStore(uow.session)
        late = await store.overdue_candidates(now, live=[s.value for s in LIVE_TASK], limit=limit)
        for task in late:
            if task.report_by is not None and task.acknowledged_at is None and task.report_late_at is None:
                await store.update_task(task.id, report_late_at=now)
                await _flag(uow, store, task, OverdueStage.REPORT, task.report_by)
            if task.ack_by is not None and task.ack_by < now and _unacknowledged(task):
                await store.update_task(task.id, ack_late_at=now)
                await _flag(uow, store, task, OverdueStage.ACKNOWLEDGE, task.ack_by)
            if task.due_at is not None and task.due_at < now and task.overdue_at is None and task.paused_at is None:
                await store.update_task(task.id, overdue_at=now)
                await _flag(uow, store, task, OverdueStage.HANDLE, task.due_at)
        await uow.commit()
    return len(late)


def _unacknowledged(task: Any) -> bool:
    return task.acknowledged_at is None and task.ack_late_at is None and task.paused_at is None


WHAT_WENT_LATE = {
    OverdueStage.REPORT: "did not report in (报到超时)",
    OverdueStage.ACKNOWLEDGE: "did not acknowledge (签收超时)",
    OverdueStage.HANDLE: "is overdue (超期)",
}


async def _flag(uow: UnitOfWork, store: DispatchStore, task: Any, stage: OverdueStage, due: datetime) -> None:
    escalated = f"escalated to the {ESCALATED_TO} (升级督办)"
    detail = f"{task.assignee_code} {WHAT_WENT_LATE[stage]}: due {due.isoformat()}; {escalated}"
    await record(
        uow, store, task.case_id, actor="dispatch", action=f"overdue_{stage}", detail=detail, entity=f"task:{task.id}"
    )
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
        store = DispatchStore(uow.session)
        await store.save_notice(parsed, text=notice, loaded_by=loaded_by)
        await uow.audit(action="calendar_loaded", entity=f"calendar:{year}", after={"notice": notice})
        await uow.commit()
    return YearStatus(year, CalendarSource.NOTICE, None)


async def calendar_status(uow: UnitOfWork, years: range) -> list[YearStatus]:
    """Which source each year's working days come from; a fallback year carries the operators' warning."""
    async with uow:
        working = await calendar(DispatchStore(uow.session))
    statuses = [YearStatus(year, working.source(year), working.warning(year)) for year in years]
    for status in statuses:
        if status.warning:
            log.warning("working calendar: %s", status.warning)
    return statuses
