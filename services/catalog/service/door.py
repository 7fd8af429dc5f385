"""唯一入口: the door every change of street duties passes (rules: ``domain.door``), and its record when the
emergency path is used: an audit row, the mark in the version's diff, and catalog.emergency.recorded.v1 for the
standing committee (区委常委会议)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from contracts.events.catalog import EmergencyRecorded
from services.catalog.domain import door
from services.catalog.domain.door import Grounds, Passage, PassedBy, Proposed
from services.catalog.domain.items import ItemSpec, Version
from services.catalog.store.door import DoorStore
from services.catalog.store.items import CatalogStore
from services.runtime.uow import UnitOfWork


def proposed(items: Sequence[ItemSpec], in_force: Mapping[str, ItemSpec], at: Callable[[int], str]) -> list[Proposed]:
    """Each incoming item beside the one in force, named where the request holds it (``at(index)``)."""
    return [Proposed(at(index), item, in_force.get(item.item_code)) for index, item in enumerate(items)]


async def admit(uow: UnitOfWork, grounds: Grounds, incoming: Sequence[Proposed], *, founding: bool) -> Passage:
    """准入把关: the approval cited (if any) as the catalogue holds it, then the door's rule."""
    cited = grounds.application_id
    approval = None if cited is None else await uow.repository(DoorStore).approval(cited)
    return door.pass_door(grounds, approval, incoming, founding=founding)


async def record_emergency(uow: UnitOfWork, passage: Passage, version: int) -> None:
    """紧急情况: audited and flagged to the committee; any other passage is recorded by the version's diff alone."""
    if passage.by is not PassedBy.EMERGENCY or passage.reason is None:
        return
    codes = tuple(sorted({w.item_code for w in passage.widened}))
    event = EmergencyRecorded(version=version, reason=passage.reason, actor=uow.actor, item_codes=codes)
    await uow.emit(event, about=f"catalogue:{version}")
    widened = [f"{w.item_code} {w.where}: {w.what}" for w in passage.widened]
    after = {"reason": passage.reason, "items": list(codes), "widened": widened}
    await uow.audit(action="catalogue.emergency", entity=f"catalogue:{version}", after=after)


async def emergencies(uow: UnitOfWork, *, limit: int) -> list[Version]:
    async with uow:
        return await uow.repository(CatalogStore).version_list(limit, marked=door.EMERGENCY_MARK)
