"""Evaluation's subscribers: thin translations of events onto use cases; every projected event batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contracts import CloudEvent
from contracts.events.dispatch import (
    CaseAccepted,
    CaseClosed,
    CaseRated,
    CaseVerified,
    TaskAcknowledged,
    TaskAssigned,
    TaskCompleted,
    TaskDeferred,
    TaskOverdue,
    TaskReturned,
    WhistleBlown,
)
from services.evaluation import service
from services.runtime.bus import Subscription
from services.runtime.uow import UnitOfWork


async def on_task_assigned(event: CloudEvent[TaskAssigned], uow: UnitOfWork) -> None:
    await service.record_assignments(uow, [event])


async def on_tasks_assigned(events: Sequence[CloudEvent[TaskAssigned]], uow: UnitOfWork) -> None:
    await service.record_assignments(uow, events)


async def on_projected_event(event: CloudEvent[Any], uow: UnitOfWork) -> None:
    await service.project(uow, [event])


async def on_projected_events(events: Sequence[CloudEvent[Any]], uow: UnitOfWork) -> None:
    await service.project(uow, events)


PROJECTED = (
    CaseAccepted,
    CaseClosed,
    CaseVerified,
    CaseRated,
    TaskAcknowledged,
    TaskCompleted,
    TaskReturned,
    TaskDeferred,
    TaskOverdue,
    WhistleBlown,
)

SUBSCRIPTIONS: tuple[Subscription[Any], ...] = (
    Subscription(TaskAssigned, on_task_assigned, many=on_tasks_assigned),
    *(Subscription(contract, on_projected_event, many=on_projected_events) for contract in PROJECTED),
)
