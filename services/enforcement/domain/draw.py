"""The draw (双随机): random targets by risk-tier quotas, then random certified officers, from a committed content
and a public seed. Deterministic: the same content and seed always give the same inspections.

The algorithm ``linkage-draw/1``, step by step (streams and canonical JSON: see ``randomness``):

1. Targets are taken in order of code, officers in order of code, matters in order of id. A target's yearly
   count starts at ``inspected_this_year``.
2. Forced targets (``forced``) come first, in the order listed: each becomes an inspection of its matter and
   adds 1 to the target's yearly count.
3. For each matter, for each tier in the order high, elevated, normal, low: the tier's pool is the targets of
   that tier to which the matter's domain applies. Its quota is ceil(pool × ratio‰ ÷ (1000 × frequency)), less
   the forced targets of that matter in that tier. Stream ``targets|<matter id>|<tier>`` shuffles the pool
   lazily: for i = 0, 1, ...: j = i + below(size − i), swap positions i and j, and the target now at i is
   taken unless that matter already inspects it or its yearly count has reached ``target_yearly_cap``. Taking
   one adds 1 to its yearly count. It stops once the quota is met or the pool is used up (a shortfall).
4. For each inspection in the order made (forced, then by matter and tier as drawn): the eligible officers are
   those certified in the matter's domain, not declaring a conflict with the target (回避), with fewer than
   ``officer_cap`` inspections so far, in order of code. Stream ``officers|<matter id>|<target code>`` picks
   ``officers_per_inspection`` of them the same lazy way (j = i + below(size − i), swap, take position i).
   Each pick adds 1 to that officer's load. Fewer eligible officers than needed refuses the whole draw.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from services.enforcement.domain.randomness import RandomStream
from services.enforcement.domain.registers import RiskTier
from services.enforcement.domain.spec import TIERS, Committed, DrawRefused, PlanMatter, PoolOfficer, PoolTarget

T = TypeVar("T")


@dataclass(frozen=True)
class Inspection:
    """One drawn inspection (抽中的检查): a matter on a target, by named officers."""

    matter: str
    target: str
    officers: tuple[str, ...]
    forced: bool = False

    def to_json(self) -> dict[str, Any]:
        values = {"matter": self.matter, "target": self.target, "officers": list(self.officers)}
        return values | {"forced": self.forced}


@dataclass(frozen=True)
class Shortfall:
    matter: str
    tier: RiskTier
    quota: int
    drawn: int


@dataclass(frozen=True)
class Drawn:
    inspections: tuple[Inspection, ...]
    shortfalls: tuple[Shortfall, ...]

    def to_json(self) -> dict[str, Any]:
        short = [
            {"matter": s.matter, "tier": s.tier.value, "quota": s.quota, "drawn": s.drawn} for s in self.shortfalls
        ]
        return {"inspections": [i.to_json() for i in self.inspections], "shortfalls": short}


def lazy_shuffle(items: Sequence[T], stream: RandomStream) -> Iterator[T]:
    """Fisher–Yates from the front, one position at a time, so a small quota costs a few numbers, not the pool."""
    pool = list(items)
    for i in range(len(pool)):
        j = i + stream.below(len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
        yield pool[i]


def draw(committed: Committed, seed: str) -> Drawn:
    """Steps 1–4 of the module's algorithm."""
    targets = {t.code: t for t in committed.targets}
    counts = Counter({t.code: t.inspected_this_year for t in committed.targets})
    picks = [(f.matter, f.target, True) for f in committed.forced]
    counts.update(target for _, target, _ in picks)
    shortfalls: list[Shortfall] = []
    for matter in sorted(committed.matters, key=lambda m: m.id):
        picks += _draw_targets(matter, committed, targets, counts, seed, shortfalls)
    staffing = Staffing(committed, seed)
    inspections = tuple(Inspection(m, t, staffing.staff(m, targets[t]), forced) for m, t, forced in picks)
    return Drawn(inspections, tuple(shortfalls))


def _draw_targets(
    matter: PlanMatter,
    committed: Committed,
    targets: dict[str, PoolTarget],
    counts: Counter[str],
    seed: str,
    shortfalls: list[Shortfall],
) -> list[tuple[str, str, bool]]:
    chosen = {f.target for f in committed.forced if f.matter == matter.id}

    def open_for(code: str) -> bool:
        if code in chosen or counts[code] >= committed.constraints.target_yearly_cap:
            return False
        chosen.add(code)
        counts[code] += 1
        return True

    picks: list[tuple[str, str, bool]] = []
    for tier in TIERS:
        pool = [t.code for t in committed.targets if t.tier is tier and matter.domain in t.domains]
        quota = matter.quota(len(pool), tier) - sum(1 for code in chosen if targets[code].tier is tier)
        taken = _take(pool, quota, RandomStream(seed, f"targets|{matter.id}|{tier.value}"), open_for)
        if len(taken) < quota:
            shortfalls.append(Shortfall(matter.id, tier, quota, len(taken)))
        picks += [(matter.id, code, False) for code in taken]
    return picks


def _take(pool: Sequence[T], quota: int, stream: RandomStream, accept: Callable[[T], bool]) -> list[T]:
    taken: list[T] = []
    if quota <= 0:
        return taken
    for item in lazy_shuffle(pool, stream):
        if accept(item):
            taken.append(item)
            if len(taken) == quota:
                break
    return taken


class Staffing:
    """Step 4: officers per inspection, with recusal and workload caps."""

    def __init__(self, committed: Committed, seed: str, *, purpose: str = "officers") -> None:
        self.seed, self.purpose = seed, purpose
        self.need = committed.constraints.officers_per_inspection
        self.cap = committed.constraints.officer_cap
        self.matters = {m.id: m for m in committed.matters}
        self.by_domain: dict[str, list[PoolOfficer]] = defaultdict(list)
        for officer in sorted(committed.officers, key=lambda o: o.code):
            for domain in officer.domains:
                self.by_domain[domain].append(officer)
        self.load: Counter[str] = Counter()

    def staff(
        self, matter_id: str, target: PoolTarget, *, keep: Sequence[str] = (), barred: frozenset[str] = frozenset()
    ) -> tuple[str, ...]:
        """``keep`` stays on the inspection (a re-draw); ``barred`` officers may not be picked (fallen ill)."""
        domain = self.matters[matter_id].domain
        eligible = [o.code for o in self.by_domain[domain] if self._free(o, target, keep, barred)]
        wanted = self.need - len(keep)
        if len(eligible) < wanted:
            raise DrawRefused(_too_few(domain, target.code, len(eligible) + len(keep), self.need), field="officers")
        stream = RandomStream(self.seed, f"{self.purpose}|{matter_id}|{target.code}")
        picked = _take(eligible, wanted, stream, lambda code: True)
        self.load.update(picked)
        return (*keep, *picked)

    def _free(self, officer: PoolOfficer, target: PoolTarget, keep: Sequence[str], barred: frozenset[str]) -> bool:
        if officer.code in keep or officer.code in barred or target.code in officer.conflicts:
            return False
        return self.load[officer.code] < self.cap


def _too_few(domain: str, target: str, have: int, need: int) -> str:
    return (
        f"too few certified officers (执法资格) in {domain} for target {target}: {have} eligible after recusal "
        f"(回避) and workload caps, {need} needed"
    )


def drawn_from_json(doc: dict[str, Any]) -> Drawn:
    """A published result back into inspections (for a re-draw or a joint-visit plan)."""
    inspections = tuple(
        Inspection(str(i["matter"]), str(i["target"]), tuple(map(str, i["officers"])), bool(i["forced"]))
        for i in doc["inspections"]
    )
    short = tuple(
        Shortfall(str(s["matter"]), RiskTier(s["tier"]), int(s["quota"]), int(s["drawn"])) for s in doc["shortfalls"]
    )
    return Drawn(inspections, short)
