"""How much of each measurement a run does: the full suite (under 10 minutes) or ``--quick`` (under 2)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Plan:
    name: str
    warmup_cases: int
    latency_cps: float
    """The fixed rate the p99 target is stated at."""
    latency_seconds: float
    scale_base_cps: float
    scale_factors: tuple[int, ...]
    scale_seconds: float
    flat_out_cases: int
    flat_out_seconds: float
    """The longest a flat-out phase is given to deliver; what is left then is purged."""
    bare_rate_seconds: float
    bare_single_cases: int
    bare_batched_cases: int
    lookups: int
    drain_s: float
    """The longest an open-loop phase waits for its last case after its last send (capped by its own length)."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


FULL = Plan(
    name="full",
    warmup_cases=400,
    latency_cps=100.0,
    latency_seconds=30.0,
    scale_base_cps=250.0,
    scale_factors=(1, 2, 4),
    scale_seconds=12.0,
    flat_out_cases=8000,
    flat_out_seconds=25.0,
    bare_rate_seconds=10.0,
    bare_single_cases=2000,
    bare_batched_cases=10000,
    lookups=2000,
    drain_s=12.0,
)
QUICK = Plan(
    name="quick",
    warmup_cases=150,
    latency_cps=100.0,
    latency_seconds=6.0,
    scale_base_cps=250.0,
    scale_factors=(1, 2, 4),
    scale_seconds=3.0,
    flat_out_cases=4000,
    flat_out_seconds=6.0,
    bare_rate_seconds=4.0,
    bare_single_cases=800,
    bare_batched_cases=3000,
    lookups=200,
    drain_s=4.0,
)
