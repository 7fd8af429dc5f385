"""deploy/nats/ against a real nats-server: who may publish, consume and read what.

The server runs ``deploy/nats/single.conf``, which includes ``accounts.conf`` as ``linkage nats-config`` generates
it from ``organisations.example.json``, with the passwords in its environment, as a deployment does. Denials
surface in nats-py asynchronously: the server answers a forbidden PUB or SUB with ``-ERR 'Permissions Violation
...'`` (delivered to ``error_cb``) and drops it, so a forbidden request simply gets no reply and times out. Each
denial below is asserted three ways: the call fails with that timeout, the client's error_cb was told, and the
server logged exactly that subject for that user and connection, and nothing else. Each grant is asserted by
what it achieves.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import re
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext, api

from contracts import STREAMS
from services.platform import nats_config
from services.platform.embedded import NatsServer, free_port
from services.runtime.bus import inbox_prefix

pytestmark = pytest.mark.integration

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SERVICES = nats_config.SERVICES
REGISTER = DEPLOY / "nats" / "organisations.example.json"
ORGS = {org.code: org for org in nats_config.organisations_of(json.loads(REGISTER.read_text(encoding="utf-8")))}
DEPARTMENTS = ("cgj", "scjg")
WORKERS = ("wgy-wulong-01", "wgy-wulong-02")  # grid workers (网格员), from the register's grid_workers
APPROVED = "admission.application.approved.v1"
# Every user accounts.conf defines, with the environment variable its password comes from.
PASSWORD_VARS = {user: nats_config.password_variable(user) for user in nats_config.users(ORGS.values())}
PASSWORDS = {user: secrets.token_hex(16) for user in PASSWORD_VARS}
# nats-py hands error_cb the server's -ERR line lower-cased, subject and all:
#   nats: permissions violation for publish to "$js.api.consumer.info.dispatch.dept-scjg"
CLIENT_VIOLATION = re.compile(r'permissions violation for (publish|subscription) to "([^"]+)"')
# The server logs the exact subject, with the connection id, account and user:
#   ... - cid:31 - "v2.16.0:python3" - "dept-cgj/user:dept-cgj" - Publish Violation - Subject "$JS.API...."
SERVER_VIOLATION = re.compile(
    r' - cid:(\d+) - .* - "[^"]*/user:([^"]+)" - (Publish|Subscription) Violation - Subject "([^"]+)"'
)
WAIT_S = 1.0  # how long a denied request waits for the reply that never comes
TOLD_S = 5.0  # how long a client may take to hear of a denial the server has logged


def task_subject(code: str) -> str:
    return f"dispatch.task.assigned.v1.{code}"


def durable(code: str) -> str:
    return ORGS[code].user


def test_the_shipped_accounts_conf_is_what_the_command_generates() -> None:
    orgs = list(ORGS.values())
    expected = nats_config.accounts_conf(orgs, source=REGISTER.name)
    assert (DEPLOY / "nats" / "accounts.conf").read_text(encoding="utf-8") == expected


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    nats_server = NatsServer(
        store_dir=tmp_path_factory.mktemp("nats-perms") / "store", config_file=DEPLOY / "nats/single.conf"
    )
    with pytest.MonkeyPatch.context() as env:  # the server reads them once, at start-up
        for user, variable in PASSWORD_VARS.items():
            env.setenv(variable, PASSWORDS[user])
        nats_server.start()
    try:
        yield nats_server
    finally:
        nats_server.stop()


def violations_logged(server: NatsServer, *, user: str, cid: int) -> list[tuple[str, str]]:
    """What the server denied this user on one connection, in order, as (kind, exact subject)."""
    found = (SERVER_VIOLATION.search(line) for line in server.log_file.read_text().splitlines())
    return [(match[3].lower(), match[4]) for match in found if match and match[2] == user and int(match[1]) == cid]


@dataclass
class Peer:
    """One user's connection and the permission errors the server sent it."""

    server: NatsServer
    user: str
    nc: Client
    cid: int  # the server's id for this connection, which its log lines carry
    errors: list[str]

    @property
    def js(self) -> JetStreamContext:
        # Outsiders reach the platform's JetStream API through their imports, under the platform's prefix.
        outsider = self.user not in (*SERVICES, nats_config.PROVISION)
        prefix = nats_config.JS_PREFIX if outsider else "$JS.API"
        return self.nc.jetstream(timeout=WAIT_S, prefix=prefix)

    async def denied(self) -> set[tuple[str, str]]:
        """Every denial on this connection, as the server logged it, once the client has been told of each."""
        told, logged = await self.hear_out()
        assert told == {(kind, subject.lower()) for kind, subject in logged}, (told, logged)
        return set(logged)

    async def hear_out(self) -> tuple[set[tuple[str, ...]], list[tuple[str, str]]]:
        """What the client was told and what the server logged, once they agree or ``TOLD_S`` has passed.

        nats-py's ``flush`` writes its PING straight to the socket, ahead of a SUB still queued for its flusher, so
        the PONG can come back before the SUB is even sent. One more round trip, once the flusher has written the
        SUB, brings its -ERR back first; ``connect`` hears out here before it closes, since a closed client reads
        nothing more.
        """
        if self.nc.is_connected:
            await self.nc.flush()
        deadline = asyncio.get_running_loop().time() + TOLD_S
        while True:
            logged = violations_logged(self.server, user=self.user, cid=self.cid)
            told = {match.groups() for error in self.errors for match in CLIENT_VIOLATION.finditer(error)}
            agreed = told == {(kind, subject.lower()) for kind, subject in logged}
            if agreed or asyncio.get_running_loop().time() > deadline:
                return told, logged
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def connect(server: NatsServer, user: str) -> AsyncIterator[Peer]:
    errors: list[str] = []

    async def on_error(error: Exception) -> None:
        errors.append(str(error))

    # Every outsider is in an account of its own, so the default inbox prefix is private to it; the platform's users
    # share LINKAGE and each subscribes under its own prefix only, as the services' broker sets it.
    platform = user in (*SERVICES, nats_config.PROVISION)
    inbox = {"inbox_prefix": inbox_prefix(user)} if platform else {}
    nc = await nats.connect(
        server.url, user=user, password=PASSWORDS[user], error_cb=on_error, allow_reconnect=False, **inbox
    )
    assert nc.client_id is not None
    peer = Peer(server, user, nc, nc.client_id, errors)
    try:
        yield peer
    finally:
        if nc.is_connected:
            await peer.hear_out()  # the -ERRs still on their way, while the client can read them
        await nc.close()


@pytest.fixture(scope="module")
async def dispatched(server: NatsServer) -> None:
    """As ``provision``: streams and every organisation's durable; as dispatch: one task each for cgj and scjg and
    for each grid worker."""
    async with connect(server, nats_config.PROVISION) as provision:
        await nats_config.provision(provision.js, ORGS.values(), replicas=1)
        assert await provision.denied() == set()
    async with connect(server, "dispatch") as dispatch:
        for code in (*DEPARTMENTS, *WORKERS):
            ack = await dispatch.js.publish(task_subject(code), f"task for {code}".encode(), stream="DISPATCH")
            assert ack.stream == "DISPATCH"
        assert await dispatch.denied() == set()


async def stream_count(server: NatsServer, stream: str, subject: str) -> int:
    async with connect(server, "dispatch") as dispatch:
        info = await dispatch.js.stream_info(stream, subjects_filter=subject)
    return (info.state.subjects or {}).get(subject, 0)


async def untouched(server: NatsServer, code: str) -> api.ConsumerInfo:
    """An organisation's durable as ``provision`` sees it; asserts it is still pull-only on its own tasks."""
    async with connect(server, nats_config.PROVISION) as provision:
        info: api.ConsumerInfo = await provision.js.consumer_info("DISPATCH", durable(code))
    assert (info.config.filter_subject, info.config.deliver_subject) == (task_subject(code), None)
    return info


@pytest.mark.usefixtures("dispatched")
@pytest.mark.parametrize("code", [*DEPARTMENTS, *WORKERS])
async def test_a_department_or_grid_worker_fetches_and_acks_its_own_tasks_through_its_imports(
    server: NatsServer, code: str
) -> None:
    async with connect(server, durable(code)) as department:
        info = await department.js.consumer_info("DISPATCH", durable(code))
        assert info.config.filter_subject == task_subject(code)
        pull = await department.js.pull_subscribe_bind(durable(code), "DISPATCH")
        messages = await pull.fetch(10, timeout=WAIT_S)
        assert {message.subject for message in messages} == {task_subject(code)}
        assert f"task for {code}".encode() in [message.data for message in messages]
        for message in messages:
            await message.ack_sync(timeout=WAIT_S)  # the server confirms each ack: $JS.ACK is imported

        info = await department.js.consumer_info("DISPATCH", durable(code))
        assert (info.num_ack_pending, info.num_pending) == (0, 0)
    assert department.errors == []
    assert await department.denied() == set()


@pytest.mark.usefixtures("dispatched")
async def test_a_department_creates_no_consumer_so_chooses_no_deliver_subject(server: NatsServer) -> None:
    mine = durable("cgj")
    async with connect(server, mine) as cgj:
        push = api.ConsumerConfig(
            name=mine, durable_name=mine, filter_subject=task_subject("cgj"), deliver_subject="dispatch.x.y.v1.cgj"
        )
        with pytest.raises(TimeoutError):
            await cgj.js.add_consumer("DISPATCH", push)
        with pytest.raises(TimeoutError):  # the legacy create, which carries the filter only in its body
            await cgj.js.add_consumer("DISPATCH", durable_name=durable("scjg"), filter_subject=task_subject("scjg"))
    assert await cgj.denied() == {
        ("publish", f"LINKAGE.API.CONSUMER.CREATE.DISPATCH.{mine}.{task_subject('cgj')}"),
        ("publish", f"LINKAGE.API.CONSUMER.DURABLE.CREATE.DISPATCH.{durable('scjg')}"),
    }
    await untouched(server, "cgj")
    await untouched(server, "scjg")


@pytest.mark.usefixtures("dispatched")
async def test_a_department_cannot_bind_to_fetch_from_or_inspect_another_departments_durable(
    server: NatsServer,
) -> None:
    before = await untouched(server, "scjg")
    other = durable("scjg")
    async with connect(server, durable("cgj")) as cgj:
        with pytest.raises(TimeoutError):
            await cgj.js.consumer_info("DISPATCH", other)
        bound = await cgj.js.pull_subscribe_bind(other, "DISPATCH")  # local only: the fetch is the test
        with pytest.raises(TimeoutError):
            await bound.fetch(1, timeout=WAIT_S)
    assert await cgj.denied() == {
        ("publish", f"LINKAGE.API.CONSUMER.INFO.DISPATCH.{other}"),
        ("publish", f"LINKAGE.API.CONSUMER.MSG.NEXT.DISPATCH.{other}"),
    }
    after = await untouched(server, "scjg")
    assert (after.delivered, after.num_pending) == (before.delivered, before.num_pending)  # nothing was delivered


@pytest.mark.usefixtures("dispatched")
@pytest.mark.parametrize("other", ["wgy-wulong-02", "cgj"])
async def test_a_grid_worker_reads_no_other_workers_or_departments_tasks(server: NatsServer, other: str) -> None:
    async with connect(server, "dispatch") as dispatch:
        await dispatch.js.publish(task_subject(other), f"a task only {other} reads".encode(), stream="DISPATCH")
    before = await untouched(server, other)
    theirs = durable(other)
    heard: list[str] = []

    async def hear(message: Any) -> None:
        heard.append(message.subject)

    async with connect(server, durable("wgy-wulong-01")) as worker:
        with pytest.raises(TimeoutError):
            await worker.js.consumer_info("DISPATCH", theirs)
        bound = await worker.js.pull_subscribe_bind(theirs, "DISPATCH")  # local only: the fetch is the test
        with pytest.raises(TimeoutError):
            await bound.fetch(1, timeout=WAIT_S)
        with pytest.raises(TimeoutError):  # nor make itself a consumer on the other's subject
            await worker.js.add_consumer("DISPATCH", durable_name="mine-too", filter_subject=task_subject(other))
        await worker.nc.subscribe(task_subject(other), cb=hear)
        await worker.nc.flush()
    assert heard == []
    assert await worker.denied() == {
        ("publish", f"LINKAGE.API.CONSUMER.INFO.DISPATCH.{theirs}"),
        ("publish", f"LINKAGE.API.CONSUMER.MSG.NEXT.DISPATCH.{theirs}"),
        ("publish", "LINKAGE.API.CONSUMER.DURABLE.CREATE.DISPATCH.mine-too"),
        ("subscription", task_subject(other)),
    }
    after = await untouched(server, other)
    assert (after.delivered, after.num_pending) == (before.delivered, before.num_pending)  # nothing was delivered


@pytest.mark.usefixtures("dispatched")
async def test_a_reply_subject_cannot_make_jetstream_store_a_departments_task_on_a_platform_subject(
    server: NatsServer,
) -> None:
    """The attack of the old single account: pull with a reply subject that a platform stream captures."""
    async with connect(server, "dispatch") as dispatch:
        await dispatch.js.publish(task_subject("cgj"), b"one more task for cgj", stream="DISPATCH")
    target = task_subject("scjg")  # DISPATCH captures dispatch.>: in the platform's account it would be stored
    before = await stream_count(server, "DISPATCH", target)
    mine = durable("cgj")
    async with connect(server, mine) as cgj:
        request = json.dumps({"batch": 1, "expires": int(WAIT_S * 1e9)}).encode()
        await cgj.nc.publish(f"LINKAGE.API.CONSUMER.MSG.NEXT.DISPATCH.{mine}", request, reply=target)
        await cgj.nc.flush()
        await asyncio.sleep(WAIT_S)
        # An ack with a reply subject of the same kind: the +ACK confirmation stays in its account too.
        pull = await cgj.js.pull_subscribe_bind(mine, "DISPATCH")
        for message in await pull.fetch(10, timeout=WAIT_S):
            await cgj.nc.publish(message.reply, b"+ACK", reply=target)
        await cgj.nc.flush()
    assert await stream_count(server, "DISPATCH", target) == before
    assert await cgj.denied() == set()  # nothing refused: the import routed both replies back into cgj's account


@pytest.mark.usefixtures("dispatched")
async def test_a_department_cannot_listen_to_tasks_over_core_nats(server: NatsServer) -> None:
    heard: list[str] = []

    async def hear(message: Any) -> None:
        heard.append(message.subject)

    async with connect(server, durable("cgj")) as cgj:
        for subject in (task_subject("scjg"), "dispatch.>", "_R_.>"):
            await cgj.nc.subscribe(subject, cb=hear)
        await cgj.nc.flush()  # the -ERR for each SUB precedes the PONG
        async with connect(server, "dispatch") as dispatch:
            await dispatch.js.publish(task_subject("scjg"), b"another task for scjg", stream="DISPATCH")
        await asyncio.sleep(0.2)
    assert heard == []
    assert await cgj.denied() == {
        ("subscription", task_subject("scjg")),
        ("subscription", "dispatch.>"),
        ("subscription", "_R_.>"),
    }


@pytest.mark.usefixtures("dispatched")
@pytest.mark.parametrize("user", ["dispatch", "catalog", "smartcity", "dept-cgj", "street-wulong"])
async def test_an_approval_published_by_anyone_but_admission_is_refused(server: NatsServer, user: str) -> None:
    before = await stream_count(server, "ADMISSION", APPROVED)
    async with connect(server, user) as someone:
        with pytest.raises(TimeoutError):
            await someone.js.publish(APPROVED, b'{"forged": true}', stream="ADMISSION")
    assert await someone.denied() == {("publish", APPROVED)}
    assert await stream_count(server, "ADMISSION", APPROVED) == before
    async with connect(server, "admission") as admission:
        ack = await admission.js.publish(APPROVED, b"{}", stream="ADMISSION")
        assert ack.stream == "ADMISSION"
    assert await stream_count(server, "ADMISSION", APPROVED) == before + 1


@pytest.mark.usefixtures("dispatched")
async def test_a_service_cannot_touch_an_organisations_durable(server: NatsServer) -> None:
    target = durable("scjg")
    async with connect(server, "dispatch") as dispatch:
        with pytest.raises(TimeoutError):
            await dispatch.js.consumer_info("DISPATCH", target)
        with pytest.raises(TimeoutError):
            await dispatch.js.delete_consumer("DISPATCH", target)
        bound = await dispatch.js.pull_subscribe_bind(target, "DISPATCH")
        with pytest.raises(TimeoutError):
            await bound.fetch(1, timeout=WAIT_S)
    assert await dispatch.denied() == {
        ("publish", f"$JS.API.CONSUMER.INFO.DISPATCH.{target}"),
        ("publish", f"$JS.API.CONSUMER.DELETE.DISPATCH.{target}"),
        ("publish", f"$JS.API.CONSUMER.MSG.NEXT.DISPATCH.{target}"),
    }
    await untouched(server, "scjg")


@pytest.mark.usefixtures("dispatched")
async def test_the_smart_city_platform_reports_cases_and_nothing_else(server: NatsServer) -> None:
    tasks_before = await stream_count(server, "DISPATCH", task_subject("cgj"))
    async with connect(server, "smartcity") as smartcity:
        ack = await smartcity.js.publish("intake.case.reported.v1", b"case", headers={"Nats-Msg-Id": str(uuid.uuid4())})
        assert ack.stream == "INTAKE"  # the PubAck came back through the import
        with pytest.raises(TimeoutError):
            await smartcity.js.publish(task_subject("cgj"), b"forged task", stream="DISPATCH")
        with pytest.raises(TimeoutError):
            await smartcity.js.publish("intake.case.closed.v1", b"not a subject it reports on")
        await smartcity.nc.subscribe("intake.>")
        await smartcity.nc.flush()
    assert await smartcity.denied() == {
        ("publish", task_subject("cgj")),
        ("publish", "intake.case.closed.v1"),
        ("subscription", "intake.>"),
    }
    assert await stream_count(server, "DISPATCH", task_subject("cgj")) == tasks_before  # nothing forged


@pytest.mark.usefixtures("dispatched")
@pytest.mark.parametrize("service", SERVICES)
async def test_a_service_comes_up_as_its_own_user_and_publishes_only_on_its_prefix(
    server: NatsServer, service: str
) -> None:
    """The real start-up path (streams, durables, FastStream pull loops) under the service's own user."""
    app_module = importlib.import_module(f"services.{service}.app")
    settings_module = importlib.import_module(f"services.{service}.settings")
    host_port = server.url.removeprefix("nats://")
    settings = settings_module.Settings(
        nats_url=f"nats://{service}:{PASSWORDS[service]}@{host_port}",
        database_url=f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/none",  # only the bus is under test
        jwt_secret=secrets.token_hex(16),
    )
    app = app_module.create_app(settings)
    kit = app.state.kit
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(kit.bus_up.wait(), 20)
        await asyncio.sleep(1.5)  # let every pull loop issue at least one fetch
        checks = await kit.readiness()
        assert (checks["broker"], checks["consumers"]) == ("ok", "ok"), checks

        connection_id = kit.broker.connection.client_id
        assert connection_id is not None
        js = kit.broker.connection.jetstream(timeout=WAIT_S)
        own = next(spec for spec in STREAMS if spec.prefix == service)
        ack = await js.publish(f"{service}.probe.sent.v1", b"{}", stream=own.name)
        assert ack.stream == own.name
        foreign = "intake.case.reported.v1" if service != "dispatch" else "catalog.item.published.v1"
        with pytest.raises(TimeoutError):
            await js.publish(foreign, b"{}")
    # The one denial is the foreign publish: start-up, reconciliation and the pull loops needed nothing more.
    assert violations_logged(server, user=service, cid=connection_id) == [("publish", foreign)]


@pytest.mark.usefixtures("dispatched")
async def test_a_service_cannot_read_another_services_replies(server: NatsServer) -> None:
    """Each service subscribes under its own inbox prefix only: catalog hears none of dispatch's PubAcks."""
    heard: list[str] = []

    async def hear(message: Any) -> None:
        heard.append(message.subject)

    async with connect(server, "catalog") as catalog:
        for subject in (f"{inbox_prefix('dispatch')}.>", "_INBOX.>", f"{inbox_prefix(nats_config.PROVISION)}.>"):
            await catalog.nc.subscribe(subject, cb=hear)
        await catalog.nc.flush()
        async with connect(server, "dispatch") as dispatch:
            ack = await dispatch.js.publish(task_subject("cgj"), b"a task whose PubAck only dispatch hears")
            assert ack.stream == "DISPATCH"  # dispatch's own reply reached it, under its prefix
        await asyncio.sleep(0.2)
    assert heard == []
    assert await catalog.denied() == {
        ("subscription", f"{inbox_prefix('dispatch')}.>"),
        ("subscription", "_INBOX.>"),
        ("subscription", f"{inbox_prefix(nats_config.PROVISION)}.>"),
    }
    assert await dispatch.denied() == set()


async def test_no_anonymous_or_wrong_password_connection(server: NatsServer) -> None:
    for credentials in ({}, {"user": "dept-cgj", "password": PASSWORDS["dept-scjg"]}):
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(server.url, allow_reconnect=False, max_reconnect_attempts=0, **credentials)
