"""Grid workers (网格员): registered per grid, each with the live tasks they hold (load); a grid's case goes to one
of its workers by a balancing rule (派单规则) the office sets as data. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from contracts.events.dispatch import TaskRole
from services.dispatch.domain.routing import Assignment, Routing


class BalanceRule(StrEnum):
    LEAST_LOADED = "least_loaded"  # 最少在办优先: the worker holding the fewest live tasks, then the longest idle
    ROUND_ROBIN = "round_robin"  # 轮流派单: the worker assigned longest ago, whatever they hold


@dataclass(frozen=True)
class Balancing:
    """派单规则: how a grid's case picks its worker; ``cap``: a worker holding that many live tasks gets no more
    (the case goes on to its street and departments without a grid worker, and says so)."""

    rule: BalanceRule = BalanceRule.LEAST_LOADED
    cap: int = 30


@dataclass(frozen=True)
class GridWorker:
    """网格员 of one grid, with the live tasks they hold now and when they were last given one."""

    worker_code: str
    grid_code: str
    name: str
    active: bool = True
    load: int = 0
    last_assigned_at: datetime | None = None


def pick(workers: Sequence[GridWorker], balancing: Balancing) -> GridWorker | None:
    """The worker the rule picks among the grid's active workers under the cap; ties go to the smaller code."""
    able = [w for w in workers if w.active and w.load < balancing.cap]
    if not able:
        return None
    return min(able, key=_longest_idle if balancing.rule is BalanceRule.ROUND_ROBIN else _least_loaded)


def _longest_idle(worker: GridWorker) -> tuple[datetime, str]:
    return worker.last_assigned_at or NEVER, worker.worker_code


def _least_loaded(worker: GridWorker) -> tuple[int, datetime, str]:
    return worker.load, worker.last_assigned_at or NEVER, worker.worker_code


NEVER = datetime(1970, 1, 1, tzinfo=UTC)
"""When a worker never given a task was last given one: before anyone else."""


def given(worker: GridWorker, now: datetime) -> GridWorker:
    """The worker after taking one more task (for the next case of the same batch)."""
    return replace(worker, load=worker.load + 1, last_assigned_at=now)


def with_worker(routing: Routing, worker: GridWorker | None, balancing: Balancing) -> Routing:
    """The routing with the grid worker's task added beside the street's and the departments'."""
    if worker is None or not routing.assignments:
        return routing
    why = (
        f"grid worker (网格员) {worker.name} of grid {worker.grid_code}, by rule {balancing.rule} "
        f"(holding {worker.load} live task(s), cap {balancing.cap})"
    )
    return replace(
        routing, assignments=(*routing.assignments, Assignment(worker.worker_code, TaskRole.CO_OPERATING, why))
    )
