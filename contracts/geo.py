"""GeoJSON geometry (RFC 7946) as events carry it: a grid's (网格) outline in WGS84 longitude/latitude."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_RING = 5000
"""Positions in one ring: a street-level outline needs hundreds at most; the cap bounds a message."""

Position = tuple[float, float]
Ring = list[Position]


class GeoPolygon(BaseModel):
    """A GeoJSON Polygon: an outer ring, then holes; each ring closed (first position = last), [long, lat]."""

    model_config = ConfigDict(frozen=True)

    type: Literal["Polygon"] = Field(default="Polygon", description="GeoJSON geometry type")
    coordinates: list[Ring] = Field(
        min_length=1, max_length=50, description="Rings of [longitude, latitude] positions (WGS84); the first is outer"
    )

    @model_validator(mode="after")
    def _rings_closed(self) -> GeoPolygon:
        for number, ring in enumerate(self.coordinates):
            if not 4 <= len(ring) <= MAX_RING or ring[0] != ring[-1]:
                raise ValueError(f"ring {number} must be closed and hold 4 to {MAX_RING} positions")
            if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in ring):
                raise ValueError(f"ring {number} holds a position outside longitude -180..180, latitude -90..90")
        return self


class Gridded(Protocol):
    """A grid as catalog holds it (its outline optional) or as dispatch projects it."""

    @property
    def grid_code(self) -> str: ...

    @property
    def street_code(self) -> str: ...

    @property
    def geometry(self) -> GeoPolygon | None: ...


def feature_collection(grids: Iterable[Gridded]) -> dict[str, Any]:
    """网格图: the grids as a GeoJSON FeatureCollection (RFC 7946), each feature's id its grid code; a grid held
    without an outline is a feature whose geometry is null, as RFC 7946 allows for an unlocated feature."""
    features = [
        {
            "type": "Feature",
            "id": g.grid_code,
            "geometry": g.geometry.model_dump(mode="json") if g.geometry is not None else None,
            "properties": {"grid_code": g.grid_code, "street_code": g.street_code},
        }
        for g in grids
    ]
    return {"type": "FeatureCollection", "features": features}
