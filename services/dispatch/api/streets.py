"""A street's side: its own cases (it acts on and verifies them), its grids' workers (网格员) and their load;
the office's balancing rule (派单规则) that gives a grid's case to one of its workers."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query

from services.dispatch import service
from services.dispatch.api.roles import actor_of
from services.dispatch.api.schemas import BalancingPublic, CasePublic, Roster, WorkerPublic
from services.dispatch.domain import CaseStatus
from services.dispatch.domain.workers import Balancing
from services.dispatch.service import RegisterWorkers
from services.dispatch.service.worker_register import every_worker
from services.runtime.deps import Office, OfficeOrOperator, Staff, StreetOrOffice
from services.runtime.deps import UowDep as Uow

router = APIRouter(tags=["streets"])


@router.get("/streets/{street_code}/cases", summary="本街道案件: a street's own cases, newest first")
async def street_cases(
    street_code: str,
    uow: Uow,
    principal: StreetOrOffice,
    status: CaseStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CasePublic]:
    found = await service.street_cases(uow, street_code, actor_of(principal, "street"), status=status, limit=limit)
    return [CasePublic.model_validate(replace(case, tasks=())) for case, _primary in found]


@router.put("/grids/{grid_code}/workers", summary="网格员名册: the grid's street registers its workers")
async def register(grid_code: str, body: Roster, uow: Uow, principal: StreetOrOffice) -> list[WorkerPublic]:
    workers = tuple((w.worker_code, w.name) for w in body.workers)
    command = RegisterWorkers(grid_code, workers, actor_of(principal, "street"))
    return [WorkerPublic.model_validate(w) for w in await service.register_workers(uow, command)]


@router.get("/grids/{grid_code}/workers", summary="A grid's workers with the live tasks each holds (load)")
async def roster(grid_code: str, uow: Uow, principal: StreetOrOffice) -> list[WorkerPublic]:
    workers = await service.roster_of(uow, grid_code, actor_of(principal, "street"))
    return [WorkerPublic.model_validate(w) for w in workers]


@router.get("/grid-workers", summary="Every grid's workers, active or not: the register NATS accounts are made from")
async def every_grid_worker(uow: Uow, _: OfficeOrOperator) -> list[WorkerPublic]:
    return [WorkerPublic.model_validate(w) for w in await every_worker(uow)]


@router.get("/grid-workers/rule", summary="派单规则: how a grid's case picks its worker")
async def rule(uow: Uow, _: Staff) -> BalancingPublic:
    return BalancingPublic.model_validate(await service.balancing_of(uow))


@router.put("/grid-workers/rule", summary="The office sets the balancing rule")
async def set_rule(body: BalancingPublic, uow: Uow, principal: Office) -> BalancingPublic:
    await service.set_balancing(uow, Balancing(body.rule, body.cap), actor_of(principal))
    return body
