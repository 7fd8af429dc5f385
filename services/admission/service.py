"""Admission use cases: one transaction each, through the unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from opentelemetry import trace

from contracts.events.admission import ApplicationSubmitted
from contracts.events.catalog import ItemPublished, ItemRetired
from services.admission.domain import ApplicationStatus, Flag, KnownItem, SubmitApplication, screen
from services.admission.store import AdmissionStore
from services.runtime.errors import Forbidden, NotFound, Rejected
from services.runtime.uow import UnitOfWork


async def project_item(uow: UnitOfWork, item: ItemPublished) -> None:
    """Keep the known-items projection (已知事项) in step with the catalogue, for the automatic checks."""
    async with uow:
        known = KnownItem(item_code=item.item_code, name=item.name, version=item.version)
        await uow.repository(AdmissionStore).upsert_known(known)
        await uow.commit()


async def retire_item(uow: UnitOfWork, retired: ItemRetired) -> None:
    async with uow:
        known = KnownItem(item_code=retired.item_code, name=None, version=retired.version, retired=True)
        await uow.repository(AdmissionStore).upsert_known(known)
        await uow.commit()


async def submit_application(uow: UnitOfWork, command: SubmitApplication, *, acting_for: frozenset[str]) -> sa.Row[Any]:
    """提交准入申请: screen it automatically, keep it with its flags, tell the others it was submitted."""
    if command.department_code not in acting_for:
        raise Forbidden(f"not allowed to apply for department {command.department_code}", field="department_code")
    async with uow:
        store = uow.repository(AdmissionStore)
        screening = screen(kind=command.kind, item_code=command.item_code, known=await store.known(command.item_code))
        if screening.refusal is not None:
            raise Rejected(screening.refusal, field="item_code")
        row = await store.add_application(  # columns mirror the command's fields
            id=uuid.uuid4(),
            **vars(command),
            flags=list(screening.flags),
            status=ApplicationStatus.SUBMITTED,
            submitted_by=uow.actor,
            submitted_at=datetime.now(UTC),
        )
        span = trace.get_current_span()
        span.set_attributes({"linkage.application_id": str(row.id), "linkage.item_code": row.item_code})
        await uow.audit(action="application.submitted", entity=f"application:{row.id}", after=_jsonable(row))
        submitted = ApplicationSubmitted(
            application_id=row.id,
            department_code=command.department_code,
            kind=command.kind,
            item_code=command.item_code,
            item_name=command.item_name,
            duplicate_of_existing=Flag.DUPLICATE_OF_EXISTING in screening.flags,
            flags=tuple(str(flag) for flag in screening.flags),
        )
        await uow.emit(submitted, about=str(row.id))
        await uow.commit()
    return row


async def application_view(
    uow: UnitOfWork, application_id: uuid.UUID, *, departments: frozenset[str] | None
) -> sa.Row[Any]:
    """One application; ``departments`` (None: any) limits a department to its own."""
    async with uow:
        row = await uow.repository(AdmissionStore).application(application_id)
    if row is None:
        raise NotFound(f"no application {application_id}", field="application_id")
    if departments is not None and row.department_code not in departments:
        raise Forbidden(f"application {application_id} is another department's", field="application_id")
    return row


async def applications(uow: UnitOfWork, departments: frozenset[str] | None, *, limit: int) -> Sequence[sa.Row[Any]]:
    async with uow:
        return await uow.repository(AdmissionStore).applications_of(departments, limit=limit)


def _jsonable(row: sa.Row[Any]) -> dict[str, Any]:
    """The audit's ``after``: the row as JSON (ids and times as text)."""
    return {key: value if isinstance(value, str | int | list) else str(value) for key, value in row._mapping.items()}
