"""FastAPI dependencies every service's routes use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from services.runtime.auth import Principal, optional_principal
from services.runtime.uow import UnitOfWork

if TYPE_CHECKING:
    from services.runtime.kit import ServiceKit


def kit_of(request: Request) -> ServiceKit:
    kit: ServiceKit = request.app.state.kit
    return kit


async def _uow(request: Request, principal: Annotated[Principal | None, Depends(optional_principal)]) -> UnitOfWork:
    return kit_of(request).uow(actor=principal.subject if principal else "anonymous")


UowDep = Annotated[UnitOfWork, Depends(_uow)]
"""A fresh unit of work whose audit rows name the caller."""
