"""The register of grid workers (网格员) across every grid: who needs a NATS user to pull their own tasks."""

from __future__ import annotations

from services.dispatch.domain.workers import GridWorker
from services.dispatch.service.workers import RegisterWorkers
from services.dispatch.store import DispatchStore
from services.dispatch.store.worker_register import WorkerRegister
from services.dispatch.store.workers import WorkerStore
from services.runtime.errors import NotFound, Rejected
from services.runtime.uow import UnitOfWork


async def every_worker(uow: UnitOfWork) -> list[GridWorker]:
    async with uow:
        return await uow.repository(WorkerRegister).everyone()


async def refuse_clashing_codes(uow: UnitOfWork, command: RegisterWorkers) -> None:
    """A worker's code is its task subject (``dispatch.task.assigned.v1.<code>``) and its token's scope: it may be
    neither an organisation's code (the worker would read that organisation's tasks) nor a worker's of another
    grid (registering it here would take that worker from its street). 422 naming the roster's row; a grid not the
    caller's is not found first, so a roster tells another street nothing."""
    codes = [code for code, _ in command.workers]
    async with uow:
        street = await uow.repository(WorkerStore).grid_street(command.grid_code)
        if street is None or not command.actor.may_act_for(street):
            raise NotFound(f"no grid {command.grid_code} in your street", field="grid_code", location="path")
        bodies, streets = await uow.repository(DispatchStore).organisations()
        elsewhere = await uow.repository(WorkerRegister).grids_of(codes)
    for index, code in enumerate(codes):
        field = f"workers.{index}.worker_code"
        if code in bodies | streets:
            raise Rejected(f"{field}: {code!r} is an organisation's code; a grid worker needs its own", field=field)
        if elsewhere.get(code, command.grid_code) != command.grid_code:
            raise Rejected(f"{field}: {code!r} is a worker of grid {elsewhere[code]}", field=field)
