"""Every grid worker (网格员) on record, across grids: the register ``linkage nats-config --workers`` reads to give
each active worker a NATS user of its own."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch.domain.lifecycle import LIVE_TASK
from services.dispatch.domain.workers import GridWorker
from services.dispatch.store.tables import grid_workers, tasks


class WorkerRegister:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def everyone(self) -> list[GridWorker]:
        """Every worker any street registered, active or not, by code, each with the live tasks they hold."""
        mine = tasks.c.assignee_code == grid_workers.c.worker_code
        live = [status.value for status in LIVE_TASK]
        load = sa.select(sa.func.count()).where(mine, tasks.c.status.in_(live)).scalar_subquery()
        last = sa.select(sa.func.max(tasks.c.assigned_at)).where(mine).scalar_subquery()
        query = sa.select(grid_workers, load.label("load"), last.label("last_assigned_at")).order_by(
            grid_workers.c.worker_code
        )
        rows = await self.session.execute(query)
        return [GridWorker(r.worker_code, r.grid_code, r.name, r.active, r.load, r.last_assigned_at) for r in rows]

    async def grids_of(self, codes: Sequence[str]) -> dict[str, str]:
        """The grid each of ``codes`` is registered in, for those on record."""
        query = sa.select(grid_workers.c.worker_code, grid_workers.c.grid_code).where(
            grid_workers.c.worker_code.in_(list(codes))
        )
        return {row.worker_code: row.grid_code for row in await self.session.execute(query)}
