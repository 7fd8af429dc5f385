"""The audit is append-only in the database, and each row names the person and the role they acted in (issue 11).

``services.runtime.migrate.secure_schema`` runs after every upgrade (conftest's databases included): a trigger
refuses UPDATE, DELETE and TRUNCATE on every schema's audit table to anyone, and a service's run-time role is
granted INSERT and SELECT on it but not UPDATE or DELETE.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.catalog import ItemPublished, ListKind
from services.enforcement.app import create_app
from services.enforcement.settings import Settings
from services.platform.supervisor import SERVICE_NAMES
from services.runtime.db import create_engine
from services.runtime.migrate import secure_schema
from tests.support import bearer, bus, eventually, publish, serving, settings_env, unique

pytestmark = pytest.mark.integration


def libpq(url: str, *, username: str | None = None, password: str | None = None) -> str:
    found = make_url(url).set(drivername="postgresql")
    if username is not None:
        found = found.set(username=username, password=password)
    return found.render_as_string(hide_password=False)


@pytest.fixture
async def service_role(database_url: str) -> AsyncIterator[tuple[str, str]]:
    """A run-time role for every schema of this run's database, as linkage up makes them; (role, its URL)."""
    role, password = f"linkage_test_{secrets.token_hex(4)}", secrets.token_hex(24)
    admin = await asyncpg.connect(libpq(database_url))
    await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as connection:
            for service in SERVICE_NAMES:
                await secure_schema(connection, service, role=role)
        yield role, libpq(database_url, username=role, password=password)
    finally:
        await engine.dispose()
        await admin.execute(f"DROP OWNED BY {role}")  # its grants, in this database: the only place it has any
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()


async def add_row(connection: asyncpg.Connection, schema: str) -> int:
    sql = f"INSERT INTO {schema}.audit (actor, role, action, entity) VALUES ('张三', 'office', 'x', 'y') RETURNING id"
    row_id: int = await connection.fetchval(sql)
    return row_id


@pytest.mark.parametrize("schema", SERVICE_NAMES)
async def test_a_service_role_adds_audit_rows_but_cannot_update_or_delete_one(
    service_role: tuple[str, str], schema: str
) -> None:
    _, url = service_role
    connection = await asyncpg.connect(url)
    try:
        row_id = await add_row(connection, schema)
        assert await connection.fetchval(f"SELECT actor FROM {schema}.audit WHERE id = $1", row_id) == "张三"
        for statement in (
            f"UPDATE {schema}.audit SET actor = 'someone else' WHERE id = $1",
            f"DELETE FROM {schema}.audit WHERE id = $1",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
                await connection.execute(statement, row_id)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute(f"TRUNCATE {schema}.audit")
        assert await connection.fetchval(f"SELECT actor FROM {schema}.audit WHERE id = $1", row_id) == "张三"
        # Its other tables it may change: the outbox rows its relay deletes, for one, and a projection it
        # rebuilds may be emptied at once (evaluation's rebuild truncates its facts); rolled back here.
        await connection.execute(f"DELETE FROM {schema}.outbox WHERE false")
        emptied = connection.transaction()
        await emptied.start()
        await connection.execute(f"TRUNCATE {schema}.inbox")
        await emptied.rollback()
    finally:
        await connection.close()


async def test_not_even_the_owner_or_a_superuser_rewrites_the_audit_without_dropping_the_trigger(
    database_url: str,
) -> None:
    connection = await asyncpg.connect(libpq(database_url))  # the tests' own, privileged connection
    try:
        row_id = await add_row(connection, "dispatch")
        for statement in (
            "UPDATE dispatch.audit SET role = 'operator' WHERE id = $1",
            "DELETE FROM dispatch.audit WHERE id = $1",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await connection.execute(statement, row_id)
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await connection.execute("TRUNCATE dispatch.audit")
        assert await connection.fetchval("SELECT role FROM dispatch.audit WHERE id = $1", row_id) == "office"
    finally:
        await connection.close()


async def test_an_audit_row_names_the_person_and_the_role_the_route_admitted(nats_url: str, database_url: str) -> None:
    code = unique("ZF")
    item = ItemPublished(
        item_code=code,
        name="对占道经营行为的行政处罚",
        list_kind=ListKind.POWER,
        domain="城市管理",
        responsible_body="zhzfd",
        time_limit=TimeLimit(value=15, unit=TimeUnit.WORKING_DAY),
        version=1,
        effective_from=date(2026, 1, 1),
    )
    # The token carries three roles; POST /matters admits the office, so that is the role on the row.
    caller = bearer("operator", "office", "department:cgj", subject="王科长")
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        async with bus(nats_url) as (_, js):
            await publish(js, item, source="/linkage/catalog")

            async def listed() -> bool:
                response = await client.get("/power-list", headers=caller)
                return code in {entry["item_code"] for entry in response.json()}

            await eventually(listed)
        created = await client.post(
            "/matters", json={"item_code": code, "name": "占道经营检查", "department_code": "scjg"}, headers=caller
        )
        assert created.status_code == 201, created.text
    connection = await asyncpg.connect(libpq(database_url))
    try:
        row = await connection.fetchrow(
            "SELECT actor, role FROM enforcement.audit WHERE entity = $1", f"matter:{created.json()['id']}"
        )
    finally:
        await connection.close()
    assert row is not None
    assert (row["actor"], row["role"]) == ("王科长", "office")
