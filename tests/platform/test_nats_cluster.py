"""The loopback JetStream cluster behind ``linkage up --cluster 3`` and the fail-over test: three real nodes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client

from contracts import STREAMS
from services.platform.cli import main
from services.platform.nats_cluster import CLUSTER_NAME, NatsCluster
from services.runtime.bus import reconcile_streams

pytestmark = pytest.mark.integration
CLUSTER_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nats" / "cluster.conf"


def block(text: str, name: str) -> str:
    found = re.search(rf"^{name}\s*\{{([^}}]*)\}}", text, re.MULTILINE)
    assert found, f"no {name} block"
    return found.group(1)


def setting(text: str, key: str) -> str:
    found = re.search(rf"^\s*{key}\s*[:=]\s*\"?([^\s\"]+)", text, re.MULTILINE)
    assert found, f"no {key}"
    return found.group(1)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    with NatsCluster(root=tmp_path / "nats") as running:
        yield running


@pytest.fixture
async def client(cluster: NatsCluster) -> AsyncIterator[Client]:
    connection = await nats.connect(cluster.urls.split(","), max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    yield connection
    await connection.close()


def test_nodes_carry_the_fail_over_settings_of_the_deployed_cluster_conf(tmp_path: Path) -> None:
    deployed = re.sub(r"#.*", "", CLUSTER_CONF.read_text(encoding="utf-8"))
    generated = NatsCluster(root=tmp_path).nodes[0].config(["nats-route://127.0.0.1:1"])

    for text in (deployed, generated):
        assert setting(block(text, "jetstream"), "sync_interval") == "always"
        assert setting(block(text, "cluster"), "name") == CLUSTER_NAME
        assert setting(block(text, "cluster"), "no_advertise") == "true"
        assert setting(text, "server_name")


async def test_streams_at_r3_keep_their_messages_and_elect_a_new_leader_when_theirs_is_killed(
    cluster: NatsCluster, client: Client
) -> None:
    js = client.jetstream(timeout=10)  # a first request after an election can take seconds on a busy machine
    await reconcile_streams(js, replicas=3)
    ack = await js.publish("intake.case.reported.v1", "区街联动".encode(), stream="INTAKE")
    leader = await cluster.stream_leader(js, "INTAKE")

    cluster.kill(leader)
    successor = await cluster.stream_leader(js, "INTAKE")
    stored = await js.get_msg("INTAKE", ack.seq)
    after = await js.publish("intake.case.reported.v1", b"{}", stream="INTAKE")
    cluster.restart(leader)
    info = (await cluster.wait_current(js, ["INTAKE"]))["INTAKE"]

    assert len(cluster.urls.split(",")) == 3
    assert {spec.name for spec in STREAMS} <= {stream.config.name for stream in await js.streams_info()}
    assert successor != leader
    assert stored.data == "区街联动".encode()
    assert after.seq == ack.seq + 1
    assert info.config.num_replicas == 3
    assert info.cluster is not None
    peers = {info.cluster.leader, *(peer.name for peer in info.cluster.replicas or [] if peer.current)}
    assert peers == {"nats-1", "nats-2", "nats-3"}  # the killed node is back in the group and caught up
    assert info.state.messages == 2
    assert cluster.running == ["nats-1", "nats-2", "nats-3"]


def test_linkage_up_will_not_cluster_someone_elses_nats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LINKAGE_NATS_URL", "nats://127.0.0.1:4222")

    assert main(["up", "--cluster", "3", "--data-dir", str(tmp_path)]) == 1
    assert "unset LINKAGE_NATS_URL" in capsys.readouterr().err
    assert not (tmp_path / "nats-cluster").exists()
