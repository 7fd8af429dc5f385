"""Delivery health of one service: consumer lag and redeliveries per durable, outbox backlog, dead letters by kind.

Gathered on demand (``GET /ops/health``, each ``/metrics`` scrape) from JetStream's consumer info and three
cheap queries. A dependency that does not answer within the timeout makes its figures unknown, with the
reason, never an error: operators look here precisely when something is down. The same figures are the
JSON answer and the Prometheus gauges, so the two cannot disagree.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.runtime.db import PlumbingTables
from services.runtime.ops_store import OpsStore

if TYPE_CHECKING:
    from services.runtime.kit import ServiceKit

TIMEOUT_S = 2.0
"""How long NATS and Postgres each get to answer; a scrape should not hang on a dependency that is down."""
OK = "ok"
NATS_UNREACHABLE = "unknown: NATS is unreachable"


class Durable(Protocol):
    """What the figures need of a consumer: the bus's ``Consumer`` is one."""

    @property
    def durable(self) -> str: ...

    @property
    def stream(self) -> str: ...


class _Figures(BaseModel):
    model_config = ConfigDict(frozen=True)


class ConsumerHealth(_Figures):
    durable: str = Field(description="The durable consumer's name (one per subscription of this service)")
    stream: str = Field(description="The JetStream stream it reads")
    pending: int | None = Field(description="Lag: messages in the stream it has not been given yet; null if unknown")
    ack_pending: int | None = Field(description="Messages given to it and not yet acked (in hand); null if unknown")
    redelivered: int | None = Field(
        description="Of the messages not yet acked, those delivered more than once; null if unknown"
    )
    unknown_because: str | None = Field(description="Why the figures are unknown; null when they are known")


class OutboxHealth(_Figures):
    backlog: int | None = Field(description="Committed events the relay has not published yet; null if unknown")
    oldest_age_s: float | None = Field(
        description="Seconds since the oldest unpublished event was committed; null when the outbox is empty or unknown"
    )


class DeadLetterCount(_Figures):
    consumer: str = Field(description="The durable that gave up on them, or `<service>-outbox` for refused events")
    kind: str = Field(description="Why: unparseable, handler, max-deliveries, terminated or refused")
    total: int = Field(description="Dead letters of this consumer and kind, replayed or not")
    unreplayed: int = Field(description="Of those, the ones no operator has replayed yet")


class DeliveryHealth(_Figures):
    service: str = Field(description="The service these figures are of")
    checked_at: datetime = Field(description="When they were gathered")
    nats: str = Field(description="`ok`, or why the consumer figures are unknown")
    database: str = Field(description="`ok`, or why the outbox and dead-letter figures are unknown")
    consumers: list[ConsumerHealth] = Field(description="One entry per durable consumer of this service")
    outbox: OutboxHealth = Field(description="Events waiting for the relay")
    dead_letters: list[DeadLetterCount] = Field(description="Dead letters by consumer and kind; empty if unknown")


async def delivery_health(kit: ServiceKit, *, timeout_s: float = TIMEOUT_S) -> DeliveryHealth:
    """The service's delivery figures now; what a dependency down makes unknown is said so, not raised."""
    js = _jetstream(kit)
    consumers, (database, outbox, dead_letters) = await asyncio.gather(
        consumer_figures(js, kit.durables(), timeout_s=timeout_s),
        store_figures(kit.sessions, kit.tables, timeout_s=timeout_s),
    )
    return DeliveryHealth(
        service=kit.name,
        checked_at=datetime.now(UTC),
        nats=NATS_UNREACHABLE if js is None else next((c.unknown_because for c in consumers if c.unknown_because), OK),
        database=database,
        consumers=consumers,
        outbox=outbox,
        dead_letters=dead_letters,
    )


def _jetstream(kit: ServiceKit) -> JetStreamContext | None:
    if not kit.bus_up.is_set() or not kit.broker.connection.is_connected:
        return None
    return kit.broker.connection.jetstream()


async def consumer_figures(
    js: JetStreamContext | None, consumers: Sequence[Durable], *, timeout_s: float = TIMEOUT_S
) -> list[ConsumerHealth]:
    """Each durable's lag, messages in hand and redeliveries, asked of JetStream concurrently."""
    return list(await asyncio.gather(*(_consumer_figures(js, c, timeout_s) for c in consumers)))


async def _consumer_figures(js: JetStreamContext | None, consumer: Durable, timeout_s: float) -> ConsumerHealth:
    unknown = ConsumerHealth(
        durable=consumer.durable,
        stream=consumer.stream,
        pending=None,
        ack_pending=None,
        redelivered=None,
        unknown_because=NATS_UNREACHABLE,
    )
    if js is None:
        return unknown
    try:
        # asyncio's timeout as well as the request's: while nats-py reconnects, a request may wait in its buffer
        async with asyncio.timeout(timeout_s):
            info = await js.consumer_info(consumer.stream, consumer.durable, timeout=timeout_s)
    except TimeoutError:
        return unknown.model_copy(update={"unknown_because": f"unknown: NATS did not answer within {timeout_s:g} s"})
    except NotFoundError:
        return unknown.model_copy(update={"unknown_because": "unknown: JetStream has no such consumer"})
    except Exception as error:
        return unknown.model_copy(update={"unknown_because": f"unknown: {error!r}"})
    return unknown.model_copy(
        update={
            "pending": info.num_pending or 0,
            "ack_pending": info.num_ack_pending or 0,
            "redelivered": info.num_redelivered or 0,
            "unknown_because": None,
        }
    )


async def store_figures(
    sessions: async_sessionmaker[AsyncSession], tables: PlumbingTables, *, timeout_s: float = TIMEOUT_S
) -> tuple[str, OutboxHealth, list[DeadLetterCount]]:
    """The database's verdict, the outbox backlog and the dead-letter counts, in one read-only transaction."""
    try:
        async with asyncio.timeout(timeout_s), sessions() as session:
            store = OpsStore(session, tables)
            backlog, tallies = await store.backlog(), await store.dead_letter_tallies()
    except TimeoutError:
        return f"unknown: the database did not answer within {timeout_s:g} s", _NO_OUTBOX, []
    except Exception as error:
        return f"unknown: the database is unreachable ({error!r})", _NO_OUTBOX, []
    outbox = OutboxHealth(backlog=backlog.events, oldest_age_s=backlog.oldest_age_s)
    return OK, outbox, [DeadLetterCount.model_validate(tally, from_attributes=True) for tally in tallies]


_NO_OUTBOX = OutboxHealth(backlog=None, oldest_age_s=None)


class DeliveryGauges:
    """The figures as Prometheus gauges, in one registry; a series whose figure is unknown is left out."""

    def __init__(self) -> None:
        self.latest: DeliveryHealth | None = None

    def describe(self) -> Iterator[Metric]:
        # Named, so that the registry refuses a second collector of the same series.
        return iter(_families())

    def collect(self) -> Iterator[Metric]:
        families = _families()
        if self.latest is not None:
            _fill(families, self.latest)
        return iter(families)


_gauges: weakref.WeakKeyDictionary[CollectorRegistry, DeliveryGauges] = weakref.WeakKeyDictionary()


def gauges_of(registry: CollectorRegistry) -> DeliveryGauges:
    """The registry's delivery gauges, registered on first use: once per registry, however many apps ask."""
    if registry not in _gauges:
        gauges = DeliveryGauges()
        registry.register(gauges)
        _gauges[registry] = gauges
    return _gauges[registry]


def _families() -> list[GaugeMetricFamily]:
    return [
        GaugeMetricFamily(
            "linkage_consumer_pending", "Lag: messages a durable has not been given yet", labels=["durable"]
        ),
        GaugeMetricFamily("linkage_consumer_ack_pending", "Messages a durable holds unacked", labels=["durable"]),
        GaugeMetricFamily(
            "linkage_consumer_redelivered", "Unacked messages delivered more than once", labels=["durable"]
        ),
        GaugeMetricFamily("linkage_outbox_backlog", "Committed events not yet published"),
        GaugeMetricFamily("linkage_outbox_oldest_age_seconds", "Age of the oldest unpublished event (0 when none)"),
        GaugeMetricFamily(
            "linkage_dead_letters", "Dead letters by consumer and kind", labels=["consumer", "kind", "replayed"]
        ),
        GaugeMetricFamily(
            "linkage_health_source_up", "1 when the figures from this source are known", labels=["source"]
        ),
    ]


def _fill(families: list[GaugeMetricFamily], health: DeliveryHealth) -> None:
    pending, ack_pending, redelivered, backlog, oldest_age, dead_letters, source_up = families
    for consumer in health.consumers:
        if consumer.pending is not None and consumer.ack_pending is not None and consumer.redelivered is not None:
            pending.add_metric([consumer.durable], consumer.pending)
            ack_pending.add_metric([consumer.durable], consumer.ack_pending)
            redelivered.add_metric([consumer.durable], consumer.redelivered)
    if health.outbox.backlog is not None:
        backlog.add_metric([], health.outbox.backlog)
        oldest_age.add_metric([], health.outbox.oldest_age_s or 0.0)
    for count in health.dead_letters:
        dead_letters.add_metric([count.consumer, count.kind, "false"], count.unreplayed)
        dead_letters.add_metric([count.consumer, count.kind, "true"], count.total - count.unreplayed)
    source_up.add_metric(["nats"], float(health.nats == OK))
    source_up.add_metric(["database"], float(health.database == OK))
