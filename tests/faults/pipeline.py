"""The case pipeline as the fault tests drive it: a catalogue on the bus, cases in, tasks out, Postgres's count.

Dispatch runs as a real process; the smart-city platform and the departments are plain nats-py clients, as
they would be: the platform re-publishes until JetStream acknowledges, each department pulls its own durable.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import httpx
import nats
from nats.aio.client import Client
from nats.js import JetStreamContext, api

from contracts import TimeLimit, encode
from contracts.base import TimeUnit
from contracts.envelope import CONTENT_TYPE, envelop
from contracts.events.catalog import GridMapped, ItemPublished, ListKind
from contracts.events.dispatch import TaskAssigned
from contracts.events.intake import CaseReported
from services.platform.supervisor import SERVICES, ServiceProcesses, on_free_ports
from services.runtime.bus import reconcile_streams
from tests.support import JWT_SECRET, bearer, body, unique


@dataclass
class Run:
    prefix: str
    departments: list[str]
    items: list[str]
    grid: str

    @classmethod
    def create(cls, name: str, *, departments: int) -> Run:
        return cls(
            prefix=unique(name),
            departments=[unique("d").replace("-", "") for _ in range(departments)],
            items=[unique("F") for _ in range(departments)],
            grid=unique("g"),
        )

    @property
    def subjects(self) -> list[str]:
        """Where dispatch publishes the tasks of this run's departments, one subject each."""
        return [TaskAssigned.subject(code) for code in self.departments]


async def connect(urls: str) -> Client:
    """A client that never gives up reconnecting; ``urls``: one server, or a cluster's nodes comma-separated."""
    servers = [url.strip() for url in urls.split(",")]
    return await nats.connect(servers, max_reconnect_attempts=-1, reconnect_time_wait=0.25, connect_timeout=2)


async def publish_until_acked(js: JetStreamContext, subject: str, data: bytes, headers: dict[str, str]) -> None:
    """The smart-city platform's side of the bargain: re-publish until JetStream acknowledges."""
    deadline = time.monotonic() + 30
    while True:
        try:
            await js.publish(subject, data, headers=headers, timeout=2)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


def wire(
    event: ItemPublished | GridMapped | CaseReported, *, msg_id: str | None = None
) -> tuple[bytes, dict[str, str]]:
    envelope = envelop(event, source="/smartcity")
    return encode(envelope), {"Nats-Msg-Id": msg_id or str(envelope.id), "content-type": CONTENT_TYPE}


async def prepare(js: JetStreamContext, run: Run, *, replicas: int = 1) -> None:
    """Streams, one durable consumer per department (as each department keeps), and the catalogue."""
    await reconcile_streams(js, replicas=replicas)
    for code, subject in zip(run.departments, run.subjects, strict=True):
        config = api.ConsumerConfig(
            durable_name=f"dept-{code}",
            filter_subject=subject,
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.ALL,
            num_replicas=replicas,
        )
        await js.add_consumer("DISPATCH", config)
    for item, owner in zip(run.items, run.departments, strict=True):
        event = ItemPublished(
            item_code=item,
            name="占道经营治理",
            list_kind=ListKind.COMMON,
            domain="城市管理",
            responsible_body=owner,
            time_limit=TimeLimit(value=3, unit=TimeUnit.WORKING_DAY),
            version=1,
            effective_from=date(2026, 1, 1),
        )
        await publish_until_acked(js, event.subject(), *wire(event))
    grid = GridMapped(grid_code=run.grid, street_code="hongxing", version=1)
    await publish_until_acked(js, grid.subject(), *wire(grid))


def report(run: Run, n: int) -> CaseReported:
    return CaseReported(
        source_system="smartcity",
        source_id=f"{run.prefix}-{n}",
        item_code=run.items[n % len(run.items)],
        grid_code=run.grid,
        description=f"第{n}号案件",
        reported_at=datetime.now(UTC),
    )


async def send(js: JetStreamContext, run: Run, numbers: range, *, twice: bool = False) -> None:
    """Report cases ``numbers``; ``twice``: each a second time, in each of the three ways a platform repeats."""
    for n in numbers:
        event = report(run, n)
        data, headers = wire(event)
        await publish_until_acked(js, event.subject(), data, headers)
        if not twice:
            continue
        if n % 3 == 0:  # the very same message again: JetStream drops it by Nats-Msg-Id
            await publish_until_acked(js, event.subject(), data, headers)
        elif n % 3 == 1:  # the same event under another message id: the inbox drops it by event id
            await publish_until_acked(js, event.subject(), data, {**headers, "Nats-Msg-Id": f"{uuid.uuid4()}"})
        else:  # the platform re-reports the case as a new event: intake drops it by the source's own id
            await publish_until_acked(js, event.subject(), *wire(event))


class Ledger:
    """What Postgres holds for one run."""

    def __init__(self, dsn: str, prefix: str) -> None:
        self.dsn = dsn
        self.prefix = prefix

    async def rows(self, query: str, *args: object) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(self.dsn)
        try:
            return list(await connection.fetch(query, *args))
        finally:
            await connection.close()

    async def fetch(self, query: str) -> list[asyncpg.Record]:
        """``query``'s rows, ``$1`` bound to a LIKE pattern for this run's source ids."""
        return await self.rows(query, f"{self.prefix}-%")

    async def counts(self) -> tuple[int, int]:
        row = (
            await self.fetch(
                """SELECT (SELECT count(*) FROM dispatch.cases WHERE source_id LIKE $1) AS cases,
                          (SELECT count(*) FROM dispatch.tasks t JOIN dispatch.cases c ON c.id = t.case_id
                            WHERE c.source_id LIKE $1) AS tasks"""
            )
        )[0]
        return int(row["cases"]), int(row["tasks"])

    async def cases_per_source(self) -> Counter[str]:
        rows = await self.fetch("SELECT source_id FROM dispatch.cases WHERE source_id LIKE $1")
        return Counter(row["source_id"] for row in rows)

    async def stored_twice(self) -> list[str]:
        """The source ids stored as more than one case."""
        rows = await self.fetch(
            "SELECT source_id FROM dispatch.cases WHERE source_id LIKE $1 GROUP BY source_id HAVING count(*) > 1"
        )
        return [row["source_id"] for row in rows]

    async def tasks(self) -> list[asyncpg.Record]:
        return await self.fetch(
            """SELECT t.id, t.case_id, t.assignee_code, c.source_id FROM dispatch.tasks t
               JOIN dispatch.cases c ON c.id = t.case_id WHERE c.source_id LIKE $1"""
        )

    async def dead_letters(self) -> list[asyncpg.Record]:
        """Every dead letter dispatch holds (the run's database is its own)."""
        return await self.rows("SELECT consumer, kind, reason FROM dispatch.dead_letter")

    async def unpublished(self, subjects: list[str]) -> int:
        rows = await self.rows("SELECT count(*) AS n FROM dispatch.outbox WHERE subject = ANY($1)", subjects)
        return int(rows[0]["n"])

    async def reach(self, cases: int, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError, asyncpg.PostgresError):
                if (await self.counts())[0] >= cases:
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"only {await self.counts()} (cases, tasks) of {cases} after {timeout:.0f} s")
            await asyncio.sleep(0.2)

    async def relayed(self, subjects: list[str], *, timeout: float) -> None:
        """Until dispatch's outbox holds nothing for ``subjects``: every task there has its PubAck, and no
        further copy of one can reach the stream."""
        deadline = time.monotonic() + timeout
        while await self.unpublished(subjects):
            if time.monotonic() > deadline:
                raise AssertionError(f"{await self.unpublished(subjects)} tasks still in the outbox after {timeout} s")
            await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def dispatch_process(
    nats_url: str, database_url: str, log_dir: Path, *, settings: Mapping[str, str] | None = None
) -> AsyncIterator[ServiceProcesses]:
    env = {
        **os.environ,
        "LINKAGE_NATS_URL": nats_url,
        "LINKAGE_DATABASE_URL": database_url,
        "LINKAGE_JWT_SECRET": JWT_SECRET,
        "LINKAGE_RELAY_POLL_S": "0.2",
        "LINKAGE_SWEEP_INTERVAL_S": "3600",
        **(settings or {}),
    }
    specs = on_free_ports([spec for spec in SERVICES if spec.name == "dispatch"])
    with ServiceProcesses(env=env, log_dir=log_dir, services=specs) as processes:
        await asyncio.to_thread(processes.wait_ready, 60)
        yield processes


async def routed(url: str, items: list[str]) -> None:
    async with httpx.AsyncClient(timeout=5, trust_env=False) as http:
        for _ in range(200):
            answers = [await http.get(f"{url}/routing/{item}", headers=bearer("office")) for item in items]
            if all(a.status_code == 200 for a in answers):
                return
            await asyncio.sleep(0.1)
    raise AssertionError("the routing projection never caught up")


@dataclass
class Deliveries:
    """What the departments' durables handed out, per task id: the stream sequences it was stored under, the
    department that got it, and how many times a sequence already handed out came again.

    A redelivery (``num_delivered`` > 1) is at-least-once delivery doing its job after a department's ack was
    lost: the department sees the same stream sequence again and knows it. A second *sequence* for a task is a
    second stored message, which is what a lost PubAck plus a re-publish would leave if de-duplication failed.
    """

    sequences: dict[str, set[int]] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)
    redelivered: Counter[str] = field(default_factory=Counter)

    def add(self, code: str, task: str, sequence: int, delivered: int) -> None:
        self.sequences.setdefault(task, set()).add(sequence)
        self.owner[task] = code
        if delivered > 1:
            self.redelivered[task] += 1

    def stored_twice(self) -> dict[str, list[int]]:
        return {task: sorted(seqs) for task, seqs in self.sequences.items() if len(seqs) > 1}


async def deliveries(
    js: JetStreamContext, departments: list[str], expected: set[str], *, timeout: float = 60.0
) -> Deliveries:
    """Pull every department's own durable until each expected task arrived and none has anything pending.

    Call it once ``Ledger.relayed``: with the outbox empty no copy of a task is still on its way, so a durable
    with nothing pending has handed out every message the stream will ever hold for it."""
    seen = Deliveries()
    subscriptions = {
        code: await js.pull_subscribe_bind(durable=f"dept-{code}", stream="DISPATCH") for code in departments
    }
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for code, subscription in subscriptions.items():
            with contextlib.suppress(TimeoutError, nats.errors.TimeoutError):
                for message in await subscription.fetch(500, timeout=0.5):
                    meta = message.metadata
                    seen.add(code, body(message)["data"]["task_id"], meta.sequence.stream, meta.num_delivered)
                    await message.ack()
        pending = [(await js.consumer_info("DISPATCH", f"dept-{code}")).num_pending for code in departments]
        if set(seen.sequences) >= expected and not any(pending):
            break
    return seen
