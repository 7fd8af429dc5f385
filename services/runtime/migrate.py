"""Alembic per service: each service's history lives in ``services/<name>/migrations`` and its own schema.

``python -m services.runtime.migrate <service>`` upgrades one service's schema to head, reading
``LINKAGE_DATABASE_URL``; ``... <service> revision "message"`` autogenerates the next revision from the
service's tables (review it before committing). A service's ``migrations/env.py`` calls :func:`run_migrations`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

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
        )
        with context.begin_transaction():
            context.run_migrations()

    async def online() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(online())


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
