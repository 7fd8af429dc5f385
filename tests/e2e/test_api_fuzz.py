"""Every route of every service, fuzzed from its own OpenAPI document: bad input is a 4xx, never a 5xx.

schemathesis generates requests (valid and invalid) from each service's schema and fails on any server
error; the seed is fixed so a failure reproduces, and the example count bounds the run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.platform.embedded import NatsServer
from services.platform.supervisor import SERVICE_NAMES, ServiceProcesses, ServiceSpec, on_free_ports
from services.runtime.auth import mint_token
from tests.support import JWT_SECRET

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
ROLES = {
    # admission's routes each ask for another party: with every one of them the fuzzer gets past the role gate
    "admission": ["committee", "department:fuzz", "reviewer:sfj", "street:fuzz"],
}


@pytest.fixture(scope="module")
def services(own_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ServiceSpec]]:
    """A platform of its own (NATS and database): fuzzed writes must not reach other tests' data or streams."""
    specs = list(on_free_ports())
    with NatsServer(store_dir=tmp_path_factory.mktemp("fuzz-nats") / "store") as nats:
        env = {"LINKAGE_NATS_URL": nats.url, "LINKAGE_DATABASE_URL": own_database, "LINKAGE_JWT_SECRET": JWT_SECRET}
        logs = tmp_path_factory.mktemp("logs")
        with ServiceProcesses(env={**os.environ, **env}, log_dir=logs, services=specs) as up:
            up.wait_ready(timeout=60)
            yield specs


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_no_route_answers_bad_input_with_a_server_error(services: list[ServiceSpec], name: str) -> None:
    spec = next(s for s in services if s.name == name)
    token = mint_token(JWT_SECRET, subject="fuzz", roles=["office", "operator", *ROLES.get(name, [])])
    run = subprocess.run(
        [
            str(SCHEMATHESIS), "run", f"{spec.url}/openapi.json",
            "--header", f"Authorization: Bearer {token}",
            "--checks", "not_a_server_error",
            "--phases", "examples,fuzzing",
            "--max-examples", "12",
            "--seed", "1466",
            "--workers", "2",
        ],
        capture_output=True, text=True, timeout=500,
    )  # fmt: skip
    generated = re.search(r"(\d+) generated", run.stdout)
    assert generated is not None, f"{name}: schemathesis did not run\n{run.stdout[-4000:]}"
    assert int(generated.group(1)) > 0, f"{name}: nothing was generated"
    # only server errors fail here: schemathesis also reports its own trouble generating from a pattern
    assert "Server error" not in run.stdout, f"{name}: schemathesis found server errors\n{run.stdout[-8000:]}"
