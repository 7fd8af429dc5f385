"""``linkage``: the platform on one machine (``up``), tokens, migrations, and the CI gates (``check``)."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from types import FrameType

from services.platform import admission_demo, enforcement_demo, evaluation_demo_replay
from services.platform.bench_cli import add_bench_command, run_bench
from services.platform.catalog_cli import add_catalog_commands
from services.platform.catalog_demo import load as load_catalog_demo
from services.platform.check import run_checks
from services.platform.enforcement_cli import add_enforcement_commands
from services.platform.errors import PlatformError
from services.platform.evaluation_cli import add_evaluation_commands
from services.platform.nats_cluster import ClusterNode
from services.platform.nats_config_cli import add_nats_config_command
from services.platform.supervisor import CONSOLE, SERVICES, ServiceProcesses, ServiceSpec, console_env, migrate_all
from services.platform.up_servers import start_nats, start_postgres
from services.runtime.auth import mint_token

DEFAULT_DATA_DIR = Path(".linkage")
_SignalHandler = Callable[[int, FrameType | None], object] | int | None


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command not in (_check, run_bench):  # both hand what follows to another program
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    try:
        return int(args.command(args))
    except PlatformError as error:
        print(f"linkage: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linkage", description="Linkage (区街联动) on one machine.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    up = commands.add_parser("up", help="start NATS, Postgres and the five services; Ctrl-C stops them")
    _data_dir_option(up)
    up.add_argument("--nats-port", type=int, default=14222, help="embedded NATS port (default: %(default)s)")
    up.add_argument(
        "--cluster",
        type=int,
        choices=(1, 3),
        default=1,
        help="NATS nodes: 3 runs a JetStream cluster on loopback with every stream at R3; clients on --nats-port "
        "and the next two, routes 2000 above, monitoring 4000 above (default: %(default)s)",
    )
    up.add_argument("--pg-port", type=int, default=15432, help="embedded Postgres port (default: %(default)s)")
    up.add_argument(
        "--base-port", type=int, default=8101, help="catalog's port; the others follow (default: %(default)s)"
    )
    up.add_argument("--console-port", type=int, default=CONSOLE.port, help="the web console (default: %(default)s)")
    up.add_argument("--demo", action="store_true", help="load the demo dataset shaped like Longsha's figures")
    up.add_argument("--ready-timeout", type=float, default=60.0, help="seconds to wait for /readyz")
    up.set_defaults(command=_up)
    token = commands.add_parser("token", help="print a bearer JWT signed with the platform's secret")
    token.add_argument("--role", action="append", required=True, help="e.g. operator, street:xinhe; repeatable")
    token.add_argument("--subject", default="linkage-cli", help="the token's sub claim")
    token.add_argument("--ttl", type=int, default=86400, help="lifetime in seconds (default: %(default)s)")
    _data_dir_option(token)
    token.set_defaults(command=_token)
    migrate = commands.add_parser("migrate", help="upgrade every service's schema to head")
    migrate.add_argument("--database-url", default=os.environ.get("LINKAGE_DATABASE_URL"))
    migrate.set_defaults(command=_migrate)
    check = commands.add_parser("check", help="lint, type-check, import contracts, then the whole test suite")
    check.epilog = "Arguments after check go to pytest, e.g. linkage check -x -k dispatch."
    check.set_defaults(command=_check)
    add_catalog_commands(commands)
    add_enforcement_commands(commands)
    add_evaluation_commands(commands)
    add_nats_config_command(commands)
    add_bench_command(commands)
    return parser


def _check(args: argparse.Namespace) -> int:
    return run_checks(args.pytest_args, root=Path.cwd())


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="embedded servers' data, logs and the JWT secret"
    )


def _token(args: argparse.Namespace) -> int:
    secret = jwt_secret(args.data_dir.absolute(), create=False)
    try:
        print(mint_token(secret, subject=args.subject, roles=args.role, ttl_s=args.ttl))
    except ValueError as error:
        raise PlatformError(str(error)) from error
    return 0


def _migrate(args: argparse.Namespace) -> int:
    if not args.database_url:
        raise PlatformError("set LINKAGE_DATABASE_URL or pass --database-url")
    migrate_all(args.database_url)
    print("linkage: every schema is at head")
    return 0


def jwt_secret(data_dir: Path, *, create: bool) -> str:
    """``LINKAGE_JWT_SECRET``, else the one kept in the data directory so that tokens survive restarts."""
    if secret := os.environ.get("LINKAGE_JWT_SECRET"):
        return secret
    path = data_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    if not create:
        raise PlatformError(f"no JWT secret: set LINKAGE_JWT_SECRET or run `linkage up --data-dir {data_dir}`")
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
        file.write(secret + "\n")
    return secret


def _up(args: argparse.Namespace) -> int:
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    # SIGTERM unwinds like Ctrl-C, so that both stop what was started, in order. SIGINT is set too: a shell
    # starts background jobs with it ignored, and Python then installs no handler of its own.
    _set_handlers(dict.fromkeys(previous, _interrupt))
    try:
        with ExitStack() as stack:
            try:
                _run_platform(stack, args)
            finally:
                # A second Ctrl-C must not cut the shutdown short and leave processes behind.
                _set_handlers(dict.fromkeys(previous, signal.SIG_IGN))
    except KeyboardInterrupt:
        print("linkage: stopped", flush=True)
    finally:
        _set_handlers(previous)
    return 0


def _run_platform(stack: ExitStack, args: argparse.Namespace) -> None:
    data_dir: Path = args.data_dir.absolute()
    log_dir = data_dir / "logs"
    nats = start_nats(stack, data_dir, port=args.nats_port, cluster=args.cluster, demo=args.demo, say=_say)
    database = start_postgres(stack, data_dir, port=args.pg_port, say=_say)
    env = {**nats.env, "LINKAGE_JWT_SECRET": jwt_secret(data_dir, create=True)}
    _say("migrating every service's schema")
    database.migrate(env)
    _say("starting the services")
    specs = [replace(spec, port=args.base_port + offset) for offset, spec in enumerate(SERVICES)]
    console = replace(CONSOLE, port=args.console_port)
    env |= console_env(console, specs, otlp_endpoint=os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
    # The console first: with no collector named, the services' span exporters send to it.
    # Each service as its own NATS user and Postgres role.
    own = {s.name: {"LINKAGE_NATS_URL": nats.url(s.name), "LINKAGE_DATABASE_URL": database.url(s.name)} for s in specs}
    processes = ServiceProcesses(env=env, log_dir=log_dir, services=[console, *specs], service_env=own)
    services = stack.enter_context(processes)
    services.wait_ready(args.ready_timeout)
    if args.demo:
        _load_demo(services.spec("catalog").url, secret=env["LINKAGE_JWT_SECRET"])
        _load_enforcement_demo(services.spec("enforcement").url, secret=env["LINKAGE_JWT_SECRET"])
        for line in admission_demo.run(services.spec("admission").url, services.spec("catalog").url, env):
            _say(line)
        evaluation = services.spec("evaluation").url
        for line in evaluation_demo_replay.run(evaluation, nats.url("dispatch"), env["LINKAGE_JWT_SECRET"]):
            _say(line)
    office = mint_token(env["LINKAGE_JWT_SECRET"], subject="linkage-up", roles=["office"], ttl_s=300)
    nats.follow_catalog(services.spec("catalog").url, token=office, say=_say, workers=services.spec("dispatch").url)
    _print_summary(
        services, nats_url=nats.servers, nodes=nats.nodes, database_url=database.admin_url, data_dir=data_dir
    )
    _watch(services)


def _load_demo(catalog_url: str, *, secret: str) -> None:
    _say("loading the demo dataset (494 legal documents, 133 items, 5 streets, 363 grids)")
    # The tokens an office and each street would hold: the demo goes through the catalogue's own routes.
    loaded = load_catalog_demo(catalog_url, lambda *roles: mint_token(secret, subject="linkage-up", roles=list(roles)))
    version = loaded.version
    _say(f"demo dataset in catalogue version {version}" if version else "demo dataset already loaded")


def _load_enforcement_demo(url: str, *, secret: str) -> None:
    _say("loading the enforcement demo (87 officers, 25 powers, 1,200 targets in 5 streets, a draw, joint visits)")
    figures = enforcement_demo.load(url, mint_token(secret, subject="linkage-up", roles=["office"], ttl_s=600))
    _say(f"enforcement demo: {figures['inspections']} inspections drawn, {figures['visits']} joint visits")


def _print_summary(
    services: ServiceProcesses, *, nats_url: str, nodes: Sequence[ClusterNode], database_url: str, data_dir: Path
) -> None:
    rows = [("service", "url", "docs", "ready")]  # the console first: it is where a person starts
    rows += [(spec.name, spec.url, _docs_of(spec), "yes") for spec in services.services]
    rows += [(node.name, node.url, f"{node.monitor_url}/jsz", "yes") for node in nodes]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    print()
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print(f"\nNATS      {nats_url}\nPostgres  {_without_password(database_url)}\nlogs      {services.log_dir}")
    print(f"token     linkage token --role operator --data-dir {data_dir}")
    print(f"secrets   {data_dir}/nats-passwords.json (NATS users), {data_dir}/pg-passwords.json (Postgres roles)")
    print("\nlinkage: up; Ctrl-C stops everything", flush=True)


def _docs_of(spec: ServiceSpec) -> str:
    """A service's API docs; the console is pages for people, with no /docs of its own: none printed."""
    return "" if spec.name == CONSOLE.name else f"{spec.url}/docs"


def _watch(services: ServiceProcesses) -> None:
    """Waits for Ctrl-C or SIGTERM, saying once about each service that dies meanwhile."""
    reported: set[str] = set()
    while True:
        time.sleep(1.0)
        for name, code in services.exited().items():
            if name not in reported:
                reported.add(name)
                _say(f"{name} exited with code {code}; see {services.log_file(name)}")


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _say(message: str) -> None:
    print(f"linkage: {message}", flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _set_handlers(handlers: dict[signal.Signals, _SignalHandler]) -> None:
    for signum, handler in handlers.items():
        signal.signal(signum, handler)
