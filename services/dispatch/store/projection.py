"""What dispatch knows of the catalogue and admission: item versions, grids, street lists, approved admissions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import TimeLimit
from services.dispatch.domain import Cover, CoverKind, RoutingEntry, StreetList
from services.dispatch.store.tables import admissions, cases, grids, item_versions, street_lists, whistles

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

    async def street_of_grid(self, grid_code: str) -> str | None:
        street: str | None = await self.session.scalar(
            sa.select(grids.c.street_code).where(grids.c.grid_code == grid_code)
        )
        return street

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

    async def street_list(self, street_code: str) -> StreetList | None:
        query = sa.select(street_lists).where(street_lists.c.street_code == street_code)
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        return StreetList(row.street_code, row.revision, frozenset(row.item_codes), row.filing_no)

    async def street_and_list(
        self, grid_code: str, reported_street: str | None
    ) -> tuple[str | None, StreetList | None]:
        """In one query: the street the grid maps to, and the list of the case's street (the reported one, else the
        grid's; no list when the case lies in no street), as ``street_of_grid`` and ``street_list`` would give."""
        grid_street = sa.select(grids.c.street_code).where(grids.c.grid_code == grid_code).scalar_subquery()
        street = sa.literal(reported_street, sa.Text) if reported_street else grid_street
        one = sa.select(sa.literal(1).label("one")).subquery()
        listed = sa.and_(street_lists.c.street_code == street, street != "")
        query = sa.select(
            grid_street.label("grid_street"),
            street_lists.c.street_code,
            street_lists.c.revision,
            street_lists.c.item_codes,
            street_lists.c.filing_no,
        ).select_from(one.outerjoin(street_lists, listed))
        row = (await self.session.execute(query)).one()
        found: str | None = row.grid_street
        if row.street_code is None:
            return found, None
        return found, StreetList(row.street_code, row.revision, frozenset(row.item_codes), row.filing_no)

    async def add_admission(
        self, application_id: uuid.UUID, *, item_code: str, kind: str, street_codes: Sequence[str], reason: str
    ) -> None:
        values = {"item_code": item_code, "kind": kind, "street_codes": list(street_codes), "reason": reason}
        statement = insert(admissions).values(application_id=application_id, **values)
        await self.session.execute(statement.on_conflict_do_nothing())

    async def covers(self, item_code: str, street_code: str, *, open_statuses: Sequence[str]) -> list[Cover]:
        """Approved admissions of the item naming the street (or none: district-wide), and open whistles."""
        admitted = sa.select(admissions).where(
            admissions.c.item_code == item_code,
            sa.or_(
                sa.func.cardinality(admissions.c.street_codes) == 0, admissions.c.street_codes.contains([street_code])
            ),
        )
        whistled = (
            sa.select(whistles.c.id, whistles.c.reason, cases.c.id.label("case_id"))
            .join(cases, cases.c.id == whistles.c.case_id)
            .where(
                whistles.c.street_code == street_code,
                cases.c.item_code == item_code,
                cases.c.status.in_(open_statuses),
            )
        )
        # one round trip: admissions (by application id), then whistles (by when blown)
        both = sa.union_all(
            admitted.with_only_columns(
                sa.literal(0).label("part"),
                sa.func.row_number().over(order_by=admissions.c.application_id).label("rank"),
                admissions.c.application_id.label("id"),
                admissions.c.kind,
                admissions.c.reason,
                sa.cast(sa.null(), UUID(as_uuid=True)).label("case_id"),
            ),
            whistled.with_only_columns(
                sa.literal(1).label("part"),
                sa.func.row_number().over(order_by=whistles.c.blown_at).label("rank"),
                whistles.c.id,
                sa.cast(sa.null(), sa.Text).label("kind"),
                whistles.c.reason,
                cases.c.id.label("case_id"),
            ),
        ).subquery()
        rows = await self.session.execute(sa.select(both).order_by(both.c.part, both.c.rank))
        return [
            Cover(CoverKind.ADMISSION, str(row.id), f"{row.kind}: {row.reason}")
            if row.part == 0
            else Cover(CoverKind.WHISTLE, str(row.id), f"{row.reason}, on case {row.case_id}")
            for row in rows
        ]


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
