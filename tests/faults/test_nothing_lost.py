"""Nothing lost: 1,000 cases through intake while dispatch is SIGKILLed twice and NATS once.

Dispatch runs as a real process on a free port against a nats-server this test starts (its own store and
port, 127.0.0.1 only) so that it can be killed. Afterwards every case is persisted exactly once and every
task reached its department's own durable consumer and is recorded once; the same holds when the smart-city
platform publishes every intake message twice.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from services.platform.embedded import NatsServer
from tests.faults.pipeline import Ledger, Run, connect, deliveries, dispatch_process, prepare, routed, send

pytestmark = [pytest.mark.faults, pytest.mark.timeout(240)]
CASES = 1000
DEPARTMENTS = 5
SETTLE_S = 120.0


@pytest.mark.parametrize("twice", [False, True], ids=["each-once", "each-twice"])
async def test_every_case_once_and_every_task_delivered_through_kills_and_a_nats_crash(
    database_url: str, tmp_path: Path, twice: bool
) -> None:
    run = Run.create("fault", departments=DEPARTMENTS)
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
                await ledger.relayed(run.subjects, timeout=SETTLE_S)
                tasks = await ledger.tasks()
                seen = await deliveries(js, run.departments, {str(row["id"]) for row in tasks})
        finally:
            await client.close()

    assert await ledger.counts() == (CASES, CASES)  # every case once, one primary task each
    assert len({row["case_id"] for row in tasks}) == CASES
    assert len({row["source_id"] for row in tasks}) == CASES
    owner = {str(row["id"]): row["assignee_code"] for row in tasks}
    assert set(seen.owner) == set(owner), "a task never reached its department, or one Postgres does not hold did"
    assert seen.owner == owner  # each on its own department's subject
    assert seen.stored_twice() == {}  # each stored once on DISPATCH: one stream sequence per task
