"""帮办代办 and 适老: a helper's request for a resident, checked where the helper can fix it, then taken like any
report (its kind gives it its own time limit and keeps it apart in the counts)."""

from __future__ import annotations

from contracts.events.intake import CaseReported
from services.dispatch.service.intake import TakenCase, take_case
from services.dispatch.service.views import service_list
from services.runtime.errors import NotFound, Rejected
from services.runtime.uow import UnitOfWork


async def take_assisted(uow: UnitOfWork, report: CaseReported, *, ack_within_h: float) -> TakenCase:
    """The item must be in force and a named grid known; without a grid, a point or an address must say where."""
    items, grids = await service_list(uow)
    if all(item.item_code != report.item_code for item in items):
        raise NotFound(f"no item {report.item_code} in force", field="item_code")
    if report.grid_code is not None and all(grid.grid_code != report.grid_code for grid in grids):
        raise Rejected(f"no grid {report.grid_code!r} is known", field="grid_code")
    if report.grid_code is None and (report.lat is None or report.long is None) and not report.address:
        raise Rejected("a place is required: grid_code, lat and long, or address", field="grid_code")
    return await take_case(uow, report, ack_within_h=ack_within_h)
