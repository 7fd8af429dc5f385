"""Evaluation rules (评价规则), pure: periods, indicator definitions, facts, figures, assessment, accountability."""

from services.evaluation.domain.periods import (
    TASKS_ASSIGNED,
    AssigneeCount,
    IndicatorDefinition,
    OutOfScope,
    Period,
    readable_assignees,
    tally,
)

__all__ = [
    "TASKS_ASSIGNED",
    "AssigneeCount",
    "IndicatorDefinition",
    "OutOfScope",
    "Period",
    "readable_assignees",
    "tally",
]
