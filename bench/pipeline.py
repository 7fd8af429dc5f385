"""The platform under test: the five services as processes, as ``linkage up`` starts them, plus replicas."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from pathlib import Path
from typing import Any

import httpx

from bench.infra import Infra
from bench.procs import Monitor
from bench.workload import Workload
from services.platform.embedded import free_port
from services.platform.supervisor import ServiceProcesses, ServiceSpec, on_free_ports
from services.runtime.auth import mint_token

READY_TIMEOUT_S = 90.0
ROUTED_TIMEOUT_S = 60.0


class Platform:
    """``with`` starts the services on free ports; every process it started is stopped on the way out."""

    def __init__(self, infra: Infra, *, log_dir: Path, monitor: Monitor, service_env: dict[str, str]) -> None:
        self.secret = secrets.token_urlsafe(32)
        self.env = {
            "LINKAGE_NATS_URL": infra.nats_url,
            "LINKAGE_DATABASE_URL": infra.database_url,
            "LINKAGE_JWT_SECRET": self.secret,
            **service_env,
        }
        self.log_dir = log_dir
        self.monitor = monitor
        self._stack = contextlib.ExitStack()
        self.processes: list[ServiceProcesses] = []

    def __enter__(self) -> Platform:
        try:
            self._start(on_free_ports())
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def url(self, name: str) -> str:
        for group in self.processes:
            with contextlib.suppress(KeyError):
                return group.spec(name).url
        raise KeyError(name)

    def token(self, *roles: str) -> str:
        return mint_token(self.secret, subject="bench", roles=list(roles))

    def add_replica(self, service: str, name: str) -> None:
        """Another process of ``service`` sharing its durable consumers (and its outbox table)."""
        self._start([ServiceSpec(name, free_port(), factory=f"services.{service}.app:create_app")])

    def stop(self, name: str) -> None:
        for group in self.processes:
            if name in (spec.name for spec in group.services):
                group.stop()
                self.monitor.forget(name)

    def _start(self, specs: Any) -> None:
        group = self._stack.enter_context(ServiceProcesses(env=self.env, log_dir=self.log_dir, services=specs))
        self.processes.append(group)
        group.wait_ready(READY_TIMEOUT_S)
        for spec in group.services:
            self.monitor.watch(spec.name, group.pid(spec.name))

    async def load_catalogue(self, workload: Workload) -> None:
        headers = {"Authorization": f"Bearer {self.token('office')}"}
        async with httpx.AsyncClient(timeout=30, trust_env=False) as http:
            response = await http.post(f"{self.url('catalog')}/catalogue", json=workload.catalogue(), headers=headers)
        if response.status_code != 201:
            raise RuntimeError(f"catalog refused the bench catalogue: {response.status_code} {response.text[:2000]}")

    async def wait_routed(self, codes: list[str]) -> None:
        """Until dispatch's routing projection knows every item."""
        headers = {"Authorization": f"Bearer {self.token('office')}"}
        pending = set(codes)
        async with httpx.AsyncClient(
            base_url=self.url("dispatch"), headers=headers, timeout=5, trust_env=False
        ) as http:
            async with asyncio.timeout(ROUTED_TIMEOUT_S):
                while pending:
                    for code in list(pending):
                        if (await http.get(f"/routing/{code}")).status_code == 200:
                            pending.discard(code)
                    if pending:
                        await asyncio.sleep(0.2)
