"""Items, versions and grids: the repository.

Item states are never overwritten: each version that touches an item adds a row, so any date can be
read back (``as_of``); each state's citations are indexed in ``item_clauses`` for the way back from a law.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.catalog.domain.items import GridSpec, ItemSpec, ItemState, Version, citations, end_of_day
from services.catalog.store.tables import grids, item_clauses, item_states, versions


class CatalogReads:
    """The lookup other services and the public lean on: one statement, one round trip, nothing around it.

    No transaction: a single statement reads one snapshot by itself, and ``BEGIN`` and ``ROLLBACK`` would be
    two more round trips. The statement goes to the pooled connection's asyncpg driver directly (prepared
    once per connection by asyncpg): SQLAlchemy's execution and result layers cost more than the query
    itself (figures: bench/README.md). The pool, its limits and its disposal stay SQLAlchemy's.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def item_history(self, item_code: str, *, as_of: date | None = None) -> list[ItemState]:
        """Every state of one item, oldest first, up to the end of ``as_of``."""
        async with self._engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None  # only an invalidated connection has none
            try:
                if as_of is None:
                    rows = await driver.fetch(_HISTORY, item_code)
                else:
                    rows = await driver.fetch(_HISTORY_BEFORE, item_code, end_of_day(as_of))
            except Exception:
                # SQLAlchemy did not see the error, so it would hand a broken connection out again.
                await connection.invalidate()
                raise
        return [
            ItemState(version, valid_from, ItemSpec.model_validate(state), retired)
            for version, valid_from, state, retired in rows
        ]


_COLUMNS = "SELECT version, valid_from, state, retired FROM catalog.item_states WHERE item_code = $1"
_HISTORY = f"{_COLUMNS} ORDER BY version"
_HISTORY_BEFORE = f"{_COLUMNS} AND valid_from < $2 ORDER BY version"
_GRID_COLUMNS = (grids.c.grid_code, grids.c.street_code, grids.c.geometry)  # a GridSpec, as the grid table holds it


class CatalogStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_version(self) -> int:
        """Serialise version numbers: one writer at a time takes the next."""
        await self.session.execute(sa.text("LOCK TABLE catalog.versions IN EXCLUSIVE MODE"))
        latest = await self.session.scalar(sa.select(sa.func.max(versions.c.version)))
        return int(latest or 0) + 1

    async def add_version(self, version: int, *, actor: str, note: str, diff: dict[str, list[str]]) -> datetime:
        created: datetime = await self.session.scalar(
            versions.insert()
            .values(version=version, actor=actor, note=note, diff=diff)
            .returning(versions.c.created_at)
        )
        return created

    async def add_states(self, version: int, valid_from: datetime, items: tuple[ItemSpec, ...]) -> None:
        if not items:
            return
        states = [
            {"item_code": i.item_code, "version": version, "valid_from": valid_from, "state": i.model_dump(mode="json")}
            for i in items
        ]
        await self.session.execute(item_states.insert(), states)
        cited = [
            {"item_code": i.item_code, "version": version, "task_no": t, "law_id": law, "article": a, "paragraph": p}
            for i in items
            for t, law, a, p in citations(i)
        ]
        if cited:
            await self.session.execute(item_clauses.insert(), cited)

    async def items_in_force(self, codes: list[str] | None = None, *, as_of: date | None = None) -> dict[str, ItemSpec]:
        """Each item's latest state (at the end of ``as_of``), retired ones left out."""
        query = sa.select(item_states.c.item_code, item_states.c.state, item_states.c.retired).ext(
            distinct_on(item_states.c.item_code)
        )
        if codes is not None:
            query = query.where(item_states.c.item_code.in_(codes))
        if as_of is not None:
            query = query.where(item_states.c.valid_from < end_of_day(as_of))
        query = query.order_by(item_states.c.item_code, item_states.c.version.desc())
        rows = (await self.session.execute(query)).all()
        return {row.item_code: ItemSpec.model_validate(row.state) for row in rows if not row.retired}

    async def retire(self, version: int, valid_from: datetime, item: ItemSpec) -> None:
        state = item.model_dump(mode="json")
        await self.session.execute(
            item_states.insert().values(
                item_code=item.item_code, version=version, valid_from=valid_from, state=state, retired=True
            )
        )

    async def search(
        self, text: str | None, *, list_kind: str | None, street_code: str | None, limit: int, as_of: date | None = None
    ) -> list[ItemSpec]:
        """照清单找事项: items in force whose name or a task's text contains ``text`` (Chinese substrings work)."""
        candidates = sa.select(item_states.c.item_code, item_states.c.state, item_states.c.retired)
        if as_of is not None:
            candidates = candidates.where(item_states.c.valid_from < end_of_day(as_of))
        latest = (
            candidates.ext(distinct_on(item_states.c.item_code))
            .order_by(item_states.c.item_code, item_states.c.version.desc())
            .subquery()
        )
        query = sa.select(latest.c.state).where(latest.c.retired.is_(False)).order_by(latest.c.item_code).limit(limit)
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            task = (
                sa.func.jsonb_array_elements(latest.c.state["tasks"])
                .table_valued(sa.column("value", JSONB))
                .alias("task")
            )
            in_task = sa.exists(sa.select(1).select_from(task).where(task.c.value["text"].astext.ilike(pattern)))
            query = query.where(sa.or_(latest.c.state["name"].astext.ilike(pattern), in_task))
        if list_kind:
            query = query.where(latest.c.state["list_kind"].astext == list_kind)
        if street_code:
            streets = latest.c.state["street_codes"]
            query = query.where(sa.or_(sa.func.jsonb_array_length(streets) == 0, streets.contains([street_code])))
        states: list[dict[str, Any]] = list(await self.session.scalars(query))
        return [ItemSpec.model_validate(state) for state in states]

    async def latest_version(self) -> int:
        return int(await self.session.scalar(sa.select(sa.func.max(versions.c.version))) or 0)

    async def all_grids(self) -> list[GridSpec]:
        query = sa.select(*_GRID_COLUMNS).order_by(grids.c.grid_code)
        return [GridSpec.model_validate(row, from_attributes=True) for row in await self.session.execute(query)]

    async def grid_map(self, codes: list[str]) -> dict[str, GridSpec]:
        """The grids held under these codes, each with its street and outline."""
        query = sa.select(*_GRID_COLUMNS).where(grids.c.grid_code.in_(codes))
        return {
            row.grid_code: GridSpec.model_validate(row, from_attributes=True)
            for row in await self.session.execute(query)
        }

    async def map_grid(self, grid: GridSpec, version: int) -> None:
        outline = grid.geometry.model_dump(mode="json") if grid.geometry else sa.null()  # SQL NULL, not JSON null
        statement = insert(grids).values(
            grid_code=grid.grid_code, street_code=grid.street_code, version=version, geometry=outline
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[grids.c.grid_code],
                set_={
                    "street_code": statement.excluded.street_code,
                    "version": statement.excluded.version,
                    "geometry": statement.excluded.geometry,
                },
            )
        )

    async def version_list(self, limit: int, *, marked: str | None = None) -> list[Version]:
        """Versions newest first; with ``marked``, only those whose diff holds that key (``EMERGENCY_MARK``: the
        versions made on the emergency path, which the standing committee reviews)."""
        query = sa.select(versions).order_by(versions.c.version.desc()).limit(limit)
        if marked is not None:
            query = query.where(versions.c.diff.has_key(marked))
        return [Version(**row._mapping) for row in await self.session.execute(query)]
