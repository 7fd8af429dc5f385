"""The bus of one service: a broker that reconnects forever, streams and durable pull consumers reconciled
at start-up, and the subscriptions services declare.

How a message is handled and settled is consumer.py; how it is fetched and kept alive, pull.py.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic

from faststream.nats import NatsBroker
from nats.js import JetStreamContext, api
from nats.js.errors import BadRequestError, NotFoundError

from contracts import STREAMS, CloudEvent, IntegrationEvent, contract_for_subject, decode
from contracts.envelope import EventT
from contracts.streams import DUPLICATE_WINDOW_S
from services.runtime.uow import InboxKey, UnitOfWork

log = logging.getLogger(__name__)

CONSUMER_FIELDS = (
    "durable_name",
    "filter_subject",
    "filter_subjects",
    "ack_policy",
    "ack_wait",
    "max_deliver",
    "backoff",
    "max_ack_pending",
)

Handler = Callable[[CloudEvent[EventT], UnitOfWork], Awaitable[None]]
ManyHandler = Callable[[Sequence[CloudEvent[EventT]], UnitOfWork], Awaitable[None]]


class ForeignSubject(Exception):
    """A message on a subject none of a subscription's contracts carries: like a body that is not its contract,
    it never will be (its own class, so that a handler's ``KeyError`` is not mistaken for it)."""


@dataclass(frozen=True)
class Subscription(Generic[EventT]):
    """A service's interest in one contract, or in several of one stream through one durable; ``on_<event>``
    handlers are thin and call one use case."""

    contract: type[EventT]
    handler: Handler[EventT]
    many: ManyHandler[EventT] | None = None
    """Optional: a fetched batch in one unit of work (one transaction, multi-row writes) on hot paths. It
    gets the batch's events, and a unit of work that claims them all in the inbox (``unhandled`` tells
    which are new) and carries each one's trace (``cause=``). A batch that fails is rolled back and its
    messages handled one at a time by ``handler``, so one bad message cannot hold the others back."""
    others: tuple[type[IntegrationEvent], ...] = ()
    """More contracts of the same stream through the same durable (``filter_subjects``): one pull loop and one
    transaction per batch however the batch mixes them, where a durable per contract would pay each its own
    fetches and commits. Each message is decoded by its subject's contract; the handlers then get events of
    any of them, so such a subscription is a ``Subscription[Any]``."""
    name: str | None = None
    """The durable's name after the service's; needed with ``others`` (the default names the one contract)."""
    batch: int | None = None
    """The most messages one batch takes (with ``many``); None: the service's ``consumer_batch_many``. A second
    batch beside the first gets only what the durable's ``max_ack_pending`` (1000) leaves."""
    linger_s: float = 0.0
    """With ``many``: how long a batch that came short waits for more before it is handled. For a read model
    that may trail by that much: fewer, fuller batches spend less per event on transactions and fetches."""
    idempotent: bool = False
    """The handlers' writes give the same rows applied twice or out of order (merges, inserts that skip what is
    there) and they emit and audit nothing: no inbox claim, which spares an insert per event and a statement per
    batch. A redelivered event is simply merged again (evaluation's projection)."""
    replaces: tuple[str, ...] = ()
    """Names (after the service's) of durables this one took over: deleted at start-up, or they would keep
    counting pending messages nobody takes."""

    def __post_init__(self) -> None:
        if self.others and not self.name:
            raise ValueError(f"a subscription over several contracts needs a durable name ({self.contract.TYPE})")
        if (self.batch is not None or self.linger_s) and self.many is None:
            raise ValueError(f"batch and linger_s need a batch handler, many= ({self.contract.TYPE})")

    @property
    def contracts(self) -> tuple[type[IntegrationEvent], ...]:
        return (self.contract, *self.others)

    def inbox_key(self, durable: str, ids: uuid.UUID | list[uuid.UUID]) -> InboxKey | None:
        """What the unit of work claims in the inbox for these events: nothing for an idempotent subscription."""
        return None if self.idempotent else (durable, ids)

    def durable(self, service: str) -> str:
        return f"{service}-{self.name or contract_durable(self.contract)}".replace("_", "-")

    def retired(self, service: str) -> list[str]:
        return [f"{service}-{name}".replace("_", "-") for name in self.replaces]

    def filter_subjects(self) -> list[str]:
        return [contract.filter_subject() for contract in self.contracts]

    def decode(self, body: bytes, subject: str | None = None) -> CloudEvent[Any]:
        """The message as its contract: this one's, or for several the one its subject names.

        Without a subject (a dead letter replayed by hand) the envelope's own ``type`` names it. Raises
        ``pydantic.ValidationError`` for a body that is not the contract, ``ForeignSubject`` for a subject that is
        none of this subscription's (the server's filter should make that impossible)."""
        if not self.others:
            return decode(body, self.contract)
        if subject is None:
            subject = _envelope_type(body)
        try:
            contract = contract_for_subject(subject)
        except LookupError:
            contract = None
        if contract not in self.contracts:
            raise ForeignSubject(f"{subject!r} is none of {[c.TYPE for c in self.contracts]}")
        return decode(body, contract)


def contract_durable(contract: type[IntegrationEvent]) -> str:
    """A one-contract durable's name after the service's: the event's entity and verb."""
    _, entity, verb, _ = contract.TYPE.split(".", 3)
    return f"{entity}-{verb}"


def _envelope_type(body: bytes) -> str:
    with contextlib.suppress(ValueError):
        parsed = json.loads(body)
        if isinstance(parsed, dict):
            return str(parsed.get("type", ""))
    return ""


def inbox_prefix(service: str) -> str:
    """Where every reply to a service arrives (JetStream API answers, PubAcks, pulled messages): its NATS user may
    subscribe under this prefix only, so no service can read another's replies (deploy/README.md)."""
    return f"_INBOX.{service}"


def create_broker(servers: Sequence[str], *, service: str) -> NatsBroker:
    """The connection every part of a service shares. Nothing is consumed or published through FastStream's
    subscribers or publishers (pull.py and outbox.py say why), so the broker carries no middlewares: our
    loop makes the consumer spans and metrics, the relay keeps the producer's trace in the headers."""
    return NatsBroker(
        list(servers),
        name=f"linkage-{service}",
        inbox_prefix=inbox_prefix(service),  # nats-py's new_inbox(), requests and pulls all build on it
        allow_reconnect=True,
        max_reconnect_attempts=-1,  # forever: nats-py otherwise gives up after ~2 minutes
        reconnect_time_wait=1,
        connect_timeout=2,
    )


def consumer_config(
    durable: str, filter_subject: str | Sequence[str], *, max_deliver: int, ack_wait_s: float
) -> api.ConsumerConfig:
    """A durable explicit-ack pull consumer; redelivery delays are our naks' (consumer.py), not a server backoff.

    With a ``backoff`` list nats-server takes AckWait from its first step, whatever ``ack_wait`` says; and
    AckWait must outlast the slowest batch, which the pull loop's in-progress heartbeats guarantee. So the
    server redelivers only what a consumer that died (or lost its connection) was holding, after ``ack_wait``.

    Several subjects become ``filter_subjects`` (nats-server 2.10 or later); one stays ``filter_subject``, so
    the durables declared before there were several keep their settings and are not recreated.
    """
    subjects = [filter_subject] if isinstance(filter_subject, str) else list(filter_subject)
    return api.ConsumerConfig(
        durable_name=durable,
        filter_subject=subjects[0] if len(subjects) == 1 else None,
        filter_subjects=subjects if len(subjects) > 1 else None,
        ack_policy=api.AckPolicy.EXPLICIT,
        deliver_policy=api.DeliverPolicy.ALL,
        ack_wait=ack_wait_s,
        max_deliver=max_deliver,
        max_ack_pending=1000,
    )


async def reconcile_streams(js: JetStreamContext, *, replicas: int) -> None:
    """Create or update every platform stream; an existing stream is otherwise kept with stale settings."""
    for spec in STREAMS:
        config = api.StreamConfig(
            name=spec.name,
            subjects=spec.subjects,
            storage=api.StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_S,
            num_replicas=replicas,
        )
        await reconcile_stream(js, config)


async def reconcile_stream(js: JetStreamContext, config: api.StreamConfig) -> None:
    try:
        await js.add_stream(config)
    except BadRequestError:
        await js.update_stream(config)


async def reconcile_consumer(js: JetStreamContext, stream: str, desired: api.ConsumerConfig) -> None:
    """Create the durable, update it in place when its settings drifted, recreate it if it cannot be."""
    assert desired.durable_name
    try:
        current = (await js.consumer_info(stream, desired.durable_name)).config
    except NotFoundError:
        await js.add_consumer(stream, desired)
        return
    if consumer_matches(current, desired):
        return
    log.warning("consumer %s drifted from its declared settings; updating", desired.durable_name)
    try:
        await js.add_consumer(stream, desired)
    except BadRequestError:
        await js.delete_consumer(stream, desired.durable_name)
        await js.add_consumer(stream, desired)


async def retire_consumer(js: JetStreamContext, stream: str, durable: str) -> None:
    """Delete a durable a service no longer declares; one already gone is fine."""
    try:
        await js.delete_consumer(stream, durable)
    except NotFoundError:
        return
    log.warning("deleted durable %s on %s: another durable took over its subjects", durable, stream)


def consumer_matches(current: api.ConsumerConfig, desired: api.ConsumerConfig) -> bool:
    def normal(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 3)  # the server keeps nanoseconds
        if isinstance(value, list):
            return [normal(v) for v in value] or None
        return value

    return all(normal(getattr(current, f)) == normal(getattr(desired, f)) for f in CONSUMER_FIELDS)
