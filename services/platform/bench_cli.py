"""``linkage bench``: the benchmark suites, run from the source checkout (bench/ is not part of the package).

The default suite is the case pipeline against the bare NATS + Postgres pipeline (``python -m bench``); the
others time one service's hot paths, each printing its figures beside a baseline measured in the same run.
Options after the suite's name that ``linkage`` does not know go to the suite (``--count 50``).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from services.platform.errors import PlatformError

SUITES = {
    "pipeline": "bench",
    "admission": "bench.admission",
    "evaluation": "bench.evaluation",
    "enforcement": "bench.enforcement",
    "placement": "bench.placement",
    "pull-loop": "bench.pull_loop",
    "console": "bench.console",
}


def add_bench_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = commands.add_parser("bench", help="benchmarks: the case pipeline (default) or one service's hot paths")
    bench.add_argument("--suite", choices=list(SUITES), default="pipeline", help="which (default: %(default)s)")
    bench.add_argument("--quick", action="store_true", help="a reduced run with the same keys, under 2 minutes")
    bench.add_argument("--json", type=Path, help="where to write the results (pipeline: bench/results/latest.json)")
    bench.add_argument("--service-env", action="append", default=[], metavar="KEY=VALUE", help="try a setting")
    bench.add_argument("--keep", action="store_true", help="keep the bench's work directory (logs, data)")
    bench.set_defaults(command=run_bench)


def run_bench(args: argparse.Namespace) -> int:
    root = Path(__file__).resolve().parents[2]
    if not (root / "bench" / "__main__.py").exists():
        raise PlatformError(f"linkage bench runs from a source checkout; there is no bench/ in {root}")
    path = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    command = [sys.executable, "-m", SUITES[args.suite], *_options(args)]
    child = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": path})
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signal.SIGTERM))
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue  # the bench got the same Ctrl-C and is stopping what it started
    finally:
        signal.signal(signal.SIGTERM, previous)


def _options(args: argparse.Namespace) -> list[str]:
    options = ["--quick"] * args.quick + list(args.pytest_args)
    if args.suite != "pipeline":
        if args.keep or args.json or args.service_env:
            raise PlatformError("--json, --keep and --service-env belong to the pipeline suite; run the module itself")
        return options  # and the suite's own flags
    options += ["--keep"] * args.keep + (["--json", str(args.json)] if args.json else [])
    return options + [f"--service-env={item}" for item in args.service_env]
