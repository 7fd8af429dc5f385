"""Dispatch's subscribers: thin translations of events onto use cases."""

from __future__ import annotations

from contracts import CloudEvent
from contracts.events.catalog import GridMapped, ItemPublished, ItemRetired
from contracts.events.intake import CaseReported
from services.dispatch import service
from services.runtime.bus import Subscription
from services.runtime.uow import UnitOfWork


async def on_case_reported(event: CloudEvent[CaseReported], uow: UnitOfWork) -> None:
    await service.take_case(uow, event.data)


async def on_item_published(event: CloudEvent[ItemPublished], uow: UnitOfWork) -> None:
    await service.project_item(uow, event.data)


async def on_item_retired(event: CloudEvent[ItemRetired], uow: UnitOfWork) -> None:
    await service.retire_item(uow, event.data)


async def on_grid_mapped(event: CloudEvent[GridMapped], uow: UnitOfWork) -> None:
    await service.map_grid(uow, event.data)


SUBSCRIPTIONS = (
    Subscription(CaseReported, on_case_reported),
    Subscription(ItemPublished, on_item_published),
    Subscription(ItemRetired, on_item_retired),
    Subscription(GridMapped, on_grid_mapped),
)
