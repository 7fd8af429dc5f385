"""Request bodies are bounded before anything reads them: a 413 naming the limit, before authentication.

In process: a declared length over the limit is refused unread, a chunked body is cut off once it passes
the limit, uploads get the larger limit, and a body within the limit reaches authentication as before.
As a real process: a 400 MB anonymous POST leaves the service's memory where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import psutil
import pytest

from services.enforcement.app import create_app
from services.enforcement.settings import Settings
from services.platform.supervisor import SERVICES, ServiceProcesses, on_free_ports
from services.runtime.limits import MIB
from tests.support import JWT_SECRET, serving, settings_env

pytestmark = pytest.mark.integration


@pytest.fixture
async def service(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        yield client


def refused_for(response: httpx.Response, mib: int) -> bool:
    detail = response.json()["detail"][0]
    return response.status_code == 413 and detail["loc"] == ["body"] and f"{mib} MiB" in detail["msg"]


async def chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for _ in range(total // size):
        yield b"x" * size


async def test_a_declared_length_over_the_limit_is_refused_before_authentication(service: httpx.AsyncClient) -> None:
    headers = {"content-type": "application/json", "content-length": str(400 * MIB)}
    response = await service.post("/matters", content=b"{}", headers=headers)  # no token: the size speaks first
    assert refused_for(response, 1)


async def test_a_streamed_body_is_cut_off_once_it_passes_the_limit(service: httpx.AsyncClient) -> None:
    response = await service.post("/matters", content=chunks(3 * MIB), headers={"content-type": "application/json"})
    assert refused_for(response, 1)


async def test_an_upload_gets_the_larger_limit_and_a_small_body_reaches_authentication(
    service: httpx.AsyncClient,
) -> None:
    form = {"file": ("officers.csv", b"a" * (2 * MIB), "text/csv")}
    upload = await service.post("/registers/officers/import", files=form)
    assert upload.status_code in (401, 403, 404)  # past the 1 MiB limit of JSON, not refused for size
    over = await service.post("/registers/officers/import", files={"file": ("big.csv", b"a" * (21 * MIB))})
    assert refused_for(over, 20)
    small = await service.post("/matters", json={"name": "检查"})
    assert small.status_code == 401  # unchanged: a body within bounds meets authentication


def anonymous_post(port: int, total: int) -> tuple[int, bytes]:
    """Stream ``total`` bytes of a chunked JSON body with no token; bytes sent before the server stopped us,
    and whatever it answered."""
    sent, answer = 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = (
            "POST /matters HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sock.sendall(head.encode())
        chunk = b"%x\r\n%s\r\n" % (MIB, b" " * MIB)
        try:
            while sent < total:
                sock.sendall(chunk)
                sent += MIB
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server closed on us: what it answered is still in our socket, or the reset ate it
        with contextlib.suppress(OSError):
            answer = sock.recv(4096)
    return sent, answer


async def test_a_400_mb_anonymous_post_leaves_the_service_under_200_mb(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "LINKAGE_NATS_URL": nats_url, "LINKAGE_DATABASE_URL": database_url}
    env["LINKAGE_JWT_SECRET"] = JWT_SECRET
    [spec] = on_free_ports([s for s in SERVICES if s.name == "enforcement"])
    with ServiceProcesses(env=env, log_dir=tmp_path, services=[spec]) as processes:
        await asyncio.to_thread(processes.wait_ready, 60)
        pid = processes.pid("enforcement")
        assert pid is not None
        process = psutil.Process(pid)
        started = time.monotonic()
        sent, answer = await asyncio.to_thread(anonymous_post, spec.port, 400 * MIB)
        rss_mb = process.memory_info().rss / MIB
        async with httpx.AsyncClient(timeout=5, trust_env=False) as http:
            healthy = await http.get(f"{spec.url}/healthz")
    assert sent < 400 * MIB, "the server read the whole body instead of cutting it off"
    assert answer.startswith(b"HTTP/1.1 413") or not answer  # refused, or cut off before it could read the answer
    assert rss_mb < 200, f"{rss_mb:.0f} MB after the POST"
    assert healthy.status_code == 200
    assert time.monotonic() - started < 60
