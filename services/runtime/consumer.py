"""The delivery rules of one subscription: parse, apply once, settle with JetStream.

- A message is acked only after its handler's transaction committed; the inbox skips a redelivered event.
- A body that is not the contract is dead-lettered at once: it never will be.
- A handler that fails on its data is nak'd with a growing delay, and dead-lettered at ``max_deliver``.
- A handler that fails because the database is down spends nothing: the message is held (the pull loop
  keeps it in progress) and handled again when the database answers (outage.py). The same holds for the
  dead-letter write itself, so a message is terminated only once its dead letter is stored.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic

from nats.aio.msg import Msg
from nats.js import api
from opentelemetry import context as otel_context
from opentelemetry.context import Context
from pydantic import ValidationError

from contracts import CloudEvent, stream_for_subject
from contracts.envelope import EventT
from services.runtime.bus import ForeignSubject, Subscription, consumer_config
from services.runtime.db import DeadLetterKind
from services.runtime.outage import DatabaseWatch, InPlace
from services.runtime.settings import RuntimeSettings
from services.runtime.uow import AlreadyHandled, UnitOfWork

log = logging.getLogger(__name__)

DeadLetterWriter = Callable[..., Awaitable[None]]
UnitOfWorkFactory = Callable[..., UnitOfWork]


@dataclass
class Consumer(Generic[EventT]):
    """Runs one subscription's handler under the delivery rules above."""

    subscription: Subscription[EventT]
    stream: str
    config: api.ConsumerConfig
    uow_factory: UnitOfWorkFactory
    dead_letter: DeadLetterWriter
    watch: DatabaseWatch
    retry_delays_s: Sequence[float] = (1.0, 5.0, 15.0, 30.0)

    @property
    def durable(self) -> str:
        return self.config.durable_name or ""

    @property
    def max_deliver(self) -> int:
        return self.config.max_deliver or 1

    @property
    def batches(self) -> bool:
        return self.subscription.many is not None

    def retry_delay(self, deliveries: int) -> float:
        return self.retry_delays_s[min(deliveries, len(self.retry_delays_s)) - 1]

    async def handle(self, body: bytes, subject: str | None = None) -> None:
        """Parse and apply one message; raises what the parse or the handler raised (a duplicate is no error)."""
        envelope = self.subscription.decode(body, subject)
        with contextlib.suppress(AlreadyHandled):
            await self.subscription.handler(
                envelope, self.uow_factory(inbox_key=self.subscription.inbox_key(self.durable, envelope.id))
            )

    async def consume(self, msg: Msg) -> str:
        """Handle one delivery and settle it with JetStream; returns the outcome."""
        deliveries = msg.metadata.num_delivered or 1
        rerun = InPlace(self.watch)
        while True:
            try:
                await self.handle(msg.data, msg.subject)  # raw bytes: a bad envelope is dead-lettered, not dropped
            except (ValidationError, ForeignSubject) as error:
                return await self._unparseable(msg, error)
            except Exception as error:
                if await rerun.again(error):  # held, not nak'd: the pull loop keeps it in progress
                    continue
                if deliveries >= self.max_deliver:
                    reason = f"handler failed {deliveries} times: {error!r}"
                    return await self._give_up(msg, DeadLetterKind.HANDLER, reason)
                log.warning("%s failed on delivery %d: %r; retrying", self.durable, deliveries, error)
                await msg.nak(delay=self.retry_delay(deliveries))
                return "retried"
            await msg.ack()  # only now: the handler's transaction has committed
            return "acked"

    async def consume_many(self, msgs: Sequence[Msg], traces: Sequence[Context]) -> list[str]:
        """Handle a fetched batch in one transaction through ``many``, then ack every message; outcomes in order.

        Unparseable messages are dead-lettered on their own, and a second copy of an event in the batch is
        only acked. If the database goes away the batch waits for it and runs again; if the batch fails on
        its data, each message is handled alone, with the usual retries, under its own trace.
        """
        outcomes = ["acked"] * len(msgs)
        events: dict[uuid.UUID, CloudEvent[EventT]] = {}
        first: dict[uuid.UUID, Context] = {}  # the trace each event came in with
        for index, msg in enumerate(msgs):
            try:
                envelope = self.subscription.decode(msg.data, msg.subject)
            except (ValidationError, ForeignSubject) as error:
                outcomes[index] = await self._unparseable(msg, error)
                continue
            if envelope.id not in events:
                events[envelope.id] = envelope
                first[envelope.id] = traces[index]
        live = [index for index, outcome in enumerate(outcomes) if outcome == "acked"]
        if not live:
            return outcomes
        if not await self._apply_batch(events, first):
            for index in live:
                token = otel_context.attach(traces[index])
                try:
                    outcomes[index] = await self.consume(msgs[index])
                finally:
                    otel_context.detach(token)
            return outcomes
        for index in live:
            await msgs[index].ack()  # only now: the batch's transaction has committed
        return outcomes

    async def _apply_batch(self, events: dict[uuid.UUID, CloudEvent[EventT]], traces: dict[uuid.UUID, Context]) -> bool:
        """Run ``many`` until it commits (True) or fails on its data (False); a database outage is waited out."""
        many = self.subscription.many
        assert many is not None
        rerun = InPlace(self.watch)
        while True:
            uow = self.uow_factory(inbox_key=self.subscription.inbox_key(self.durable, list(events)))
            for event_id, trace in traces.items():
                uow.follow(event_id, trace)
            try:
                await many(list(events.values()), uow)
            except Exception as error:
                if await rerun.again(error):
                    continue
                log.warning("%s: a batch of %d failed (%r); handling it one by one", self.durable, len(events), error)
                return False
            return True

    async def _unparseable(self, msg: Msg, error: ValidationError | ForeignSubject) -> str:
        """A body that is not its contract never will be: dead-lettered at once."""
        contract = self.subscription.contract.TYPE if not self.subscription.others else msg.subject
        reason = f"unparseable {contract}: {error}"
        return await self._give_up(msg, DeadLetterKind.UNPARSEABLE, reason)

    async def _give_up(self, msg: Msg, kind: DeadLetterKind, reason: str) -> str:
        """Store the dead letter, then terminate; a store that fails for an outage is waited out, never skipped."""
        log.error("dead-lettering a message on %s: %s", msg.subject, reason)
        row = dead_letter_row(msg, consumer=self.durable, kind=kind, reason=reason)
        await store_dead_letter(self.dead_letter, self.watch, row)  # raises: not terminated, seen by advisories.py
        await msg.term()  # JetStream stops redelivering it
        return "dead-lettered"


def declare(
    subscription: Subscription[Any],
    *,
    service: str,
    settings: RuntimeSettings,
    uow_factory: UnitOfWorkFactory,
    dead_letter: DeadLetterWriter,
    watch: DatabaseWatch,
) -> Consumer[Any]:
    """The durable pull consumer a service keeps for one subscription (replicas share it)."""
    streams = {stream_for_subject(contract.TYPE).name for contract in subscription.contracts}
    if len(streams) != 1:
        raise ValueError(f"{subscription.durable(service)} spans streams {sorted(streams)}: a durable reads one")
    config = consumer_config(
        subscription.durable(service),
        subscription.filter_subjects(),
        max_deliver=settings.max_deliver,
        ack_wait_s=settings.ack_wait_s,
    )
    (stream,) = streams
    return Consumer(subscription, stream, config, uow_factory, dead_letter, watch, settings.retry_delays_s)


async def store_dead_letter(write: DeadLetterWriter, watch: DatabaseWatch, row: dict[str, Any]) -> None:
    """Write a dead letter, waiting out a database outage; raises only what is not an outage."""
    rerun = InPlace(watch)
    while True:
        try:
            await write(**row)
        except Exception as error:
            if await rerun.again(error):
                continue
            raise
        return


def dead_letter_row(msg: Msg, *, consumer: str, kind: DeadLetterKind, reason: str) -> dict[str, Any]:
    metadata = msg.metadata
    return {
        "consumer": consumer,
        "subject": msg.subject,
        "headers": dict(msg.headers or {}),
        "body": msg.data,
        "reason": reason,
        "deliveries": metadata.num_delivered or 1,
        "kind": kind,
        "stream": metadata.stream,
        "stream_seq": metadata.sequence.stream,
    }
