"""Evaluation's subscribers: thin translations of events onto use cases."""

from __future__ import annotations

from contracts import CloudEvent
from contracts.events.dispatch import TaskAssigned
from services.evaluation import service
from services.runtime.bus import Subscription
from services.runtime.uow import UnitOfWork


async def on_task_assigned(event: CloudEvent[TaskAssigned], uow: UnitOfWork) -> None:
    await service.record_assignment(uow, event.data)


SUBSCRIPTIONS = (Subscription(TaskAssigned, on_task_assigned),)
