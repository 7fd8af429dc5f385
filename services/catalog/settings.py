"""Catalogue settings: the shared ones; catalogue-only knobs join here."""

from __future__ import annotations

from pydantic import Field

from services.runtime.settings import RuntimeSettings


class Settings(RuntimeSettings):
    public_base_url: str | None = Field(
        default=None,
        description="Base of the public pages' links and QR codes (e.g. the hall's kiosk address); "
        "by default the address the request came to",
    )
