"""Evaluation's data migrations on a real Postgres: what a deployed projection holds survives them.

``b7d41f0e9c22`` folds the ``assignments`` table into ``task_facts``: every assignment lands in the facts
(filling only what the facts lack, overwriting nothing), so 派发任务数 counts what it counted before; its
downgrade rebuilds the table from the facts.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from alembic import command
from sqlalchemy.engine import make_url

from services.runtime.migrate import alembic_config, upgrade
from tests.conftest import _create_database, _drop_database

pytestmark = pytest.mark.integration

BEFORE_FOLD = "a13e0c5d2f01"
AT = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture
def database(postgres_server_url: str) -> Iterator[str]:
    url, admin, name = _create_database(postgres_server_url, "linkage_migrations", ())
    yield url
    _drop_database(admin, name)


def sql(url: str, statement: str, *args: Any) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn)
        try:
            rows: list[asyncpg.Record] = await connection.fetch(statement, *args)
            return rows
        finally:
            await connection.close()

    return asyncio.run(run())


def assignment(url: str, task_id: uuid.UUID, assignee: str, role: str = "primary") -> None:
    sql(
        url,
        "INSERT INTO evaluation.assignments"
        " (task_id, case_id, assignee_code, role, item_code, street_code, assigned_at)"
        " VALUES ($1, $2, $3, $4, 'GX-001', '红星街道', $5)",
        task_id,
        uuid.uuid4(),
        assignee,
        role,
        AT,
    )


def test_folding_assignments_keeps_every_task_and_overwrites_no_fact(database: str) -> None:
    upgrade("evaluation", database, BEFORE_FOLD)
    only_assigned, partly_known, fully_known = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for task in (only_assigned, partly_known, fully_known):
        assignment(database, task, "cgj")
    # facts that came first from later events (a completion before its assignment), and one already complete
    sql(database, "INSERT INTO evaluation.task_facts (task_id, completed_at) VALUES ($1, $2)", partly_known, AT)
    sql(
        database,
        "INSERT INTO evaluation.task_facts (task_id, case_id, assignee_code, role, assigned_at)"
        " VALUES ($1, $2, '城管局', 'co_operating', $3)",
        fully_known,
        uuid.uuid4(),
        AT,
    )

    upgrade("evaluation", database)

    rows = {r["task_id"]: r for r in sql(database, "SELECT * FROM evaluation.task_facts")}
    assert set(rows) == {only_assigned, partly_known, fully_known}
    assert (rows[only_assigned]["assignee_code"], rows[only_assigned]["assigned_at"]) == ("cgj", AT)
    assert (rows[partly_known]["assignee_code"], rows[partly_known]["completed_at"]) == ("cgj", AT)
    assert (rows[fully_known]["assignee_code"], rows[fully_known]["role"]) == ("城管局", "co_operating")
    tables = sql(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'evaluation'")
    assert "assignments" not in {t["tablename"] for t in tables}


def test_the_downgrade_rebuilds_the_assignments_from_the_facts(database: str) -> None:
    upgrade("evaluation", database)
    task = uuid.uuid4()
    sql(
        database,
        "INSERT INTO evaluation.task_facts (task_id, case_id, assignee_code, role, assigned_at)"
        " VALUES ($1, $2, '城管局', 'primary', $3)",
        task,
        uuid.uuid4(),
        AT,
    )
    sql(database, "INSERT INTO evaluation.task_facts (task_id, completed_at) VALUES ($1, $2)", uuid.uuid4(), AT)

    command.downgrade(alembic_config("evaluation", database), BEFORE_FOLD)

    (row,) = sql(database, "SELECT task_id, assignee_code, role, assigned_at FROM evaluation.assignments")
    assert tuple(row) == (task, "城管局", "primary", AT)  # the fact never assigned has nothing to rebuild from
