"""Evaluation use cases: one transaction each, through the unit of work."""

from services.evaluation.service.assignments import tasks_assigned
from services.evaluation.service.projection import period_figures, project, rebuild

__all__ = ["period_figures", "project", "rebuild", "tasks_assigned"]
