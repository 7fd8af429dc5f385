"""Events the smart-city platform (智慧城市平台) writes to the INTAKE stream."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from contracts.base import CODE_PATTERN, IntegrationEvent


class CaseReported(IntegrationEvent):
    """上报: a case reported to the district, by a grid worker, the 12345 line or a citizen."""

    TYPE: ClassVar[str] = "intake.case.reported.v1"

    source_system: str = Field(min_length=1, max_length=64, description="Reporting system, e.g. smartcity")
    source_id: str = Field(
        min_length=1, max_length=128, description="The reporting system's own case id; intake is idempotent on it"
    )
    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item (事项) the case falls under")
    grid_code: str | None = Field(
        default=None,
        pattern=CODE_PATTERN,
        description="Grid (网格) where the case was found; optional from v1.1: without it dispatch places lat/long "
        "in a grid, and a case it cannot place waits in the office's triage queue (人工派遣)",
    )
    street_code: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="Street (街道), when the reporter knows it"
    )
    description: str = Field(min_length=1, max_length=4000, description="What was reported, in the reporter's words")
    address: str | None = Field(default=None, max_length=500, description="Where, as a postal address")
    lat: float | None = Field(default=None, ge=-90, le=90, description="WGS84 latitude")
    long: float | None = Field(default=None, ge=-180, le=180, description="WGS84 longitude")
    reported_at: datetime = Field(description="When the case was reported")
    kind: str = Field(
        default="report",
        pattern=r"^(report|assisted|elderly)$",
        description="Case kind: report (上报), assisted (帮办代办, 小龙帮办: a helper handles a service for a "
        "resident) or elderly (适老: from or for an elderly resident, served first); each with its own time limit "
        "(v1.1)",
    )
    recorded_by: str | None = Field(
        default=None, max_length=100, description="The helper who recorded the request for a resident (v1.1)"
    )
