"""Grid workers (网格员): the grid's street (or the office) registers them; anyone on staff reads their load; the
office sets the balancing rule (派单规则) that gives a grid's case to one of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from services.dispatch.domain.workers import Balancing, GridWorker
from services.dispatch.service.access import Actor
from services.dispatch.store import DispatchStore
from services.dispatch.store.worker_register import WorkerRegister
from services.dispatch.store.workers import WorkerStore
from services.runtime.errors import NotFound, Rejected
from services.runtime.uow import UnitOfWork


@dataclass(frozen=True)
class RegisterWorkers:
    """The grid's roster as its street names it: (worker code, name) pairs."""

    grid_code: str
    workers: tuple[tuple[str, str], ...]
    actor: Actor


async def register_workers(uow: UnitOfWork, command: RegisterWorkers) -> list[GridWorker]:
    async with uow:
        store = uow.repository(WorkerStore)
        await _own_grid(store, command.grid_code, command.actor)
        await _refuse_clashing_codes(uow, command)
        before = [w.worker_code for w in await store.roster(command.grid_code) if w.active]
        await store.register(command.grid_code, command.workers, by=command.actor.name)
        after = {"workers": [code for code, _ in command.workers]}
        await uow.audit(
            action="grid.workers", entity=f"grid:{command.grid_code}", before={"workers": before}, after=after
        )
        roster = await store.roster(command.grid_code)
        await uow.commit()
    return roster


async def roster_of(uow: UnitOfWork, grid_code: str, actor: Actor) -> list[GridWorker]:
    async with uow:
        store = uow.repository(WorkerStore)
        await _own_grid(store, grid_code, actor)
        return await store.roster(grid_code)


async def _own_grid(store: WorkerStore, grid_code: str, actor: Actor) -> None:
    """The grid must be known, and the actor its street or the office (another street's grid is as if absent)."""
    street = await store.grid_street(grid_code)
    if street is None or not actor.may_act_for(street):
        raise NotFound(f"no grid {grid_code} in your street", field="grid_code", location="path")


async def _refuse_clashing_codes(uow: UnitOfWork, command: RegisterWorkers) -> None:
    """A worker's code is its task subject (``dispatch.task.assigned.v1.<code>``) and its token's scope: it may be
    neither an organisation's code (the worker would read that organisation's tasks) nor a worker's of another
    grid (registering it here would take that worker from its street). 422 naming the roster's row; the caller
    checks the grid is its own first (404), so a roster tells another street nothing."""
    codes = [code for code, _ in command.workers]
    bodies, streets = await uow.repository(DispatchStore).organisations()
    elsewhere = await uow.repository(WorkerRegister).grids_of(codes)
    for index, code in enumerate(codes):
        field = f"workers.{index}.worker_code"
        if code in bodies | streets:
            raise Rejected(f"{field}: {code!r} is an organisation's code; a grid worker needs its own", field=field)
        if elsewhere.get(code, command.grid_code) != command.grid_code:
            raise Rejected(f"{field}: {code!r} is a worker of grid {elsewhere[code]}", field=field)


async def set_balancing(uow: UnitOfWork, rule: Balancing, actor: Actor) -> None:
    async with uow:
        store = uow.repository(WorkerStore)
        before = asdict(await store.balancing())
        await store.set_balancing(rule, by=actor.name)
        await uow.audit(action="grid.balancing", entity="balancing", before=before, after=asdict(rule))
        await uow.commit()


async def balancing_of(uow: UnitOfWork) -> Balancing:
    async with uow:
        return await uow.repository(WorkerStore).balancing()
