"""Admission settings: the shared ones, and how often late reviews and silent streets are swept."""

from __future__ import annotations

from pydantic import Field

from services.runtime.settings import RuntimeSettings


class Settings(RuntimeSettings):
    sweep_interval_s: float = Field(default=300.0, gt=0, description="Seconds between deadline sweeps (超期处理)")
