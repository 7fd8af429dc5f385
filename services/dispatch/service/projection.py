"""Dispatch's projections of other services' facts: catalogue versions, grids, street lists, admissions."""

from __future__ import annotations

from contracts.events.admission import ApplicationApproved, ApplicationKind
from contracts.events.catalog import GridMapped, ItemPublished, ItemRetired, StreetListPublished, TaskParty
from services.dispatch.domain import RoutingEntry, StreetList
from services.dispatch.domain.records import Grid
from services.dispatch.store import DispatchStore
from services.runtime.uow import UnitOfWork

COVERING_KINDS = frozenset({ApplicationKind.ADD, ApplicationKind.CHANGE})
"""Approvals that put a duty on streets; a removal reaches dispatch as the catalogue's retirement."""


async def project_item(uow: UnitOfWork, item: ItemPublished) -> None:
    """Keep every catalogue version of the item (路由表), its time limit and effective date included."""
    basis = "; ".join(f"{c.law_title} {c.article}" for c in item.legal_basis) or "none recorded"
    entry = RoutingEntry(
        item_code=item.item_code,
        name=item.name,
        responsible_body=item.responsible_body,
        co_operating_units=item.co_operating_units,
        street_codes=item.street_codes,
        version=item.version,
        basis=basis,
        domain=item.domain,
        list_kind=item.list_kind,
        time_limit=item.time_limit,
        effective_from=item.effective_from,
        street_tasks=tuple(task.text for task in item.tasks if task.party == TaskParty.STREET),
    )
    async with uow:
        await uow.repository(DispatchStore).add_version(entry)
        await uow.commit()


async def retire_item(uow: UnitOfWork, retired: ItemRetired) -> None:
    async with uow:
        await uow.repository(DispatchStore).retire_version(retired.item_code, retired.version)
        await uow.commit()


async def map_grid(uow: UnitOfWork, mapped: GridMapped) -> None:
    async with uow:
        grid = Grid(mapped.grid_code, mapped.street_code, mapped.version)
        await uow.repository(DispatchStore).map_grid(grid, mapped.geometry)
        await uow.commit()


async def project_street_list(uow: UnitOfWork, published: StreetListPublished) -> None:
    """一街一单: the street's newest published revision decides what it is dispatched."""
    street_list = StreetList(
        published.street_code, published.revision, frozenset(published.item_codes), published.filing_no
    )
    async with uow:
        await uow.repository(DispatchStore).put_street_list(street_list, catalogue_version=published.catalogue_version)
        await uow.commit()


async def project_admission(uow: UnitOfWork, approved: ApplicationApproved) -> None:
    """准入: an approved add or change covers the item on the streets it names until their lists catch up."""
    async with uow:
        if approved.kind in COVERING_KINDS and approved.item is not None:
            await uow.repository(DispatchStore).add_admission(
                approved.application_id,
                item_code=approved.item_code,
                kind=approved.kind,
                street_codes=approved.item.street_codes,
                reason=approved.reason,
            )
        await uow.commit()  # the inbox claim commits whether or not the approval covers anything
