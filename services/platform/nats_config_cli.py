"""``linkage nats-config``: the NATS accounts (``nats_config``) written from the catalogue's organisation register
and, with ``--workers``, dispatch's grid workers (网格员名册).

Why grid workers come from dispatch: the catalogue knows organisations, not people; a grid's street registers its
workers with dispatch (``PUT /grids/{grid}/workers``), which sends each worker's tasks on its own subject. So the
rosters are read where they are kept, over HTTP as catalog's register is: dispatch's ``GET /grid-workers`` (every
grid's roster in one list) with an office token. A worker its street dropped (inactive) gets no user, and a
worker code that is also an organisation's code is refused, since both would pull one subject.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

import httpx

from services.platform.errors import PlatformError
from services.platform.nats_config import accounts_conf, organisations_of, password_variable, read_register, users


async def read_grid_workers(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Every grid worker as dispatch keeps them (``worker_code``, ``grid_code``, ``active``, ...); ``client``
    speaks to dispatch with an office token."""
    response = await client.get("/grid-workers")
    if response.status_code != 200:
        raise PlatformError(f"{client.base_url}/grid-workers answered {response.status_code}: {response.text[:300]}")
    workers: list[dict[str, Any]] = response.json()
    return workers


async def _workers_at(dispatch_url: str, token: str | None) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=dispatch_url.rstrip("/"), headers=headers, timeout=60, trust_env=False) as c:
        return await read_grid_workers(c)


def grid_workers_from(workers: str, *, token: str | None) -> list[dict[str, Any]]:
    """The grid workers of dispatch at its URL ``workers``, or of a file with a ``grid_workers`` list."""
    if _is_url(workers):
        return asyncio.run(_workers_at(workers, token))
    return list(read_register(workers).get("grid_workers") or [])


def register_with_workers(source: str, workers: str | None, *, token: str | None) -> dict[str, Any]:
    """The register of ``source``, its ``grid_workers`` joined by those of ``workers`` (dispatch's URL, or a file
    with a ``grid_workers`` list)."""
    register = dict(read_register(source, token=token))
    if workers is None:
        return register
    register["grid_workers"] = [*(register.get("grid_workers") or []), *grid_workers_from(workers, token=token)]
    return register


def add_nats_config_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        "nats-config", help="write the NATS accounts (users, permissions) from the catalogue's organisation register"
    )
    command.add_argument(
        "register",
        help="a catalogue export (JSON) or a file with an 'organisations' list (and optionally 'grid_workers'), or "
        "catalog's URL (then the office token comes from --data-dir)",
    )
    command.add_argument(
        "--workers",
        help="dispatch's URL (its grids' rosters, read with an office token from --data-dir) or a file with a "
        "'grid_workers' list: each active grid worker (网格员) gets a user of its own",
    )
    command.add_argument("--output", "-o", type=Path, help="where to write accounts.conf (default: standard output)")
    command.add_argument("--data-dir", type=Path, default=Path(".linkage"), help="where linkage up keeps its secret")
    command.add_argument(
        "--variables", action="store_true", help="print the password variables the servers must be given, instead"
    )
    command.set_defaults(command=_nats_config)


def _nats_config(args: argparse.Namespace) -> int:
    remote = _is_url(args.register)
    token = None
    if remote or _is_url(args.workers):
        from services.platform.cli import jwt_secret  # cli imports this module
        from services.runtime.auth import mint_token

        secret = jwt_secret(args.data_dir.absolute(), create=False)
        token = mint_token(secret, subject="linkage-nats-config", roles=["office"], ttl_s=300)
    orgs = organisations_of(register_with_workers(args.register, args.workers, token=token))
    if args.variables:
        print("\n".join(password_variable(user) for user in users(orgs)))
        return 0
    text = accounts_conf(orgs, source="catalog's register" if remote else Path(args.register).name)
    if args.output is None:
        print(text, end="")
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"linkage: {args.output}: {len(users(orgs))} users, {len(orgs)} organisations and grid workers")
    return 0


def _is_url(source: str | None) -> bool:
    return source is not None and source.startswith(("http://", "https://"))
