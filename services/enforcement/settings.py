"""Enforcement settings: the shared ones; enforcement-only knobs join here."""

from __future__ import annotations

from services.runtime.settings import RuntimeSettings


class Settings(RuntimeSettings):
    pass
