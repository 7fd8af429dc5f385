"""An assignee's side: its inbox, and its answers (签收, 办结, 退回); the office's deferrals (缓办)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.dispatch import service
from services.dispatch.api.roles import Assignee, OfficeOnly, actor_of
from services.dispatch.api.schemas import Completion, Note, Return, TaskPublic
from services.dispatch.domain import TaskStatus
from services.runtime.deps import UowDep as Uow

router = APIRouter(tags=["tasks"])


@router.get("/tasks", summary="An assignee's inbox (待办): a department sees only its own tasks")
async def list_tasks(
    uow: Uow,
    principal: Assignee,
    status: TaskStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[TaskPublic]:
    actor = actor_of(principal)
    rows = await service.inbox(uow, actor.scopes, status=status, limit=limit)
    return [TaskPublic(**row._mapping) for row in rows]


@router.get("/tasks/{task_id}", summary="One of your tasks; another assignee's is not found")
async def get_task(task_id: uuid.UUID, uow: Uow, principal: Assignee) -> TaskPublic:
    return TaskPublic(**(await service.task_view(uow, task_id, actor_of(principal)))._mapping)


@router.post("/tasks/{task_id}/acknowledge", status_code=204, summary="签收 (报到 for a whistle)")
async def acknowledge(task_id: uuid.UUID, uow: Uow, principal: Assignee) -> None:
    await service.acknowledge_task(uow, task_id, actor=actor_of(principal), now=datetime.now(UTC))


@router.post("/tasks/{task_id}/complete", status_code=204, summary="办结 with the result (反馈)")
async def complete(task_id: uuid.UUID, body: Completion, uow: Uow, principal: Assignee) -> None:
    await service.complete_task(uow, task_id, result=body.result, actor=actor_of(principal), now=datetime.now(UTC))


@router.post("/tasks/{task_id}/return", summary="退回: not ours, citing the catalogue and naming who is responsible")
async def return_(task_id: uuid.UUID, body: Return, uow: Uow, principal: Assignee) -> dict[str, object]:
    returned = await service.return_task(
        uow,
        task_id,
        named_body=body.responsible_body,
        citation=body.citation,
        reason=body.reason,
        actor=actor_of(principal),
        now=datetime.now(UTC),
    )
    return {
        "outcome": returned.outcome,
        "rerouted_to": returned.rerouted_to,
        "returns_on_case": returned.returns_on_case,
    }


@router.post("/tasks/{task_id}/pause", status_code=204, summary="Approve a deferral (延期/缓办): the clock stops")
async def pause(task_id: uuid.UUID, body: Note, uow: Uow, principal: OfficeOnly) -> None:
    await service.pause_task(uow, task_id, reason=body.reason, actor=actor_of(principal), now=datetime.now(UTC))


@router.post("/tasks/{task_id}/resume", summary="The clock runs again; the new due time is returned")
async def resume(task_id: uuid.UUID, body: Note, uow: Uow, principal: OfficeOnly) -> dict[str, datetime | None]:
    due = await service.resume_task(uow, task_id, reason=body.reason, actor=actor_of(principal), now=datetime.now(UTC))
    return {"due_at": due}
