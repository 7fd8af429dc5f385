"""The catalogue's grids (网格) as GeoJSON: the outlines as the catalogue holds them, for a map client or GIS.

Dispatch serves the same outlines as it received them (its own ``/grids.geojson``); this one is the source.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Response

from contracts.geo import feature_collection
from services.catalog.service import items as service
from services.runtime.deps import UowDep

router = APIRouter(tags=["grids (网格)"])


@router.get(
    "/grids.geojson",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}},
    summary="Every grid with its street and outline (null when it has none), as a GeoJSON FeatureCollection",
)
async def grids_geojson(uow: UowDep) -> Response:
    collection = feature_collection(await service.grids(uow))
    return Response(json.dumps(collection, ensure_ascii=False), media_type="application/geo+json")
