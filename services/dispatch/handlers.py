"""Dispatch's subscribers: thin translations of events onto use cases."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from contracts import CloudEvent
from contracts.events.admission import ApplicationApproved
from contracts.events.catalog import GridMapped, ItemPublished, ItemRetired, StreetListPublished
from contracts.events.intake import CaseReported
from services.dispatch import service
from services.runtime.bus import Subscription
from services.runtime.uow import UnitOfWork


async def on_case_reported(event: CloudEvent[CaseReported], uow: UnitOfWork, *, ack_within_h: float) -> None:
    await service.take_cases(uow, {event.id: event.data}, ack_within_h=ack_within_h)


async def on_cases_reported(
    events: Sequence[CloudEvent[CaseReported]], uow: UnitOfWork, *, ack_within_h: float
) -> None:
    await service.take_cases(uow, {event.id: event.data for event in events}, ack_within_h=ack_within_h)


async def on_item_published(event: CloudEvent[ItemPublished], uow: UnitOfWork) -> None:
    await service.project_item(uow, event.data)


async def on_item_retired(event: CloudEvent[ItemRetired], uow: UnitOfWork) -> None:
    await service.retire_item(uow, event.data)


async def on_grid_mapped(event: CloudEvent[GridMapped], uow: UnitOfWork) -> None:
    await service.map_grid(uow, event.data)


async def on_street_list_published(event: CloudEvent[StreetListPublished], uow: UnitOfWork) -> None:
    await service.project_street_list(uow, event.data)


async def on_application_approved(event: CloudEvent[ApplicationApproved], uow: UnitOfWork) -> None:
    await service.project_admission(uow, event.data)


def subscriptions(*, ack_within_h: float) -> tuple[Subscription[Any], ...]:
    """Dispatch's subscriptions; intake dispatches with the configured acknowledgement time box (签收时限)."""
    return (
        Subscription(
            CaseReported,
            partial(on_case_reported, ack_within_h=ack_within_h),
            many=partial(on_cases_reported, ack_within_h=ack_within_h),
        ),
        Subscription(ItemPublished, on_item_published),
        Subscription(ItemRetired, on_item_retired),
        Subscription(GridMapped, on_grid_mapped),
        Subscription(StreetListPublished, on_street_list_published),
        Subscription(ApplicationApproved, on_application_approved),
    )
