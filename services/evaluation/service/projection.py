"""投影: the platform's events kept as facts, figures for any period computed from them, and a rebuild."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from contracts import CloudEvent
from services.evaluation.domain.facts import FactRow, Facts, fact_rows
from services.evaluation.domain.figures import Figure, tallied
from services.evaluation.domain.periods import Period
from services.evaluation.store.facts import FactStore
from services.evaluation.store.tallies import TallyReads
from services.runtime.uow import UnitOfWork

Replayed = tuple[CloudEvent[Any], str | None]
"""An event read back from its stream, with the trace id its message carried."""


async def project(uow: UnitOfWork, events: Sequence[CloudEvent[Any]]) -> None:
    """Merge what each new event says into the projection, in one transaction (a batch or one event).

    A batch mixes dispatch's event types as they came. The merges are idempotent (store/facts.py), so the
    subscription claims nothing in the inbox: a redelivered event is merged again to the same rows. Each
    dispatched task is one task fact, which is also what 派发任务数 counts.
    """
    async with uow:
        rows: list[FactRow] = []
        for event in events:
            rows += fact_rows(event, trace_id=uow.trace_id(event.id))
        await uow.repository(FactStore).apply(rows)
        await uow.commit()


async def rebuild(uow: UnitOfWork, replayed: AsyncIterator[Sequence[Replayed]]) -> int:
    """重建: empty the projection and fold the streams into it again, in one transaction; how many events.

    Readers see the old figures until the commit; live consumers wait on the emptied tables and then apply
    what they hold, which the merge rules make harmless if the replay had it too.
    """
    async with uow:
        store = uow.repository(FactStore)
        await store.clear()
        count = 0
        async for batch in replayed:
            await store.apply([row for event, trace in batch for row in fact_rows(event, trace_id=trace)])
            count += len(batch)
        await uow.audit(action="projection.rebuilt", entity="evaluation.projection", after={"events": count})
        await uow.commit()
    return count


async def load_facts(uow: UnitOfWork, period: Period) -> Facts:
    """Everything known before the period ended: figures are computed from events as they were."""
    async with uow:
        cases, tasks, summons = await uow.repository(FactStore).load(period.bounds()[1])
    return Facts(cases, tasks, summons)


async def period_figures(uow: UnitOfWork, period: Period, *, org_code: str | None = None) -> list[Figure]:
    """Every indicator's figure over ``period`` (China Standard Time), for one organisation or all.

    Tallied by Postgres next to the facts (store/tallies.py), the same counting as ``figures`` over ``Facts``.
    """
    bounds = period.bounds()
    async with uow:
        rates, spreads = await uow.repository(TallyReads).tallies(bounds)
    found = tallied(rates, spreads)
    return found if org_code is None else [f for f in found if f.org_code == org_code]
