"""GeoJSON geometry (RFC 7946) as events carry it: a grid's (网格) outline in WGS84 longitude/latitude."""

from __future__ import annotations

from typing import Literal

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
