"""The five services as real processes: migrate, start, wait for ``/readyz``, stop; for ``linkage up`` and e2e tests.

Each service runs under uvicorn in its own session, so a Ctrl-C in the terminal reaches only the launcher,
which then stops the services before the servers they depend on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from services.platform.embedded import LOOPBACK, free_port
from services.platform.errors import PlatformError
from services.platform.logs import tail

STOP_GRACE_S = 10.0
MIGRATE_TIMEOUT_S = 300.0
_POLL_S = 0.25


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    port: int
    # Import path of the app factory; e2e tests may point it at a stand-in.
    factory: str | None = None

    @property
    def app(self) -> str:
        return self.factory or f"services.{self.name}.app:create_app"

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def command(self) -> list[str]:
        uvicorn = [sys.executable, "-m", "uvicorn", self.app, "--factory"]
        return [*uvicorn, "--host", LOOPBACK, "--port", str(self.port), "--no-access-log"]


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("catalog", 8101),
    ServiceSpec("admission", 8102),
    ServiceSpec("dispatch", 8103),
    ServiceSpec("evaluation", 8104),
    ServiceSpec("enforcement", 8105),
)
SERVICE_NAMES = tuple(spec.name for spec in SERVICES)
# The web console (BFF): no schema to migrate, no bus; it calls the services above over HTTP.
CONSOLE = ServiceSpec("console", 8100)


def console_env(console: ServiceSpec, specs: Sequence[ServiceSpec], *, otlp_endpoint: str | None) -> dict[str, str]:
    """Where the console finds each service, sign-in by choosing a role (the token minted locally), and, with no
    collector named, the services' spans sent to the console (OTLP/HTTP) so it can draw a case's trace."""
    env = {f"LINKAGE_{spec.name.upper()}_URL": spec.url for spec in specs}
    env["LINKAGE_CONSOLE_DEV_SIGNIN"] = "true"
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp_endpoint or console.url
    return env


def on_free_ports(services: Sequence[ServiceSpec] = SERVICES) -> tuple[ServiceSpec, ...]:
    """The same services on free ports, so tests never collide with a running ``linkage up``."""
    return tuple(dataclasses.replace(spec, port=free_port()) for spec in services)


def migrate_all(
    database_url: str,
    *,
    services: Iterable[str] = SERVICE_NAMES,
    env: Mapping[str, str] | None = None,
) -> None:
    """Upgrades each service's schema to head, one subprocess per service, in order."""
    for name in services:
        _migrate(name, {**os.environ, **(env or {}), "LINKAGE_DATABASE_URL": database_url})


def _migrate(name: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.runtime.migrate", name],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=MIGRATE_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        # The end of a traceback says what went wrong; its start is mostly framework frames.
        output = "\n".join((result.stdout + result.stderr).strip().splitlines()[-40:])
        raise PlatformError(f"migrating {name} failed with code {result.returncode}:\n{output}")


def wait_ready(
    services: Sequence[ServiceSpec],
    *,
    timeout: float = 60.0,
    log_dir: Path | None = None,
    exited: Callable[[], Mapping[str, int]] = dict,
) -> None:
    """Polls each ``/readyz`` until it answers 200; fails fast when a process has exited."""
    pending = {spec.name: spec for spec in services}
    said: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    # trust_env=False: a proxy from the environment must not stand between us and 127.0.0.1.
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while True:
            for name, spec in list(pending.items()):
                ready, said[name] = _probe(client, spec)
                if ready:
                    del pending[name]
            if not pending:
                return
            if dead := {name: code for name, code in exited().items() if name in pending}:
                gone = ", ".join(f"{name} (exit code {code})" for name, code in dead.items())
                raise PlatformError(_not_ready(f"exited before ready: {gone}", dead, said, log_dir))
            if time.monotonic() > deadline:
                raise PlatformError(_not_ready(f"not ready after {timeout:.0f}s", pending, said, log_dir))
            time.sleep(_POLL_S)


def _probe(client: httpx.Client, spec: ServiceSpec) -> tuple[bool, str]:
    try:
        response = client.get(f"{spec.url}/readyz")
    except httpx.HTTPError as error:
        return False, f"{type(error).__name__}: {error}"
    return response.status_code == 200, f"{response.status_code} {response.text[:300]}"


def _not_ready(headline: str, names: Iterable[str], said: Mapping[str, str], log_dir: Path | None) -> str:
    parts = [headline]
    for name in names:
        parts.append(f"--- {name}: /readyz said: {said.get(name, 'nothing yet')}")
        if log_dir is not None:
            parts.append(f"--- last lines of {log_dir / f'{name}.log'} ---\n{tail(log_dir / f'{name}.log')}")
    return "\n".join(parts)


class ServiceProcesses:
    """The services as child processes; ``with`` starts them and guarantees none outlives the block."""

    def __init__(
        self,
        *,
        env: Mapping[str, str],
        log_dir: Path,
        services: Sequence[ServiceSpec] = SERVICES,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.env = dict(env)
        # What differs between services, over ``env``: under linkage up, each one's NATS user and database role.
        self.service_env = {name: dict(values) for name, values in (service_env or {}).items()}
        self.log_dir = log_dir.absolute()
        self.services = tuple(services)
        self._processes: dict[str, subprocess.Popen[bytes]] = {}

    def spec(self, name: str) -> ServiceSpec:
        for spec in self.services:
            if spec.name == name:
                return spec
        raise KeyError(f"no service {name!r}; known: {', '.join(s.name for s in self.services)}")

    def log_file(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def pid(self, name: str) -> int | None:
        process = self._processes.get(name)
        return process.pid if process is not None and process.poll() is None else None

    def exited(self) -> dict[str, int]:
        """Services whose process has ended, with its exit code (negative: killed by that signal)."""
        codes = {name: process.poll() for name, process in self._processes.items()}
        return {name: code for name, code in codes.items() if code is not None}

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for spec in self.services:
            if self.pid(spec.name) is None:
                self._spawn(spec)

    def wait_ready(self, timeout: float = 60.0, *, names: Iterable[str] | None = None) -> None:
        specs = [self.spec(name) for name in names] if names is not None else self.services
        wait_ready(specs, timeout=timeout, log_dir=self.log_dir, exited=self.exited)

    def stop(self) -> None:
        """SIGTERM to every service at once, SIGKILL to any still running after the grace period."""
        processes = list(self._processes.values())
        self._processes.clear()
        _terminate(processes)

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash would: no graceful shutdown, no goodbye to NATS or Postgres."""
        process = self._processes.get(name)
        if process is not None:
            _signal_group(process, signal.SIGKILL)
            process.wait()

    def restart(self, name: str, *, wait: bool = True, timeout: float = 60.0) -> None:
        process = self._processes.pop(name, None)
        _terminate([process] if process is not None else [])
        self._spawn(self.spec(name))
        if wait:
            self.wait_ready(timeout, names=[name])

    def _spawn(self, spec: ServiceSpec) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env, **self.service_env.get(spec.name, {})}
        if spec.name == "catalog":  # its public links and QR codes point where it serves, unless told otherwise
            env.setdefault("LINKAGE_PUBLIC_BASE_URL", spec.url)
        with self.log_file(spec.name).open("ab") as log:
            log.write(f"\n=== {datetime.now(UTC).isoformat()} {' '.join(spec.command())}\n".encode())
            log.flush()
            self._processes[spec.name] = subprocess.Popen(
                spec.command(), env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
            )

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _terminate(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for process in processes:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    # The whole session's group, so that nothing a service spawned outlives it. Only while the leader
    # is unreaped: after that its pid, and so the group id, may belong to someone else.
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)
