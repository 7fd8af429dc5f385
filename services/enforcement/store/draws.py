"""Draws, their re-draws, results and joint-visit plans, as frozen records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.enforcement.store.tables import draws, redraws, results, visit_plans


@dataclass(frozen=True)
class Redraw:
    seq: int
    reason: str
    barred: tuple[str, ...]
    result: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class DrawRecord:
    id: uuid.UUID
    name: str
    committed: dict[str, Any]
    commitment: str
    committed_by: str
    committed_at: datetime
    seed: str | None
    revealed_at: datetime | None
    result: dict[str, Any] | None
    redraws: tuple[Redraw, ...] = ()

    @property
    def current(self) -> dict[str, Any] | None:
        """The result in force: the last re-draw's, else the first draw's."""
        return self.redraws[-1].result if self.redraws else self.result


@dataclass(frozen=True)
class ResultRecord:
    id: uuid.UUID
    draw_id: uuid.UUID
    matter: str
    target: str
    outcome: str
    findings: str
    evidence: list[dict[str, Any]]
    inspected_on: date
    recorded_at: datetime


@dataclass(frozen=True)
class VisitPlanRecord:
    id: uuid.UUID
    name: str
    draw_ids: tuple[uuid.UUID, ...]
    visits: list[dict[str, Any]]
    inspections: int
    saved: int
    planned_at: datetime


class DrawStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, **values: Any) -> None:
        await self.session.execute(insert(draws).values(**values))

    async def get(self, draw_id: uuid.UUID, *, lock: bool = False) -> DrawRecord | None:
        query = sa.select(draws).where(draws.c.id == draw_id)
        row = (await self.session.execute(query.with_for_update() if lock else query)).first()
        if row is None:
            return None
        query = sa.select(redraws).where(redraws.c.draw_id == draw_id).order_by(redraws.c.seq)
        rounds = tuple(
            Redraw(r.seq, r.reason, tuple(r.barred), r.result, r.at) for r in await self.session.execute(query)
        )
        return DrawRecord(**{k: v for k, v in row._mapping.items()}, redraws=rounds)

    async def reveal(self, draw_id: uuid.UUID, *, seed: str, at: datetime, result: dict[str, Any]) -> None:
        values = {"seed": seed, "revealed_at": at, "result": result}
        await self.session.execute(sa.update(draws).where(draws.c.id == draw_id).values(**values))

    async def add_redraw(self, draw_id: uuid.UUID, redraw: Redraw) -> None:
        await self.session.execute(
            insert(redraws).values(draw_id=draw_id, **vars(redraw) | {"barred": list(redraw.barred)})
        )

    async def listed(self, limit: int = 200) -> list[DrawRecord]:
        query = sa.select(draws.c.id).order_by(draws.c.committed_at.desc()).limit(limit)
        ids: list[uuid.UUID] = list((await self.session.execute(query)).scalars())
        return [record for draw_id in ids if (record := await self.get(draw_id)) is not None]

    async def add_result(self, record: ResultRecord) -> bool:
        """False when the inspection has a result already."""
        statement = insert(results).values(**vars(record)).on_conflict_do_nothing(constraint="results_inspection_key")
        return bool((await self.session.execute(statement.returning(results.c.id))).first())

    async def results(self, draw_ids: Sequence[uuid.UUID] | None = None, limit: int = 1000) -> list[ResultRecord]:
        query = sa.select(results).order_by(results.c.recorded_at.desc()).limit(limit)
        if draw_ids is not None:
            query = query.where(results.c.draw_id.in_(draw_ids))
        return [ResultRecord(**row._mapping) for row in await self.session.execute(query)]

    async def add_visit_plan(self, plan: VisitPlanRecord) -> None:
        await self.session.execute(insert(visit_plans).values(**vars(plan) | {"draw_ids": list(plan.draw_ids)}))

    async def visit_plans(self, limit: int = 50) -> list[VisitPlanRecord]:
        query = sa.select(visit_plans).order_by(visit_plans.c.planned_at.desc()).limit(limit)
        return [_plan(row) for row in await self.session.execute(query)]


def _plan(row: sa.Row[Any]) -> VisitPlanRecord:
    return VisitPlanRecord(**{**row._mapping, "draw_ids": tuple(row.draw_ids)})
