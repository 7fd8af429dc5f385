"""Detector thresholds (问责认定标准), pure: they scale with the period's length and the organisation's volume, so a
year is judged as its months are, and a big department is not flagged for what would flag a small one."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from contracts.base import DISTRICT_TZ
from services.evaluation.domain import Period
from services.evaluation.domain.accountability import SITUATION, SITUATIONS, method_by_hand, propose
from services.evaluation.domain.detectors import DETECTORS, Detected, detect, verdict
from services.evaluation.domain.facts import CaseFacts, Facts, Summons, TaskFacts, fact_rows
from services.evaluation.store.facts import EARLIEST, KEEP, LATEST, MERGES
from services.platform.evaluation_demo import year
from services.platform.evaluation_demo_replay import CASES, LONGSHA, SEED

JANUARY = Period(date(2025, 1, 1), date(2025, 1, 31))
YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))


def noon(day: int) -> datetime:
    return datetime.combine(date(2025, 1, 1) + timedelta(days=day), time(12), DISTRICT_TZ)


def signed(org: str, due: datetime, *, overdue: bool = False) -> TaskFacts:
    """A primary task signed for the day before it is due (so not 不履行), overdue at its deadline or not."""
    signed_at = due - timedelta(days=1)
    return TaskFacts(
        uuid.uuid4(),
        assignee_code=org,
        role="primary",
        acknowledged_at=signed_at,
        due_at=due,
        overdue_at=due if overdue else None,
    )


def daily(org: str, *, due_per_day: int, overdue_every: int, days: int = 365) -> list[TaskFacts]:
    """The same behaviour every day: ``due_per_day`` tasks due, the first overdue every ``overdue_every`` days."""
    return [
        signed(org, noon(day), overdue=n == 0 and day % overdue_every == 0)
        for day in range(days)
        for n in range(due_per_day)
    ]


def verdicts(facts: Facts, period: Period) -> dict[tuple[str, str], str]:
    return {(d.org_code, d.situation): d.method for d in detect(facts, period.bounds())}


def test_every_detected_situation_has_a_base_and_a_share_and_the_hand_raised_one_neither() -> None:
    assert set(DETECTORS) == {s.key for s in SITUATIONS if s.detected}
    assert all(s.share and s.base and s.per_month > 0 for s in SITUATIONS if s.detected)
    assert not SITUATION["pushing_work"].detected
    assert SITUATION["pushing_work"].share is None
    assert SITUATION["dissatisfaction"].share == 0.10  # once hard-coded in the detector, now data


def test_a_threshold_grows_with_the_period_and_with_the_organisations_volume() -> None:
    overdue = SITUATION["repeated_overdue"]
    assert overdue.threshold(days=30) == overdue.per_month
    assert overdue.threshold(days=360) == 12 * overdue.per_month
    assert overdue.threshold(days=30, base=3_000) == 300  # 10% of the tasks due outweighs the count
    assert overdue.threshold(days=1) == 1  # never less than one occurrence


def test_a_month_and_a_year_of_the_same_daily_behaviour_get_the_same_verdict() -> None:
    tasks = daily("slow", due_per_day=2, overdue_every=4) + daily("rare", due_per_day=2, overdue_every=20)
    facts = Facts([], tasks, [])
    month, whole = verdicts(facts, JANUARY), verdicts(facts, YEAR)
    assert month == whole == {("slow", "repeated_overdue"): "reminder_talk"}
    rare_in_year = sum(1 for t in tasks if t.assignee_code == "rare" and t.overdue_at)
    assert rare_in_year >= 3 * SITUATION["repeated_overdue"].per_month  # a flat count per period flagged it


def test_a_big_department_with_a_few_overdue_among_thousands_is_not_flagged_but_a_small_one_is() -> None:
    big = daily("big", due_per_day=100, overdue_every=1, days=5)
    small = daily("small", due_per_day=1, overdue_every=1, days=5)
    padding = [
        signed(org, noon(day))
        for org, per_day in (("big", 100), ("small", 1))
        for day in range(5, 31)
        for _ in range(per_day)
    ]
    found = {d.org_code: d for d in detect(Facts([], big + small + padding, []), JANUARY.bounds())}
    assert set(found) == {"small"}
    assert found["small"] == Detected(
        "small", "repeated_overdue", "reminder_talk", 5, found["small"].evidence, threshold=3.1, base=31
    )


def test_propose_maps_how_many_times_the_threshold_onto_methods() -> None:
    assert verdict("repeated_overdue", 20, days=30, base=10) == ("circulated_criticism", 3.0)
    assert verdict("repeated_overdue", 20, days=30, base=100) == ("notification_letter", 10.0)
    assert verdict("repeated_overdue", 9, days=30, base=100)[0] is None
    assert propose("false_closure", 2, threshold=2) == "notification_letter"


def test_dissatisfaction_is_judged_against_the_cases_rated() -> None:
    def rated(org: str, n: int, unhappy: int) -> tuple[list[CaseFacts], list[TaskFacts]]:
        cases = [CaseFacts(uuid.uuid4(), rated_at=noon(i % 28), satisfied=i >= unhappy) for i in range(n)]
        return cases, [TaskFacts(uuid.uuid4(), case_id=c.case_id, assignee_code=org, role="primary") for c in cases]

    many, few = rated("many", 400, unhappy=20), rated("few", 40, unhappy=5)  # 5% and 12.5% dissatisfied
    found = verdicts(Facts(many[0] + few[0], many[1] + few[1], []), JANUARY)
    assert found == {("few", "dissatisfaction"): "reminder_talk"}


def test_a_hand_raised_finding_takes_the_offices_method_or_the_rules_for_one_threshold() -> None:
    assert method_by_hand("pushing_work", None) == "reminder_talk"
    assert method_by_hand("false_closure", None) == "notification_letter"
    assert method_by_hand("pushing_work", "order_to_rectify") == "order_to_rectify"


def projected(events: list[Any]) -> Facts:
    """The projection's rows, merged in memory by the store's own merge rules (a fake of store/facts.py)."""
    tables: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    for row in (r for e in events for r in fact_rows(e, trace_id="trace")):
        merge = MERGES[row.kind]
        key = tuple(row.values[c] for c in merge.key)
        kept = tables.setdefault(merge.table.name, {}).setdefault(key, dict(zip(merge.key, key, strict=True)))
        for column, rule in merge.columns.items():
            kept[column] = _merged(kept.get(column), row.values.get(column), rule)
    rows = {name: list(table.values()) for name, table in tables.items()}
    cases, tasks, summons = (rows.get(n, []) for n in ("case_facts", "task_facts", "whistle_summons"))
    return Facts([CaseFacts(**c) for c in cases], [TaskFacts(**t) for t in tasks], [Summons(**s) for s in summons])


def _merged(mine: Any, theirs: Any, rule: str) -> Any:
    if rule == KEEP or theirs is None:
        return theirs if mine is None else mine
    if mine is None or rule not in (EARLIEST, LATEST):
        return theirs
    return min(mine, theirs) if rule == EARLIEST else max(mine, theirs)


def test_the_demo_year_raises_the_laggards_overdue_finding_and_not_one_for_everyone() -> None:
    start = datetime.combine(YEAR.start, time(), DISTRICT_TZ)
    scenarios, events = year(CASES, seed=SEED, start=start, cast=LONGSHA)
    found = detect(projected(events), YEAR.bounds())
    flagged = {d.org_code for d in found}
    assert ("zjj", "repeated_overdue") in {(d.org_code, d.situation) for d in found}
    organisations = {s.department for s in scenarios}
    assert flagged < organisations
    assert len(flagged) <= len(organisations) // 3
