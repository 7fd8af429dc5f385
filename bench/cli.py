"""``python -m bench [--quick] [--json PATH]``: one run, one table, one JSON file."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from bench import machine, report, runner
from bench.infra import Say, infrastructure
from bench.pipeline import Platform
from bench.plan import FULL, QUICK
from bench.procs import Monitor, listening_pid
from bench.workload import Workload

T = TypeVar("T")
DEFAULT_JSON = Path(__file__).parent / "results" / "latest.json"  # bench/results/ is git-ignored


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # unwind like Ctrl-C: every process started is stopped
    say = Say(quiet=args.quiet)
    workdir = Path(tempfile.mkdtemp(prefix="linkage-bench-"))
    failed = True
    try:
        doc = run(args, workdir, say)
        failed = False
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        if failed or args.keep:
            print(f"bench: logs and data kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(report.render(doc))
    print(f"\nJSON written to {args.json}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linkage bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a reduced run with the same keys, under 2 minutes")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write results (%(default)s)")
    parser.add_argument(
        "--service-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the services (e.g. LINKAGE_CONSUMER_BATCH=64), to try settings; repeatable",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, data) afterwards")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser


def run(args: argparse.Namespace, workdir: Path, say: Say) -> dict[str, Any]:
    plan = QUICK if args.quick else FULL
    workload = Workload()
    service_env = dict(item.split("=", 1) for item in args.service_env)
    started, clock = datetime.now(UTC), time.monotonic()
    described = machine.describe()
    with Monitor() as monitor, infrastructure(workdir, say=say) as infra:
        monitor.watch("bench", os.getpid())
        monitor.watch("nats", infra.nats_pid)
        monitor.watch("postgres", infra.postgres_pid or listening_pid(infra.postgres_port), tree=True)
        described["postgres"] = _run(machine.postgres_settings(infra.dsn, source=infra.postgres_source))
        say("bare pipeline")
        bare = _run(runner.measure_bare(infra, monitor, plan, workload, say))
        say("starting the five services")
        with Platform(infra, log_dir=workdir / "logs", monitor=monitor, service_env=service_env) as platform:
            measured = _run(_platform(platform, infra, monitor, plan, workload, say))
        rss = monitor.peak_rss_mb()
    meta = {
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - clock, 1),
        "workload": workload.__dict__,
        "service_env": service_env,
        "latency": "from when a case was due to be published (open loop) to a department consumer's fetch",
    }
    return report.build(
        plan=plan,
        machine=described,
        bare=bare,
        platform=measured["phases"],
        lookups=measured["lookups"],
        rss_mb=rss,
        meta=meta,
    )


async def _platform(
    platform: Platform, infra: Any, monitor: Monitor, plan: Any, workload: Workload, say: Say
) -> dict[str, Any]:
    async with runner.session(infra.nats_url, monitor, plan, workload, say) as session:
        return await runner.measure_platform(platform, infra, session)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
