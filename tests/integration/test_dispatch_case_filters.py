"""The office's case board filters on Postgres: by department (any task of the case is theirs) and by overdue
(a task flagged 逾期), through GET /cases; a bad filter is a 422 naming it; an organisation searches its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from contracts.events.dispatch import TaskRole
from services.dispatch.app import create_app
from services.dispatch.domain.case import Case
from services.dispatch.settings import Settings
from services.dispatch.store.rows import task_row
from services.dispatch.store.tables import cases, tasks
from tests.support import bearer, serving, settings_env, unique
from tests.unit.dispatch_fakes import NOW, a_case, a_task

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


@dataclass(frozen=True)
class Board:
    client: httpx.AsyncClient
    street: str
    late: Case  # 城管局's primary task flagged overdue
    on_time: Case  # 城管局 primary, nothing flagged
    summoned: Case  # 住建委 primary, 城管局 co-operating (配合)
    other: Case  # 住建委 only


def board_cases(street: str, dept: str, other_dept: str) -> dict[str, Case]:
    made = {
        "late": a_case(a_task(None, assignee_code=dept, overdue_at=NOW)),  # type: ignore[arg-type]
        "on_time": a_case(a_task(None, assignee_code=dept)),  # type: ignore[arg-type]
        "summoned": a_case(
            a_task(None, assignee_code=other_dept),  # type: ignore[arg-type]
            a_task(None, assignee_code=dept, role=TaskRole.CO_OPERATING),  # type: ignore[arg-type]
        ),
        "other": a_case(a_task(None, assignee_code=other_dept)),  # type: ignore[arg-type]
    }
    return {name: replace(case, street_code=street) for name, case in made.items()}


async def _write(url: str, made: list[Case]) -> None:
    names = ("id", "source_system", "source_id", "item_code", "grid_code", "street_code", "status")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            rows = [{n: getattr(c, n) for n in names} | {"description": "占道", "reported_at": NOW} for c in made]
            await connection.execute(cases.insert(), rows)
            await connection.execute(tasks.insert(), [task_row(t) for c in made for t in c.tasks])
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
async def board(nats_url: str, own_database: str) -> AsyncIterator[Board]:
    street, dept, other_dept = unique("street"), unique("cgj"), unique("zjw")
    made = board_cases(street, dept, other_dept)
    await _write(own_database, list(made.values()))
    app = create_app(Settings(**settings_env(nats_url, own_database)))
    async with serving(app) as client:
        yield Board(client, street, **made)


async def _ids(board: Board, **params: str) -> set[str]:
    answer = await board.client.get("/cases", params={"street_code": board.street, **params}, headers=OFFICE)
    assert answer.status_code == 200, answer.text
    return {case["id"] for case in answer.json()}


def _dept_of(board: Board) -> str:
    return board.late.tasks[0].assignee_code


async def test_by_department_finds_every_case_one_of_its_tasks_is_in(board: Board) -> None:
    found = await _ids(board, assignee_code=_dept_of(board))
    assert found == {str(board.late.id), str(board.on_time.id), str(board.summoned.id)}


async def test_overdue_true_finds_the_flagged_and_false_the_rest(board: Board) -> None:
    assert await _ids(board, overdue="true") == {str(board.late.id)}
    rest = await _ids(board, overdue="false")
    assert rest == {str(c.id) for c in (board.on_time, board.summoned, board.other)}


async def test_department_and_overdue_narrow_together(board: Board) -> None:
    assert await _ids(board, assignee_code=_dept_of(board), overdue="false") == {
        str(board.on_time.id),
        str(board.summoned.id),
    }
    assert await _ids(board, assignee_code="nobody-here", overdue="true") == set()


async def test_a_bad_overdue_is_a_422_naming_it(board: Board) -> None:
    answer = await board.client.get("/cases", params={"overdue": "逾期"}, headers=OFFICE)
    assert answer.status_code == 422
    assert "overdue" in answer.text


async def test_a_department_cannot_search_every_case(board: Board) -> None:
    answer = await board.client.get("/cases", headers=bearer(f"department:{_dept_of(board)}"))
    assert answer.status_code == 403


async def test_a_department_searches_its_own_cases_only(board: Board) -> None:
    dept = _dept_of(board)
    own = await board.client.get("/cases", params={"assignee_code": dept}, headers=bearer(f"department:{dept}"))
    assert own.status_code == 200
    assert {case["id"] for case in own.json()} == {str(c.id) for c in (board.late, board.on_time, board.summoned)}
    other = board.other.tasks[0].assignee_code
    theirs = await board.client.get("/cases", params={"assignee_code": other}, headers=bearer(f"department:{dept}"))
    assert theirs.status_code == 403
    assert "assignee_code" in theirs.text
