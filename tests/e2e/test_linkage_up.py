"""``linkage up`` as a person runs it: five ready services, data kept across runs, nothing left after Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
import nats
import psutil
import pytest

from services.platform.embedded import free_port
from services.platform.supervisor import SERVICE_NAMES

pytestmark = pytest.mark.e2e
LINKAGE = Path(sys.executable).parent / "linkage"


@contextmanager
def linkage_up(
    data_dir: Path, *, base_port: int, nats_port: int, pg_port: int, console_port: int
) -> Iterator[subprocess.Popen[str]]:
    """``linkage up`` on ports of its own, the console's too: two runs (or a developer's own) never meet on 8100."""
    env = {k: v for k, v in os.environ.items() if k not in ("LINKAGE_NATS_URL", "LINKAGE_DATABASE_URL")}
    args = [str(LINKAGE), "up", "--data-dir", str(data_dir), "--base-port", str(base_port)]
    args += ["--nats-port", str(nats_port), "--pg-port", str(pg_port), "--console-port", str(console_port)]
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()


def wait_for_line(process: subprocess.Popen[str], text: str, timeout: float) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if text in line:
            return lines
    raise AssertionError(f"no {text!r} within {timeout} s:\n{''.join(lines)}")


def interrupt_and_check_nothing_is_left(process: subprocess.Popen[str], data_dir: Path) -> None:
    family = [process.pid, *(child.pid for child in psutil.Process(process.pid).children(recursive=True))]
    # Postgres runs detached under its own user; find ours by its data directory, not other runs'.
    ours = str(data_dir / "pg")
    postgres = [p.pid for p in psutil.process_iter(["cmdline"]) if ours in (p.info["cmdline"] or [])]
    assert postgres, "the embedded Postgres of this run should be found before Ctrl-C"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    time.sleep(0.5)
    alive = [pid for pid in family + postgres if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
    assert not alive, f"left running after Ctrl-C: {alive}"


async def check_no_one_is_trusted(data_dir: Path, *, nats_port: int, pg_port: int) -> None:
    """NATS and Postgres want credentials, and each service is connected to Postgres as its own role."""
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(f"nats://127.0.0.1:{nats_port}", allow_reconnect=False, max_reconnect_attempts=0)
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{pg_port}/linkage")
    password = json.loads((data_dir / "pg-passwords.json").read_text())["postgres"]
    admin = await asyncpg.connect(f"postgresql://postgres:{password}@127.0.0.1:{pg_port}/linkage")
    try:
        rows = await admin.fetch("SELECT DISTINCT usename FROM pg_stat_activity WHERE usename LIKE 'linkage_%'")
    finally:
        await admin.close()
    assert {row["usename"] for row in rows} == {f"linkage_{name}" for name in SERVICE_NAMES}


def test_up_serves_five_ready_services_and_keeps_data_across_runs(tmp_path: Path) -> None:
    base, nats_port, pg_port, console_port = free_port(), free_port(), free_port(), free_port()
    ports = [base + offset for offset in range(5)]
    if any(not _free(port) for port in ports):
        base = 18101 + os.getpid() % 500
        ports = [base + offset for offset in range(5)]
    data_dir = tmp_path / "data"
    token = ""
    ports_of_run = {"base_port": base, "nats_port": nats_port, "pg_port": pg_port, "console_port": console_port}
    with linkage_up(data_dir, **ports_of_run) as first:
        output = "".join(wait_for_line(first, "Ctrl-C stops everything", timeout=120))
        for name, port in zip(("catalog", "admission", "dispatch", "evaluation", "enforcement"), ports, strict=True):
            assert f"{name}" in output
            assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
        console = f"http://127.0.0.1:{console_port}"
        assert httpx.get(f"{console}/signin").status_code == 200
        assert f"{console}/docs" not in output, "the console has no /docs; the table must not link one"
        token = subprocess.run(
            [str(LINKAGE), "token", "--role", "office", "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        load = {
            "note": "首次导入",
            "laws": [
                {
                    "law_id": "L1",
                    "title": "城市市容和环境卫生管理条例",
                    "kind": "regulation",
                    "issuer": "国务院",
                    "effective_from": "1992-08-01",
                }
            ],
            "clauses": [
                {"law_id": "L1", "article": "第十条", "text": "一切单位和个人，都应当保持城市市容和环境卫生。"}
            ],
            "items": [
                {
                    "item_code": "GX-001",
                    "name": "门前三包责任制落实",
                    "list_kind": "common",
                    "domain": "城市管理",
                    "responsible_body": "cgj",
                    "time_limit": {"value": 5, "unit": "working_day"},
                    "legal_basis": [{"law_id": "L1", "law_title": "城市市容和环境卫生管理条例", "article": "第十条"}],
                }
            ],
        }
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.post(f"http://127.0.0.1:{base}/catalogue", json=load, headers=headers).status_code == 201
        asyncio.run(check_no_one_is_trusted(data_dir, nats_port=nats_port, pg_port=pg_port))
        interrupt_and_check_nothing_is_left(first, data_dir)

    with linkage_up(data_dir, **ports_of_run) as second:
        wait_for_line(second, "Ctrl-C stops everything", timeout=120)
        item = httpx.get(f"http://127.0.0.1:{base}/items/GX-001", headers={"Authorization": f"Bearer {token}"})
        assert item.status_code == 200
        assert item.json()["item"]["name"] == "门前三包责任制落实"
        interrupt_and_check_nothing_is_left(second, data_dir)


def _free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0
