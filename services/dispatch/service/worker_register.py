"""The register of grid workers (网格员) across every grid: who needs a NATS user to pull their own tasks."""

from __future__ import annotations

from services.dispatch.domain.workers import GridWorker
from services.dispatch.store.worker_register import WorkerRegister
from services.runtime.uow import UnitOfWork


async def every_worker(uow: UnitOfWork) -> list[GridWorker]:
    async with uow:
        return await uow.repository(WorkerRegister).everyone()
