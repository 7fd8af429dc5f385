"""``linkage up``'s NATS against a real server: generated accounts with kept passwords, ``provision`` at start, and
the register followed by a reload; the same accounts on a three-node cluster."""

from __future__ import annotations

import asyncio
import contextlib
import json
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client

from services.platform import nats_config, nats_config_up
from services.platform.embedded import NatsServer
from services.platform.nats_cluster import NatsCluster
from services.platform.nats_config_up import UpAccounts
from services.platform.up_servers import UpNats
from services.runtime.bus import inbox_prefix

pytestmark = pytest.mark.integration
TASK = "dispatch.task.assigned.v1"


@contextlib.asynccontextmanager
async def connected(url: str, user: str, accounts: UpAccounts) -> AsyncIterator[Client]:
    platform = user in (*nats_config.SERVICES, nats_config.PROVISION)
    inbox = {"inbox_prefix": inbox_prefix(user)} if platform else {}
    client = await nats.connect(
        url.split(","), user=user, password=accounts.passwords[user], allow_reconnect=False, **inbox
    )
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def up(tmp_path: Path) -> Iterator[UpNats]:
    accounts = nats_config_up.accounts_at_start(tmp_path, demo=False)
    accounts.write()
    config = nats_config_up.single_server_config(accounts)
    with NatsServer(store_dir=tmp_path / "store", config_file=config) as server:
        running = UpNats(servers=server.url, accounts=accounts, reload=server.reload)
        running.provision()
        yield running


def test_passwords_are_kept_private_and_the_same_across_starts(tmp_path: Path) -> None:
    first = nats_config_up.accounts_at_start(tmp_path, demo=True)
    again = nats_config_up.accounts_at_start(tmp_path, demo=True)

    assert first.passwords == again.passwords
    assert len(set(first.passwords.values())) == len(first.passwords)
    demo_users = {org.user for org in first.orgs}
    assert {"dept-cgj", "street-wulong"} <= demo_users  # the demo's register, before its catalogue is loaded
    first.write()
    for name in (nats_config_up.PASSWORDS_FILE, nats_config_up.ACCOUNTS_FILE):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert nats_config_up.accounts_at_start(tmp_path / "fresh", demo=False).orgs == ()
    assert first.url("dispatch", "nats://a:1,nats://b:2") == (
        f"nats://dispatch:{first.passwords['dispatch']}@a:1,nats://dispatch:{first.passwords['dispatch']}@b:2"
    )


async def test_no_anonymous_client_and_each_service_as_itself(up: UpNats) -> None:
    assert up.accounts is not None
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(up.servers, allow_reconnect=False, max_reconnect_attempts=0)
    async with connected(up.servers, "dispatch", up.accounts) as dispatch:
        ack = await dispatch.jetstream().publish(f"{TASK}.cgj", "派单".encode(), stream="DISPATCH")
    assert ack.stream == "DISPATCH"  # provision made the streams; dispatch's PubAck came to its own inbox


async def test_an_organisation_the_register_gains_gets_its_user_and_durable_without_a_restart(
    up: UpNats, tmp_path: Path
) -> None:
    assert up.accounts is not None
    assert up.accounts.orgs == ()
    register = tmp_path / "export.json"
    rows = [{"code": "cgj", "name": "区城市管理局", "kind": "department"}, {"code": "hubin", "kind": "street"}]
    register.write_text(json.dumps({"organisations": rows}, ensure_ascii=False), encoding="utf-8")
    async with connected(up.servers, "dispatch", up.accounts) as dispatch:  # stays connected through the reloads
        # In a thread, as linkage up calls it: it runs its own event loop for provision.
        await asyncio.to_thread(up.follow_catalog, str(register), token="", say=lambda line: None)
        await dispatch.jetstream().publish(f"{TASK}.cgj", "一件任务".encode(), stream="DISPATCH")

    followed: UpAccounts = up.accounts
    assert [org.user for org in followed.orgs] == ["dept-cgj", "street-hubin"]
    assert json.loads((tmp_path / nats_config_up.REGISTER_FILE).read_text())["organisations"][0]["code"] == "cgj"
    async with connected(up.servers, "dept-cgj", up.accounts) as cgj:
        js = cgj.jetstream(prefix=nats_config.JS_PREFIX)
        pull = await js.pull_subscribe_bind("dept-cgj", "DISPATCH")
        [task] = await pull.fetch(1, timeout=5)
        await task.ack()
    assert task.data.decode() == "一件任务"
    again = nats_config_up.accounts_at_start(tmp_path, demo=False)  # the next start begins where this one ended
    assert again.orgs == followed.orgs
    assert again.passwords == followed.passwords


async def test_a_cluster_runs_the_same_accounts(tmp_path: Path) -> None:
    accounts = nats_config_up.accounts_at_start(tmp_path, demo=False)
    accounts.write()
    with NatsCluster(root=tmp_path / "cluster", accounts=accounts.accounts_file) as cluster:
        up = UpNats(servers=cluster.urls, nodes=cluster.nodes, accounts=accounts, reload=cluster.reload)
        await asyncio.to_thread(up.provision)
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(cluster.nodes[1].url, allow_reconnect=False, max_reconnect_attempts=0)
        async with connected(cluster.urls, "evaluation", accounts) as evaluation:
            info = await evaluation.jetstream().stream_info("DISPATCH")
    assert info.config.num_replicas == 3
