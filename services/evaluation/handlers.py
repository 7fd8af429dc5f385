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
from services.runtime.bus import Subscription, contract_durable
from services.runtime.uow import UnitOfWork


async def on_dispatch_event(event: CloudEvent[Any], uow: UnitOfWork) -> None:
    await on_dispatch_events([event], uow)


async def on_dispatch_events(events: Sequence[CloudEvent[Any]], uow: UnitOfWork) -> None:
    await service.project(uow, events)


PROJECTED = (
    TaskAssigned,
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

DURABLE = "dispatch-events"
"""One durable over every dispatch event evaluation keeps (``evaluation-dispatch-events``): a durable per event
paid each its own pull loop, fetches and transactions, and lowered flat-out intake by 15% (bench/README.md)."""

BATCH, LINGER_S = 1000, 0.5
"""The projection may trail by half a second: it gathers batches of up to 1,000 events (a transaction and a
fetch per 1,000, not per ~120), which halved its CPU per event at flat-out intake (bench/README.md)."""

SUBSCRIPTIONS: tuple[Subscription[Any], ...] = (
    Subscription(
        PROJECTED[0],
        on_dispatch_event,
        many=on_dispatch_events,
        others=PROJECTED[1:],
        name=DURABLE,
        idempotent=True,
        batch=BATCH,
        linger_s=LINGER_S,
        replaces=tuple(contract_durable(contract) for contract in PROJECTED),  # a durable per event until 2026-11-29
    ),
)
