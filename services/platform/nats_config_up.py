"""``linkage up``'s own NATS accounts: the generated ``accounts.conf`` of ``linkage nats-config``, with random
passwords kept in the data directory, each service connecting as its own user, ``provision`` run at start.

Which organisations get a user (组织名录):

- at start, those of the catalogue's register as ``linkage up`` last read it (``nats-register.json`` in the data
  directory); on a data directory that has none yet, the demo's organisations under ``--demo`` (its catalogue is
  loaded after NATS starts, and its departments, streets and agencies should find their users there at once),
  else none;
- once the services are ready (and the demo loaded), the register is read again from catalog's export: when it
  names other organisations, the accounts are written again, every NATS node reloads them (SIGHUP: no restart,
  no client disconnected) and ``provision`` makes the new organisations' durables.

An organisation the catalogue gains while ``linkage up`` runs gets its user at the next start.

The server's config defines each ``$<USER>_PASSWORD`` variable itself, in a file only its owner may read: a
reload then sees new users' passwords, which an environment read once at start could not give it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats

from services.platform import nats_config
from services.platform.catalog_demo_build import organisations as demo_organisations
from services.platform.errors import PlatformError
from services.platform.kept_passwords import kept_passwords, write_private
from services.platform.nats_config import Organisation
from services.platform.nats_config_cli import grid_workers_from
from services.runtime.bus import inbox_prefix

REGISTER_FILE = "nats-register.json"
PASSWORDS_FILE = "nats-passwords.json"
ACCOUNTS_FILE = "nats-accounts.conf"
SERVER_CONFIG_FILE = "nats.conf"


@dataclass(frozen=True)
class UpAccounts:
    """The accounts ``linkage up`` runs its NATS with, and every user's password."""

    data_dir: Path
    orgs: tuple[Organisation, ...]
    passwords: Mapping[str, str]  # by user

    @property
    def accounts_file(self) -> Path:
        return self.data_dir / ACCOUNTS_FILE

    def write(self) -> Path:
        """The server's ``accounts.conf``, its password variables defined above the accounts that use them."""
        variables = "".join(f'{nats_config.password_variable(user)}: "{pw}"\n' for user, pw in self.passwords.items())
        accounts = nats_config.accounts_conf(self.orgs, source="linkage up's register (nats-register.json)")
        write_private(self.accounts_file, variables + "\n" + accounts)
        return self.accounts_file

    def url(self, user: str, servers: str) -> str:
        """``servers`` (``nats://host:port``, comma-separated) with ``user``'s credentials in each."""
        password = self.passwords[user]
        return ",".join(
            server.strip().replace("nats://", f"nats://{user}:{password}@", 1) for server in servers.split(",")
        )


def single_server_config(accounts: UpAccounts) -> Path:
    """The embedded single server's config: an acknowledged write on disk first, as deploy/nats/single.conf."""
    path = accounts.data_dir / SERVER_CONFIG_FILE
    path.write_text(f'jetstream {{\n  sync_interval: always\n}}\ninclude "{ACCOUNTS_FILE}"\n', encoding="utf-8")
    return path


def accounts_at_start(data_dir: Path, *, demo: bool) -> UpAccounts:
    """The register last read from catalog, else the demo's organisations under ``--demo``, else none."""
    saved = data_dir / REGISTER_FILE
    if saved.exists():
        orgs = nats_config.organisations_of(nats_config.read_register(str(saved)))
    elif demo:
        orgs = nats_config.organisations_of({"organisations": [org.model_dump() for org in demo_organisations()]})
    else:
        orgs = []
    return _accounts(data_dir, orgs)


def accounts_from_catalog(
    accounts: UpAccounts, catalog_url: str, *, token: str, workers: str | None = None
) -> UpAccounts | None:
    """The accounts for catalog's register, and dispatch's grid workers when ``workers`` (dispatch's URL) is given,
    when they name others than ``accounts`` (then kept as the next start's register); None when nothing changed
    or the catalogue has no organisations yet. Without ``workers``, or when dispatch cannot be read, the grid
    workers ``accounts`` has stay."""
    try:
        register = nats_config.read_register(catalog_url, token=token)
    except PlatformError:
        return None  # no catalogue in force yet: nothing to read, the organisations stay
    register["grid_workers"] = _grid_workers(accounts, workers, token=token)
    orgs = nats_config.organisations_of(register)
    if not orgs or tuple(orgs) == accounts.orgs:
        return None
    rows = [{"code": org.code, "kind": org.kind} for org in orgs]
    write_private(accounts.data_dir / REGISTER_FILE, json.dumps({"organisations": rows}, indent=1) + "\n")
    return _accounts(accounts.data_dir, orgs)


def _grid_workers(accounts: UpAccounts, workers: str | None, *, token: str) -> list[dict[str, Any]]:
    known = [{"worker_code": org.code} for org in accounts.orgs if org.kind == "gridworker"]
    if workers is None:
        return known
    try:
        return grid_workers_from(workers, token=token)
    except PlatformError:
        return known


def _accounts(data_dir: Path, orgs: Iterable[Organisation]) -> UpAccounts:
    listed = tuple(orgs)
    passwords = kept_passwords(data_dir / PASSWORDS_FILE, nats_config.users(listed))
    return UpAccounts(data_dir, listed, passwords)


def provision(accounts: UpAccounts, servers: str, *, replicas: int) -> None:
    """As the ``provision`` user: the platform's streams and every organisation's durable."""
    asyncio.run(_provision(accounts, servers.split(","), replicas=replicas))


async def _provision(accounts: UpAccounts, servers: Sequence[str], *, replicas: int) -> None:
    user = nats_config.PROVISION
    options: dict[str, Any] = {"user": user, "password": accounts.passwords[user], "inbox_prefix": inbox_prefix(user)}
    client = await nats.connect(servers=list(servers), name="linkage-provision", connect_timeout=5, **options)
    try:
        await nats_config.provision(client.jetstream(timeout=10), accounts.orgs, replicas=replicas)
    finally:
        await client.close()
