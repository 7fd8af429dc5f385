"""Findings (问责线索) and their lifecycle, one per organisation, situation and period."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.store.tables import findings


@dataclass(frozen=True)
class Finding:
    finding_id: uuid.UUID
    org_code: str
    situation: str
    method: str
    status: str
    period_start: date
    period_end: date
    evidence: dict[str, Any]
    proposed_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    respond_by: datetime | None = None
    response: dict[str, Any] | None = None
    source: str = "detector"
    """Who raised it: ``detector`` or ``office`` (by hand, e.g. 向街道转嫁清单外工作)."""
    summary: str | None = None
    """The office's account of a finding it raised by hand."""


class FindingStore:
    """Findings over one session; the unit of work owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_new(self, found: list[Finding]) -> list[Finding]:
        """Keep the findings not already made for their organisation, situation and period; the new ones."""
        if not found:
            return []
        statement = insert(findings).values([vars(f) for f in found]).on_conflict_do_nothing()
        kept = set((await self.session.execute(statement.returning(findings.c.finding_id))).scalars())
        return [f for f in found if f.finding_id in kept]

    async def get(self, finding_id: uuid.UUID, *, lock: bool = False) -> Finding | None:
        query = sa.select(findings).where(findings.c.finding_id == finding_id)
        row = (await self.session.execute(query.with_for_update() if lock else query)).first()
        return Finding(**row._mapping) if row else None

    async def update(self, finding: Finding) -> None:
        changes = {k: v for k, v in vars(finding).items() if k != "finding_id"}
        query = sa.update(findings).where(findings.c.finding_id == finding.finding_id).values(**changes)
        await self.session.execute(query)

    async def listed(self, *, status: str | None = None, org_code: str | None = None) -> list[Finding]:
        query = sa.select(findings).order_by(findings.c.proposed_at.desc(), findings.c.org_code)
        if status is not None:
            query = query.where(findings.c.status == status)
        if org_code is not None:
            query = query.where(findings.c.org_code == org_code)
        return [Finding(**row._mapping) for row in (await self.session.execute(query.limit(500))).all()]
