"""Nothing lost: 1,000 cases through intake while dispatch is SIGKILLed twice and NATS once.

Dispatch runs as a real process on a free port against a nats-server this test starts (its own store and
port, 127.0.0.1 only) so that it can be killed. Afterwards every case is persisted exactly once and every
task reached its department's own durable consumer at least once and is recorded once; the same holds when
the smart-city platform publishes every intake message twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext, api
from sqlalchemy.engine import make_url

from contracts import TimeLimit, encode
from contracts.base import TimeUnit
from contracts.envelope import CONTENT_TYPE, envelop
from contracts.events.catalog import GridMapped, ItemPublished, ListKind
from contracts.events.intake import CaseReported
from services.platform.embedded import NatsServer
from services.platform.supervisor import SERVICES, ServiceProcesses, on_free_ports
from services.runtime.bus import reconcile_streams
from tests.support import JWT_SECRET, bearer, body

pytestmark = [pytest.mark.faults, pytest.mark.timeout(240)]
CASES = 1000
DEPARTMENTS = 5
SETTLE_S = 120.0


@dataclass
class Run:
    prefix: str
    departments: list[str]
    items: list[str]
    grid: str


async def connect(url: str) -> Client:
    return await nats.connect(url, max_reconnect_attempts=-1, reconnect_time_wait=0.25, connect_timeout=2)


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


async def prepare(js: JetStreamContext, run: Run) -> None:
    """Streams, one durable consumer per department (as each department keeps), and the catalogue."""
    await reconcile_streams(js, replicas=1)
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
        await publish_until_acked(js, event.subject(), *_wire(event))
    grid = GridMapped(grid_code=run.grid, street_code="hongxing", version=1)
    await publish_until_acked(js, grid.subject(), *_wire(grid))


def _wire(
    event: ItemPublished | GridMapped | CaseReported, *, msg_id: str | None = None
) -> tuple[bytes, dict[str, str]]:
    envelope = envelop(event, source="/smartcity")
    return encode(envelope), {"Nats-Msg-Id": msg_id or str(envelope.id), "content-type": CONTENT_TYPE}


def report(run: Run, n: int) -> CaseReported:
    return CaseReported(
        source_system="smartcity",
        source_id=f"{run.prefix}-{n}",
        item_code=run.items[n % len(run.items)],
        grid_code=run.grid,
        description=f"第{n}号案件",
        reported_at=datetime.now(UTC),
    )


async def send(js: JetStreamContext, run: Run, numbers: range, *, twice: bool) -> None:
    for n in numbers:
        event = report(run, n)
        data, headers = _wire(event)
        await publish_until_acked(js, event.subject(), data, headers)
        if not twice:
            continue
        if n % 3 == 0:  # the very same message again: JetStream drops it by Nats-Msg-Id
            await publish_until_acked(js, event.subject(), data, headers)
        elif n % 3 == 1:  # the same event under another message id: the inbox drops it by event id
            await publish_until_acked(js, event.subject(), data, {**headers, "Nats-Msg-Id": f"{uuid.uuid4()}"})
        else:  # the platform re-reports the case as a new event: intake drops it by the source's own id
            await publish_until_acked(js, event.subject(), *_wire(event))


class Ledger:
    """What Postgres holds for one run."""

    def __init__(self, dsn: str, prefix: str) -> None:
        self.dsn = dsn
        self.prefix = prefix

    async def counts(self) -> tuple[int, int]:
        connection = await asyncpg.connect(self.dsn)
        try:
            row = await connection.fetchrow(
                """SELECT (SELECT count(*) FROM dispatch.cases WHERE source_id LIKE $1) AS cases,
                          (SELECT count(*) FROM dispatch.tasks t JOIN dispatch.cases c ON c.id = t.case_id
                            WHERE c.source_id LIKE $1) AS tasks""",
                f"{self.prefix}-%",
            )
        finally:
            await connection.close()
        assert row is not None
        return int(row["cases"]), int(row["tasks"])

    async def tasks(self) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(self.dsn)
        try:
            return list(
                await connection.fetch(
                    """SELECT t.id, t.case_id, t.assignee_code, c.source_id FROM dispatch.tasks t
                       JOIN dispatch.cases c ON c.id = t.case_id WHERE c.source_id LIKE $1""",
                    f"{self.prefix}-%",
                )
            )
        finally:
            await connection.close()

    async def reach(self, cases: int, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while (await self.counts())[0] < cases:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {await self.counts()} (cases, tasks) of {cases} after {timeout:.0f} s")
            await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def dispatch_process(nats_url: str, database_url: str, log_dir: Path) -> AsyncIterator[ServiceProcesses]:
    env = {
        **os.environ,
        "LINKAGE_NATS_URL": nats_url,
        "LINKAGE_DATABASE_URL": database_url,
        "LINKAGE_JWT_SECRET": JWT_SECRET,
        "LINKAGE_RELAY_POLL_S": "0.2",
        "LINKAGE_SWEEP_INTERVAL_S": "3600",
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


async def delivered(js: JetStreamContext, departments: list[str], expected: set[str]) -> dict[str, list[str]]:
    """Pull every department's own durable until each expected task has arrived; task ids per department."""
    seen: dict[str, list[str]] = {code: [] for code in departments}
    subscriptions = {
        code: await js.pull_subscribe_bind(durable=f"dept-{code}", stream="DISPATCH") for code in departments
    }
    deadline = time.monotonic() + 60
    while {task for tasks in seen.values() for task in tasks} < expected and time.monotonic() < deadline:
        for code, subscription in subscriptions.items():
            with contextlib.suppress(TimeoutError, nats.errors.TimeoutError):
                for message in await subscription.fetch(500, timeout=0.5):
                    seen[code].append(body(message)["data"]["task_id"])
                    await message.ack()
    return seen


@pytest.mark.parametrize("twice", [False, True], ids=["each-once", "each-twice"])
async def test_every_case_once_and_every_task_delivered_through_kills_and_a_nats_restart(
    database_url: str, tmp_path: Path, twice: bool
) -> None:
    run = Run(
        prefix=f"fault-{uuid.uuid4().hex[:8]}",
        departments=[f"d{uuid.uuid4().hex[:6]}" for _ in range(DEPARTMENTS)],
        items=[f"F-{uuid.uuid4().hex[:6]}" for _ in range(DEPARTMENTS)],
        grid=f"g-{uuid.uuid4().hex[:6]}",
    )
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    ledger = Ledger(dsn, run.prefix)
    quarter = CASES // 4
    with NatsServer(store_dir=tmp_path / "nats" / "store") as server:
        client = await connect(server.url)
        js = client.jetstream()
        try:
            await prepare(js, run)
            async with dispatch_process(server.url, database_url, tmp_path / "logs") as processes:
                await routed(processes.spec("dispatch").url, run.items)
                await send(js, run, range(0, quarter), twice=twice)
                await ledger.reach(quarter // 3, timeout=SETTLE_S)
                processes.kill("dispatch")  # 1st SIGKILL, mid-stream
                processes.restart("dispatch", wait=False)
                await send(js, run, range(quarter, 2 * quarter), twice=twice)
                await ledger.reach(quarter + quarter // 2, timeout=SETTLE_S)
                processes.kill("dispatch")  # 2nd SIGKILL
                processes.restart("dispatch", wait=False)
                await send(js, run, range(2 * quarter, 3 * quarter), twice=twice)
                server.kill()  # SIGKILL: NATS crashes, then comes back on the same port and store
                await asyncio.to_thread(server.start)
                await send(js, run, range(3 * quarter, CASES), twice=twice)
                await ledger.reach(CASES, timeout=SETTLE_S)
                tasks = await ledger.tasks()
                expected = {str(row["id"]) for row in tasks}
                seen = await delivered(js, run.departments, expected)
        finally:
            await client.close()

    assert await ledger.counts() == (CASES, CASES)  # every case once, one primary task each
    assert len({row["case_id"] for row in tasks}) == CASES
    assert len({row["source_id"] for row in tasks}) == CASES
    arrived = {task for ids in seen.values() for task in ids}
    assert expected <= arrived, f"{len(expected - arrived)} task(s) never reached their department"
    assert arrived <= expected  # nothing delivered that Postgres does not hold
    owner = {str(row["id"]): row["assignee_code"] for row in tasks}
    assert all(owner[task] == code for code, ids in seen.items() for task in ids)  # each on its own subject
