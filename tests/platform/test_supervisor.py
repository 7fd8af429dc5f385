"""The supervisor against real uvicorn processes running a stand-in app, and the real migration runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.platform.errors import PlatformError
from services.platform.supervisor import ServiceProcesses, ServiceSpec, migrate_all, on_free_ports

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
STANDIN = "tests.platform.standin_app"


def standins(*names: str, factory: str = "create_app") -> tuple[ServiceSpec, ...]:
    return on_free_ports([ServiceSpec(name, 0, factory=f"{STANDIN}:{factory}") for name in names])


def processes(tmp_path: Path, services: tuple[ServiceSpec, ...]) -> ServiceProcesses:
    return ServiceProcesses(env={"PYTHONPATH": str(REPO_ROOT)}, log_dir=tmp_path / "logs", services=services)


def gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


@pytest.fixture
def running(tmp_path: Path) -> Iterator[ServiceProcesses]:
    with processes(tmp_path, standins("catalog", "dispatch")) as services:
        services.wait_ready(timeout=20)
        yield services


def test_services_come_up_and_stop_without_leftovers(running: ServiceProcesses) -> None:
    pids = [running.pid(name) for name in ("catalog", "dispatch")]
    assert all(pids)

    running.stop()

    assert all(gone(pid) for pid in pids if pid)
    assert running.pid("catalog") is None


def test_a_killed_service_shows_as_exited_and_restarts(running: ServiceProcesses) -> None:
    running.kill("dispatch")
    assert running.exited() == {"dispatch": -9}

    running.restart("dispatch", timeout=20)

    assert running.exited() == {}
    assert running.pid("dispatch") is not None


def test_an_unready_service_is_named_with_what_readyz_said_and_its_log(tmp_path: Path) -> None:
    services = standins("catalog") + standins("evaluation", factory="create_unready_app")
    with processes(tmp_path, services) as started, pytest.raises(PlatformError) as error:
        started.wait_ready(timeout=3)
    message = str(error.value)
    assert "not ready after 3s" in message
    assert "evaluation: /readyz said: 503 broker down" in message
    assert "catalog:" not in message
    assert "Application startup complete" in message


def test_a_service_that_dies_fails_the_wait_at_once(tmp_path: Path) -> None:
    dying = processes(tmp_path, standins("admission", factory="no_such_factory"))
    with dying as started, pytest.raises(PlatformError, match=r"exited before ready: admission") as error:
        started.wait_ready(timeout=30)
    assert "no_such_factory" in str(error.value)


def test_a_failed_migration_raises_with_its_output() -> None:
    with pytest.raises(PlatformError, match="migrating no_such_service failed") as error:
        migrate_all("postgresql+asyncpg://postgres@127.0.0.1:1/linkage", services=["no_such_service"])
    assert "no_such_service" in str(error.value).split("\n", 1)[1]
