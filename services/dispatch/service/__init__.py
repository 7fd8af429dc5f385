"""Dispatch use cases: one transaction each, through the unit of work."""

from services.dispatch.service.cases import arbitrate_case, blow_whistle, close_case, rate_case, verify_case
from services.dispatch.service.deadlines import YearStatus, calendar_status, load_notice, sweep_overdue
from services.dispatch.service.intake import TakenCase, map_grid, project_item, retire_item, take_case
from services.dispatch.service.recording import Actor
from services.dispatch.service.tasks import acknowledge_task, complete_task, pause_task, resume_task, return_task
from services.dispatch.service.views import (
    case_timeline,
    case_view,
    counts,
    inbox,
    routing_of,
    search_cases,
    service_list,
    task_view,
)

__all__ = [
    "Actor",
    "TakenCase",
    "YearStatus",
    "acknowledge_task",
    "arbitrate_case",
    "blow_whistle",
    "calendar_status",
    "case_timeline",
    "case_view",
    "close_case",
    "complete_task",
    "counts",
    "inbox",
    "load_notice",
    "map_grid",
    "pause_task",
    "project_item",
    "rate_case",
    "resume_task",
    "retire_item",
    "return_task",
    "routing_of",
    "search_cases",
    "service_list",
    "sweep_overdue",
    "take_case",
    "task_view",
    "verify_case",
]
