"""A database outage longer than the whole retry budget loses nothing and dead-letters nothing.

Dispatch runs as a real process against a Postgres and a nats-server this test starts itself (its own data
directory and ports, 127.0.0.1 only), so that it can stop or freeze that Postgres. The retry budget is made
short through settings, and the outage outlasts it by more than a minute: under the old rules every message
would have spent its deliveries against the dead database and been given up. While the database is away
300 cases arrive; once it is back, each is stored once, each task reaches its department once, no dead
letter is written, and JetStream redelivered nothing: the outage spent no delivery attempt.

Two ways to lose the database: stopped (``pg_ctl stop -m fast``: connections refused) and frozen (SIGSTOP
to the postmaster and every backend: connections hang, until the statement and connect timeouts).
"""

from __future__ import annotations

import asyncio
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from nats.js import JetStreamContext

from services.platform.embedded import NatsServer
from services.platform.embedded_postgres import EmbeddedPostgres
from services.runtime.migrate import upgrade
from services.runtime.settings import RuntimeSettings
from tests.faults.pipeline import Ledger, Run, connect, deliveries, dispatch_process, prepare, routed, send
from tests.support import JWT_SECRET

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

CASES = 300
ARRIVAL_S = 20.0  # the cases trickle in over the outage's first seconds, so fetching goes on into it
SETTINGS = {
    "LINKAGE_MAX_DELIVER": "5",
    "LINKAGE_RETRY_DELAYS_S": "[0.5, 0.5, 0.5, 0.5]",
    "LINKAGE_ACK_WAIT_S": "5",  # held messages must be kept alive by heartbeats, not by a long AckWait
    "LINKAGE_DB_STATEMENT_TIMEOUT_S": "3",
    "LINKAGE_DB_CONNECT_TIMEOUT_S": "2",
}
BUDGET_S = RuntimeSettings(
    jwt_secret=JWT_SECRET, max_deliver=int(SETTINGS["LINKAGE_MAX_DELIVER"]), retry_delays_s=(0.5, 0.5, 0.5, 0.5)
).retry_budget_s
OUTAGE_S = BUDGET_S + 60.0 + 5.0


@pytest.fixture(scope="module")
def postgres() -> Iterator[EmbeddedPostgres]:
    """A Postgres of this module's own, which it may stop and freeze; dispatch's schema migrated."""
    with (
        tempfile.TemporaryDirectory(prefix="linkage-outage-pg-") as data,
        EmbeddedPostgres(data_dir=Path(data) / "data", database="outage") as server,
    ):
        upgrade("dispatch", server.url)
        yield server


def processes_of(server: EmbeddedPostgres) -> list[psutil.Process]:
    assert server.pid is not None
    postmaster = psutil.Process(server.pid)
    return [postmaster, *postmaster.children(recursive=True)]


def stopped(server: EmbeddedPostgres) -> tuple[Callable[[], None], Callable[[], None]]:
    return server.stop, server.start


def frozen(server: EmbeddedPostgres) -> tuple[Callable[[], None], Callable[[], None]]:
    held: list[psutil.Process] = []

    def freeze() -> None:
        held[:] = processes_of(server)
        for process in held:
            process.send_signal(signal.SIGSTOP)

    def thaw() -> None:
        for process in held:
            process.send_signal(signal.SIGCONT)

    return freeze, thaw


async def trickle(js: JetStreamContext, run: Run) -> None:
    step = 15
    for start in range(0, CASES, step):
        await send(js, run, range(start, min(start + step, CASES)))
        await asyncio.sleep(ARRIVAL_S * step / CASES)


@pytest.mark.parametrize("outage", [stopped, frozen], ids=["stopped", "frozen"])
async def test_an_outage_longer_than_the_retry_budget_loses_nothing_and_spends_no_delivery(
    postgres: EmbeddedPostgres,
    tmp_path: Path,
    outage: Callable[[EmbeddedPostgres], tuple[Callable[[], None], Callable[[], None]]],
) -> None:
    assert OUTAGE_S >= BUDGET_S + 60
    run = Run.create("outage", departments=3)
    ledger = Ledger(postgres.dsn, run.prefix)
    begin, end = outage(postgres)
    with NatsServer(store_dir=tmp_path / "nats" / "store") as server:
        client = await connect(server.url)
        js = client.jetstream()
        try:
            await prepare(js, run)
            async with dispatch_process(server.url, postgres.url, tmp_path / "logs", settings=SETTINGS) as processes:
                await routed(processes.spec("dispatch").url, run.items)
                await asyncio.to_thread(begin)
                await trickle(js, run)
                await asyncio.sleep(OUTAGE_S - ARRIVAL_S)
                await asyncio.to_thread(end)
                await ledger.reach(CASES, timeout=120)
                await ledger.relayed(run.subjects, timeout=120)
                tasks = await ledger.tasks()
                expected = {str(row["id"]) for row in tasks}
                seen = await deliveries(js, run.departments, expected)
                intake = await js.consumer_info("INTAKE", "dispatch-case-reported")
                assert processes.exited() == {}, f"dispatch died: see {processes.log_file('dispatch')}"
        finally:
            await client.close()

    per_source = await ledger.cases_per_source()
    assert len(per_source) == CASES  # every case
    assert set(per_source.values()) == {1}  # each once
    assert len(tasks) == CASES  # one primary task each
    assert set(seen.sequences) == expected, "a task never reached its department, or a stray one did"
    assert seen.stored_twice() == {}  # each task once
    assert await ledger.dead_letters() == []
    assert intake.num_redelivered == 0, "the outage spent delivery attempts"
    assert (intake.num_pending, intake.num_ack_pending) == (0, 0)
