"""``linkage up``'s Postgres roles: per service an owner (``linkage_<service>_owner``) that owns its schema and
runs its migrations, and a run-time role (``linkage_<service>``) the service connects as, with only what
``services.runtime.migrate.secure_schema`` grants it (deploy/README.md, "Who may do what on Postgres").

Passwords are random, kept in the data directory (``pg-passwords.json``) and set again at every start. A schema
made before these roles existed (an older data directory) is handed over to its owner, objects and all.

Migrations run as the owner. Alembic's env (``migrate.run_migrations``) begins with ``CREATE SCHEMA IF NOT
EXISTS``, which Postgres checks against ``CREATE`` on the database even when the schema exists: the owner holds
that privilege only while its migration runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import asyncpg
from sqlalchemy.engine import make_url

from services.platform.embedded_postgres import sql_literal
from services.platform.kept_passwords import kept_passwords
from services.platform.supervisor import SERVICE_NAMES, migrate_all
from services.runtime.migrate import owner_role, runtime_role

PASSWORDS_FILE = "pg-passwords.json"
SUPERUSER_KEY = "postgres"

# Every object of the schema not yet its owner's, as the statement that hands it over. Sequences that belong to a
# column (serial, identity) follow their table and refuse a statement of their own.
_HAND_OVER = """
SELECT format('ALTER %s %I.%I OWNER TO %I',
              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                             ELSE 'TABLE' END,
              n.nspname, c.relname, $2::text)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND pg_get_userbyid(c.relowner) <> $2
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
UNION ALL
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $2::text)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = $1 AND pg_get_userbyid(p.proowner) <> $2
UNION ALL
SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, $2::text)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = $1 AND t.typtype IN ('e', 'd') AND pg_get_userbyid(t.typowner) <> $2
"""


@dataclass(frozen=True)
class ServiceDatabase:
    """Where one service's migrations and its running processes connect."""

    owner_url: str
    runtime_url: str


def superuser_password(data_dir: Path) -> str:
    """The embedded server's superuser password, kept beside the roles'."""
    return kept_passwords(data_dir / PASSWORDS_FILE, [SUPERUSER_KEY])[SUPERUSER_KEY]


def may_create_roles(admin_url: str) -> bool:
    """Whether ``admin_url``'s user is a superuser: making a schema ``AUTHORIZATION`` another role, granting
    ``CREATE`` on the database and handing objects over all need it."""
    return asyncio.run(_is_superuser(admin_url))


def prepare_roles(
    admin_url: str, data_dir: Path, *, services: Iterable[str] = SERVICE_NAMES
) -> dict[str, ServiceDatabase]:
    """Creates (or re-keys) each service's two roles and gives its schema to the owner; returns their URLs."""
    names = list(services)
    roles = [role for name in names for role in (owner_role(name), runtime_role(name))]
    passwords = kept_passwords(data_dir / PASSWORDS_FILE, roles)
    asyncio.run(_prepare(admin_url, names, passwords))
    return {
        name: ServiceDatabase(
            owner_url=_as(admin_url, owner_role(name), passwords[owner_role(name)]),
            runtime_url=_as(admin_url, runtime_role(name), passwords[runtime_role(name)]),
        )
        for name in names
    }


def migrate_as_owners(admin_url: str, databases: Mapping[str, ServiceDatabase], *, env: Mapping[str, str]) -> None:
    """Each service's migrations as its owner, which may create in the database only meanwhile (a grant a crash
    left behind is revoked by the next start's migrations)."""
    asyncio.run(_execute(admin_url, _create_on_database(admin_url, databases, "GRANT")))
    migrated = False
    try:
        for name, urls in databases.items():
            migrate_all(urls.owner_url, services=[name], env=env)
        migrated = True
    finally:
        # After a failure, that failure matters more than the revoke's own.
        with contextlib.nullcontext() if migrated else contextlib.suppress(Exception):
            asyncio.run(_execute(admin_url, _create_on_database(admin_url, databases, "REVOKE")))


def _create_on_database(admin_url: str, services: Iterable[str], verb: Literal["GRANT", "REVOKE"]) -> list[str]:
    database, to = make_url(admin_url).database, "TO" if verb == "GRANT" else "FROM"
    return [f'{verb} CREATE ON DATABASE "{database}" {to} "{owner_role(name)}"' for name in services]


def _as(url: str, user: str, password: str) -> str:
    return make_url(url).set(username=user, password=password).render_as_string(hide_password=False)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _is_superuser(url: str) -> bool:
    connection = await asyncpg.connect(_dsn(url), timeout=10)
    try:
        return bool(await connection.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
    finally:
        await connection.close()


async def _execute(url: str, statements: Iterable[str]) -> None:
    connection = await asyncpg.connect(_dsn(url), timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def _prepare(url: str, services: Iterable[str], passwords: Mapping[str, str]) -> None:
    connection = await asyncpg.connect(_dsn(url), timeout=10)
    try:
        for service in services:
            owner = owner_role(service)
            async with connection.transaction():
                for role in (owner, runtime_role(service)):
                    await _login_role(connection, role, passwords[role])
                await connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{service}" AUTHORIZATION "{owner}"')
                await connection.execute(f'ALTER SCHEMA "{service}" OWNER TO "{owner}"')
                for (statement,) in await connection.fetch(_HAND_OVER, service, owner):
                    await connection.execute(statement)
    finally:
        await connection.close()


async def _login_role(connection: asyncpg.Connection, role: str, password: str) -> None:
    exists = await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
    verb, literal = "ALTER" if exists else "CREATE", sql_literal(password)
    await connection.execute(f'{verb} ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {literal}')
