"""Street lists (一街一单): the repository. One row per revision; a revision's row follows its workflow."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalog.domain.items import end_of_day
from services.catalog.domain.streetlists import PublishedRevision, Status, StreetList
from services.catalog.store.tables import item_states, organisations, street_lists, versions


class StreetListStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, street_code: str) -> None:
        """Serialise writers of one street's list, so two claims cannot both open the next revision."""
        await self.session.execute(
            sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("streetlist:" + street_code)))
        )

    async def latest(self, street_code: str) -> StreetList | None:
        """The street's working revision: its highest, whatever its status."""
        query = (
            sa.select(street_lists)
            .where(street_lists.c.street_code == street_code)
            .order_by(street_lists.c.revision.desc())
            .limit(1)
        )
        row = (await self.session.execute(query)).first()
        return None if row is None else _to_list(row)

    async def save(self, street_list: StreetList, *, actor: str) -> None:
        """Write a revision as it now stands; publishing stamps the time it went public."""
        values: dict[str, Any] = {
            "status": street_list.status.value,
            "item_codes": list(street_list.item_codes),
            "catalogue_version": street_list.catalogue_version,
            "comments": street_list.comments,
            "filing_no": street_list.filing_no,
            "updated_by": actor,
            "updated_at": sa.func.now(),
        }
        if street_list.status is Status.PUBLISHED:
            values["published_at"] = sa.func.now()
        statement = insert(street_lists).values(
            street_code=street_list.street_code, revision=street_list.revision, **values
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[street_lists.c.street_code, street_lists.c.revision], set_=values
            )
        )

    async def in_status(self, status: Status) -> list[StreetList]:
        """Working revisions in ``status`` (e.g. the office's review queue), oldest first."""
        query = _rows_of(_latest_revisions(None)).where(street_lists.c.status == status.value)
        return [_to_list(row) for row in await self.session.execute(query.order_by(street_lists.c.updated_at))]

    async def published(self, street_code: str | None = None, *, as_of: date | None = None) -> list[PublishedRevision]:
        """The latest published revision of each street (or of one street), by street code; with ``as_of``, the
        one that was published at the end of that day."""
        query = _rows_of(_latest_revisions(Status.PUBLISHED, before=end_of_day(as_of) if as_of else None))
        if street_code is not None:
            query = query.where(street_lists.c.street_code == street_code)
        return [_published(row) for row in await self.session.execute(query.order_by(street_lists.c.street_code))]

    async def known_item_codes(self, codes: Iterable[str]) -> set[str]:
        """Codes the catalogue ever held, retired ones included."""
        query = sa.select(item_states.c.item_code).where(item_states.c.item_code.in_(list(codes))).distinct()
        return set(await self.session.scalars(query))

    async def catalogue_version(self) -> int | None:
        latest: int | None = await self.session.scalar(sa.select(sa.func.max(versions.c.version)))
        return latest

    async def organisation_names(self, codes: Iterable[str]) -> dict[str, str]:
        query = sa.select(organisations.c.code, organisations.c.name).where(organisations.c.code.in_(list(codes)))
        return {row.code: row.name for row in await self.session.execute(query)}


def _latest_revisions(status: Status | None, *, before: datetime | None = None) -> sa.Subquery:
    query = sa.select(street_lists.c.street_code, sa.func.max(street_lists.c.revision).label("revision"))
    if status is not None:
        query = query.where(street_lists.c.status == status.value)
    if before is not None:
        query = query.where(street_lists.c.published_at < before)
    return query.group_by(street_lists.c.street_code).subquery()


def _rows_of(latest: sa.Subquery) -> sa.Select[Any]:
    return sa.select(street_lists).join(
        latest,
        sa.and_(latest.c.street_code == street_lists.c.street_code, latest.c.revision == street_lists.c.revision),
    )


def _to_list(row: sa.Row[Any]) -> StreetList:
    return StreetList(
        street_code=row.street_code,
        revision=row.revision,
        status=Status(row.status),
        item_codes=tuple(row.item_codes),
        catalogue_version=row.catalogue_version,
        comments=row.comments,
        filing_no=row.filing_no,
    )


def _published(row: sa.Row[Any]) -> PublishedRevision:
    return PublishedRevision(
        street_code=row.street_code,
        revision=row.revision,
        filing_no=row.filing_no,
        catalogue_version=row.catalogue_version,
        published_at=row.published_at,
        item_codes=tuple(row.item_codes),
    )
