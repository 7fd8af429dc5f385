"""Admission's subscribers: the catalogue's events keep the facts the automatic checks read."""

from __future__ import annotations

from contracts import CloudEvent
from contracts.events.catalog import ItemPublished, ItemRetired, LawChanged
from services.admission.service import projection
from services.runtime.bus import Subscription
from services.runtime.uow import UnitOfWork


async def on_item_published(event: CloudEvent[ItemPublished], uow: UnitOfWork) -> None:
    await projection.project_item(uow, event.data)


async def on_item_retired(event: CloudEvent[ItemRetired], uow: UnitOfWork) -> None:
    await projection.retire_item(uow, event.data)


async def on_law_changed(event: CloudEvent[LawChanged], uow: UnitOfWork) -> None:
    await projection.law_changed(uow, event.data)


SUBSCRIPTIONS = (
    Subscription(ItemPublished, on_item_published),
    Subscription(ItemRetired, on_item_retired),
    Subscription(LawChanged, on_law_changed),
)
