"""What ``linkage up`` starts before the services, and where each service connects to it.

NATS: one server or a cluster, with the accounts ``nats_config_up`` generates (each service its own user) and
``sync_interval: always``; ``provision`` run at start. A ``LINKAGE_NATS_URL`` of your own is used as given by
every service: its users are yours, and ``provision`` is yours to run.

Postgres: the embedded server trusts no one (``EmbeddedPostgres(superuser_password=...)``) and each service has its
owner and run-time roles (``postgres_roles``). With a ``LINKAGE_DATABASE_URL`` of your own, the roles are made
the same way when its user is a superuser; otherwise every migration and service uses that URL, with a warning.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from services.platform import nats_config_up, postgres_roles
from services.platform.embedded import NatsServer
from services.platform.embedded_postgres import EmbeddedPostgres
from services.platform.errors import PlatformError
from services.platform.nats_cluster import ClusterNode, NatsCluster
from services.platform.nats_config_up import UpAccounts
from services.platform.postgres_roles import ServiceDatabase
from services.platform.supervisor import SERVICE_NAMES, migrate_all

CLUSTER_REPLICAS = 3
Say = Callable[[str], None]


@dataclass
class UpNats:
    """The NATS ``linkage up`` runs (or was given), and each service's URL to it."""

    servers: str  # every node, comma-separated, without credentials
    env: dict[str, str] = field(default_factory=dict)  # for every service alike
    nodes: tuple[ClusterNode, ...] = ()
    accounts: UpAccounts | None = None  # None: a LINKAGE_NATS_URL of yours
    reload: Callable[[], None] = lambda: None

    def url(self, user: str) -> str:
        return self.accounts.url(user, self.servers) if self.accounts else self.servers

    @property
    def replicas(self) -> int:
        return CLUSTER_REPLICAS if self.nodes else 1

    def provision(self) -> None:
        if self.accounts is not None:
            nats_config_up.provision(self.accounts, self.servers, replicas=self.replicas)

    def follow_catalog(self, catalog_url: str, *, token: str, say: Say, workers: str | None = None) -> None:
        """Accounts for the organisations catalog's register names now (and the grid workers dispatch at
        ``workers`` has registered), when they are others than at start."""
        if self.accounts is None:
            return
        updated = nats_config_up.accounts_from_catalog(self.accounts, catalog_url, token=token, workers=workers)
        if updated is None:
            return
        say(f"NATS users for the register's {len(updated.orgs)} departments, streets and agencies")
        updated.write()
        self.accounts = updated
        # Twice: nats-server 2.15 reloads the accounts in no set order, and a new organisation's import of a service
        # that ``LINKAGE`` starts exporting in the same reload is left unresolved (its pulls find no responder);
        # the second reload finds the export already there. tests/platform/test_up_nats.py shows it.
        self.reload()
        self.reload()
        self.provision()


def start_nats(stack: ExitStack, data_dir: Path, *, port: int, cluster: int, demo: bool, say: Say) -> UpNats:
    given = os.environ.get("LINKAGE_NATS_URL")
    if cluster > 1 and given:
        raise PlatformError("--cluster starts NATS nodes of its own: unset LINKAGE_NATS_URL to use it")
    if given:
        return UpNats(servers=given)
    accounts = nats_config_up.accounts_at_start(data_dir, demo=demo)
    accounts.write()
    if cluster > 1:
        say(f"starting a {cluster}-node NATS JetStream cluster on ports {port}-{port + cluster - 1}")
        nodes = NatsCluster(
            root=data_dir / "nats-cluster",
            size=cluster,
            base_port=port,
            log_dir=data_dir / "logs",
            accounts=accounts.accounts_file,
        )
        stack.enter_context(nodes)
        # Only for a cluster of ours: for a LINKAGE_NATS_URL it would override the replicas meant for that one.
        env = {"LINKAGE_STREAM_REPLICAS": str(CLUSTER_REPLICAS)}
        up = UpNats(servers=nodes.urls, env=env, nodes=nodes.nodes, accounts=accounts, reload=nodes.reload)
    else:
        say(f"starting NATS with JetStream on port {port}")
        config = nats_config_up.single_server_config(accounts)
        server = NatsServer(
            store_dir=data_dir / "nats", port=port, config_file=config, log_file=data_dir / "logs" / "nats.log"
        )
        stack.enter_context(server)
        up = UpNats(servers=server.url, accounts=accounts, reload=server.reload)
    say(f"NATS users: 5 services, provision, smartcity and {len(accounts.orgs)} organisations")
    up.provision()
    return up


@dataclass(frozen=True)
class UpDatabase:
    """The Postgres ``linkage up`` runs (or was given), and each service's URLs to it."""

    admin_url: str
    services: Mapping[str, ServiceDatabase]

    def migrate(self, env: Mapping[str, str]) -> None:
        if all(urls.owner_url == self.admin_url for urls in self.services.values()):
            migrate_all(self.admin_url, env=env)
        else:
            postgres_roles.migrate_as_owners(self.admin_url, self.services, env=env)

    def url(self, service: str) -> str:
        return self.services[service].runtime_url


def start_postgres(stack: ExitStack, data_dir: Path, *, port: int, say: Say) -> UpDatabase:
    admin_url = os.environ.get("LINKAGE_DATABASE_URL")
    if admin_url is None:
        say(f"starting Postgres on port {port}")
        password = postgres_roles.superuser_password(data_dir)
        server = EmbeddedPostgres(
            data_dir=data_dir / "pg",
            port=port,
            log_file=data_dir / "logs" / "postgres.log",
            superuser_password=password,
        )
        admin_url = stack.enter_context(server).url
    elif not postgres_roles.may_create_roles(admin_url):
        say(
            "warning: LINKAGE_DATABASE_URL's user is no superuser, so every service and migration connects as that "
            "user (no role per service; the audit tables stay append-only by trigger)"
        )
        shared = ServiceDatabase(owner_url=admin_url, runtime_url=admin_url)
        return UpDatabase(admin_url, dict.fromkeys(SERVICE_NAMES, shared))
    return UpDatabase(admin_url, postgres_roles.prepare_roles(admin_url, data_dir))
