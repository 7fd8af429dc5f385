"""What every service process is made of, assembled by its ``create_app()``.

The FastAPI lifespan brings the bus up in the background: connect (retrying forever), reconcile streams
and consumers, start the subscribers and the outbox relay. The HTTP side answers at once; ``/readyz``
says when the service can take work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, MutableMapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI
from fastapi.telemetry import TelemetryConfig
from nats.aio.client import Client
from nats.js import JetStreamContext
from opentelemetry.sdk.trace import SpanProcessor
from prometheus_client import CollectorRegistry
from sqlalchemy.dialects.postgresql import insert

from services.runtime import http_errors, ops
from services.runtime.advisories import AdvisoryCapture, advisory_consumer, advisory_stream
from services.runtime.bus import (
    Subscription,
    consumer_matches,
    create_broker,
    reconcile_consumer,
    reconcile_stream,
    reconcile_streams,
    retire_consumer,
)
from services.runtime.consumer import Consumer, declare
from services.runtime.db import PlumbingTables, create_engine, sessionmaker
from services.runtime.docs import serve_docs_locally
from services.runtime.heap import settle_heap
from services.runtime.limits import MIB, BoundBodies
from services.runtime.migrate import head_revision
from services.runtime.outage import DatabaseWatch
from services.runtime.outbox import DEFAULT_MAX_PAYLOAD, OutboxRelay
from services.runtime.pull import LoopMetrics, PullLoop, Settles
from services.runtime.settings import RuntimeSettings
from services.runtime.telemetry import configure_logging, records, tracer_provider
from services.runtime.text import RefuseNul
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")


class ServiceKit:
    def __init__(
        self,
        name: str,
        settings: RuntimeSettings,
        tables: PlumbingTables,
        *,
        span_processor: SpanProcessor | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self.tables = tables
        self.engine = create_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            connect_timeout_s=settings.db_connect_timeout_s,
            statement_timeout_s=settings.db_statement_timeout_s,
        )
        self.sessions = sessionmaker(self.engine)
        self.watch = DatabaseWatch(settings.database_url, timeout_s=settings.db_connect_timeout_s)
        self.registry = CollectorRegistry()
        self.loop_metrics = LoopMetrics(self.registry)
        self.tracer_provider = tracer_provider(name, otlp_endpoint=settings.otlp_endpoint, extra=span_processor)
        self.broker = create_broker(settings.nats_servers, service=name)
        self.relay = OutboxRelay(
            self.sessions,
            tables,
            self.broker,
            consumer=f"{name}-outbox",
            batch=settings.relay_batch,
            poll_s=settings.relay_poll_s,
        )
        self.consumers: list[Consumer[Any]] = []
        self.loops: list[PullLoop] = []
        self._nats: Client | None = None  # the broker's connection, once made
        self.bus_up = asyncio.Event()
        self.schema_head = head_revision(name)
        self._tasks: list[asyncio.Task[None]] = []
        self._background: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = []
        self._parts: dict[type, object] = {}

    def provide(self, part: object) -> None:
        """A part of the service its routes ask for by type (``wired.provided``), e.g. a cache of reads."""
        self._parts[type(part)] = part

    def part(self, kind: type[T]) -> T:
        found = self._parts.get(kind)
        if not isinstance(found, kind):
            raise LookupError(f"{self.name} provides no {kind.__name__}")
        return found

    def uow(
        self, *, actor: str = "system", role: str | Callable[[], str] = "system", inbox_key: Any = None
    ) -> UnitOfWork:
        return UnitOfWork(
            self.sessions,
            self.tables,
            source=f"/linkage/{self.name}",
            actor=actor,
            role=role,
            inbox_key=inbox_key,
            on_emit=self.relay.wake,
            max_payload=self._max_payload(),
        )

    def _max_payload(self) -> int:
        """What the server announced (every node of a cluster should agree), or NATS's default before that."""
        connection = self._nats
        return connection.max_payload if connection is not None and connection.is_connected else DEFAULT_MAX_PAYLOAD

    def subscribe(self, *subscriptions: Subscription[Any]) -> None:
        for subscription in subscriptions:
            self.consumers.append(
                declare(
                    subscription,
                    service=self.name,
                    settings=self.settings,
                    uow_factory=self.uow,
                    dead_letter=self.write_dead_letter,
                    watch=self.watch,
                )
            )

    async def write_dead_letter(self, **row: Any) -> None:
        """One row per stored message and consumer: a second report of the same one (an advisory) is a no-op."""
        statement = insert(self.tables.dead_letter).values(**row).on_conflict_do_nothing()
        async with self.sessions() as session, session.begin():
            await session.execute(statement)

    def add_background(self, name: str, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """A loop the service runs while it lives (e.g. a deadline sweep), started once the bus is up."""
        self._background.append((name, job))

    def durables(self) -> list[Settles]:
        """Every durable this service pulls from: its subscriptions' and, once the bus is up, its advisories'."""
        return [loop.consumer for loop in self.loops] or list(self.consumers)

    def consumer(self, durable: str) -> Consumer[Any]:
        return next(c for c in self.consumers if c.durable == durable)

    async def readiness(self) -> dict[str, str]:
        """Each check's verdict: ``ok`` or what is wrong."""
        checks = {"database": "ok", "broker": "ok", "consumers": "ok"}
        try:
            async with self.engine.connect() as connection:
                current = await connection.scalar(sa.text(f'SELECT version_num FROM "{self.name}".alembic_version'))
            if current != self.schema_head:
                checks["database"] = f"schema {self.name} at {current}, code expects {self.schema_head}: migrate"
        except Exception as error:
            checks["database"] = f"unreachable or not migrated: {error}"
        if not self.bus_up.is_set() or not self.broker.connection.is_connected:
            checks["broker"] = checks["consumers"] = "not connected"
            return checks
        checks["consumers"] = await self._consumers_verdict()
        return checks

    async def _consumers_verdict(self) -> str:
        js = self.broker.connection.jetstream()
        for consumer in self.consumers:
            try:
                current = (await js.consumer_info(consumer.stream, consumer.durable, timeout=2)).config
            except Exception as error:
                return f"{consumer.durable}: {error!r}"
            if not consumer_matches(current, consumer.config):
                return f"{consumer.durable}: settings differ from the declared ones"
        return "ok"

    async def _bring_up_bus(self) -> None:
        while True:
            try:
                self._nats = await self.broker.connect()
                break
            except Exception as error:
                log.warning("NATS not reachable yet (%r); retrying", error)
                await asyncio.sleep(1.0)
        js = self._nats.jetstream()
        await reconcile_streams(js, replicas=self.settings.stream_replicas)
        for consumer in self.consumers:
            await reconcile_consumer(js, consumer.stream, consumer.config)
            for retired in consumer.subscription.retired(self.name):
                await retire_consumer(js, consumer.stream, retired)
        await self.broker.start()
        if self.consumers:
            await self._capture_advisories(js)
        for consumer in self.consumers:
            batch = self.settings.consumer_batch_many if consumer.batches else self.settings.consumer_batch
            self._loop(consumer, consumer.subscription.batch or batch, linger_s=consumer.subscription.linger_s)
        self._start("outbox-relay", self.relay.run())
        for name, job in self._background:
            self._start(name, job())
        settle_heap()
        self.bus_up.set()
        log.info("%s: bus up with %d consumer(s)", self.name, len(self.consumers))

    async def _capture_advisories(self, js: JetStreamContext) -> None:
        """JetStream's reports of messages it gave up on, kept in a stream and recorded as dead letters."""
        stream = advisory_stream(replicas=self.settings.stream_replicas)
        await reconcile_stream(js, stream)
        config = advisory_consumer(self.name, [(c.stream, c.durable) for c in self.consumers])
        await reconcile_consumer(js, stream.name or "", config)
        capture = AdvisoryCapture(config, self.broker.connection, self.write_dead_letter, self.watch)
        self._loop(capture, self.settings.consumer_batch)

    def _loop(self, consumer: Settles, limit: int, *, linger_s: float = 0.0) -> None:
        loop = PullLoop(
            consumer,
            self.broker.connection,
            limit=limit,
            tracer=self.tracer_provider.get_tracer("linkage.bus"),
            recording=records(self.tracer_provider),
            metrics=self.loop_metrics,
            watch=self.watch,
            ack_wait_s=self.settings.ack_wait_s,
            drain_s=self.settings.drain_s,
            linger_s=linger_s,
        )
        self.loops.append(loop)
        self._start(consumer.durable, loop.run())

    def _start(self, name: str, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(job, name=f"{self.name}-{name}")
        task.add_done_callback(_report_crash)
        self._tasks.append(task)

    @contextlib.asynccontextmanager
    async def lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        configure_logging(self.settings.log_level)
        self._start("bus", self._bring_up_bus())
        try:
            yield
        finally:
            await asyncio.gather(*(loop.stop() for loop in self.loops))  # what is in hand may finish first
            await self.watch.close()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self.broker.stop()
            await self.engine.dispose()
            self.tracer_provider.shutdown()

    def create_app(
        self, *, title: str, description: str, routers: Sequence[APIRouter], upload_paths: Sequence[str] = ()
    ) -> FastAPI:
        # FastAPI's own OpenTelemetry server spans (traceparent in, span current while the route runs), not
        # opentelemetry-instrumentation-fastapi: that one matches the routes again on every request to name its
        # span and opens a span per ASGI message, a large share of a lookup (bench/README.md). No per-dependency spans.
        telemetry: TelemetryConfig = {
            "tracer_provider": self.tracer_provider,
            "operation_spans": False,
            "exclude": _unobserved,
        }
        app = FastAPI(
            title=title,
            description=description,
            version="1",
            lifespan=self.lifespan,
            telemetry=telemetry,
            docs_url=None,  # served from local assets below: district networks are often offline
            redoc_url=None,
        )
        serve_docs_locally(app)
        app.state.kit = self  # read back only by wired.kit_of: routes take typed dependencies
        http_errors.install(app)
        app.add_middleware(RefuseNul)
        app.add_middleware(  # outermost: no other middleware, nor authentication, reads an unbounded body
            BoundBodies,
            limit=int(self.settings.max_body_mib * MIB),
            upload_limit=int(self.settings.max_upload_mib * MIB),
            upload_paths=upload_paths,
        )
        app.include_router(ops.router)
        for router in routers:
            app.include_router(router)
        return app


def _report_crash(task: asyncio.Task[None]) -> None:
    """A background job must not die unheard: its end is logged with the error that ended it."""
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("%s stopped: %r", task.get_name(), error, exc_info=error)


def _unobserved(scope: MutableMapping[str, Any]) -> bool:
    """Probes and scrapes make no spans."""
    return scope.get("path") in ("/healthz", "/readyz", "/metrics")
