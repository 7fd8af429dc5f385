"""The demo's 363 grids laid over Longsha's real area: every grid has an outline, the outlines cover the district's
box without gap or overlap, and dispatch's atlas places each grid's centre back in that grid and street."""

from __future__ import annotations

import random

from shapely.geometry import shape

from contracts.geo import GeoPolygon
from services.dispatch.domain.places import Atlas, GridOutline
from services.platform.catalog_demo_build import grids
from services.platform.longsha_grids import LONGSHA


def test_the_demo_grids_cover_longsha_and_place_points_back_in_themselves() -> None:
    demo = grids()
    assert len(demo) == 363
    outlines = [GridOutline(g.grid_code, g.street_code, GeoPolygon.model_validate(g.geometry)) for g in demo]
    west, south, east, north = LONGSHA
    assert 47.3 < (south + north) / 2 < 47.4  # around 47.35 N
    assert 123.9 < (west + east) / 2 < 123.95  # and 123.92 E
    area = sum(shape(o.geometry.model_dump()).area for o in outlines)
    assert abs(area - (east - west) * (north - south)) < 1e-9  # no gap, no overlap
    atlas = Atlas(outlines)
    for outline in outlines:
        centre = shape(outline.geometry.model_dump()).centroid
        place = atlas.place(centre.y, centre.x)
        assert place is not None
        assert (place.grid_code, place.street_code) == (outline.grid_code, outline.street_code)
    rng = random.Random(7)
    inside = [atlas.place(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(1000)]
    assert all(place is not None for place in inside)
    assert atlas.place(39.9, 116.4) is None  # Beijing
    assert not atlas.covers_area(39.9, 116.4)
