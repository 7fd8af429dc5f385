"""Enforcement use cases: one transaction each, through the unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from opentelemetry import trace

from contracts.events.catalog import ItemPublished, ItemRetired
from contracts.events.enforcement import MatterRegistered
from services.enforcement.domain import PowerListEntry, RegisterMatter, entry_for, matter_refusal
from services.enforcement.store import EnforcementStore
from services.runtime.errors import Conflict, Rejected
from services.runtime.uow import UnitOfWork


async def project_item(uow: UnitOfWork, item: ItemPublished) -> None:
    """Keep the power-list projection (行政权力清单) in step with the catalogue."""
    entry = entry_for(item_code=item.item_code, name=item.name, list_kind=item.list_kind, version=item.version)
    async with uow:
        await uow.repository(EnforcementStore).upsert_entry(entry)
        await uow.commit()


async def retire_item(uow: UnitOfWork, retired: ItemRetired) -> None:
    entry = PowerListEntry(item_code=retired.item_code, name=None, version=retired.version, listed=False)
    async with uow:
        await uow.repository(EnforcementStore).upsert_entry(entry)
        await uow.commit()


async def register_matter(uow: UnitOfWork, command: RegisterMatter) -> sa.Row[Any]:
    """登记抽查事项: a matter rests on a listed power item; one per item and department."""
    async with uow:
        store = uow.repository(EnforcementStore)
        if (refusal := matter_refusal(command.item_code, await store.entry(command.item_code))) is not None:
            raise Rejected(refusal, field="item_code")
        row = await store.add_matter(
            id=uuid.uuid4(), **vars(command), registered_by=uow.actor, registered_at=datetime.now(UTC)
        )
        if row is None:
            message = f"department {command.department_code} already has a matter on item {command.item_code}"
            raise Conflict(message, field="item_code")
        trace.get_current_span().set_attributes({"linkage.matter_id": str(row.id), "linkage.item_code": row.item_code})
        await uow.audit(action="matter.registered", entity=f"matter:{row.id}", after=_jsonable(row))
        registered = MatterRegistered(
            matter_id=row.id, item_code=row.item_code, name=row.name, department_code=row.department_code
        )
        await uow.emit(registered, about=str(row.id))
        await uow.commit()
    return row


async def matters(uow: UnitOfWork, department_code: str | None, *, limit: int) -> Sequence[sa.Row[Any]]:
    async with uow:
        return await uow.repository(EnforcementStore).matters_of(department_code, limit=limit)


async def power_list(uow: UnitOfWork) -> Sequence[sa.Row[Any]]:
    async with uow:
        return await uow.repository(EnforcementStore).listed()


def _jsonable(row: sa.Row[Any]) -> dict[str, Any]:
    """The audit's ``after``: the row as JSON (ids and times as text)."""
    return {key: value if isinstance(value, str | int | list) else str(value) for key, value in row._mapping.items()}
