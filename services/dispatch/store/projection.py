"""What dispatch knows of the catalogue and admission: item versions, grids, street lists, approved admissions."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import TimeLimit
from services.dispatch.domain import Cover, CoverKind, RoutingEntry, StreetList
from services.dispatch.store.tables import admissions, cases, grids, item_versions, street_lists, whistles
from services.runtime.db import any_of

Row = sa.Row[Any]


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
        return [_entry(row) for row in await self.session.execute(query)]

    async def map_grid(self, grid_code: str, street_code: str, version: int) -> None:
        statement = insert(grids).values(grid_code=grid_code, street_code=street_code, version=version)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[grids.c.grid_code],
                set_={"street_code": statement.excluded.street_code, "version": statement.excluded.version},
                where=grids.c.version <= statement.excluded.version,
            )
        )

    async def grid_map(self) -> Sequence[Row]:
        return (await self.session.execute(sa.select(grids).order_by(grids.c.grid_code))).all()

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

    async def versions_of(self, item_codes: Collection[str]) -> dict[str, list[RoutingEntry]]:
        """Every version of each of ``item_codes`` (an unknown code has none), oldest first."""
        found: dict[str, list[RoutingEntry]] = {code: [] for code in item_codes}
        for row in await self.session.execute(_VERSIONS_OF, {"items": list(item_codes)}):
            found[row.item_code].append(_entry(row))
        return found

    async def grid_streets(self, grid_codes: Collection[str]) -> dict[str, str]:
        """The street each known grid lies in."""
        rows = await self.session.execute(_GRID_STREETS, {"grids": list(grid_codes)})
        return {row.grid_code: row.street_code for row in rows}

    async def street_lists(self, street_codes: Collection[str]) -> dict[str, StreetList]:
        """The published list (一街一单) of each street that has one."""
        rows = await self.session.execute(_STREET_LISTS, {"streets": list(street_codes)})
        return {
            row.street_code: StreetList(row.street_code, row.revision, frozenset(row.item_codes), row.filing_no)
            for row in rows
        }

    async def add_admission(
        self, application_id: uuid.UUID, *, item_code: str, kind: str, street_codes: Sequence[str], reason: str
    ) -> None:
        values = {"item_code": item_code, "kind": kind, "street_codes": list(street_codes), "reason": reason}
        statement = insert(admissions).values(application_id=application_id, **values)
        await self.session.execute(statement.on_conflict_do_nothing())

    async def covers(
        self, pairs: Collection[tuple[str, str]], *, open_statuses: Sequence[str]
    ) -> dict[tuple[str, str], list[Cover]]:
        """For each (item, street): approved admissions of the item naming the street (or none: district-wide),
        by application id, then the open whistles of the item in the street, by when blown."""
        found: dict[tuple[str, str], list[Cover]] = {pair: [] for pair in pairs}
        if not found:
            return found
        items = sorted({item for item, _ in found})
        streets = sorted({street for _, street in found})
        for row in await self.session.execute(_ADMISSIONS_OF, {"items": items}):
            for street in streets if not row.street_codes else row.street_codes:
                if (row.item_code, street) in found:
                    cover = Cover(CoverKind.ADMISSION, str(row.application_id), f"{row.kind}: {row.reason}")
                    found[row.item_code, street].append(cover)
        whistled = {"items": items, "streets": streets, "open": list(open_statuses)}
        for row in await self.session.execute(_OPEN_WHISTLES, whistled):
            if (row.item_code, row.street_code) in found:
                cover = Cover(CoverKind.WHISTLE, str(row.id), f"{row.reason}, on case {row.case_id}")
                found[row.item_code, row.street_code].append(cover)
        return found


# Intake's reads, built once: every batch runs them (see services.runtime.db.any_of).
_VERSIONS_OF = (
    sa.select(item_versions)
    .where(any_of(item_versions.c.item_code, "items"))
    .order_by(item_versions.c.item_code, item_versions.c.version)
)
_GRID_STREETS = sa.select(grids.c.grid_code, grids.c.street_code).where(any_of(grids.c.grid_code, "grids"))
_STREET_LISTS = sa.select(street_lists).where(any_of(street_lists.c.street_code, "streets"))
_ADMISSIONS_OF = (
    sa.select(admissions).where(any_of(admissions.c.item_code, "items")).order_by(admissions.c.application_id)
)
_OPEN_WHISTLES = (
    sa.select(whistles.c.id, whistles.c.reason, whistles.c.street_code, cases.c.id.label("case_id"), cases.c.item_code)
    .join(cases, cases.c.id == whistles.c.case_id)
    .where(
        any_of(whistles.c.street_code, "streets"),
        any_of(cases.c.item_code, "items"),
        any_of(cases.c.status, "open"),
    )
    .order_by(whistles.c.blown_at)
)


def _entry(row: Row) -> RoutingEntry:
    return RoutingEntry(
        item_code=row.item_code,
        name=row.name,
        responsible_body=row.responsible_body,
        co_operating_units=tuple(row.co_operating_units),
        street_codes=tuple(row.street_codes),
        version=row.version,
        basis=row.basis,
        retired=row.retired,
        domain=row.domain,
        list_kind=row.list_kind,
        time_limit=TimeLimit.model_validate(row.time_limit) if row.time_limit else None,
        effective_from=row.effective_from,
    )
