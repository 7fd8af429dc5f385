"""What the figures were measured on: they mean little without the machine and the servers' durability."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import psutil  # type: ignore[import-untyped]

from services.platform.embedded import nats_server_binary

PG_SETTINGS = ("server_version", "fsync", "synchronous_commit", "wal_sync_method", "max_connections")


def describe() -> dict[str, Any]:
    memory = psutil.virtual_memory().total
    return {
        "cpu_model": _cpu_model(),
        "logical_cpus": psutil.cpu_count(logical=True),
        "physical_cpus": psutil.cpu_count(logical=False),
        "memory_gib": round(memory / 2**30, 1),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "nats_server": _nats_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


async def postgres_settings(dsn: str, *, source: str) -> dict[str, Any]:
    """Server version and the settings that decide whether a commit is durable."""
    connection = await asyncpg.connect(dsn)
    try:
        found = {name: await connection.fetchval(f"SHOW {name}") for name in PG_SETTINGS}
    finally:
        await connection.close()
    return {"source": source, **found}


def summary(machine: dict[str, Any]) -> str:
    pg = machine.get("postgres", {})
    return (
        f"{machine['cpu_model']}, {machine['logical_cpus']} logical CPUs, {machine['memory_gib']} GiB, "
        f"{machine['os']}, Python {machine['python']}, {machine['nats_server']}, "
        f"Postgres {pg.get('server_version', '?')} ({pg.get('source', '?')}, fsync={pg.get('fsync', '?')}, "
        f"synchronous_commit={pg.get('synchronous_commit', '?')}), "
        f"load average at start {machine['load_average_at_start']}"
    )


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _nats_version() -> str:
    try:
        done = subprocess.run([str(nats_server_binary()), "--version"], capture_output=True, text=True, timeout=10)
    except Exception as error:
        return f"nats-server (version unknown: {error!r})"
    return done.stdout.strip() or done.stderr.strip()
