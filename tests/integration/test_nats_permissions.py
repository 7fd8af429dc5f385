"""deploy/nats/ against a real nats-server: who may publish, consume and read what.

The server runs ``deploy/nats/single.conf`` (which includes ``accounts.conf``) with the passwords in its
environment, as a deployment does. Denials surface in nats-py asynchronously: the server answers a
forbidden PUB or SUB with ``-ERR 'Permissions Violation ...'`` (delivered to ``error_cb``) and drops it, so
a forbidden request simply gets no reply and times out. Each denial below is asserted three ways: the call
fails with that timeout, the client's error_cb was told, and the server logged exactly that subject for
that user and connection, and nothing else. Each grant is asserted by what it achieves.
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
from services.platform.embedded import NatsServer, free_port
from services.runtime.bus import reconcile_streams

pytestmark = pytest.mark.integration

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SERVICES = ("catalog", "admission", "dispatch", "evaluation", "enforcement")
DEPARTMENTS = ("cgj", "scjg")
# Every user accounts.conf defines, with the environment variable its password comes from.
PASSWORD_VARS = {
    **{service: f"{service.upper()}_PASSWORD" for service in SERVICES},
    "smartcity": "SMARTCITY_PASSWORD",
    **{f"dept-{code}": f"DEPT_{code.upper()}_PASSWORD" for code in DEPARTMENTS},
}
PASSWORDS = {user: secrets.token_hex(16) for user in PASSWORD_VARS}
# nats-py hands error_cb the server's -ERR line lower-cased, subject and all:
#   nats: permissions violation for publish to "$js.api.consumer.info.dispatch.dept-scjg"
CLIENT_VIOLATION = re.compile(r'permissions violation for (publish|subscription) to "([^"]+)"')
# The server logs the exact subject, with the connection id and user:
#   ... - cid:31 - "v2.16.0:python3" - "LINKAGE/user:dept-cgj" - Publish Violation - Subject "$JS.API...."
SERVER_VIOLATION = re.compile(
    r' - cid:(\d+) - .* - "LINKAGE/user:([^"]+)" - (Publish|Subscription) Violation - Subject "([^"]+)"'
)
WAIT_S = 1.0  # how long a denied request waits for the reply that never comes


def task_subject(code: str) -> str:
    return f"dispatch.task.assigned.v1.{code}"


def dept_config(durable: str, code: str) -> api.ConsumerConfig:
    # `name` makes nats-py use the subject-based create (filter in the subject), the only create granted.
    return api.ConsumerConfig(
        name=durable, durable_name=durable, filter_subject=task_subject(code), ack_policy=api.AckPolicy.EXPLICIT
    )


def password_variables() -> set[str]:
    text = (DEPLOY / "nats" / "accounts.conf").read_text(encoding="utf-8")
    found = set(re.findall(r"^\s*password:\s*\$(\w+)", text, re.MULTILINE))  # not the commented template
    assert set(PASSWORD_VARS.values()) <= found
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    nats_server = NatsServer(
        store_dir=tmp_path_factory.mktemp("nats-perms") / "store", config_file=DEPLOY / "nats/single.conf"
    )
    known = {variable: PASSWORDS[user] for user, variable in PASSWORD_VARS.items()}
    with pytest.MonkeyPatch.context() as env:  # the server reads them once, at start-up
        # Every password accounts.conf reads, so that a department added there does not stop this server.
        for variable in password_variables():
            env.setenv(variable, known.get(variable) or secrets.token_hex(16))
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
        return self.nc.jetstream(timeout=WAIT_S)

    def denied(self) -> set[tuple[str, str]]:
        """Every denial on this connection, as the server logged it, once the client has been told of each."""
        logged = violations_logged(self.server, user=self.user, cid=self.cid)
        told = {match.groups() for error in self.errors for match in CLIENT_VIOLATION.finditer(error)}
        assert told == {(kind, subject.lower()) for kind, subject in logged}, (told, logged)
        return set(logged)


@contextlib.asynccontextmanager
async def connect(server: NatsServer, user: str, *, private_inbox: bool = True) -> AsyncIterator[Peer]:
    errors: list[str] = []

    async def on_error(error: Exception) -> None:
        errors.append(str(error))

    # Outsiders read replies only under their own inbox prefix (accounts.conf explains why).
    inbox = f"_INBOX_{user}" if private_inbox else "_INBOX"
    nc = await nats.connect(
        server.url, user=user, password=PASSWORDS[user], inbox_prefix=inbox, error_cb=on_error, allow_reconnect=False
    )
    assert nc.client_id is not None
    try:
        yield Peer(server, user, nc, nc.client_id, errors)
    finally:
        await nc.close()


@pytest.fixture(scope="module")
async def dispatched(server: NatsServer) -> None:
    """As the dispatch service: all streams reconciled, one task each for cgj and scjg, scjg's durable made."""
    async with connect(server, "dispatch", private_inbox=False) as dispatch:
        await reconcile_streams(dispatch.js, replicas=1)
        for code in DEPARTMENTS:
            ack = await dispatch.js.publish(task_subject(code), f"task for {code}".encode(), stream="DISPATCH")
            assert ack.stream == "DISPATCH"
        # scjg's own durable, so that cgj's attempts below aim at a consumer that exists and holds a task.
        await dispatch.js.add_consumer("DISPATCH", dept_config("dept-scjg", "scjg"))
        assert dispatch.denied() == set()


async def untouched(server: NatsServer, durable: str, filter_subject: str) -> api.ConsumerInfo:
    """A durable as the dispatch user sees it; asserts its filter is still the one it was made with."""
    async with connect(server, "dispatch", private_inbox=False) as dispatch:
        info: api.ConsumerInfo = await dispatch.js.consumer_info("DISPATCH", durable)
    assert info.config.filter_subject == filter_subject
    return info


@pytest.mark.usefixtures("dispatched")
@pytest.mark.parametrize("code", DEPARTMENTS)
async def test_a_department_creates_its_durable_and_fetches_and_acks_its_own_tasks(
    server: NatsServer, code: str
) -> None:
    durable = f"dept-{code}"
    async with connect(server, durable) as department:
        # Creates it (cgj), or finds it identical and keeps it (scjg's, made by dispatch above).
        info = await department.js.add_consumer("DISPATCH", dept_config(durable, code))
        assert info.config.filter_subject == task_subject(code)

        pull = await department.js.pull_subscribe("", durable=durable, stream="DISPATCH")  # binds via consumer info
        messages = await pull.fetch(10, timeout=WAIT_S)
        assert {message.subject for message in messages} == {task_subject(code)}
        assert f"task for {code}".encode() in [message.data for message in messages]
        for message in messages:
            await message.ack_sync(timeout=WAIT_S)  # the server confirms each ack: $JS.ACK is granted

        info = await department.js.consumer_info("DISPATCH", durable)
        assert (info.num_ack_pending, info.num_pending) == (0, 0)
        assert info.ack_floor.stream_seq == max(message.metadata.sequence.stream for message in messages)
    assert department.errors == []
    assert department.denied() == set()


@pytest.mark.usefixtures("dispatched")
async def test_a_department_cannot_create_another_departments_durable(server: NatsServer) -> None:
    async with connect(server, "dept-cgj") as cgj:
        with pytest.raises(TimeoutError):  # nats.errors.TimeoutError is a builtin TimeoutError
            await cgj.js.add_consumer("DISPATCH", dept_config("dept-scjg-2", "scjg"))
        with pytest.raises(TimeoutError):  # the legacy create, which carries the filter only in its body
            await cgj.js.add_consumer("DISPATCH", durable_name="dept-scjg", filter_subject=task_subject("scjg"))
    assert cgj.denied() == {
        ("publish", f"$JS.API.CONSUMER.CREATE.DISPATCH.dept-scjg-2.{task_subject('scjg')}"),
        ("publish", "$JS.API.CONSUMER.DURABLE.CREATE.DISPATCH.dept-scjg"),
    }
    await untouched(server, "dept-scjg", task_subject("scjg"))


@pytest.mark.usefixtures("dispatched")
async def test_a_department_cannot_point_its_own_durable_at_another_departments_tasks(server: NatsServer) -> None:
    mine = "$JS.API.CONSUMER.CREATE.DISPATCH.dept-cgj"
    async with connect(server, "dept-cgj") as cgj:
        # 1. The other filter in the subject: not granted.
        with pytest.raises(TimeoutError):
            await cgj.js.add_consumer("DISPATCH", dept_config("dept-cgj", "scjg"))
        # 2. The granted subject, the other filter in the body: the server refuses the mismatch.
        for body_filter in ({"filter_subject": task_subject("scjg")}, {"filter_subjects": [task_subject("scjg")]}):
            request = {
                "stream_name": "DISPATCH",
                "config": {"durable_name": "dept-cgj", "name": "dept-cgj", **body_filter},
            }
            reply = await cgj.nc.request(f"{mine}.{task_subject('cgj')}", json.dumps(request).encode(), timeout=WAIT_S)
            error = json.loads(reply.data)["error"]
            assert error["code"] == 400, error
        # 3. The legacy create under its own name: not granted (it would accept any filter).
        with pytest.raises(TimeoutError):
            await cgj.js.add_consumer("DISPATCH", durable_name="dept-cgj", filter_subject=task_subject("scjg"))
        # 4. A wildcard filter that would cover scjg too.
        with pytest.raises(TimeoutError):
            await cgj.js.add_consumer("DISPATCH", dept_config("dept-cgj", "*"))
    assert cgj.denied() == {
        ("publish", f"{mine}.{task_subject('scjg')}"),
        ("publish", "$JS.API.CONSUMER.DURABLE.CREATE.DISPATCH.dept-cgj"),
        ("publish", f"{mine}.{task_subject('*')}"),
    }


@pytest.mark.usefixtures("dispatched")
async def test_a_department_cannot_bind_to_fetch_from_or_inspect_another_departments_durable(
    server: NatsServer,
) -> None:
    before = await untouched(server, "dept-scjg", task_subject("scjg"))
    async with connect(server, "dept-cgj") as cgj:
        with pytest.raises(TimeoutError):  # binding by name asks for the consumer's info first
            await cgj.js.pull_subscribe(task_subject("scjg"), durable="dept-scjg", stream="DISPATCH")
        with pytest.raises(TimeoutError):
            await cgj.js.consumer_info("DISPATCH", "dept-scjg")
        bound = await cgj.js.pull_subscribe_bind("dept-scjg", "DISPATCH")  # local only: the fetch is the test
        with pytest.raises(TimeoutError):
            await bound.fetch(1, timeout=WAIT_S)
    assert cgj.denied() == {
        ("publish", "$JS.API.CONSUMER.INFO.DISPATCH.dept-scjg"),
        ("publish", "$JS.API.CONSUMER.MSG.NEXT.DISPATCH.dept-scjg"),
    }
    after = await untouched(server, "dept-scjg", task_subject("scjg"))
    assert (after.delivered, after.num_pending) == (before.delivered, before.num_pending)  # nothing was delivered


@pytest.mark.usefixtures("dispatched")
async def test_a_department_cannot_listen_to_tasks_over_core_nats(server: NatsServer) -> None:
    heard: list[str] = []

    async def hear(message: Any) -> None:
        heard.append(message.subject)

    async with connect(server, "dept-cgj") as cgj:
        for subject in (task_subject("scjg"), "dispatch.>", "_INBOX.>", "_INBOX_dept-scjg.>"):
            await cgj.nc.subscribe(subject, cb=hear)
        await cgj.nc.flush()  # the -ERR for each SUB precedes the PONG
        async with connect(server, "dispatch", private_inbox=False) as dispatch:
            await dispatch.js.publish(task_subject("scjg"), b"another task for scjg", stream="DISPATCH")
        await asyncio.sleep(0.2)
    assert heard == []
    assert cgj.denied() == {
        ("subscription", task_subject("scjg")),
        ("subscription", "dispatch.>"),
        ("subscription", "_INBOX.>"),
        ("subscription", "_INBOX_dept-scjg.>"),
    }


@pytest.mark.usefixtures("dispatched")
async def test_the_smart_city_platform_reports_cases_and_nothing_else(server: NatsServer) -> None:
    async with connect(server, "smartcity") as smartcity:
        ack = await smartcity.js.publish("intake.case.reported.v1", b"case", headers={"Nats-Msg-Id": str(uuid.uuid4())})
        assert ack.stream == "INTAKE"
        with pytest.raises(TimeoutError):
            await smartcity.js.publish(task_subject("cgj"), b"forged task", stream="DISPATCH")
        with pytest.raises(TimeoutError):
            await smartcity.js.publish("intake.case.closed.v1", b"not a subject it reports on")
        await smartcity.nc.subscribe("intake.>")
        await smartcity.nc.flush()
    assert smartcity.denied() == {
        ("publish", task_subject("cgj")),
        ("publish", "intake.case.closed.v1"),
        ("subscription", "intake.>"),
    }
    async with connect(server, "dispatch", private_inbox=False) as dispatch:
        stream = await dispatch.js.stream_info("DISPATCH", subjects_filter=task_subject("cgj"))
    assert stream.state.subjects == {task_subject("cgj"): 1}  # only the task dispatch itself published


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


async def test_no_anonymous_or_wrong_password_connection(server: NatsServer) -> None:
    for credentials in ({}, {"user": "dept-cgj", "password": PASSWORDS["dept-scjg"]}):
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(server.url, allow_reconnect=False, max_reconnect_attempts=0, **credentials)
