"""What a draw commits to before its seed is known (承诺内容): the plan, the pools and the constraints, with their
JSON form. The JSON form is the public one: the commitment is the SHA-256 of its canonical JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.enforcement.domain.registers import RiskTier

ALGORITHM = "linkage-draw/1"
TIERS = (RiskTier.HIGH, RiskTier.ELEVATED, RiskTier.NORMAL, RiskTier.LOW)


class DrawRefused(Exception):
    """The draw cannot be made as asked; ``field`` names the input at fault. Nothing is drawn."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class PlanMatter:
    id: str
    department: str
    domain: str
    frequency: int
    ratios: dict[RiskTier, int]

    def quota(self, pool: int, tier: RiskTier) -> int:
        """Targets one round draws from a tier's pool: ceil(pool × ratio‰ ÷ (1000 × frequency))."""
        return -(-pool * self.ratios.get(tier, 0) // (1000 * self.frequency))


@dataclass(frozen=True)
class Forced:
    """A target a plan names (e.g. after a complaint, 投诉举报) beside the random ones."""

    matter: str
    target: str


@dataclass(frozen=True)
class Constraints:
    officers_per_inspection: int = 2
    target_yearly_cap: int = 2
    officer_cap: int = 60


@dataclass(frozen=True)
class PoolTarget:
    code: str
    street: str
    tier: RiskTier
    domains: frozenset[str]
    inspected_this_year: int


@dataclass(frozen=True)
class PoolOfficer:
    """An officer available for the whole period, with the domains certified through its last day."""

    code: str
    organisation: str
    street: str | None
    domains: frozenset[str]
    conflicts: frozenset[str]


@dataclass(frozen=True)
class Committed:
    """承诺内容: everything the draw depends on except the seed."""

    plan: dict[str, Any]  # name, year, period, seed source: published as given
    matters: tuple[PlanMatter, ...]
    forced: tuple[Forced, ...]
    constraints: Constraints
    targets: tuple[PoolTarget, ...]
    officers: tuple[PoolOfficer, ...]
    algorithm: str = field(default=ALGORITHM)

    def to_json(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "plan": self.plan,
            "matters": [_matter_json(m) for m in self.matters],
            "forced": [{"matter": f.matter, "target": f.target} for f in self.forced],
            "constraints": vars(self.constraints),
            "targets": [_target_json(t) for t in self.targets],
            "officers": [_officer_json(o) for o in self.officers],
        }


def _matter_json(m: PlanMatter) -> dict[str, Any]:
    ratios = {tier.value: m.ratios.get(tier, 0) for tier in TIERS}
    return {"id": m.id, "department": m.department, "domain": m.domain, "frequency": m.frequency, "ratios": ratios}


def _target_json(t: PoolTarget) -> dict[str, Any]:
    values = {"code": t.code, "street": t.street, "tier": t.tier.value, "domains": sorted(t.domains)}
    return values | {"inspected_this_year": t.inspected_this_year}


def _officer_json(o: PoolOfficer) -> dict[str, Any]:
    values = {"code": o.code, "organisation": o.organisation, "street": o.street, "domains": sorted(o.domains)}
    return values | {"conflicts": sorted(o.conflicts)}


def committed_from_json(doc: dict[str, Any]) -> Committed:
    """The committed content from its JSON form; a malformed record raises KeyError, TypeError or ValueError."""
    return Committed(
        algorithm=str(doc["algorithm"]),
        plan=dict(doc["plan"]),
        matters=tuple(_matter(m) for m in doc["matters"]),
        forced=tuple(Forced(matter=str(f["matter"]), target=str(f["target"])) for f in doc["forced"]),
        constraints=Constraints(**{k: int(v) for k, v in doc["constraints"].items()}),
        targets=tuple(_target(t) for t in doc["targets"]),
        officers=tuple(_officer(o) for o in doc["officers"]),
    )


def _matter(m: dict[str, Any]) -> PlanMatter:
    ratios = {RiskTier(tier): int(ratio) for tier, ratio in m["ratios"].items()}
    return PlanMatter(str(m["id"]), str(m["department"]), str(m["domain"]), int(m["frequency"]), ratios)


def _target(t: dict[str, Any]) -> PoolTarget:
    domains = frozenset(map(str, t["domains"]))
    return PoolTarget(str(t["code"]), str(t["street"]), RiskTier(t["tier"]), domains, int(t["inspected_this_year"]))


def _officer(o: dict[str, Any]) -> PoolOfficer:
    street = None if o["street"] is None else str(o["street"])
    domains, conflicts = frozenset(map(str, o["domains"])), frozenset(map(str, o["conflicts"]))
    return PoolOfficer(str(o["code"]), str(o["organisation"]), street, domains, conflicts)
