"""Dispatch settings: the shared ones and dispatch's own knobs."""

from __future__ import annotations

from pydantic import Field

from services.runtime.settings import RuntimeSettings


class Settings(RuntimeSettings):
    open311_jurisdiction: str = Field(
        default="longsha", description="Open311 jurisdiction_id this endpoint serves (LINKAGE_OPEN311_JURISDICTION)"
    )
    sweep_interval_s: float = Field(default=60.0, gt=0, description="How often the overdue sweep runs (超期检查)")
