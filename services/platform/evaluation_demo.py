"""A year of synthetic cases as dispatch's real events (演示数据), for the demo, the tests and the bench.

Shaped like the report's year (DOMAIN.md: 8,461 accepted, 99.62% closed, 99.35% satisfied) with the
trouble evaluation looks for: late acknowledgements, returns and ping-pong, reworks, overdue tasks and a
department that keeps missing its whistles. ``Scenario`` keeps what was decided for each case, so a test
can compute the expected figures without the projection.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts import CloudEvent, IntegrationEvent
from contracts.envelope import envelope_model
from contracts.events import dispatch as d

STREETS = ("longsha", "hongxing", "dongfeng", "xinhua")
DEPARTMENTS = ("cgj", "scjg", "sfj", "zjj", "hbj")
AGENCIES = ("sfs", "cgzd")
"""Dispatched agencies (派驻机构: judicial office, urban management squad), assigned cases like departments."""
LAGGARD = "zjj"
"""The department the demo makes miss its whistles and overrun its deadlines, so a finding has content."""


@dataclass(frozen=True)
class Cast:
    """Who the synthetic cases involve; ``{street}`` in an assignee code is the case's street (its own agency)."""

    streets: tuple[str, ...]
    assignees: tuple[str, ...]
    laggard: str


TEST_CAST = Cast(STREETS, DEPARTMENTS + AGENCIES, LAGGARD)
"""The tests' and the bench's organisations."""


@dataclass(frozen=True)
class Scenario:
    """What happened to one synthetic case (the expected figures are computed from these)."""

    case_id: uuid.UUID
    task_id: uuid.UUID
    street: str
    department: str
    accepted_at: datetime
    ack_hours: float
    ack_late: bool
    done_hours: float
    due_hours: float
    closed: bool
    returns: int
    rework: int
    rated: bool
    satisfied: bool
    whistle_id: uuid.UUID | None


def _event(contract_event: IntegrationEvent, at: datetime, rng: random.Random) -> CloudEvent[Any]:
    model = envelope_model(type(contract_event))
    event_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    return model(id=event_id, source="/linkage/dispatch", type=contract_event.TYPE, time=at, data=contract_event)


# long because the draws' order fixes every seed's year: the tests compute their expectations from it
def scenario(
    n: int, start: datetime, span: timedelta, rng: random.Random, tag: str = "", cast: Cast = TEST_CAST
) -> Scenario:
    """One case's fate, drawn so the year's totals look like the report's; ``tag`` suffixes every code."""
    assignee = rng.choice(cast.assignees)
    laggard = assignee == cast.laggard
    ack_hours = rng.uniform(0.1, 6.0 if laggard else 2.0)
    done = rng.uniform(4, 120 if laggard else 60)
    case_id, task_id = uuid.UUID(int=rng.getrandbits(128), version=4), uuid.UUID(int=rng.getrandbits(128), version=4)
    street = rng.choice(cast.streets)
    return Scenario(
        case_id=case_id,
        task_id=task_id,
        street=street + tag,
        department=assignee.format(street=street) + tag,
        accepted_at=start + span * rng.random(),
        ack_hours=ack_hours,
        ack_late=ack_hours > 4,
        done_hours=done,
        due_hours=72.0,
        closed=rng.random() < 0.996,
        returns=rng.choices((0, 1, 2), (0.93, 0.05, 0.02))[0],
        rework=rng.choices((0, 1), (0.92, 0.08))[0],
        rated=rng.random() < 0.8,
        satisfied=rng.random() < (0.9 if laggard else 0.995),
        whistle_id=uuid.UUID(int=rng.getrandbits(128), version=4) if n % 25 == 0 else None,
    )


# long because a case's events read best as one story, in the order dispatch publishes them
def case_events(s: Scenario, rng: random.Random) -> Iterator[CloudEvent[Any]]:
    """The events dispatch publishes for ``s``, in the order it would."""
    t0 = s.accepted_at

    def hours(h: float) -> datetime:
        return t0 + timedelta(hours=h)

    common = {"case_id": s.case_id, "assignee_code": s.department}
    yield _event(
        d.CaseAccepted(
            case_id=s.case_id,
            source_system="12345",
            source_id=str(s.case_id)[:8],
            item_code="GX-001",
            street_code=s.street,
        ),
        t0,
        rng,
    )
    if s.whistle_id is not None:
        blown = d.WhistleBlown(
            whistle_id=s.whistle_id,
            case_id=s.case_id,
            street_code=s.street,
            reason=d.WhistleReason.NO_POWER,
            departments=(s.department,),
            report_by=hours(0.5),
            description="占道经营，需执法力量",
        )
        yield _event(blown, t0, rng)
    assigned = d.TaskAssigned(
        task_id=s.task_id,
        role=d.TaskRole.PRIMARY,
        item_code="GX-001",
        street_code=s.street,
        catalogue_version=1,
        routing_reason="清单事项 GX-001 责任主体",
        description="人行道流动摊贩",
        assigned_at=t0,
        due_at=hours(s.due_hours),
        whistle_id=s.whistle_id,
        **common,
    )
    yield _event(assigned, t0, rng)
    yield _event(
        d.TaskAcknowledged(task_id=s.task_id, acknowledged_at=hours(s.ack_hours), late=s.ack_late, **common),
        hours(s.ack_hours),
        rng,
    )
    for n in range(1, s.returns + 1):
        returned = d.TaskReturned(
            task_id=s.task_id,
            named_body=s.street,
            citation="GX-001",
            reason="非本部门职责",
            outcome="arbitration",
            returns_on_case=n,
            **common,
        )
        yield _event(returned, hours(s.ack_hours + n), rng)
    done_at = hours(s.done_hours)
    if s.done_hours > s.due_hours:
        overdue = d.TaskOverdue(
            task_id=s.task_id, stage=d.OverdueStage.HANDLE, due_at=hours(s.due_hours), escalated_to="office", **common
        )
        yield _event(overdue, hours(s.due_hours), rng)
    yield _event(
        d.TaskCompleted(
            task_id=s.task_id,
            result="已劝离并清理",
            completed_at=done_at,
            on_time=s.done_hours <= s.due_hours,
            **common,
        ),
        done_at,
        rng,
    )
    yield _event(
        d.CaseVerified(
            case_id=s.case_id, passed=s.rework == 0, verifier=s.street, note="现场核查", rework_count=s.rework
        ),
        hours(s.done_hours + 2),
        rng,
    )
    if s.closed:
        closed = d.CaseClosed(
            case_id=s.case_id,
            source_system="12345",
            source_id=str(s.case_id)[:8],
            outcome=d.CaseOutcome.RESOLVED,
            note="办结",
            closed_at=hours(s.done_hours + 3),
            on_time=s.done_hours <= s.due_hours,
        )
        yield _event(closed, hours(s.done_hours + 3), rng)
        if s.rated:
            rated = d.CaseRated(case_id=s.case_id, satisfied=s.satisfied, score=5 if s.satisfied else 2)
            yield _event(rated, hours(s.done_hours + 30), rng)


def year(
    cases: int, *, seed: int = 2022, start: datetime | None = None, tag: str = "", cast: Cast = TEST_CAST
) -> tuple[list[Scenario], list[CloudEvent[Any]]]:
    """``cases`` synthetic cases spread over a year from ``start`` (1 Jan 2022, Beijing), and their events."""
    rng = random.Random(seed)
    first = start or datetime(2021, 12, 31, 16, tzinfo=UTC)
    scenarios = [scenario(n, first, timedelta(days=365), rng, tag, cast) for n in range(cases)]
    events = [event for s in scenarios for event in case_events(s, rng)]
    return scenarios, events
