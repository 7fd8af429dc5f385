"""What admission knows of the catalogue, read whole only when it changed.

Reading every known item's definition (about 530 kB of JSON on the demo catalogue) on each submission cost
most of a submission's time (bench/README.md, "Admission"). The projection only grows item versions, adds
clauses and repeals laws, so a few counts and sums over its tables move whenever what it holds does; the facts
are kept per database engine (each app has its own) beside the stamp they were read at.
"""

from __future__ import annotations

import weakref

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.admission.domain.facts import CatalogueFacts
from services.admission.store.tables import known_clauses, known_items, repealed_laws

Stamp = tuple[int, ...]

_KEPT: weakref.WeakKeyDictionary[AsyncEngine, tuple[Stamp, CatalogueFacts]] = weakref.WeakKeyDictionary()
"""An empty map at import; filled by the first submission of each app."""

_STAMP = sa.select(
    sa.select(sa.func.count()).select_from(known_items).scalar_subquery(),
    sa.select(sa.func.coalesce(sa.func.sum(known_items.c.version), 0)).scalar_subquery(),
    sa.select(sa.func.count()).select_from(known_items).where(known_items.c.retired).scalar_subquery(),
    sa.select(sa.func.count()).select_from(known_clauses).scalar_subquery(),
    sa.select(sa.func.count()).select_from(repealed_laws).scalar_subquery(),
    sa.select(
        sa.func.coalesce(sa.func.sum(repealed_laws.c.repealed_on - sa.func.make_date(2000, 1, 1)), 0)
    ).scalar_subquery(),
)


async def stamp(session: AsyncSession) -> Stamp:
    """Counts and sums that move whenever the projection changes what it holds."""
    row = (await session.execute(_STAMP)).one()
    return tuple(int(value) for value in row)


def remembered(session: AsyncSession, at: Stamp) -> CatalogueFacts | None:
    kept = _KEPT.get(session.bind) if isinstance(session.bind, AsyncEngine) else None
    return kept[1] if kept is not None and kept[0] == at else None


def remember(session: AsyncSession, at: Stamp, facts: CatalogueFacts) -> CatalogueFacts:
    if isinstance(session.bind, AsyncEngine):
        _KEPT[session.bind] = (at, facts)
    return facts
