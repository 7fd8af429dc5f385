"""From the registers to what a draw commits to (抽取池): who and what may be drawn for a plan. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from services.enforcement.domain.registers import MatterTerms, Officer, Target
from services.enforcement.domain.spec import (
    Committed,
    Constraints,
    DrawRefused,
    Forced,
    PlanMatter,
    PoolOfficer,
    PoolTarget,
)


@dataclass(frozen=True)
class CommitDraw:
    """抽查计划: what to draw for, and which public random value will decide it."""

    name: str
    period_start: date
    period_end: date
    matter_ids: tuple[str, ...]
    seed_source: str
    seed_not_before: datetime
    constraints: Constraints = field(default_factory=Constraints)
    forced: tuple[Forced, ...] = field(default=())


@dataclass(frozen=True)
class MatterEntry:
    """A registered matter as the plan needs it."""

    id: str
    department: str
    terms: MatterTerms


def committed_for(
    command: CommitDraw, matters: Sequence[MatterEntry], targets: Sequence[Target], officers: Sequence[Officer]
) -> Committed:
    """The pools: every target with its count of inspections in the period's year; the officers available for the
    whole period, each with the domains certified through its last day (officers with none are left out)."""
    if command.period_end < command.period_start or command.period_start.year != command.period_end.year:
        raise DrawRefused("a plan's period runs forward within one year", field="period_end")
    known = {m.id for m in matters}
    if missing := [m for m in command.matter_ids if m not in known]:
        raise DrawRefused(f"no inspection matter {missing[0]}", field="matter_ids")
    return Committed(
        plan=_plan(command),
        matters=tuple(_matter(m) for m in sorted(matters, key=lambda m: m.id)),
        forced=command.forced,
        constraints=command.constraints,
        targets=tuple(_target(t, command.period_start.year) for t in sorted(targets, key=lambda t: t.code)),
        officers=tuple(_pooled(officers, command.period_start, command.period_end)),
    )


def _plan(command: CommitDraw) -> dict[str, str]:
    return {
        "name": command.name,
        "period_start": command.period_start.isoformat(),
        "period_end": command.period_end.isoformat(),
        "seed_source": command.seed_source,
        "seed_not_before": command.seed_not_before.isoformat(),
    }


def _matter(entry: MatterEntry) -> PlanMatter:
    terms = entry.terms
    return PlanMatter(entry.id, entry.department, terms.domain, terms.frequency, dict(terms.ratios))


def _target(target: Target, year: int) -> PoolTarget:
    tier = target.risk_tier
    return PoolTarget(target.code, target.street_code, tier, target.domains, target.inspections_in(year))


def _pooled(officers: Sequence[Officer], start: date, end: date) -> list[PoolOfficer]:
    pooled = []
    for officer in sorted(officers, key=lambda o: o.code):
        domains = officer.certified_domains(end)
        if domains and officer.available(start, end):
            pooled.append(
                PoolOfficer(officer.code, officer.organisation_code, officer.street_code, domains, officer.conflicts)
            )
    return pooled
