"""``linkage evaluation rebuild``: rebuild evaluation's projection from the DISPATCH stream of a running platform.

Over HTTP (the platform never imports a service), with an operator token signed by the platform's secret.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx

from services.platform.errors import PlatformError
from services.runtime.auth import mint_token

DEFAULT_URL = "http://127.0.0.1:8104"


def add_evaluation_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evaluation = commands.add_parser("evaluation", help="evaluation (考评) operations on a running platform")
    actions = evaluation.add_subparsers(required=True, metavar="ACTION")
    rebuild = actions.add_parser("rebuild", help="rebuild the figures' projection from the streams (replayed)")
    rebuild.add_argument("--url", default=DEFAULT_URL, help="the evaluation service (default: %(default)s)")
    rebuild.add_argument("--data-dir", type=Path, default=Path(".linkage"), help="where `linkage up` keeps its secret")
    rebuild.set_defaults(command=_rebuild)


def _rebuild(args: argparse.Namespace) -> int:
    # Imported here: cli.py imports this module to register the commands, so a top-level import would be circular.
    from services.platform.cli import jwt_secret

    token = mint_token(jwt_secret(args.data_dir.absolute(), create=False), subject="linkage-cli", roles=["operator"])
    with httpx.Client(base_url=args.url, timeout=httpx.Timeout(30.0, read=3600.0)) as client:
        response = _post(client, token)
    print(f"projection rebuilt from {response.json()['events']:,} events")
    return 0


def _post(client: httpx.Client, token: str) -> httpx.Response:
    try:
        response = client.post("/projection/rebuild", headers={"Authorization": f"Bearer {token}"})
    except httpx.TransportError as error:
        raise PlatformError(f"evaluation service not reachable at {client.base_url}: {error}") from error
    if response.status_code != 200:
        raise PlatformError(f"rebuild refused ({response.status_code}): {response.text}")
    return response
