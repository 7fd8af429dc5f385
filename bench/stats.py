"""Summaries of latencies and rates; pure, so the unit tests pin them down."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of values sorted ascending, by linear interpolation between ranks."""
    if not ordered:
        raise ValueError("no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0–100")
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Latency:
    """Latency percentiles in milliseconds over ``count`` samples."""

    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float

    def as_json(self) -> dict[str, Any]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()}


def latency(seconds: Iterable[float]) -> Latency | None:
    """Percentiles of latencies given in seconds; None when there are none."""
    ordered = sorted(s * 1000 for s in seconds)
    if not ordered:
        return None
    return Latency(
        count=len(ordered),
        p50_ms=percentile(ordered, 50),
        p95_ms=percentile(ordered, 95),
        p99_ms=percentile(ordered, 99),
        max_ms=ordered[-1],
        mean_ms=sum(ordered) / len(ordered),
    )


def rate(count: int, first: float | None, last: float | None) -> float | None:
    """Events per second between the first and the last event; None when it cannot be told."""
    if count < 2 or first is None or last is None or last <= first:
        return None
    return count / (last - first)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def cpu_percent(cpu_seconds: float, wall_seconds: float) -> float | None:
    """CPU use as a percentage of one core (200 = two cores busy)."""
    return 100 * cpu_seconds / wall_seconds if wall_seconds > 0 else None


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)
