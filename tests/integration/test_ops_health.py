"""Delivery health against a real NATS and Postgres: lag, redeliveries, outbox backlog and age, dead letters by
kind, the same figures in /metrics, and replays audited under the operator's name."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext, api
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from contracts import TimeLimit, encode
from contracts.base import TimeUnit
from contracts.envelope import CONTENT_TYPE, envelop
from contracts.events.catalog import ItemPublished, ListKind
from services.enforcement.app import create_app
from services.enforcement.settings import Settings
from services.runtime.health import NATS_UNREACHABLE, consumer_figures
from tests.support import bearer, bus, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration
OPERATOR = bearer("operator", subject="ops-li")
DURABLE = "enforcement-item-published"


def item(code: str) -> ItemPublished:
    return ItemPublished(
        item_code=code,
        name="对占道经营行为的行政处罚",
        list_kind=ListKind.POWER,
        domain="城市管理",
        responsible_body="zhzfd",
        time_limit=TimeLimit(value=15, unit=TimeUnit.WORKING_DAY),
        version=1,
        effective_from=date(2026, 1, 1),
    )


@dataclass(frozen=True)
class DurableRef:
    stream: str
    durable: str


@contextlib.asynccontextmanager
async def postgres(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(
        make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        yield connection
    finally:
        await connection.close()


async def health(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/ops/health", headers=OPERATOR)
    assert response.status_code == 200, response.text
    figures: dict[str, Any] = response.json()
    return figures


def durable(figures: dict[str, Any], name: str = DURABLE) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in figures["consumers"] if c["durable"] == name)
    return found


def dead_letters(figures: dict[str, Any], kind: str) -> tuple[int, int]:
    """(total, unreplayed) of the enforcement item consumer's dead letters of ``kind``."""
    counts = [
        (d["total"], d["unreplayed"]) for d in figures["dead_letters"] if (d["consumer"], d["kind"]) == (DURABLE, kind)
    ]
    return counts[0] if counts else (0, 0)


Metrics = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scraped(client: httpx.AsyncClient) -> Metrics:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name.startswith(("linkage_consumer", "linkage_outbox", "linkage_dead_letters", "linkage_health"))
    }


async def test_a_durable_shows_its_pending_messages_and_redeliveries(nats_url: str) -> None:
    stream, subject = unique("HEALTH").upper(), unique("health")
    async with bus(nats_url) as (_, js):
        await js.add_stream(api.StreamConfig(name=stream, subjects=[f"{subject}.>"]))
        try:
            await js.add_consumer(stream, api.ConsumerConfig(durable_name="watched", ack_policy=api.AckPolicy.EXPLICIT))
            await js.publish(f"{subject}.first", b"{}")
            pull = await js.pull_subscribe_bind("watched", stream)
            await (await pull.fetch(1, timeout=5))[0].nak()
            again = (await pull.fetch(1, timeout=5))[0]  # held, unacked, after its second delivery
            assert again.metadata.num_delivered == 2
            for n in range(3):
                await js.publish(f"{subject}.{n}", b"{}")

            watched, missing = await consumer_figures(js, [DurableRef(stream, "watched"), DurableRef(stream, "nobody")])
            unreachable = await consumer_figures(None, [DurableRef(stream, "watched")])
        finally:
            await js.delete_stream(stream)
    assert (watched.pending, watched.ack_pending, watched.redelivered, watched.unknown_because) == (3, 1, 1, None)
    assert missing.pending is None
    assert missing.unknown_because == "unknown: JetStream has no such consumer"
    assert (unreachable[0].pending, unreachable[0].unknown_because) == (None, NATS_UNREACHABLE)


async def test_a_blocked_consumer_shows_lag_and_a_held_outbox_row_its_backlog_and_age(
    nats_url: str, own_database: str
) -> None:
    async with postgres(own_database) as setup, postgres(own_database) as blocker:
        held = await setup.fetchval(
            "INSERT INTO enforcement.outbox (event_id, subject, body, headers, created_at)"
            " VALUES ($1, 'catalog.item.published.v1', '\\x', '{}', now() - interval '1 hour') RETURNING seq",
            uuid.uuid4(),
        )
        # The relay skips a locked row and the consumer waits on its inbox claim: both stand still while we look.
        blocking = blocker.transaction()
        await blocking.start()
        await blocker.execute("SELECT 1 FROM enforcement.outbox WHERE seq = $1 FOR UPDATE", held)
        await blocker.execute("LOCK TABLE enforcement.inbox IN EXCLUSIVE MODE")
        settings = Settings(**settings_env(nats_url, own_database), consumer_batch=2)
        async with serving(create_app(settings)) as service, bus(nats_url) as (_, js):
            for _ in range(6):
                await publish(js, item(unique("ZF")), source="/linkage/catalog")
            figures, metrics = await eventually(lambda: _holding(service, js))

            await blocker.execute("DELETE FROM enforcement.outbox WHERE seq = $1", held)
            await blocking.commit()
            drained = await eventually(lambda: _drained(service))

    held_back = durable(figures)
    assert held_back["pending"] > 0
    assert held_back["pending"] + held_back["ack_pending"] >= 6  # none of the six is acked while blocked
    assert (figures["nats"], figures["database"]) == ("ok", "ok")
    assert figures["outbox"]["backlog"] >= 1
    assert figures["outbox"]["oldest_age_s"] >= 3590
    assert metrics[("linkage_outbox_backlog", ())] >= 1
    assert metrics[("linkage_outbox_oldest_age_seconds", ())] >= 3590
    assert metrics[("linkage_health_source_up", (("source", "nats"),))] == 1
    assert metrics[("linkage_health_source_up", (("source", "database"),))] == 1
    assert drained["outbox"] == {"backlog": 0, "oldest_age_s": None}


async def _holding(service: httpx.AsyncClient, js: JetStreamContext) -> tuple[dict[str, Any], Metrics] | None:
    """The figures once the consumer holds messages, as /ops/health, JetStream and /metrics all tell them."""
    figures, info, metrics = await health(service), await js.consumer_info("CATALOG", DURABLE), await scraped(service)
    seen, labels = durable(figures), (("durable", DURABLE),)
    told = [
        (seen["pending"], seen["ack_pending"]),
        (info.num_pending, info.num_ack_pending),
        (metrics[("linkage_consumer_pending", labels)], metrics[("linkage_consumer_ack_pending", labels)]),
    ]
    return (figures, metrics) if seen["ack_pending"] and told[0] == told[1] == told[2] else None


async def _drained(service: httpx.AsyncClient) -> dict[str, Any] | None:
    figures = await health(service)
    consumer, outbox = durable(figures), figures["outbox"]
    done = consumer["pending"] == consumer["ack_pending"] == 0 and outbox["backlog"] == 0
    return figures if done else None


async def test_dead_letters_count_by_kind_and_a_replay_is_audited_under_the_operator(
    nats_url: str, own_database: str
) -> None:
    code = unique("ZF")
    replayable = encode(envelop(item(code), source="/linkage/catalog"))
    async with serving(create_app(Settings(**settings_env(nats_url, own_database)))) as service:
        async with bus(nats_url) as (_, js):
            await js.publish(ItemPublished.TYPE, b'{"specversion": "1.0", "data": {"health": "garbled"}}')
        await eventually(lambda: _counted(service, "unparseable"))
        async with postgres(own_database) as db:
            fixed = await db.fetchval(
                "INSERT INTO enforcement.dead_letter (consumer, subject, headers, body, reason, deliveries, kind)"
                " VALUES ($1, $2, $3, $4, 'handler: database was being migrated', 5, 'handler') RETURNING id",
                DURABLE,
                ItemPublished.TYPE,
                json.dumps({"content-type": CONTENT_TYPE}),
                replayable,
            )
            garbled = await db.fetchval(
                "SELECT id FROM enforcement.dead_letter"
                " WHERE kind = 'unparseable' AND convert_from(body, 'UTF8') LIKE '%garbled%'"
            )
            before = await health(service)

            office = bearer("office")
            assert (await service.get("/ops/health", headers=office)).status_code == 403
            assert (await service.get("/ops/health")).status_code == 401
            assert (await service.post(f"/ops/dead-letters/{fixed}/replay", headers=office)).status_code == 403
            assert await _audits(db, fixed) == []

            replayed = await service.post(f"/ops/dead-letters/{fixed}/replay", headers=OPERATOR)
            assert replayed.status_code == 200, replayed.text
            failed = await service.post(f"/ops/dead-letters/{garbled}/replay", headers=OPERATOR)
            assert failed.status_code == 409
            after = await health(service)
            metrics = await scraped(service)
            listed = await db.fetchval("SELECT listed FROM enforcement.power_list WHERE item_code = $1", code)
            replay_audits, failure_audits = await _audits(db, fixed), await _audits(db, garbled)

    assert (dead_letters(before, "unparseable"), dead_letters(before, "handler")) == ((1, 1), (1, 1))
    assert (dead_letters(after, "unparseable"), dead_letters(after, "handler")) == ((1, 1), (1, 0))
    labels = (("consumer", DURABLE), ("kind", "handler"))
    assert metrics[("linkage_dead_letters", (*labels, ("replayed", "true")))] == 1
    assert metrics[("linkage_dead_letters", (*labels, ("replayed", "false")))] == 0
    unparseable = (("consumer", DURABLE), ("kind", "unparseable"), ("replayed", "false"))
    assert metrics[("linkage_dead_letters", unparseable)] == 1
    assert listed is True  # the replay reached the handler

    [audit] = replay_audits
    assert (audit["actor"], audit["role"], audit["action"]) == ("ops-li", "operator", "dead_letter.replayed")
    assert json.loads(audit["before"]) == {"replayed_at": None}
    replayed_at = datetime.fromisoformat(json.loads(audit["after"])["replayed_at"])
    assert replayed_at == datetime.fromisoformat(replayed.json()["replayed_at"])
    assert audit["trace_id"]
    [failure] = failure_audits
    assert (failure["actor"], failure["role"], failure["action"]) == ("ops-li", "operator", "dead_letter.replay_failed")
    assert json.loads(failure["after"])["replayed_at"] is None
    assert json.loads(failure["after"])["error"]


async def _counted(service: httpx.AsyncClient, kind: str) -> bool:
    return dead_letters(await health(service), kind) != (0, 0)


async def _audits(db: asyncpg.Connection, dead_letter_id: int) -> list[asyncpg.Record]:
    return list(
        await db.fetch(
            "SELECT actor, role, action, before, after, trace_id FROM enforcement.audit WHERE entity = $1 ORDER BY id",
            f"dead_letter:{dead_letter_id}",
        )
    )
