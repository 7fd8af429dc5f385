"""Delivery health when its sources are down, and its gauges: unknown figures are said so and left out, never
raised; each registry gets the gauges once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from services.enforcement import store
from services.enforcement.app import create_app
from services.enforcement.settings import Settings
from services.runtime.db import create_engine, sessionmaker
from services.runtime.health import (
    NATS_UNREACHABLE,
    ConsumerHealth,
    DeadLetterCount,
    DeliveryHealth,
    OutboxHealth,
    gauges_of,
    store_figures,
)
from tests.support import JWT_SECRET, bearer

NOWHERE = "127.0.0.1:1"  # nothing listens on port 1: connections are refused at once


@pytest.fixture
async def stranded() -> AsyncIterator[httpx.AsyncClient]:
    """A service whose NATS and Postgres are both unreachable."""
    settings = Settings(
        nats_url=f"nats://{NOWHERE}",
        database_url=f"postgresql+asyncpg://postgres@{NOWHERE}/linkage",
        jwt_secret=JWT_SECRET,
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://s") as client:
        yield client


async def test_sources_down_make_the_figures_unknown_with_the_reason(stranded: httpx.AsyncClient) -> None:
    response = await stranded.get("/ops/health", headers=bearer("operator"))
    assert response.status_code == 200
    figures = response.json()
    assert figures["nats"] == NATS_UNREACHABLE
    assert figures["database"].startswith("unknown: the database is unreachable")
    assert {c["durable"] for c in figures["consumers"]} == {"enforcement-item-published", "enforcement-item-retired"}
    assert {(c["pending"], c["unknown_because"]) for c in figures["consumers"]} == {(None, NATS_UNREACHABLE)}
    assert figures["outbox"] == {"backlog": None, "oldest_age_s": None}
    assert figures["dead_letters"] == []

    families = text_string_to_metric_families((await stranded.get("/metrics")).text)
    samples = {(s.name, tuple(s.labels.values())): s.value for f in families for s in f.samples}
    assert samples[("linkage_health_source_up", ("nats",))] == 0
    assert samples[("linkage_health_source_up", ("database",))] == 0
    unknown = ("linkage_consumer_pending", "linkage_outbox_backlog", "linkage_outbox_oldest_age_seconds")
    assert [name for name, _ in samples if name in unknown] == []  # absent, not a stale or made-up number


async def test_a_database_that_does_not_answer_is_waited_for_only_the_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accepts, never answers

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/linkage", pool_size=1)
    try:
        async with asyncio.timeout(5):
            verdict, outbox, dead_letters = await store_figures(sessionmaker(engine), store.plumbing, timeout_s=0.3)
    finally:
        await engine.dispose()
        server.close()
    assert verdict == "unknown: the database did not answer within 0.3 s"
    assert (outbox.backlog, dead_letters) == (None, [])


def figures(*consumers: ConsumerHealth, outbox: OutboxHealth) -> DeliveryHealth:
    return DeliveryHealth(
        service="enforcement",
        checked_at=datetime.now(UTC),
        nats="ok",
        database="ok",
        consumers=list(consumers),
        outbox=outbox,
        dead_letters=[DeadLetterCount(consumer="enforcement-item-published", kind="handler", total=5, unreplayed=2)],
    )


def test_each_registry_gets_the_gauges_once_and_they_show_the_latest_figures() -> None:
    registry, other = CollectorRegistry(), CollectorRegistry()
    gauges = gauges_of(registry)
    assert gauges_of(registry) is gauges  # a second app or scrape does not register them again
    assert gauges_of(other) is not gauges
    known = ConsumerHealth(
        durable="seen", stream="CATALOG", pending=7, ack_pending=2, redelivered=1, unknown_because=None
    )
    unknown = ConsumerHealth(
        durable="unseen", stream="CATALOG", pending=None, ack_pending=None, redelivered=None, unknown_because="?"
    )
    gauges.latest = figures(known, unknown, outbox=OutboxHealth(backlog=3, oldest_age_s=42.5))

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("linkage_consumer_pending", durable="seen") == 7
    assert value("linkage_consumer_ack_pending", durable="seen") == 2
    assert value("linkage_consumer_redelivered", durable="seen") == 1
    assert value("linkage_consumer_pending", durable="unseen") is None
    assert value("linkage_outbox_backlog") == 3
    assert value("linkage_outbox_oldest_age_seconds") == 42.5
    handler = {"consumer": "enforcement-item-published", "kind": "handler"}
    assert value("linkage_dead_letters", **handler, replayed="false") == 2
    assert value("linkage_dead_letters", **handler, replayed="true") == 3
    assert other.get_sample_value("linkage_consumer_pending", {"durable": "seen"}) is None  # not before a scrape

    gauges.latest = figures(outbox=OutboxHealth(backlog=0, oldest_age_s=None))
    assert value("linkage_outbox_oldest_age_seconds") == 0  # an empty outbox has no oldest row: zero, not unknown
    assert value("linkage_consumer_pending", durable="seen") is None  # a durable no longer reported is gone
