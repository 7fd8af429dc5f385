"""指标定义: the indicators of the report, as versioned data. Pure: no I/O.

A definition is never edited once published: a changed rule is a new ``@version`` appended to
``DEFINITIONS`` (tests/unit/test_evaluation_indicators.py pins every published one), figures name the
version they were computed with, and ``current()`` is what new figures use.
"""

from __future__ import annotations

from contracts.events.dispatch import (
    CaseAccepted,
    CaseClosed,
    CaseRated,
    CaseVerified,
    TaskAcknowledged,
    TaskAssigned,
    TaskCompleted,
    TaskDeferred,
    TaskReturned,
    WhistleBlown,
)
from services.evaluation.domain.periods import TASKS_ASSIGNED, IndicatorDefinition

WINDOW = "calendar days from..to inclusive, China Standard Time (UTC+8)"
CASE_ORGS = "attributed to the street the case lies in and to each primary (主办) assignee of the case"

CLOSURE_RATE = IndicatorDefinition(
    id="closure_rate@1",
    name="办结率 (closure rate)",
    formula="closed ÷ accepted",
    numerator="cases accepted in the window and closed (结案, any outcome) before the window ended",
    denominator=f"cases accepted (受理) in the window; {CASE_ORGS}",
    window=WINDOW,
    minimum_sample=5,
    source_events=(CaseAccepted.TYPE, CaseClosed.TYPE, TaskAssigned.TYPE),
)
ON_TIME_CLOSURE = IndicatorDefinition(
    id="on_time_closure@1",
    name="按期办结率 (on-time closure)",
    formula="completed on time ÷ (due − deferred)",
    numerator="primary tasks due in the window, completed by their due time (TaskCompleted.on_time)",
    denominator="primary tasks whose due time falls in the window, less those with an approved deferral (延期/缓办)",
    window=WINDOW,
    minimum_sample=5,
    source_events=(TaskAssigned.TYPE, TaskCompleted.TYPE, TaskDeferred.TYPE),
)
ACKNOWLEDGED_ON_TIME = IndicatorDefinition(
    id="acknowledged_on_time@1",
    name="按时签收率 (acknowledgement on time)",
    formula="acknowledged on time ÷ acknowledged",
    numerator="dispatched tasks (not whistles) acknowledged in the window and not late",
    denominator="dispatched tasks (not whistles) acknowledged (签收) in the window",
    window=WINDOW,
    minimum_sample=5,
    source_events=(TaskAssigned.TYPE, TaskAcknowledged.TYPE),
)
REWORK_RATE = IndicatorDefinition(
    id="rework_rate@1",
    name="返工率 (rework)",
    formula="cases sent back at least once ÷ cases verified",
    numerator="cases first verified in the window whose rework count (返工) is at least one",
    denominator="cases first verified (核查) in the window; attributed to each primary assignee of the case",
    window=WINDOW,
    minimum_sample=5,
    source_events=(CaseVerified.TYPE, TaskAssigned.TYPE),
)
RETURN_RATE = IndicatorDefinition(
    id="return_rate@1",
    name="退回率 (returns)",
    formula="returned ÷ assigned",
    numerator="tasks assigned in the window and returned (退回) before the window ended",
    denominator="tasks assigned (派发) to the assignee in the window",
    window=WINDOW,
    minimum_sample=5,
    source_events=(TaskAssigned.TYPE, TaskReturned.TYPE),
)
PING_PONG = IndicatorDefinition(
    id="ping_pong@1",
    name="往返推诿率 (ping-pong)",
    formula="returns that were the case's second or later ÷ returns",
    numerator="returns in the window with returns_on_case ≥ 2",
    denominator="returns (退回) made by the assignee in the window",
    window=WINDOW,
    minimum_sample=3,
    source_events=(TaskReturned.TYPE,),
)
SATISFACTION = IndicatorDefinition(
    id="satisfaction@1",
    name="满意率 (satisfaction)",
    formula="rated satisfied ÷ rated",
    numerator="ratings in the window marked satisfied (满意)",
    denominator=f"cases rated (评价) in the window; {CASE_ORGS}",
    window=WINDOW,
    minimum_sample=5,
    source_events=(CaseRated.TYPE, CaseAccepted.TYPE, TaskAssigned.TYPE),
)
RESPONSE_TIME = IndicatorDefinition(
    id="response_time@1",
    name="响应时长 (response time, hours)",
    formula="median and p90 of hours from dispatch (派发) to acknowledgement (签收)",
    numerator="hours assigned_at → acknowledged_at of each task acknowledged in the window",
    denominator=None,  # a distribution, not a rate
    window=WINDOW,
    minimum_sample=5,
    source_events=(TaskAssigned.TYPE, TaskAcknowledged.TYPE),
)
RESOLUTION_TIME = IndicatorDefinition(
    id="resolution_time@1",
    name="办理时长 (resolution time, hours)",
    formula="median and p90 of hours from dispatch (派发) to completion (办结)",
    numerator="hours assigned_at → completed_at of each task completed in the window",
    denominator=None,  # a distribution, not a rate
    window=WINDOW,
    minimum_sample=5,
    source_events=(TaskAssigned.TYPE, TaskCompleted.TYPE),
)
WHISTLE_REPORT_IN = IndicatorDefinition(
    id="whistle_report_in@1",
    name="吹哨报到及时率 (whistle report-in on time)",
    formula="reported in on time ÷ summoned",
    numerator="summons whose department acknowledged (报到) its whistle task, not late",
    denominator="departments summoned by whistles (街乡吹哨) whose report-by time falls in the window",
    window=WINDOW,
    minimum_sample=3,
    source_events=(WhistleBlown.TYPE, TaskAssigned.TYPE, TaskAcknowledged.TYPE),
)

DEFINITIONS: tuple[IndicatorDefinition, ...] = (
    TASKS_ASSIGNED,
    CLOSURE_RATE,
    ON_TIME_CLOSURE,
    ACKNOWLEDGED_ON_TIME,
    REWORK_RATE,
    RETURN_RATE,
    PING_PONG,
    SATISFACTION,
    RESPONSE_TIME,
    RESOLUTION_TIME,
    WHISTLE_REPORT_IN,
)
"""Every version ever published, oldest first; append, never edit."""

DURATIONS = frozenset({RESPONSE_TIME.key, RESOLUTION_TIME.key})
"""Indicators whose figure is a median (with its p90) rather than a rate."""


def current() -> tuple[IndicatorDefinition, ...]:
    """The newest version of each indicator, in first-published order: what new figures are computed with."""
    newest: dict[str, IndicatorDefinition] = {}
    for definition in DEFINITIONS:
        if definition.key not in newest or definition.version > newest[definition.key].version:
            newest[definition.key] = definition
    return tuple(newest.values())


def by_id(definition_id: str) -> IndicatorDefinition:
    """A definition by its versioned id; ``KeyError`` for one never published."""
    for definition in DEFINITIONS:
        if definition.id == definition_id:
            return definition
    raise KeyError(definition_id)
