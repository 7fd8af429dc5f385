"""Evaluation rules (评价规则), pure: periods, indicator definitions, facts, figures, assessment, accountability."""

from services.evaluation.domain.periods import (
    DISTRICT_TIME,
    TASKS_ASSIGNED,
    AssigneeCount,
    IndicatorDefinition,
    OutOfScope,
    Period,
    readable_assignees,
    tally,
)

__all__ = [
    "DISTRICT_TIME",
    "TASKS_ASSIGNED",
    "AssigneeCount",
    "IndicatorDefinition",
    "OutOfScope",
    "Period",
    "readable_assignees",
    "tally",
]
