"""``linkage up``'s Postgres against the embedded server: no connection trusted, a role pair per service, a data
directory from before the roles handed over to them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from services.platform import postgres_roles
from services.platform.embedded import free_port
from services.platform.embedded_postgres import EmbeddedPostgres
from services.platform.supervisor import migrate_all

pytestmark = pytest.mark.integration
SERVICES = ["enforcement", "admission"]


def dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def refused(url: str) -> str:
    with pytest.raises(asyncpg.PostgresError) as error:
        await asyncpg.connect(dsn(url))
    return str(error.value)


async def test_each_service_connects_as_its_own_role_and_no_one_without_a_password(tmp_path: Path) -> None:
    port = free_port()
    with EmbeddedPostgres(data_dir=tmp_path / "pg", port=port) as trusting:  # a data directory from before
        migrate_all(trusting.url, services=["enforcement"])
    password = postgres_roles.superuser_password(tmp_path)
    with EmbeddedPostgres(data_dir=tmp_path / "pg", port=port, superuser_password=password) as server:
        # In a thread, as linkage up runs them: each runs an event loop of its own.
        databases = await asyncio.to_thread(postgres_roles.prepare_roles, server.url, tmp_path, services=SERVICES)
        await asyncio.to_thread(postgres_roles.migrate_as_owners, server.url, databases, env={})
        runtime = databases["enforcement"].runtime_url

        bare = f"postgresql://postgres@127.0.0.1:{port}/linkage"
        assert "password authentication failed" in await refused(bare)
        assert "password authentication failed" in await refused(runtime.replace(make_url(runtime).password or "", "x"))
        admin = await asyncpg.connect(dsn(server.url))
        service = await asyncpg.connect(dsn(runtime))
        try:
            owners = await admin.fetch(
                "SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class "
                "WHERE relnamespace = 'enforcement'::regnamespace"
            )
            assert [row["owner"] for row in owners] == ["linkage_enforcement_owner"]  # tables made as postgres too
            may_create = await admin.fetchval(
                "SELECT has_database_privilege('linkage_enforcement_owner', 'linkage', 'CREATE')"
            )
            assert may_create is False  # only while its migration ran

            assert await service.fetchval("SELECT current_user") == "linkage_enforcement"
            columns = "(actor, role, action, entity)"
            await service.execute(
                f"INSERT INTO enforcement.audit {columns} VALUES ('张三', 'office', 'probe', '联合检查')"
            )
            for statement in (
                "UPDATE enforcement.audit SET actor = 'someone else'",
                "DELETE FROM enforcement.audit",
                "SELECT 1 FROM admission.audit",
                "CREATE TABLE enforcement.mine (id int)",
                "CREATE SCHEMA mine",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await service.execute(statement)
            assert await admin.fetchval("SELECT count(*) FROM enforcement.audit WHERE entity = '联合检查'") == 1
        finally:
            await service.close()
            await admin.close()
