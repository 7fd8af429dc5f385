"""Placing a report (网格定位): the grid it names, else the grid its point lies in, else nowhere (人工派遣 decides).

The atlas of grid outlines is built once per change of the grids, not per report: a process keeps the last one
with the stamp of the grids it was built from, and checks the stamp only when a report needs placing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from contracts.events.intake import CaseReported
from services.dispatch.domain.places import Atlas, GridOutline
from services.dispatch.store import DispatchStore
from services.runtime.uow import UnitOfWork


@dataclass(frozen=True)
class Located:
    """Where a report was placed, and how (kept on the case: why it went to that street)."""

    grid_code: str | None
    how: str


class Atlases:
    """The last atlas built and the grids' stamp it was built at; replicas each keep their own."""

    def __init__(self) -> None:
        self._stamp: tuple[int, int, int] | None = None
        self._atlas = Atlas(())

    async def current(self, store: DispatchStore) -> Atlas:
        stamp = await store.grids_stamp()
        if stamp != self._stamp:
            self._atlas, self._stamp = Atlas(await store.outlines()), stamp
        return self._atlas


ATLASES = Atlases()
"""The process's atlas: a memo, filled on first use (nothing is read at import)."""


async def locate_all(store: DispatchStore, reports: Mapping[uuid.UUID, CaseReported]) -> dict[uuid.UUID, Located]:
    """Each report's place; the atlas is consulted only when a report names no grid but carries a point."""
    unplaced = any(r.grid_code is None and _point(r) for r in reports.values())
    atlas = await ATLASES.current(store) if unplaced else Atlas(())
    return {cause: locate(report, atlas) for cause, report in reports.items()}


def locate(report: CaseReported, atlas: Atlas) -> Located:
    if report.grid_code is not None:
        return Located(report.grid_code, f"grid {report.grid_code}, as reported")
    point = _point(report)
    if point is None:
        return Located(None, f"no grid and no point reported; address: {report.address or 'none'}")
    place = atlas.place(*point)
    if place is None:
        return Located(None, f"the point ({point[0]}, {point[1]}) lies in no grid")
    return Located(place.grid_code, f"the point ({point[0]}, {point[1]}) lies in grid {place.grid_code}")


def _point(report: CaseReported) -> tuple[float, float] | None:
    return None if report.lat is None or report.long is None else (report.lat, report.long)


async def within_district(uow: UnitOfWork, lat: float, long: float) -> bool | None:
    """Whether the point lies within the district's grids' extent; None when no grid has an outline yet."""
    async with uow:
        atlas = await ATLASES.current(uow.repository(DispatchStore))
    return atlas.covers_area(lat, long) if atlas.outlines else None


async def grid_outlines(uow: UnitOfWork) -> list[GridOutline]:
    """Every grid with its outline, for the GeoJSON export."""
    async with uow:
        return await uow.repository(DispatchStore).outlines()
