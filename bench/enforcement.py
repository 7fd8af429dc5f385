"""``python -m bench.enforcement``: the double-random draw, the joint-visit merge and record verification, timed
on synthetic registers the size the issue names (10,000 targets, 500 officers, 3,000 inspections)."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from services.enforcement.domain.draw import draw
from services.enforcement.domain.randomness import commitment_of
from services.enforcement.domain.record import verified, verify
from services.enforcement.domain.registers import RiskTier
from services.enforcement.domain.spec import Committed, Constraints, PlanMatter, PoolOfficer, PoolTarget
from services.enforcement.domain.visits import Planned, merge_visits

DOMAINS = ("市场监管", "城市管理", "生态环境", "应急管理", "卫生健康")
STREETS = ("hongxing", "caiyuan", "zhengyang", "wulong", "hubin")
TIERS = (RiskTier.HIGH, RiskTier.ELEVATED, RiskTier.NORMAL, RiskTier.LOW)
RATIOS = {RiskTier.HIGH: 300, RiskTier.ELEVATED: 100, RiskTier.NORMAL: 20, RiskTier.LOW: 10}
SEED = "bench-seed-2026"


def registers(targets: int, officers: int, matters: int) -> Committed:
    """Deterministic synthetic pools: a target's tier and domains, an officer's domains, follow from its index."""
    pool_targets = tuple(
        PoolTarget(
            f"T{i:05d}",
            STREETS[i % 5],
            TIERS[min(3, i % 10)],
            frozenset({DOMAINS[i % 5], DOMAINS[(i * 7) % 5]}),
            i % 3,
        )
        for i in range(targets)
    )
    pool_officers = tuple(
        PoolOfficer(
            f"O{i:04d}",
            f"org{i % 12}",
            STREETS[i % 5] if i % 4 == 0 else None,
            frozenset({DOMAINS[i % 5], DOMAINS[(i + 2) % 5]}),
            frozenset({f"T{(i * 37) % targets:05d}"}),
        )
        for i in range(officers)
    )
    plan_matters = tuple(
        PlanMatter(f"M{i:02d}", f"dept{i % 6}", DOMAINS[i % 5], 1, dict(RATIOS)) for i in range(matters)
    )
    plan = {"name": "bench", "year": 2026, "period_start": "2026-01-01", "period_end": "2026-12-31"}
    constraints = Constraints(officers_per_inspection=2, target_yearly_cap=3, officer_cap=200)
    return Committed(plan, plan_matters, (), constraints, pool_targets, pool_officers)


def timed(run: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        value = run()
        best = min(best, time.perf_counter() - started)
    return best, value


def measure() -> dict[str, Any]:
    committed = registers(10_000, 500, 25)
    draw_s, drawn = timed(lambda: draw(committed, SEED))
    record = {
        "committed": committed.to_json(),
        "commitment": commitment_of(committed.to_json()),
        "seed": SEED,
        "result": drawn.to_json(),
        "redraws": [],
    }
    verify_s, checks = timed(lambda: verify(json.loads(json.dumps(record))))
    planned = _inspections(committed, 3000)
    merge_s, visits = timed(lambda: merge_visits(planned, _team(committed), visit_cap=60))
    return {
        "draw_s": round(draw_s, 3),
        "draw_inspections": len(drawn.inspections),
        "verify_s": round(verify_s, 3),
        "verified": verified(checks),
        "merge_s": round(merge_s, 3),
        "merge_inspections": len(planned),
        "visits": len(visits.visits),
        "visits_saved": visits.saved,
    }


def _inspections(committed: Committed, count: int) -> list[Planned]:
    """3,000 inspections over 1,000 targets by 6 departments, so that targets share visits as they do in a year."""
    targets = committed.targets[:1000]
    return [
        Planned(
            f"M{i % 25:02d}",
            f"dept{i % 6}",
            targets[(i * 7919) % 1000].code,
            targets[(i * 7919) % 1000].street,
            (f"O{i % 500:04d}", f"O{(i + 1) % 500:04d}"),
        )
        for i in range(count)
    ]


def _team(committed: Committed) -> Sequence[PoolOfficer]:
    return [o for o in committed.officers if o.street is not None]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.enforcement", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure()
    targets = {"draw_s": 1.0, "merge_s": 2.0, "verify_s": 1.0}
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        for key, value in figures.items():
            bar = (
                f"  (target ≤ {targets[key]} s: {'met' if value <= targets[key] else 'MISSED'})"
                if key in targets
                else ""
            )
            print(f"{key:<18} {value}{bar}")
    return 0 if all(figures[key] <= bound for key, bound in targets.items()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
