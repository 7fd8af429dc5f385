"""What dispatch knows of the catalogue and admission: item versions, grids, street lists, approved admissions."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.geo import GeoPolygon
from services.dispatch.domain import RoutingEntry, StreetList
from services.dispatch.domain.lifecycle import LIVE_TASK
from services.dispatch.domain.places import GridOutline
from services.dispatch.domain.records import Grid
from services.dispatch.store.facts import ROUTING_FACTS, RoutingFacts, entry_of
from services.dispatch.store.tables import (
    admissions,
    grids,
    item_versions,
    street_lists,
)


class Projection:
    """Every write here is idempotent and order-free: events may arrive twice and out of order."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_version(self, entry: RoutingEntry) -> None:
        """Keep every version: which one routes depends on the case's date (施行日期)."""
        values = {
            "item_code": entry.item_code,
            "version": entry.version,
            "name": entry.name,
            "responsible_body": entry.responsible_body,
            "co_operating_units": list(entry.co_operating_units),
            "street_codes": list(entry.street_codes),
            "basis": entry.basis,
            "retired": entry.retired,
            "domain": entry.domain,
            "list_kind": entry.list_kind,
            "time_limit": entry.time_limit.model_dump(mode="json") if entry.time_limit else None,
            "effective_from": entry.effective_from,
            "street_tasks": list(entry.street_tasks),
        }
        await self.session.execute(insert(item_versions).values(**values).on_conflict_do_nothing())

    async def retire_version(self, item_code: str, version: int) -> None:
        """A retirement is a version without the item, in force at once; it may overtake its publication."""
        placeholder = {"name": "", "responsible_body": "", "co_operating_units": [], "street_codes": [], "basis": ""}
        statement = insert(item_versions).values(item_code=item_code, version=version, retired=True, **placeholder)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[item_versions.c.item_code, item_versions.c.version],
                set_={"retired": True, "effective_from": None},
            )
        )

    async def versions(self, item_code: str | None = None) -> list[RoutingEntry]:
        """One item's versions, or every item's (for the service list)."""
        query = sa.select(item_versions).order_by(item_versions.c.item_code, item_versions.c.version)
        if item_code is not None:
            query = query.where(item_versions.c.item_code == item_code)
        return [entry_of(row._mapping) for row in await self.session.execute(query)]

    async def map_grid(self, grid: Grid, geometry: GeoPolygon | None) -> None:
        """The newest mapping wins; an outline, once known, stays until a newer mapping brings another."""
        outline = geometry.model_dump(mode="json") if geometry else sa.null()  # SQL NULL, not JSON null
        values = {"grid_code": grid.grid_code, "street_code": grid.street_code, "version": grid.version}
        statement = insert(grids).values(**values, geometry=outline)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[grids.c.grid_code],
                set_={
                    "street_code": statement.excluded.street_code,
                    "version": statement.excluded.version,
                    "geometry": sa.func.coalesce(statement.excluded.geometry, grids.c.geometry),
                },
                where=grids.c.version <= statement.excluded.version,
            )
        )

    async def grid_map(self) -> list[Grid]:
        rows = await self.session.execute(sa.select(grids).order_by(grids.c.grid_code))
        return [Grid(row.grid_code, row.street_code, row.version) for row in rows]

    async def outlines(self) -> list[GridOutline]:
        """Every grid that has an outline."""
        query = sa.select(grids).where(grids.c.geometry.is_not(None)).order_by(grids.c.grid_code)
        rows = await self.session.execute(query)
        return [GridOutline(r.grid_code, r.street_code, GeoPolygon.model_validate(r.geometry)) for r in rows]

    async def grids_stamp(self) -> tuple[int, int, int]:
        """Changes whenever a grid is added, re-mapped at a newer version or given an outline: the atlas's key."""
        query = sa.select(
            sa.func.count(), sa.func.coalesce(sa.func.sum(grids.c.version), 0), sa.func.count(grids.c.geometry)
        )
        row = (await self.session.execute(query)).one()
        return int(row[0]), int(row[1]), int(row[2])

    async def organisations(self) -> tuple[set[str], set[str]]:
        """The bodies the catalogue names (responsible and co-operating) and the streets of the grids and lists."""
        named = sa.union(
            sa.select(item_versions.c.responsible_body),
            sa.select(sa.func.unnest(item_versions.c.co_operating_units)),
        )
        streets = sa.union(sa.select(grids.c.street_code), sa.select(street_lists.c.street_code))
        bodies = {code for code in (await self.session.scalars(named)) if code}
        return bodies, set(await self.session.scalars(streets))

    async def put_street_list(self, published: StreetList, *, catalogue_version: int) -> None:
        """Newest revision wins, whatever order the revisions arrive in."""
        values = {
            "revision": published.revision,
            "item_codes": sorted(published.item_codes),
            "filing_no": published.filing_no,
            "catalogue_version": catalogue_version,
        }
        statement = insert(street_lists).values(street_code=published.street_code, **values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[street_lists.c.street_code],
                set_={k: statement.excluded[k] for k in values},
                where=street_lists.c.revision < statement.excluded.revision,
            )
        )

    async def add_admission(
        self, application_id: uuid.UUID, *, item_code: str, kind: str, street_codes: Sequence[str], reason: str
    ) -> None:
        values = {"item_code": item_code, "kind": kind, "street_codes": list(street_codes), "reason": reason}
        statement = insert(admissions).values(application_id=application_id, **values)
        await self.session.execute(statement.on_conflict_do_nothing())

    async def routing_facts(
        self, *, items: Collection[str], grids: Collection[str], streets: Collection[str], open_statuses: Sequence[str]
    ) -> RoutingFacts:
        """Everything intake routes a batch by, in one round trip (see ``ROUTING_FACTS``): the versions of
        ``items``, the streets of ``grids``, the lists of ``streets`` and of the grids' streets, the admissions
        of the items, the open whistles on them, and the calendar notices."""
        parameters = {
            "items": list(items),
            "grids": list(grids),
            "streets": list(streets),
            "open": list(open_statuses),
            "live": [status.value for status in LIVE_TASK],
        }
        facts = RoutingFacts()
        for kind, row in await self.session.execute(ROUTING_FACTS, parameters):
            facts.add(kind, row)
        return facts.sorted()
