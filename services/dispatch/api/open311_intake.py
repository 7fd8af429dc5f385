"""An Open311 POST's fields as a report: where (lat/long, an address, or the grid attribute), what, of which kind.

Each value is checked where a client can fix it: a grid not among the service definition's values, or a point
outside the district, is a 400 naming the field and the value. A point inside the district that lies in no grid,
or an address alone, is accepted: the office places it by hand (人工派遣).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, datetime

from pydantic import ValidationError

from contracts.events.intake import CaseReported
from services.dispatch.api.open311_format import Open311Error

ATTRIBUTE_FIELDS = {"grid_code": "attribute[grid_code]", "street_code": "attribute[street_code]"}
RENAMED = {"item_code": "service_code", "address": "address_string", **ATTRIBUTE_FIELDS}


def grid_attribute(grids: Collection[tuple[str, str]]) -> dict[str, object]:
    """The grid attribute of a service definition: a singlevaluelist of the grids, optional when lat/long is sent."""
    return {
        "variable": True,
        "code": "grid_code",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "The grid (网格) the request lies in; without it, lat and long place the request",
        "order": 1,
        "description": "网格 Grid",
        "values": [{"key": code, "name": f"{code} ({street})"} for code, street in grids],
    }


def report_of(fields: dict[str, str], source: str, *, grids: Collection[str]) -> CaseReported:
    """The report a POST makes; ``grids``: the values the service definition lists."""
    _require(fields)
    grid = fields.get("attribute[grid_code]") or None
    if grid is not None and grid not in grids:
        raise Open311Error(400, f"attribute[grid_code]: {grid!r} is not one of the service definition's values")
    try:
        return _report(fields, source, grid)
    except ValidationError as error:
        problem = error.errors()[0]
        name = str(problem["loc"][0]) if problem["loc"] else "request"
        raise Open311Error(400, f"{RENAMED.get(name, name)}: {problem['msg']}") from error


def _require(fields: dict[str, str]) -> None:
    if not fields.get("service_code"):
        raise Open311Error(400, "service_code is required")
    point = fields.get("lat") and fields.get("long")
    if not (point or fields.get("address_string") or fields.get("address_id") or fields.get("attribute[grid_code]")):
        raise Open311Error(400, "a location is required: lat and long, address_string, or attribute[grid_code]")


def _report(fields: dict[str, str], source: str, grid: str | None) -> CaseReported:
    return CaseReported(
        source_system=source,
        source_id=fields.get("source_id") or str(uuid.uuid4()),
        item_code=fields["service_code"],
        grid_code=grid,
        street_code=fields.get("attribute[street_code]") or None,
        description=fields.get("description") or f"Open311 request for {fields['service_code']}",
        address=fields.get("address_string") or fields.get("address_id"),
        lat=fields.get("lat") or None,  # pydantic parses the form's text
        long=fields.get("long") or None,
        reported_at=datetime.now(UTC),
    )


def check_area(report: CaseReported, *, inside: bool | None) -> None:
    """A point outside the district is the client's mistake (400); ``inside`` None: no outlines known to judge by."""
    if report.grid_code is None and inside is False:
        raise Open311Error(400, f"lat/long: ({report.lat}, {report.long}) lies outside the district's grids")
