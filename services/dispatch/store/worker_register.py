"""Every grid worker (网格员) on record, across grids: the register ``linkage nats-config --workers`` reads to give
each active worker a NATS user of its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch.domain.lifecycle import LIVE_TASK
from services.dispatch.domain.workers import GridWorker
from services.dispatch.store.tables import grid_workers, tasks

LiveStatus = Callable[[sa.ColumnElement[Any]], sa.ColumnElement[bool]]


def held(
    worker: sa.FromClause, task: sa.FromClause, live: LiveStatus
) -> tuple[sa.ScalarSelect[int], sa.ScalarSelect[datetime]]:
    """What a worker (a row of ``worker``) holds: how many live tasks (``live`` picks the statuses), and when they
    last got one. The balancing rule reads both (派单规则), at intake and on the rosters."""
    mine = task.c.assignee_code == worker.c.worker_code
    load = sa.select(sa.func.count()).where(mine, live(task.c.status)).scalar_subquery()
    last = sa.select(sa.func.max(task.c.assigned_at)).where(mine).scalar_subquery()
    return load, last


def _live(status: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    return status.in_([live.value for live in LIVE_TASK])


def roster_query() -> sa.Select[Any]:
    """Every worker on record with what they hold; callers narrow and order it."""
    load, last = held(grid_workers, tasks, _live)
    return sa.select(grid_workers, load.label("load"), last.label("last_assigned_at"))


def as_worker(row: sa.Row[Any]) -> GridWorker:
    return GridWorker(row.worker_code, row.grid_code, row.name, row.active, row.load, row.last_assigned_at)


class WorkerRegister:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def everyone(self) -> list[GridWorker]:
        """Every worker any street registered, active or not, by code, each with the live tasks they hold."""
        rows = await self.session.execute(roster_query().order_by(grid_workers.c.worker_code))
        return [as_worker(row) for row in rows]

    async def grids_of(self, codes: Sequence[str]) -> dict[str, str]:
        """The grid each of ``codes`` is registered in, for those on record."""
        query = sa.select(grid_workers.c.worker_code, grid_workers.c.grid_code).where(
            grid_workers.c.worker_code.in_(list(codes))
        )
        return {row.worker_code: row.grid_code for row in await self.session.execute(query)}
