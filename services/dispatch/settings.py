"""Dispatch settings: the shared ones and dispatch's own knobs."""

from __future__ import annotations

from pydantic import Field

from services.runtime.settings import RuntimeSettings


class Settings(RuntimeSettings):
    open311_jurisdiction: str = Field(
        default="longsha", description="Open311 jurisdiction_id this endpoint serves (LINKAGE_OPEN311_JURISDICTION)"
    )
    sweep_interval_s: float = Field(default=60.0, gt=0, description="How often the overdue sweep runs (超期检查)")
    ack_within_working_hours: float = Field(
        default=2.0,
        gt=0,
        le=80,
        description="签收时限: working hours a dispatched task has to be acknowledged before the sweep flags it "
        "(LINKAGE_ACK_WITHIN_WORKING_HOURS)",
    )
    reopen_within_days: int = Field(
        default=7,
        ge=0,
        le=365,
        description="重新打开: days after its closing within which a case may be reopened, once "
        "(LINKAGE_REOPEN_WITHIN_DAYS)",
    )
