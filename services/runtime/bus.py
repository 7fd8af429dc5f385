"""The broker of one service: reconnect forever, streams and durable pull consumers reconciled at start-up.

A consumed message is parsed into its contract's envelope; one that cannot be parsed, or whose handler
keeps failing until ``max_deliver``, is written to the dead-letter table and terminated, so a poison
message never blocks the stream. A handler failure below that is nak'd with a growing delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError
from nats.js import JetStreamContext, api
from nats.js.errors import BadRequestError, NotFoundError, ServiceUnavailableError
from opentelemetry import context as otel_context
from opentelemetry import propagate
from opentelemetry.context import Context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Link, Span, SpanKind, Tracer, set_span_in_context, use_span
from prometheus_client import CollectorRegistry, Counter, Histogram
from pydantic import ValidationError

from contracts import STREAMS, CloudEvent, decode, stream_for_subject
from contracts.envelope import EventT
from contracts.streams import DUPLICATE_WINDOW_S
from services.runtime.uow import AlreadyHandled, UnitOfWork

log = logging.getLogger(__name__)

RETRY_DELAYS_S = (1.0, 5.0, 15.0, 30.0)
"""Nak delays by delivery count, and JetStream's backoff when a consumer dies holding a message."""
ACK_WAIT_S = 30.0
FETCH_TIMEOUT_S = 1.0
CONSUMER_FIELDS = ("durable_name", "filter_subject", "ack_policy", "max_deliver", "backoff", "max_ack_pending")

Handler = Callable[[CloudEvent[EventT], UnitOfWork], Awaitable[None]]
ManyHandler = Callable[[Sequence[CloudEvent[EventT]], UnitOfWork], Awaitable[None]]
DeadLetterWriter = Callable[..., Awaitable[None]]
UnitOfWorkFactory = Callable[..., UnitOfWork]


@dataclass(frozen=True)
class Subscription(Generic[EventT]):
    """A service's interest in one contract; ``on_<event>`` handlers are thin and call one use case."""

    contract: type[EventT]
    handler: Handler[EventT]
    many: ManyHandler[EventT] | None = None
    """Optional: a fetched batch in one unit of work (one transaction, multi-row writes) on hot paths. It
    gets the batch's events, and a unit of work that claims them all in the inbox (``unhandled`` tells
    which are new) and carries each one's trace (``handling``). A batch that fails is rolled back and its
    messages handled one at a time by ``handler``, so one bad message cannot hold the others back."""

    def durable(self, service: str) -> str:
        _, entity, verb, _ = self.contract.TYPE.split(".", 3)
        return f"{service}-{entity}-{verb}".replace("_", "-")


class Broker(NatsBroker):
    """FastStream's broker, plus what our own pull loops report with: the service's tracer and metrics."""

    def __init__(self, *args: Any, tracer: Tracer, metrics: ConsumerMetrics, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tracer = tracer
        self.metrics = metrics


@dataclass(frozen=True)
class ConsumerMetrics:
    handled: Counter
    seconds: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry) -> ConsumerMetrics:
        handled = Counter(
            "linkage_messages_handled", "Consumed messages by outcome", ["durable", "outcome"], registry=registry
        )
        seconds = Histogram(
            "linkage_message_handling_seconds", "Time to handle a message, or a batch", ["durable"], registry=registry
        )
        return cls(handled, seconds)


def create_broker(
    servers: Sequence[str], *, service: str, tracer_provider: TracerProvider, registry: CollectorRegistry
) -> NatsBroker:
    return Broker(
        list(servers),
        tracer=tracer_provider.get_tracer("linkage.bus"),
        metrics=ConsumerMetrics.create(registry),
        name=f"linkage-{service}",
        allow_reconnect=True,
        max_reconnect_attempts=-1,  # forever: nats-py otherwise gives up after ~2 minutes
        reconnect_time_wait=1,
        connect_timeout=2,
        log_level=logging.DEBUG,  # FastStream's "Received"/"Processed" lines: two per message at INFO otherwise
        middlewares=[
            NatsTelemetryMiddleware(tracer_provider=tracer_provider),
            NatsPrometheusMiddleware(registry=registry, app_name=service),
        ],
    )


def consumer_config(durable: str, filter_subject: str, *, max_deliver: int) -> api.ConsumerConfig:
    backoff = list(RETRY_DELAYS_S[: max_deliver - 1]) or None  # JetStream needs len(backoff) < max_deliver
    return api.ConsumerConfig(
        durable_name=durable,
        filter_subject=filter_subject,
        ack_policy=api.AckPolicy.EXPLICIT,
        deliver_policy=api.DeliverPolicy.ALL,
        ack_wait=ACK_WAIT_S,
        max_deliver=max_deliver,
        backoff=backoff,
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


def consumer_matches(current: api.ConsumerConfig, desired: api.ConsumerConfig) -> bool:
    def normal(value: Any) -> Any:
        return [float(v) for v in value] if isinstance(value, list) else value

    return all(normal(getattr(current, f)) == normal(getattr(desired, f)) for f in CONSUMER_FIELDS)


@dataclass
class Consumer(Generic[EventT]):
    """Runs one subscription's handler under the delivery rules above."""

    subscription: Subscription[EventT]
    stream: str
    config: api.ConsumerConfig
    uow_factory: UnitOfWorkFactory
    dead_letter: DeadLetterWriter

    @property
    def durable(self) -> str:
        return self.config.durable_name or ""

    @property
    def max_deliver(self) -> int:
        return self.config.max_deliver or 1

    async def handle(self, body: bytes) -> None:
        """Parse and apply one message; raises what the parse or the handler raised (a duplicate is no error)."""
        envelope = decode(body, self.subscription.contract)
        with contextlib.suppress(AlreadyHandled):
            await self.subscription.handler(envelope, self.uow_factory(inbox_key=(self.durable, envelope.id)))

    async def consume_many(self, msgs: Sequence[Msg], traces: Sequence[Context]) -> list[str]:
        """Handle a fetched batch in one transaction through ``many``, then ack every message; outcomes in order.

        Unparseable messages are dead-lettered on their own, and a second copy of an event in the batch is
        only acked. If the batch fails, each message is handled alone, with the usual retries, under its
        own trace.
        """
        many = self.subscription.many
        assert many is not None
        outcomes = ["acked"] * len(msgs)
        events: dict[uuid.UUID, CloudEvent[EventT]] = {}
        first: dict[uuid.UUID, Context] = {}  # the trace each event came in with
        for index, msg in enumerate(msgs):
            try:
                envelope = decode(msg.data, self.subscription.contract)
            except ValidationError as error:
                outcomes[index] = await self._unparseable(msg, error)
                continue
            if envelope.id not in events:
                events[envelope.id] = envelope
                first[envelope.id] = traces[index]
        live = [index for index, outcome in enumerate(outcomes) if outcome == "acked"]
        if not live:
            return outcomes
        uow = self.uow_factory(inbox_key=(self.durable, list(events)))
        for event_id, trace in first.items():
            uow.follow(event_id, trace)
        try:
            await many(list(events.values()), uow)
        except Exception as error:
            log.warning(
                "%s: a batch of %d failed (%r); handling its messages one by one", self.durable, len(live), error
            )
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

    async def __call__(self, msg: NatsMessage) -> None:
        """FastStream's entry; our pull loop calls ``consume`` directly."""
        await self.consume(msg.raw_message)

    async def consume(self, msg: Msg) -> str:
        """Handle one delivery and settle it with JetStream; returns the outcome."""
        body = msg.data  # raw bytes: the envelope is parsed here, so a bad one is dead-lettered, not dropped
        deliveries = msg.metadata.num_delivered or 1
        try:
            await self.handle(body)
        except ValidationError as error:
            return await self._unparseable(msg, error)
        except Exception as error:
            if deliveries >= self.max_deliver:
                await self._give_up(msg, f"handler failed {deliveries} times: {error!r}", deliveries)
                return "dead-lettered"
            log.warning("%s failed on delivery %d: %r; retrying", self.durable, deliveries, error)
            await msg.nak(delay=RETRY_DELAYS_S[min(deliveries, len(RETRY_DELAYS_S)) - 1])
            return "retried"
        await msg.ack()  # only now: the handler's transaction has committed
        return "acked"

    async def _unparseable(self, msg: Msg, error: ValidationError) -> str:
        """A body that is not this contract never will be: dead-lettered at once."""
        reason = f"unparseable {self.subscription.contract.TYPE}: {error}"
        await self._give_up(msg, reason, msg.metadata.num_delivered or 1)
        return "dead-lettered"

    async def _give_up(self, msg: Msg, reason: str, deliveries: int) -> None:
        log.error("dead-lettering a message on %s: %s", msg.subject, reason)
        await self.dead_letter(
            consumer=self.durable,
            subject=msg.subject,
            headers=dict(msg.headers or {}),
            body=msg.data,
            reason=reason,
            deliveries=deliveries,
        )
        await msg.term()  # JetStream stops redelivering it


class PullLoop:
    """Our replacement for FastStream 0.7's pull loop, run by its subscriber (start, stop, restart on failure).

    FastStream's loop fetches a batch, runs it, and fetches again only when the whole batch is done; it
    costs ~0.6 ms of CPU per message in its consume pipeline and middlewares (about 15x a bare nats-py
    loop), and the builtin ``TimeoutError`` that nats-py's ``fetch()`` raises kills it. This loop keeps up
    to ``limit`` messages in hand, fetches again once half of them are done, and wraps each message in
    one consumer span continuing the producer's trace. A subscription with a ``many`` handler gets each
    fetch as one batch, one batch at a time: what arrives while a batch is handled makes the next one,
    so batches grow with the load (at a trickle each is a single message); concurrent small batches
    would each pay a transaction's fixed cost instead. Only with a backlog (a batch came at least half
    full) does a second batch run beside the first, overlapping one's CPU with the other's database wait.
    """

    def __init__(self, subscriber: Any, consumer: Consumer[Any], *, limit: int, broker: Broker) -> None:
        self.subscriber = subscriber
        self.consumer = consumer
        self.limit = limit
        self.tracer = broker.tracer
        self.handled = broker.metrics.handled
        self.seconds = broker.metrics.seconds.labels(consumer.durable)

    async def __call__(self, **_: Any) -> None:
        running: dict[asyncio.Task[None], int] = {}  # each task and the messages it holds
        many = self.consumer.subscription.many is not None
        backlog = False  # the last batch came at least half full: a second may run beside it
        try:
            while self.subscriber.running:
                in_hand = sum(running.values())
                # batches: one at a time, a second only with a backlog; single messages: up to ``limit`` in
                # hand, fetching again at half
                busy = (len(running) >= 2 or (bool(running) and not backlog)) if many else in_hand > self.limit // 2
                if busy:
                    await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    continue
                fetched = await self._fetch(self.limit if many else self.limit - in_hand)
                if many and fetched:
                    backlog = len(fetched) >= self.limit // 2
                    runs = [(self._run_many(fetched), len(fetched))]  # the batch, in one transaction
                else:
                    runs = [(self._run(msg), 1) for msg in fetched]
                for run, held in runs:
                    task = asyncio.create_task(run)
                    running[task] = held
                    task.add_done_callback(running.pop)
        finally:
            for task in running:
                task.cancel()  # unacked: JetStream redelivers after ack_wait

    async def _fetch(self, count: int) -> list[Msg]:
        try:
            messages: list[Msg] = await self.subscriber.subscription.fetch(count, timeout=FETCH_TIMEOUT_S)
        except TimeoutError:  # nats.errors.TimeoutError and the builtin one nats-py also raises
            return []
        except (ConnectionClosedError, ServiceUnavailableError):
            await asyncio.sleep(FETCH_TIMEOUT_S)  # reconnecting: nats-py retries forever underneath
            return []
        return messages

    def _span(self, msg: Msg) -> Span:
        """The message's consumer span, continuing the producer's trace from the message headers."""
        headers = msg.headers or {}
        attributes = {
            "messaging.system": "nats",
            "messaging.destination.name": msg.subject,
            "messaging.consumer.group.name": self.consumer.durable,
            "messaging.message.id": headers.get("Nats-Msg-Id", ""),
        }
        context = propagate.extract(headers)
        return self.tracer.start_span(
            f"{msg.subject} process", context=context, kind=SpanKind.CONSUMER, attributes=attributes
        )

    async def _run_many(self, msgs: list[Msg]) -> None:
        """A batch: a span per message as for one, and a batch span linking them for the shared statements."""
        spans = [self._span(msg) for msg in msgs]
        links = [Link(span.get_span_context()) for span in spans]
        batch = self.tracer.start_as_current_span(
            f"{self.consumer.durable} process batch",
            kind=SpanKind.CONSUMER,
            links=links,
            attributes={"messaging.batch.message_count": len(msgs)},
        )
        with self.seconds.time(), batch:
            try:
                outcomes = await self.consumer.consume_many(msgs, [set_span_in_context(span) for span in spans])
            except Exception:  # e.g. an ack failed: what is unacked, JetStream redelivers (the inbox skips it)
                log.exception("%s could not settle a batch of %d", self.consumer.durable, len(msgs))
                outcomes = ["failed"] * len(msgs)
        for span, outcome in zip(spans, outcomes, strict=True):
            span.end()
            self.handled.labels(self.consumer.durable, outcome).inc()

    async def _run(self, msg: Msg) -> None:
        with self.seconds.time(), use_span(self._span(msg), end_on_exit=True):
            try:
                outcome = await self.consumer.consume(msg)
            except Exception:  # e.g. the dead-letter write or the ack failed: unacked, so JetStream redelivers
                log.exception("%s could not settle a message on %s", self.consumer.durable, msg.subject)
                outcome = "failed"
        self.handled.labels(self.consumer.durable, outcome).inc()


def register(
    broker: NatsBroker,
    subscription: Subscription[Any],
    *,
    service: str,
    max_deliver: int,
    batch: int,
    uow_factory: UnitOfWorkFactory,
    dead_letter: DeadLetterWriter,
) -> Consumer[Any]:
    """Attach the subscription to the broker as a durable pull consumer."""
    contract = subscription.contract
    durable = subscription.durable(service)
    stream = stream_for_subject(contract.TYPE).name
    config = consumer_config(durable, contract.filter_subject(), max_deliver=max_deliver)
    consumer = Consumer(subscription, stream, config, uow_factory, dead_letter)
    subscriber = broker.subscriber(
        contract.filter_subject(),
        stream=JStream(stream, declare=False),
        durable=durable,
        config=config,
        pull_sub=PullSub(batch_size=batch, timeout=FETCH_TIMEOUT_S),
        ack_policy=AckPolicy.MANUAL,
        title=durable,
        description=(contract.__doc__ or "").strip(),
    )
    subscriber(consumer.__call__)
    if isinstance(broker, Broker):
        # FastStream starts, stops and restarts the subscriber's task; the task is ours (see PullLoop).
        loop = PullLoop(subscriber, consumer, limit=batch, broker=broker)
        subscriber._consume_pull = loop  # type: ignore[method-assign,assignment]
    return consumer
