"""The demo's grids (网格) laid over Longsha district's real area (龙沙区, Qiqihar, around 47.35 N, 123.92 E).

The district's true grid boundaries are not public, so the demo partitions the district's bounding box: one
vertical band per street, each band cut into rows and each row into equal cells, one cell per grid. The cells
cover the box with no gap and no overlap, so every point in it lies in exactly one grid (edges aside).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

LONGSHA = (123.87, 47.31, 123.97, 47.39)
"""Longsha's bounding box: west, south, east, north (WGS84 degrees)."""

Box = tuple[float, float, float, float]


def lay_out(streets: Mapping[str, Sequence[str]], area: Box = LONGSHA) -> dict[str, dict[str, Any]]:
    """Each grid's outline as a GeoJSON Polygon, by grid code; ``streets``: each street's grid codes, in order."""
    west, south, east, north = area
    width = (east - west) / max(len(streets), 1)
    outlines: dict[str, dict[str, Any]] = {}
    for index, codes in enumerate(streets.values()):
        band = (west + index * width, south, west + (index + 1) * width, north)
        outlines.update(zip(codes, _cells(band, len(codes)), strict=True))
    return outlines


def _cells(band: Box, count: int) -> list[dict[str, Any]]:
    """``count`` cells filling ``band``: rows of near-square cells, the rows' cell counts spread evenly."""
    west, south, east, north = band
    rows = max(1, round(math.sqrt(count * (north - south) / (east - west)))) if count else 0
    height = (north - south) / rows if rows else 0
    cells = []
    for row in range(rows):
        across = count // rows + (1 if row < count % rows else 0)
        step = (east - west) / across
        bottom = south + row * height
        cells += [_square(west + n * step, bottom, west + (n + 1) * step, bottom + height) for n in range(across)]
    return cells


def _square(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in ring]]}
