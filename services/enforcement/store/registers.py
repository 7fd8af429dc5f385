"""The registers' repository: officers, targets and matter terms, as domain objects."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.enforcement.domain.registers import (
    Certification,
    Inspected,
    Leave,
    MatterTerms,
    Officer,
    RiskTier,
    Target,
)
from services.enforcement.store.tables import matters, officers, targets


@dataclass(frozen=True)
class Matter:
    id: uuid.UUID
    item_code: str
    name: str
    department_code: str
    terms: MatterTerms


class RegisterStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put_officers(self, entries: Sequence[Officer]) -> None:
        rows = [_officer_row(o) for o in entries]
        await self._upsert(officers, rows, "code")

    async def put_targets(self, entries: Sequence[Target]) -> None:
        await self._upsert(targets, [_target_row(t) for t in entries], "code")

    async def _upsert(self, table: sa.Table, rows: list[dict[str, Any]], key: str) -> None:
        if not rows:
            return
        statement = insert(table).values(rows)
        kept = {c.name: statement.excluded[c.name] for c in table.columns if c.name != key}
        await self.session.execute(statement.on_conflict_do_update(index_elements=[key], set_=kept))

    async def put_matter_terms(self, item_code: str, department_code: str, name: str, terms: MatterTerms) -> bool:
        """Sets the terms of the department's matter on the item; False when there is no such matter."""
        values = {"name": name, **_terms_row(terms)}
        where = sa.and_(matters.c.item_code == item_code, matters.c.department_code == department_code)
        updated = await self.session.execute(sa.update(matters).where(where).values(**values))
        return bool(updated.rowcount)  # type: ignore[attr-defined]

    async def officers(self) -> list[Officer]:
        rows = await self.session.execute(sa.select(officers).order_by(officers.c.code))
        return [_officer(row) for row in rows]

    async def targets(self, codes: Sequence[str] | None = None) -> list[Target]:
        query = sa.select(targets).order_by(targets.c.code)
        if codes is not None:
            query = query.where(targets.c.code.in_(codes))
        return [_target(row) for row in await self.session.execute(query)]

    async def matters(self, ids: Sequence[uuid.UUID] | None = None) -> list[Matter]:
        query = sa.select(matters).order_by(matters.c.id)
        if ids is not None:
            query = query.where(matters.c.id.in_(ids))
        return [_matter(row) for row in await self.session.execute(query)]

    async def note_inspection(self, target: str, on: date, matter: str) -> None:
        """A recorded result joins the target's history, so the yearly cap counts it."""
        entry = sa.func.jsonb_build_array(sa.func.jsonb_build_object("on", on.isoformat(), "matter", matter))
        history = targets.c.history.op("||")(entry)
        await self.session.execute(sa.update(targets).where(targets.c.code == target).values(history=history))


def _officer_row(o: Officer) -> dict[str, Any]:
    certifications = [{"domain": c.domain, "expires": c.expires.isoformat()} for c in o.certifications]
    leave = [{"start": s.start.isoformat(), "end": s.end.isoformat()} for s in o.leave]
    values = {"code": o.code, "name": o.name, "organisation_code": o.organisation_code, "street_code": o.street_code}
    return values | {"certifications": certifications, "conflicts": sorted(o.conflicts), "leave": leave}


def _officer(row: sa.Row[Any]) -> Officer:
    return Officer(
        code=row.code,
        name=row.name,
        organisation_code=row.organisation_code,
        street_code=row.street_code,
        certifications=tuple(Certification(c["domain"], date.fromisoformat(c["expires"])) for c in row.certifications),
        conflicts=frozenset(row.conflicts),
        leave=tuple(Leave(date.fromisoformat(x["start"]), date.fromisoformat(x["end"])) for x in row.leave),
    )


def _target_row(t: Target) -> dict[str, Any]:
    history = [{"on": h.on.isoformat(), "matter": h.matter} for h in t.history]
    values = {"code": t.code, "name": t.name, "street_code": t.street_code, "risk_tier": t.risk_tier.value}
    return values | {"domains": sorted(t.domains), "history": history}


def _target(row: sa.Row[Any]) -> Target:
    history = tuple(Inspected(date.fromisoformat(h["on"]), h["matter"]) for h in row.history)
    tier = RiskTier(row.risk_tier)
    return Target(row.code, row.name, row.street_code, tier, frozenset(row.domains), history)


def _terms_row(terms: MatterTerms) -> dict[str, Any]:
    ratios = {tier.value: ratio for tier, ratio in terms.ratios.items()}
    return {"domain": terms.domain, "legal_basis": terms.legal_basis, "frequency": terms.frequency, "ratios": ratios}


def _matter(row: sa.Row[Any]) -> Matter:
    ratios = {RiskTier(tier): int(ratio) for tier, ratio in row.ratios.items()}
    terms = MatterTerms(row.domain, row.legal_basis, row.frequency, ratios)
    return Matter(row.id, row.item_code, row.name, row.department_code, terms)
