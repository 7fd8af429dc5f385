"""The projection's storage: each event's ``FactRow`` merged into its case, task or summons row.

Each kind of row names how its columns merge with what is there (set, keep the first, earliest, latest), so
events applied in any order or twice leave the same row; these are storage rules, the indicators' rules are
in domain/figures.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.domain.facts import CaseFacts, FactRow, Summons, TaskFacts
from services.evaluation.store.tables import case_facts, task_facts, whistle_summons
from services.runtime.db import as_arrays, insert_rows

SET, KEEP, EARLIEST, LATEST = "set", "keep", "earliest", "latest"
TASK_KEEP = {"case_id": KEEP, "assignee_code": KEEP}


@dataclass(frozen=True)
class Merge:
    table: sa.Table
    key: tuple[str, ...]
    columns: dict[str, str]


MERGES: dict[str, Merge] = {
    "case_accepted": Merge(case_facts, ("case_id",), {"street_code": SET, "accepted_at": SET, "trace_id": SET}),
    "case_closed": Merge(case_facts, ("case_id",), {"closed_at": SET, "closed_on_time": SET, "outcome": SET}),
    "case_verified": Merge(case_facts, ("case_id",), {"first_verified_at": EARLIEST, "rework_count": LATEST}),
    "case_rated": Merge(case_facts, ("case_id",), {"rated_at": SET, "satisfied": SET}),
    "task_assigned": Merge(
        task_facts,
        ("task_id",),
        {c: SET for c in ("case_id", "assignee_code", "role", "whistle_id", "assigned_at", "due_at", "trace_id")},
    ),
    "task_acknowledged": Merge(
        task_facts, ("task_id",), {**TASK_KEEP, "acknowledged_at": SET, "acknowledged_late": SET}
    ),
    "task_completed": Merge(task_facts, ("task_id",), {**TASK_KEEP, "completed_at": SET, "completed_on_time": SET}),
    "task_returned": Merge(task_facts, ("task_id",), {**TASK_KEEP, "returned_at": LATEST, "returns_on_case": LATEST}),
    "task_deferred": Merge(task_facts, ("task_id",), {**TASK_KEEP, "deferred": SET}),
    "task_overdue": Merge(task_facts, ("task_id",), {**TASK_KEEP, "overdue_at": LATEST}),
    "summons": Merge(
        whistle_summons,
        ("whistle_id", "department"),
        {c: SET for c in ("street_code", "blown_at", "report_by", "case_id")},
    ),
}


def _merged(merge: Merge, column: str, rule: str) -> sa.ColumnElement[Any]:
    mine: sa.ColumnElement[Any] = merge.table.c[column]
    theirs: sa.ColumnElement[Any] = sa.literal_column(f"excluded.{column}")
    if rule == KEEP:
        return sa.func.coalesce(mine, theirs)
    if rule == EARLIEST:
        return sa.func.least(mine, theirs)
    return sa.func.greatest(mine, theirs) if rule == LATEST else theirs


def _upsert(merge: Merge) -> Insert:
    statement = insert_rows(merge.table, (*merge.key, *merge.columns))
    changes = {column: _merged(merge, column, rule) for column, rule in merge.columns.items()}
    return statement.on_conflict_do_update(index_elements=list(merge.key), set_=changes)


UPSERTS = {kind: _upsert(merge) for kind, merge in MERGES.items()}


def rounds(rows: Sequence[dict[str, Any]], key: tuple[str, ...]) -> list[list[dict[str, Any]]]:
    """Split rows so no statement touches a row twice (Postgres refuses that): the n-th row of a key goes in round n."""
    seen: dict[tuple[Any, ...], int] = {}
    split: list[list[dict[str, Any]]] = []
    for row in rows:
        k = tuple(row[c] for c in key)
        n = seen[k] = seen.get(k, -1) + 1
        if n == len(split):
            split.append([])
        split[n].append(row)
    return split


class FactStore:
    """The projection's rows over one session; the unit of work owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def apply(self, rows: Sequence[FactRow]) -> None:
        """Merge the rows, one statement per kind (and per round of repeated keys)."""
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_kind.setdefault(row.kind, []).append(row.values)
        # In MERGES' order, which is clear()'s (case, task, then whistle facts): a live batch and a rebuild's
        # TRUNCATE take the three tables' locks in one order, so neither can deadlock the other.
        for kind in (kind for kind in MERGES if kind in by_kind):
            for batch in rounds(by_kind[kind], MERGES[kind].key):
                await self.session.execute(UPSERTS[kind], as_arrays(batch))

    async def clear(self) -> None:
        """Empty the projection before a rebuild; the caller's transaction keeps readers on the old rows."""
        await self.session.execute(
            sa.text("TRUNCATE evaluation.case_facts, evaluation.task_facts, evaluation.whistle_summons")
        )

    async def load(self, until: datetime) -> tuple[list[CaseFacts], list[TaskFacts], list[Summons]]:
        """Every case, task and summons the district had heard of before ``until``: what a period's figures read."""
        cases = await self._rows(case_facts, case_facts.c.accepted_at < until, CaseFacts)
        tasks = await self._rows(task_facts, task_facts.c.assigned_at < until, TaskFacts)
        summons = await self._rows(whistle_summons, whistle_summons.c.blown_at < until, Summons)
        return cases, tasks, summons

    async def _rows(self, table: sa.Table, condition: sa.ColumnElement[bool], kind: type[Any]) -> list[Any]:
        result = await self.session.execute(sa.select(table).where(condition))
        return [kind(**row._mapping) for row in result.all()]

    async def cases(self, case_ids: Sequence[Any]) -> list[CaseFacts]:
        query = sa.select(case_facts).where(case_facts.c.case_id.in_(case_ids))
        return [CaseFacts(**row._mapping) for row in (await self.session.execute(query)).all()]

    async def tasks_of_cases(self, case_ids: Sequence[Any]) -> list[TaskFacts]:
        query = sa.select(task_facts).where(task_facts.c.case_id.in_(case_ids)).order_by(task_facts.c.assigned_at)
        return [TaskFacts(**row._mapping) for row in (await self.session.execute(query)).all()]
