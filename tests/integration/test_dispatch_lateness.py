"""The sweep's SQL filter and the domain's lateness rules pick the same tasks (one rule, two forms)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from services.dispatch.domain import TaskStatus
from services.dispatch.domain.case import Task
from services.dispatch.store import DispatchStore
from services.dispatch.store.rows import task_row
from services.dispatch.store.tables import cases, tasks
from tests.unit.dispatch_fakes import NOW, a_case, a_task


@pytest.fixture
async def session(own_database: str) -> AsyncIterator[AsyncSession]:
    engine = create_async_engine(own_database)
    try:
        async with async_sessionmaker(engine)() as session:
            yield session
    finally:
        await engine.dispose()


def every_kind_of_task() -> list[Task]:
    """Each deadline before, after or without ``NOW``, flagged or not, paused or not, acknowledged or not."""
    before, after = NOW - timedelta(minutes=5), NOW + timedelta(minutes=5)
    made = []
    times = (None, before, after)
    for report_by, ack_by, due_at in itertools.product(times, repeat=3):
        for paused, acknowledged, flagged, status in itertools.product(
            (None, before), (None, before), (None, before), (TaskStatus.ASSIGNED, TaskStatus.COMPLETED)
        ):
            made.append(
                a_task(
                    None,  # type: ignore[arg-type]
                    status=status,
                    report_by=report_by,
                    ack_by=ack_by,
                    due_at=due_at,
                    paused_at=paused,
                    acknowledged_at=acknowledged,
                    overdue_at=flagged,
                    report_late_at=flagged,
                )
            )
    return made


async def test_the_sql_filter_and_the_domain_agree_on_every_kind_of_task(session: AsyncSession) -> None:
    case = a_case()
    made = [replace(task, case_id=case.id) for task in every_kind_of_task()]
    row = {name: getattr(case, name) for name in ("id", "source_system", "source_id", "item_code", "grid_code")}
    await session.execute(cases.insert().values(**row, description="", status=case.status, reported_at=NOW))
    await session.execute(tasks.insert(), [task_row(task) for task in made])
    picked = await DispatchStore(session).overdue_candidates(NOW, limit=len(made))
    await session.rollback()
    assert {task.id for task in picked} == {task.id for task in made if task.late_at(NOW)}
    assert 0 < len(picked) < len(made)
