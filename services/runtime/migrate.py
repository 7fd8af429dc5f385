"""Alembic per service: each service's history lives in ``services/<name>/migrations`` and its own schema.

``python -m services.runtime.migrate <service>`` upgrades one service's schema to head, reading
``LINKAGE_DATABASE_URL``; ``... <service> revision "message"`` autogenerates the next revision from the
service's tables (review it before committing). A service's ``migrations/env.py`` calls :func:`run_migrations`.

After every upgrade :func:`secure_schema` makes the schema's audit table append-only and grants the service's
run-time role what it may do (``deploy/README.md``: "Who may do what on Postgres"). It is idempotent DDL run
after the revisions rather than a revision itself: it is the same for all five histories, must follow every
table a later revision adds (grants are per table), and stays out of the revision chains other work extends.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/linkage"


def alembic_config(service: str, database_url: str) -> Config:
    spec = importlib.util.find_spec(f"services.{service}")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"unknown service {service!r}")
    config = Config()
    config.set_main_option("script_location", str(Path(spec.submodule_search_locations[0]) / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision(service: str) -> str | None:
    """The revision the code expects its schema at; ``/readyz`` compares it with the database."""
    return ScriptDirectory.from_config(alembic_config(service, DEFAULT_URL)).get_current_head()


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, database_url), revision)
    asyncio.run(_secure(service, database_url))


def runtime_role(service: str) -> str:
    """The role a service connects as at run time; it owns nothing (its schema's owner runs the migrations)."""
    return f"linkage_{service}"


def owner_role(service: str) -> str:
    """The role that owns a service's schema and runs its migrations."""
    return f"linkage_{service}_owner"


# The audit table's rows are history: nobody changes or deletes one, whatever their table privileges (an owner or
# a superuser must drop this trigger first, which a migration would show). TRUNCATE fires no row trigger, hence
# the statement-level one.
_AUDIT_GUARD = """
CREATE OR REPLACE FUNCTION "{schema}".audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are append-only: % on %.audit refused', TG_OP, TG_TABLE_SCHEMA
        USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS audit_append_only ON "{schema}".audit;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON "{schema}".audit
    FOR EACH ROW EXECUTE FUNCTION "{schema}".audit_append_only();
DROP TRIGGER IF EXISTS audit_no_truncate ON "{schema}".audit;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON "{schema}".audit
    FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".audit_append_only();
"""
_RUNTIME_GRANTS = """
GRANT USAGE ON SCHEMA "{schema}" TO "{role}";
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}";
REVOKE UPDATE, DELETE, TRUNCATE ON "{schema}".audit FROM "{role}";
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "{schema}".alembic_version FROM "{role}";
"""


async def secure_schema(connection: AsyncConnection, service: str, *, role: str | None = None) -> None:
    """Audit append-only (with its ``role`` column) and, when the service's run-time role (or ``role``) exists,
    its grants."""
    schema = service
    await connection.exec_driver_sql(
        f"ALTER TABLE \"{schema}\".audit ADD COLUMN IF NOT EXISTS role text NOT NULL DEFAULT 'system'"
    )
    for statement in _statements(_AUDIT_GUARD.format(schema=schema)):
        await connection.exec_driver_sql(statement)
    role = role or runtime_role(service)
    found = await connection.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role})
    if found.scalar() is not None:
        for statement in _statements(_RUNTIME_GRANTS.format(schema=schema, role=role)):
            await connection.exec_driver_sql(statement)


def _statements(script: str) -> list[str]:
    # A function body holds semicolons; split only at the end of a line outside $$ … $$.
    parts, current, quoted = [], [], False
    for line in script.strip().splitlines():
        current.append(line)
        quoted ^= line.count("$$") % 2 == 1
        if line.rstrip().endswith(";") and not quoted:
            parts.append("\n".join(current))
            current = []
    return parts


async def _secure(service: str, database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await secure_schema(connection, service)
    finally:
        await engine.dispose()


def add_dead_letter_origin(schema: str) -> None:
    """Revision body shared by every service: dead letters say why (kind) and which stored message they are.

    Call it from a revision's ``upgrade()``; ``drop_dead_letter_origin`` is its ``downgrade()``.
    """
    op.add_column("dead_letter", sa.Column("kind", sa.Text(), server_default="handler", nullable=False), schema=schema)
    op.add_column("dead_letter", sa.Column("stream", sa.Text(), nullable=True), schema=schema)
    op.add_column("dead_letter", sa.Column("stream_seq", sa.BigInteger(), nullable=True), schema=schema)
    op.create_unique_constraint(
        "dead_letter_origin", "dead_letter", ["consumer", "stream", "stream_seq"], schema=schema
    )


def drop_dead_letter_origin(schema: str) -> None:
    op.drop_constraint("dead_letter_origin", "dead_letter", schema=schema, type_="unique")
    for column in ("stream_seq", "stream", "kind"):
        op.drop_column("dead_letter", column, schema=schema)


def run_migrations(metadata: sa.MetaData) -> None:
    """Body of every service's ``env.py``: online migrations over asyncpg, versioned in the service schema."""
    schema = metadata.schema
    assert schema, "a service's metadata names its schema"
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get("LINKAGE_DATABASE_URL", DEFAULT_URL)

    def migrate(connection: Connection) -> None:
        connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=lambda name, kind, _: kind != "schema" or name == schema,
            include_object=_not_secured,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def online() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(online())


def _not_secured(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    """Autogenerate leaves alone what ``secure_schema`` keeps: the audit table's ``role`` column."""
    return not (
        kind == "column" and name == "role" and getattr(obj, "table", None) is not None and obj.table.name == "audit"
    )


def main() -> None:
    args = sys.argv[1:]
    url = os.environ.get("LINKAGE_DATABASE_URL", DEFAULT_URL)
    if len(args) == 1:
        upgrade(args[0], url)
    elif len(args) == 3 and args[1] == "revision":
        command.revision(alembic_config(args[0], url), message=args[2], autogenerate=True)
    else:
        raise SystemExit('usage: python -m services.runtime.migrate <service> [revision "message"]')


if __name__ == "__main__":
    main()
