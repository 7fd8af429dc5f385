"""``/readyz`` answers anyone, so it says which check failed and nothing of why: the database's error names
its host, role and database, and goes to the log for operators (issue 11)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from services.enforcement.app import create_app
from services.enforcement.settings import Settings
from tests.support import JWT_SECRET

NOWHERE = "127.0.0.1:1"  # nothing listens on port 1: connections are refused at once


@pytest.fixture
async def stranded() -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        nats_url=f"nats://{NOWHERE}",
        database_url=f"postgresql+asyncpg://ledger_keeper@{NOWHERE}/district_secrets",
        jwt_secret=JWT_SECRET,
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://s") as client:
        yield client


async def test_readyz_names_the_failed_checks_without_the_errors(
    stranded: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="services.runtime.ops"):
        response = await stranded.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "ready": False,
        "checks": {"database": "unreachable", "broker": "not connected", "consumers": "not ready"},
    }
    for secret in ("ledger_keeper", "district_secrets", "127.0.0.1", "Errno", "refused"):
        assert secret not in response.text
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "not ready: database: unreachable or not migrated:" in logged  # the kit's verdict, with its error
