"""The grids (网格) dispatch places reports in, as GeoJSON: what a map client or another district's GIS reads.

Outlines arrive with the catalogue's grid events (``catalog.grid.mapped.v1``); this is their export.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Response

from contracts.geo import feature_collection
from services.dispatch import service
from services.runtime.deps import UowDep as Uow

router = APIRouter(tags=["grids"])


@router.get("/grids.geojson", summary="Every grid with its outline and street, as a GeoJSON FeatureCollection")
async def grids_geojson(uow: Uow) -> Response:
    collection = feature_collection(await service.grid_outlines(uow))
    return Response(json.dumps(collection, ensure_ascii=False), media_type="application/geo+json")
