"""Dispatch use cases: one transaction each, through the unit of work."""

from services.dispatch.service.access import Actor
from services.dispatch.service.assisted import take_assisted
from services.dispatch.service.cases import arbitrate_case, blow_whistle, close_case, rate_case, verify_case
from services.dispatch.service.commands import (
    ArbitrateCase,
    BlowWhistle,
    CloseCase,
    DispatchByHand,
    RefuseCase,
    ReopenCase,
    ReturnTask,
)
from services.dispatch.service.deadlines import YearStatus, calendar_status, load_notice, sweep_overdue
from services.dispatch.service.deferrals import (
    approve_deferral,
    deferrals_of,
    pause_task,
    reject_deferral,
    request_deferral,
    resume_task,
)
from services.dispatch.service.intake import TakenCase, take_case, take_cases
from services.dispatch.service.placing import grid_outlines, within_district
from services.dispatch.service.projection import (
    map_grid,
    project_admission,
    project_item,
    project_street_list,
    retire_item,
)
from services.dispatch.service.tasks import acknowledge_task, complete_task, return_task
from services.dispatch.service.triage import dispatch_by_hand, refuse_case, reopen_case
from services.dispatch.service.views import (
    ItemInForce,
    case_timeline,
    case_view,
    counts,
    inbox,
    routing_of,
    search_cases,
    service_list,
    status_feed,
    street_cases,
    task_view,
)
from services.dispatch.service.workers import (
    RegisterWorkers,
    balancing_of,
    register_workers,
    roster_of,
    set_balancing,
)

__all__ = [
    "Actor",
    "ArbitrateCase",
    "BlowWhistle",
    "CloseCase",
    "DispatchByHand",
    "ItemInForce",
    "RefuseCase",
    "RegisterWorkers",
    "ReopenCase",
    "ReturnTask",
    "TakenCase",
    "YearStatus",
    "acknowledge_task",
    "approve_deferral",
    "arbitrate_case",
    "balancing_of",
    "blow_whistle",
    "calendar_status",
    "case_timeline",
    "case_view",
    "close_case",
    "complete_task",
    "counts",
    "deferrals_of",
    "dispatch_by_hand",
    "grid_outlines",
    "inbox",
    "load_notice",
    "map_grid",
    "pause_task",
    "project_admission",
    "project_item",
    "project_street_list",
    "rate_case",
    "refuse_case",
    "register_workers",
    "reject_deferral",
    "reopen_case",
    "request_deferral",
    "resume_task",
    "retire_item",
    "return_task",
    "roster_of",
    "routing_of",
    "search_cases",
    "service_list",
    "set_balancing",
    "status_feed",
    "street_cases",
    "sweep_overdue",
    "take_assisted",
    "take_case",
    "take_cases",
    "task_view",
    "verify_case",
    "within_district",
]
