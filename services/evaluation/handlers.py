"""Evaluation's subscribers: thin translations of events onto use cases."""

from __future__ import annotations

from collections.abc import Sequence

from contracts import CloudEvent
from contracts.events.dispatch import TaskAssigned
from services.evaluation import service
from services.runtime.bus import Subscription
from services.runtime.uow import UnitOfWork


async def on_task_assigned(event: CloudEvent[TaskAssigned], uow: UnitOfWork) -> None:
    await service.record_assignments(uow, {event.id: event.data})


async def on_tasks_assigned(events: Sequence[CloudEvent[TaskAssigned]], uow: UnitOfWork) -> None:
    await service.record_assignments(uow, {event.id: event.data for event in events})


SUBSCRIPTIONS = (Subscription(TaskAssigned, on_task_assigned, many=on_tasks_assigned),)
