"""A JetStream cluster on loopback: N ``nats-server`` nodes from the wheel, for ``linkage up --cluster 3`` and
fail-over tests.

The nodes run a generated config, not ``deploy/nats/cluster.conf`` itself: that file includes the shipped
``accounts.conf``, whose passwords come from the environment, while ``linkage up`` passes ``accounts``, its own
generated file with the passwords it keeps (``nats_config_up``), and fail-over tests none (no credentials); it also
sets a ``store_dir``, which nats-server refuses beside ``-sd`` ("Duplicate 'store_dir'"), and routes to container
host names. What fail-over depends on is carried over, and ``tests/platform/test_nats_cluster.py`` checks
that the two agree on it: a stable, unique ``server_name`` per node (JetStream's Raft groups know peers by
it), ``sync_interval: always``, the cluster name and ``no_advertise``.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
import nats.errors
from nats.js import JetStreamContext
from nats.js.api import StreamInfo

from services.platform.embedded import LOOPBACK, Lifecycle, NatsServer, free_port
from services.platform.errors import PlatformError
from services.platform.logs import with_tail

CLUSTER_NAME = "linkage"
READY_TIMEOUT_S = 60.0
# With a base port, a node's route and monitoring ports sit where 4222's sit: 6222 and 8222.
ROUTE_OFFSET = 2000
MONITOR_OFFSET = 4000
_POLL_S = 0.05


@dataclass(frozen=True)
class ClusterNode:
    name: str
    server: NatsServer
    config_file: Path
    route_port: int
    monitor_port: int

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def route(self) -> str:
        return f"nats-route://{LOOPBACK}:{self.route_port}"

    @property
    def monitor_url(self) -> str:
        return f"http://{LOOPBACK}:{self.monitor_port}"

    def config(self, routes: Iterable[str], *, accounts: Path | None = None) -> str:
        listed = "\n".join(f"    {route}" for route in routes)
        # nats-server resolves an include against the including file's folder, and only a relative path.
        included = f'include "{os.path.relpath(accounts, self.config_file.parent)}"\n' if accounts else ""
        return (
            f"server_name: {self.name}\n"
            f'http: "{LOOPBACK}:{self.monitor_port}"\n'
            f'pid_file: "{self.config_file.with_suffix(".pid")}"\n'  # for whoever wants to kill -9 one by hand
            # An acknowledged write must be on disk on every replica, as in deploy/nats/cluster.conf.
            "jetstream {\n  sync_interval: always\n}\n"
            f'cluster {{\n  name: {CLUSTER_NAME}\n  listen: "{LOOPBACK}:{self.route_port}"\n'
            f"  routes: [\n{listed}\n  ]\n  no_advertise: true\n}}\n"
            f"{included}"
        )


class NatsCluster(Lifecycle):
    """``size`` nodes named ``nats-1`` … on 127.0.0.1, each with its own store; ``kill`` and ``restart`` one.

    With ``accounts`` (an ``accounts.conf`` defining its password variables itself) every node asks for credentials.
    """

    def __init__(
        self,
        *,
        root: Path,
        size: int = 3,
        base_port: int | None = None,
        log_dir: Path | None = None,
        accounts: Path | None = None,
    ) -> None:
        self.root = root.absolute()
        self.accounts = accounts.absolute() if accounts else None
        logs = (log_dir or self.root).absolute()
        self.nodes = tuple(self._node(index, base_port, logs) for index in range(size))

    def _node(self, index: int, base_port: int | None, logs: Path) -> ClusterNode:
        name = f"nats-{index + 1}"

        def port(offset: int) -> int:
            # Chosen once, so that a restarted node comes back where its peers and clients expect it.
            return base_port + offset + index if base_port is not None else free_port()

        config_file = self.root / f"{name}.conf"
        server = NatsServer(
            store_dir=self.root / name, port=port(0), config_file=config_file, log_file=logs / f"{name}.log"
        )
        return ClusterNode(name, server, config_file, port(ROUTE_OFFSET), port(MONITOR_OFFSET))

    @property
    def urls(self) -> str:
        """Every node, comma-separated, as ``LINKAGE_NATS_URL`` takes them."""
        return ",".join(node.url for node in self.nodes)

    @property
    def running(self) -> list[str]:
        return [node.name for node in self.nodes if node.server.running]

    def node(self, name: str) -> ClusterNode:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(f"no node {name!r}; the nodes are {', '.join(node.name for node in self.nodes)}")

    def start(self) -> None:
        """Starts every node and returns once each is healthy, which needs a JetStream meta leader."""
        self.root.mkdir(parents=True, exist_ok=True)
        routes = [node.route for node in self.nodes]
        try:
            for node in self.nodes:
                node.config_file.write_text(node.config(routes, accounts=self.accounts))
                node.server.start()
            self.wait_healthy(node.name for node in self.nodes)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for node in self.nodes:
            node.server.stop()

    def reload(self) -> None:
        """Every running node reads its config, and so the accounts file, again (SIGHUP)."""
        for node in self.nodes:
            if node.server.running:
                node.server.reload()

    def kill(self, name: str) -> None:
        """SIGKILL one node, as a crash would."""
        self.node(name).server.kill()

    def restart(self, name: str) -> None:
        """Starts a node again on its ports and store (stopping it first if it runs); returns once it is
        healthy. Before taking another node down, ``wait_current`` for the streams that must keep quorum."""
        self.node(name).server.restart()
        self.wait_healthy([name])

    def wait_healthy(self, names: Iterable[str], *, timeout: float = READY_TIMEOUT_S) -> None:
        """Polls each node's ``/healthz``: 200 once it knows the meta leader and its streams are current."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            for name in names:
                node = self.node(name)
                while (said := _health(client, node)) != "ok":
                    if not node.server.running:
                        raise PlatformError(with_tail(f"{name} exited", node.server.log_file))
                    if time.monotonic() > deadline:
                        message = f"{name} not healthy after {timeout:.0f}s: {said}"
                        raise PlatformError(with_tail(message, node.server.log_file))
                    time.sleep(_POLL_S)

    async def stream_leader(self, js: JetStreamContext, stream: str, *, timeout: float = READY_TIMEOUT_S) -> str:
        """The running node that JetStream names as ``stream``'s leader, once one is elected."""
        info = await self._poll(js, stream, self._led, timeout=timeout, waiting_for="a leader")
        assert info.cluster is not None
        assert info.cluster.leader is not None
        return info.cluster.leader

    async def wait_current(
        self, js: JetStreamContext, streams: Iterable[str], *, timeout: float = READY_TIMEOUT_S
    ) -> dict[str, StreamInfo]:
        """Until each stream has a leader and every running node is a current replica of it.

        A restarted node's ``/healthz`` answers before its stream groups have caught up, and a rejoining
        node can call an election: tests wait for this before taking the next node down.
        """
        polled: dict[str, StreamInfo] = {}
        for stream in streams:
            polled[stream] = await self._poll(
                js, stream, self._current, timeout=timeout, waiting_for="current replicas"
            )
        return polled

    def _led(self, info: StreamInfo) -> bool:
        return info.cluster is not None and info.cluster.leader in self.running

    def _current(self, info: StreamInfo) -> bool:
        if info.cluster is None or not self._led(info):
            return False
        current = {peer.name for peer in info.cluster.replicas or [] if peer.current and not peer.offline}
        return {info.cluster.leader, *current} >= set(self.running)

    async def _poll(
        self,
        js: JetStreamContext,
        stream: str,
        accept: Callable[[StreamInfo], bool],
        *,
        timeout: float,
        waiting_for: str,
    ) -> StreamInfo:
        deadline = time.monotonic() + timeout
        said = "nothing yet"
        while True:
            try:
                info = await js.stream_info(stream)
                if accept(info):
                    return info
                said = repr(info.cluster)
            except (TimeoutError, nats.errors.Error) as error:  # no leader yet, or our node just went away
                said = repr(error)
            if time.monotonic() > deadline:
                message = f"{stream}: no {waiting_for} among {self.running} after {timeout:.0f}s; last: {said}"
                raise PlatformError(message)
            await asyncio.sleep(_POLL_S * 2)


def _health(client: httpx.Client, node: ClusterNode) -> str:
    try:
        response = client.get(f"{node.monitor_url}/healthz")
    except httpx.HTTPError as error:
        return repr(error)
    return "ok" if response.status_code == 200 else f"{response.status_code} {response.text[:200]}"
