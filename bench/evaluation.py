"""Evaluation bench: recompute a year of 100,000 cases' figures from the projection's facts (target <= 2 s).

Run: ``python -m bench.evaluation [--cases N]``. The baseline, measured in the same run over the same rows,
is one bare pass that only counts closed cases: the floor any recompute pays to look at every case once.
Figures and their history go in bench/README.md, not here.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

from services.evaluation.domain.facts import CaseFacts, Facts, Summons, TaskFacts
from services.evaluation.domain.figures import figures
from services.evaluation.domain.periods import Period
from services.platform.evaluation_demo import Scenario, year

TARGET_S = 2.0


def _case(s: Scenario) -> CaseFacts:
    h = s.accepted_at + timedelta(hours=s.done_hours)
    closed = h + timedelta(hours=3) if s.closed else None
    rated = h + timedelta(hours=30) if s.closed and s.rated else None
    return CaseFacts(
        s.case_id,
        s.street,
        s.accepted_at,
        closed,
        s.done_hours <= s.due_hours,
        "resolved",
        h + timedelta(hours=2),
        s.rework,
        rated,
        s.satisfied if rated else None,
    )


def _task(s: Scenario) -> TaskFacts:
    at = s.accepted_at
    return TaskFacts(
        s.task_id,
        s.case_id,
        s.department,
        "primary",
        s.whistle_id,
        at,
        at + timedelta(hours=s.due_hours),
        at + timedelta(hours=s.ack_hours),
        s.ack_late,
        at + timedelta(hours=s.done_hours),
        s.done_hours <= s.due_hours,
        None,
        s.returns,
    )


def _summons(s: Scenario) -> list[Summons]:
    if s.whistle_id is None:
        return []
    return [Summons(s.whistle_id, s.department, s.street, s.accepted_at, s.accepted_at + timedelta(minutes=30))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    cases = parser.parse_args().cases
    scenarios, _ = year(cases)
    rows = ([_case(s) for s in scenarios], [_task(s) for s in scenarios], [x for s in scenarios for x in _summons(s)])
    started = time.perf_counter()
    closed = sum(1 for case in rows[0] if case.closed_at is not None)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    found = figures(Facts(*rows), Period(date(2022, 1, 1), date(2022, 12, 31)))
    took = time.perf_counter() - started
    verdict = "ok" if took <= TARGET_S else "OVER TARGET"
    print(f"recompute a year: {cases:,} cases, {len(found):,} figures in {took:.3f} s (target {TARGET_S} s): {verdict}")
    print(f"baseline (one bare pass counting {closed:,} closed cases): {baseline:.3f} s")


if __name__ == "__main__":
    main()
