"""Grid workers (网格员) and the balancing rule (派单规则): the roster per grid, each worker's live load."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch.domain.workers import BalanceRule, Balancing, GridWorker
from services.dispatch.store.tables import balancing, grid_workers, grids
from services.dispatch.store.worker_register import as_worker, roster_query


class WorkerStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def grid_street(self, grid_code: str) -> str | None:
        return await self.session.scalar(sa.select(grids.c.street_code).where(grids.c.grid_code == grid_code))

    async def roster(self, grid_code: str) -> list[GridWorker]:
        """The grid's workers, active first, each with the live tasks they hold and when they last got one."""
        query = (
            roster_query()
            .where(grid_workers.c.grid_code == grid_code)
            .order_by(grid_workers.c.active.desc(), grid_workers.c.worker_code)
        )
        return [as_worker(row) for row in await self.session.execute(query)]

    async def register(self, grid_code: str, workers: Sequence[tuple[str, str]], *, by: str) -> None:
        """The grid's roster becomes ``workers`` (code, name); those left off stay on record, inactive."""
        dropped = grid_workers.update().where(
            grid_workers.c.grid_code == grid_code, grid_workers.c.worker_code.not_in([code for code, _ in workers])
        )
        await self.session.execute(dropped.values(active=False))
        named = dict(workers)  # a code named twice: its last name, as one upsert after another would leave it
        if not named:
            return
        rows = [
            {"worker_code": code, "grid_code": grid_code, "name": name, "active": True, "registered_by": by}
            for code, name in named.items()
        ]
        statement = insert(grid_workers).values(rows)
        updated = {column: statement.excluded[column] for column in ("grid_code", "name", "active", "registered_by")}
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=[grid_workers.c.worker_code], set_=updated)
        )

    async def balancing(self) -> Balancing:
        row = (await self.session.execute(sa.select(balancing))).first()
        return Balancing() if row is None else Balancing(BalanceRule(row.rule), row.cap)

    async def set_balancing(self, rule: Balancing, *, by: str) -> None:
        values = {"rule": rule.rule.value, "cap": rule.cap, "set_by": by, "set_at": sa.func.now()}
        statement = insert(balancing).values(id=1, **values)
        await self.session.execute(statement.on_conflict_do_update(index_elements=[balancing.c.id], set_=values))
