"""An assignee's side: its inbox, and its answers (签收, 办结, 退回, 延期申请); the office's decisions on deferrals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.dispatch import service
from services.dispatch.api.policy import AckWithin
from services.dispatch.api.roles import actor_of, assignee_of
from services.dispatch.api.schemas import (
    Completion,
    Decision,
    DeferralPublic,
    DeferralRequest,
    Note,
    Return,
    TaskPublic,
)
from services.dispatch.domain import DeferralStatus, TaskStatus
from services.dispatch.service import ReturnTask
from services.runtime.deps import Office, Staff, TaskHolder
from services.runtime.deps import UowDep as Uow

router = APIRouter(tags=["tasks"])


@router.get(
    "/tasks",
    summary="An assignee's inbox (待办): a department or grid worker sees only its own tasks, an operator none",
)
async def list_tasks(
    uow: Uow,
    principal: TaskHolder,
    status: TaskStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[TaskPublic]:
    actor = actor_of(principal)
    rows = await service.inbox(uow, actor.scopes, status=status, limit=limit)
    return [TaskPublic.model_validate(task) for task in rows]


@router.get("/tasks/{task_id}", summary="One of your tasks; another assignee's is not found")
async def get_task(task_id: uuid.UUID, uow: Uow, principal: TaskHolder) -> TaskPublic:
    return TaskPublic.model_validate(await service.task_view(uow, task_id, actor_of(principal)))


@router.post("/tasks/{task_id}/acknowledge", status_code=204, summary="签收 (报到 for a whistle)")
async def acknowledge(task_id: uuid.UUID, uow: Uow, principal: TaskHolder) -> None:
    await service.acknowledge_task(uow, task_id, actor=assignee_of(principal), now=datetime.now(UTC))


@router.post("/tasks/{task_id}/complete", status_code=204, summary="办结 with the result (反馈)")
async def complete(task_id: uuid.UUID, body: Completion, uow: Uow, principal: TaskHolder) -> None:
    actor, now = assignee_of(principal), datetime.now(UTC)
    await service.complete_task(uow, task_id, result=body.result, actor=actor, now=now)


@router.post("/tasks/{task_id}/return", summary="退回: not ours, citing the catalogue and naming who is responsible")
async def return_(
    task_id: uuid.UUID, body: Return, uow: Uow, principal: Staff, ack_within_h: AckWithin
) -> dict[str, object]:
    actor, now = assignee_of(principal), datetime.now(UTC)
    returning = ReturnTask(task_id, body.responsible_body, body.citation, body.reason, actor, now, ack_within_h)
    returned = await service.return_task(uow, returning)
    return {
        "outcome": returned.outcome,
        "rerouted_to": returned.rerouted_to,
        "returns_on_case": returned.returns_on_case,
    }


@router.post("/tasks/{task_id}/deferral", status_code=201, summary="延期/缓办申请 by the assignee, before the deadline")
async def request_deferral(
    task_id: uuid.UUID, body: DeferralRequest, uow: Uow, principal: Staff
) -> dict[str, uuid.UUID]:
    actor, now = assignee_of(principal), datetime.now(UTC)
    deferral_id = await service.request_deferral(
        uow, task_id, reason=body.reason, extension=body.extension, actor=actor, now=now
    )
    return {"deferral_id": deferral_id}


@router.post("/tasks/{task_id}/deferral/approve", summary="Approve the pending deferral: extend, or pause the clock")
async def approve_deferral(
    task_id: uuid.UUID, body: Decision, uow: Uow, principal: Office
) -> dict[str, datetime | None]:
    now = datetime.now(UTC)
    due = await service.approve_deferral(uow, task_id, note=body.note, actor=actor_of(principal), now=now)
    return {"due_at": due}


@router.post("/tasks/{task_id}/deferral/reject", status_code=204, summary="Refuse the pending deferral")
async def reject_deferral(task_id: uuid.UUID, body: Decision, uow: Uow, principal: Office) -> None:
    await service.reject_deferral(uow, task_id, note=body.note, actor=actor_of(principal), now=datetime.now(UTC))


@router.get("/tasks/{task_id}/deferrals", summary="A task's deferral requests and their decisions")
async def task_deferrals(task_id: uuid.UUID, uow: Uow, principal: Staff) -> list[DeferralPublic]:
    rows = await service.deferrals_of(uow, task_id, actor=actor_of(principal), status=None, limit=100)
    return [DeferralPublic.of(deferral) for deferral in rows]


@router.get("/deferrals", summary="The office's queue of deferral requests, newest first")
async def deferral_queue(
    uow: Uow,
    principal: Office,
    status: DeferralStatus | None = DeferralStatus.PENDING,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeferralPublic]:
    rows = await service.deferrals_of(uow, None, actor=actor_of(principal), status=status, limit=limit)
    return [DeferralPublic.of(deferral) for deferral in rows]


@router.post("/tasks/{task_id}/pause", status_code=204, summary="The office stops the clock itself (缓办)")
async def pause(task_id: uuid.UUID, body: Note, uow: Uow, principal: Office) -> None:
    await service.pause_task(uow, task_id, reason=body.reason, actor=actor_of(principal), now=datetime.now(UTC))


@router.post("/tasks/{task_id}/resume", summary="The clock runs again; the new due time is returned")
async def resume(task_id: uuid.UUID, body: Note, uow: Uow, principal: Office) -> dict[str, datetime | None]:
    due = await service.resume_task(uow, task_id, reason=body.reason, actor=actor_of(principal), now=datetime.now(UTC))
    return {"due_at": due}
