"""Who may touch which case or task, and the lifecycle's refusals as HTTP-worthy errors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.dispatch.domain import IllegalTransition
from services.dispatch.domain.case import Case, Task
from services.dispatch.store import DispatchStore
from services.runtime.errors import Conflict, NotFound


@dataclass(frozen=True)
class Actor:
    """Who acts: the token's subject, and the organisations it acts for (None: the office, for everyone)."""

    name: str
    scopes: frozenset[str] | None = None

    def may_act_for(self, code: str | None) -> bool:
        return self.scopes is None or code in self.scopes


def refused(error: IllegalTransition) -> Conflict:
    return Conflict(str(error), field=error.field, location="body")


async def locked_case(store: DispatchStore, case_id: uuid.UUID) -> Case:
    """The case with its tasks, its row locked: moves on one case are serialised."""
    case = await store.case(case_id, lock=True)
    if case is None:
        raise NotFound(f"no case {case_id}", field="case_id", location="path")
    return case


async def street_case(store: DispatchStore, case_id: uuid.UUID, actor: Actor) -> Case:
    """The case, locked, if the actor is its street or the office."""
    case = await locked_case(store, case_id)
    if not actor.may_act_for(case.street_code):
        raise NotFound(f"no case {case_id} in your street", field="case_id", location="path")
    return case


async def own_task(store: DispatchStore, task_id: uuid.UUID, actor: Actor) -> Task:
    """The task, if the actor may see it: another assignee's task is as good as absent (404, not 403)."""
    task = await store.task(task_id)
    if task is None or not actor.may_act_for(task.assignee_code):
        raise NotFound(f"no task {task_id} among yours", field="task_id", location="path")
    return task


async def task_to_move(store: DispatchStore, task_id: uuid.UUID, actor: Actor, action: str) -> Case:
    """The case of the actor's task, locked and read under the lock, if the lifecycle allows ``action`` on it."""
    case = await locked_case(store, (await own_task(store, task_id, actor)).case_id)
    try:
        case.task(task_id).moved(action)
    except IllegalTransition as error:
        raise refused(error) from error
    return case
