"""The basis library and organisations: the repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalog.domain.items import ItemSpec
from services.catalog.domain.library import Clause, ClauseSpec, ItemCitation, Law, LawSpec, OrgSpec
from services.catalog.store.laws import law_of
from services.catalog.store.tables import clauses, item_clauses, item_states, laws, organisations


class LibraryStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def clause_texts(self, keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        if not keys:
            return {}
        key = sa.tuple_(clauses.c.law_id, clauses.c.article, clauses.c.paragraph)
        rows = await self.session.execute(sa.select(clauses).where(key.in_(list(keys))))
        return {(r.law_id, r.article, r.paragraph): r.text for r in rows}

    async def clause_status(self, law_ids: set[str]) -> dict[tuple[str, str, str], bool]:
        """Whether each clause of these laws is in force, keyed (law_id, article, paragraph)."""
        if not law_ids:
            return {}
        query = sa.select(clauses.c.law_id, clauses.c.article, clauses.c.paragraph, clauses.c.in_force)
        rows = await self.session.execute(query.where(clauses.c.law_id.in_(law_ids)))
        return {(r.law_id, r.article, r.paragraph): r.in_force for r in rows}

    async def add_laws(self, specs: Sequence[LawSpec]) -> None:
        if specs:
            rows = [{**s.model_dump(), "revision": 1} for s in specs]
            await self.session.execute(insert(laws).on_conflict_do_nothing(), rows)

    async def add_clauses(self, specs: Sequence[ClauseSpec]) -> None:
        if specs:
            rows = [{**s.model_dump(), "revision": 1} for s in specs]
            await self.session.execute(insert(clauses).on_conflict_do_nothing(), rows)

    async def upsert_organisations(self, specs: Sequence[OrgSpec]) -> None:
        if specs:
            statement = insert(organisations)
            update = {c: statement.excluded[c] for c in ("name", "kind", "parent_code")}
            await self.session.execute(
                statement.on_conflict_do_update(index_elements=[organisations.c.code], set_=update),
                [s.model_dump() for s in specs],
            )

    async def law_titles(self) -> dict[str, str]:
        return {
            str(row.law_id): str(row.title)
            for row in await self.session.execute(sa.select(laws.c.law_id, laws.c.title))
        }

    async def all_laws(self) -> list[LawSpec]:
        rows = await self.session.execute(sa.select(laws).order_by(laws.c.law_id))
        return [LawSpec.model_validate(row, from_attributes=True) for row in rows]

    async def all_clauses(self) -> list[ClauseSpec]:
        rows = await self.session.execute(sa.select(clauses))
        return [ClauseSpec.model_validate(row, from_attributes=True) for row in rows]

    async def all_organisations(self) -> list[OrgSpec]:
        rows = await self.session.execute(sa.select(organisations).order_by(organisations.c.code))
        return [OrgSpec.model_validate(row, from_attributes=True) for row in rows]

    async def organisation_codes(self) -> set[str]:
        return set(await self.session.scalars(sa.select(organisations.c.code)))

    async def known_laws(self, law_ids: set[str]) -> list[str]:
        return list(await self.session.scalars(sa.select(laws.c.law_id).where(laws.c.law_id.in_(law_ids))))

    async def law(self, law_id: str) -> Law | None:
        row = (await self.session.execute(sa.select(laws).where(laws.c.law_id == law_id))).first()
        return None if row is None else law_of(row)

    async def law_clauses(self, law_id: str) -> list[Clause]:
        query = sa.select(clauses).where(clauses.c.law_id == law_id).order_by(clauses.c.article, clauses.c.paragraph)
        return [Clause(**row._mapping) for row in await self.session.execute(query)]

    async def citations_of_law(self, law_id: str) -> list[ItemCitation]:
        """Every citation of this law by an item state in force (latest version, not retired)."""
        latest = (
            sa.select(item_states.c.item_code, sa.func.max(item_states.c.version).label("version"))
            .group_by(item_states.c.item_code)
            .subquery()
        )
        query = (
            sa.select(item_clauses, item_states.c.state)
            .join(
                latest,
                sa.and_(latest.c.item_code == item_clauses.c.item_code, latest.c.version == item_clauses.c.version),
            )
            .join(
                item_states,
                sa.and_(
                    item_states.c.item_code == item_clauses.c.item_code, item_states.c.version == item_clauses.c.version
                ),
            )
            .where(item_clauses.c.law_id == law_id, item_states.c.retired.is_(False))
        )
        return _citations(await self.session.execute(query))


def _citations(rows: sa.Result[Any]) -> list[ItemCitation]:
    """Each citing item's state is read once, however many of its clauses the law holds."""
    items: dict[str, ItemSpec] = {}
    found = []
    for row in rows:
        item = items.get(row.item_code) or items.setdefault(row.item_code, ItemSpec.model_validate(row.state))
        found.append(ItemCitation(item=item, citation=(row.task_no, row.law_id, row.article, row.paragraph)))
    return found
