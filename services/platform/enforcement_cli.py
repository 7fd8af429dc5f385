"""``linkage enforcement verify RECORD``: recompute a draw (双随机) from its public record and say whether it matches.

The platform never imports a service, so the check runs as ``python -m services.enforcement.verify`` in a child
process, as ``linkage up`` runs the services; that module needs only the standard library and the published
algorithm, which is the point: anyone can run it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys


def add_enforcement_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    enforcement = commands.add_parser("enforcement", help="joint enforcement (1+2+N): check a draw's public record")
    actions = enforcement.add_subparsers(required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="recompute a draw from its record (file, - or URL); exit 1 if not")
    verify.add_argument("record", help="the JSON of GET /draws/{id}/record: a file, - for stdin, or its URL")
    verify.set_defaults(command=_verify)


def _verify(args: argparse.Namespace) -> int:
    return subprocess.run([sys.executable, "-m", "services.enforcement.verify", args.record], check=False).returncode
