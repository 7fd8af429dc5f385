"""The three registers of double-random inspection (双随机): officers (执法检查人员名录库), targets (检查对象名录库)
and the terms of inspection matters (抽查事项清单). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class RiskTier(StrEnum):
    """风险等级: higher tiers are drawn at higher ratios (e.g. 30/10/2/1%)."""

    HIGH = "high"
    ELEVATED = "elevated"
    NORMAL = "normal"
    LOW = "low"


TIER_WORDS = {"高": RiskTier.HIGH, "较高": RiskTier.ELEVATED, "一般": RiskTier.NORMAL, "低": RiskTier.LOW}


@dataclass(frozen=True)
class Certification:
    """执法资格: certified to inspect in one enforcement domain (执法领域) until ``expires``."""

    domain: str
    expires: date


@dataclass(frozen=True)
class Leave:
    """A stretch an officer is away (休假、培训), both days included."""

    start: date
    end: date

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and start <= self.end


@dataclass(frozen=True)
class Officer:
    """执法人员: home organisation, certifications, declared conflicts (回避: relatives, former employers, as the
    codes of the targets concerned), leave; ``street_code`` when on a street's comprehensive team (综合执法队)."""

    code: str
    name: str
    organisation_code: str
    certifications: tuple[Certification, ...]
    conflicts: frozenset[str] = frozenset()
    street_code: str | None = None
    leave: tuple[Leave, ...] = ()

    def certified_domains(self, through: date) -> frozenset[str]:
        """Domains whose certificate is still valid on ``through`` (the last day of a plan's period)."""
        return frozenset(c.domain for c in self.certifications if c.expires >= through)

    def available(self, start: date, end: date) -> bool:
        return not any(leave.overlaps(start, end) for leave in self.leave)


@dataclass(frozen=True)
class Inspected:
    """One past inspection of a target (检查记录)."""

    on: date
    matter: str


@dataclass(frozen=True)
class Target:
    """检查对象: a market entity, its street, risk tier, the enforcement domains that apply to it, its history."""

    code: str
    name: str
    street_code: str
    risk_tier: RiskTier
    domains: frozenset[str]
    history: tuple[Inspected, ...] = ()

    def inspections_in(self, year: int) -> int:
        return sum(1 for past in self.history if past.on.year == year)


@dataclass(frozen=True)
class MatterTerms:
    """How a matter is inspected: its enforcement domain, legal basis (from the catalogue), how many rounds a year
    (抽查频次) and the yearly sampling ratio per risk tier in per-mille (‰: 300 is 30%)."""

    domain: str
    legal_basis: str
    frequency: int
    ratios: dict[RiskTier, int]


def terms_refusal(terms: MatterTerms) -> tuple[str, str] | None:
    """The field and reason a matter's terms are refused, or None."""
    if terms.frequency < 1:
        return "frequency", "a matter is inspected at least once a year (抽查频次 ≥ 1)"
    bad = [tier for tier, ratio in terms.ratios.items() if not 0 <= ratio <= 1000]
    if bad:
        return "ratios", f"ratios are per-mille between 0 and 1000; {bad[0].value} is not"
    return None
