"""Enforcement's subscribers: thin translations of events onto use cases."""

from __future__ import annotations

from contracts import CloudEvent
from contracts.events.catalog import ItemPublished, ItemRetired
from services.enforcement import service
from services.runtime.bus import Subscription
from services.runtime.uow import UnitOfWork


async def on_item_published(event: CloudEvent[ItemPublished], uow: UnitOfWork) -> None:
    await service.project_item(uow, event.data)


async def on_item_retired(event: CloudEvent[ItemRetired], uow: UnitOfWork) -> None:
    await service.retire_item(uow, event.data)


SUBSCRIPTIONS = (
    Subscription(ItemPublished, on_item_published),
    Subscription(ItemRetired, on_item_retired),
)
