"""The catalogue's subscribers: admission decisions are the only way a duty reaches the catalogue from outside."""

from __future__ import annotations

from contracts import CloudEvent
from contracts.events.admission import ApplicationApproved
from services.catalog.service import items as service
from services.runtime.bus import Subscription
from services.runtime.uow import UnitOfWork


async def on_application_approved(event: CloudEvent[ApplicationApproved], uow: UnitOfWork) -> None:
    await service.apply_approval(uow, event.data)


SUBSCRIPTIONS = (Subscription(ApplicationApproved, on_application_approved),)
