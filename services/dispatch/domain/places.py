"""Where a reported point lies (网格定位): lat/long → grid (网格) → street (街道), over the grids' outlines.

Pure: shapely geometry in memory, no I/O. The outlines come from the catalogue's grid events (GeoJSON Polygons);
an ``Atlas`` indexes them in an STRtree so that a point is placed in tens of microseconds among thousands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shapely import STRtree, total_bounds
from shapely.geometry import Point, box, shape

from contracts.geo import GeoPolygon


@dataclass(frozen=True)
class GridOutline:
    """A grid, its street and its outline."""

    grid_code: str
    street_code: str
    geometry: GeoPolygon


@dataclass(frozen=True)
class Place:
    """Where a point was placed."""

    grid_code: str
    street_code: str


class Atlas:
    """The grids' outlines, indexed. A point on an edge two grids share goes to the grid with the smaller code,
    so the same point always lands in the same grid."""

    def __init__(self, outlines: Sequence[GridOutline]) -> None:
        self.outlines = tuple(sorted(outlines, key=_code))
        self._shapes = [shape(o.geometry.model_dump()) for o in self.outlines]
        self._tree = STRtree(self._shapes)
        self._bounds = box(*total_bounds(self._shapes)) if self._shapes else None

    def place(self, lat: float, long: float) -> Place | None:
        """The grid holding the point, or None when it lies in none."""
        hits = self._tree.query(Point(long, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        outline = self.outlines[int(hits.min())]
        return Place(outline.grid_code, outline.street_code)

    def covers_area(self, lat: float, long: float) -> bool:
        """Whether the point lies within the district's extent (the box around every grid)."""
        return self._bounds is not None and self._bounds.intersects(Point(long, lat))


def _code(outline: GridOutline) -> str:
    return outline.grid_code
