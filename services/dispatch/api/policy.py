"""Dispatch's configured rules, handed to routes as typed dependencies from the service's settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.dispatch.settings import Settings
from services.runtime.deps import settings_of

SettingsDep = Annotated[Settings, Depends(settings_of(Settings))]


async def _ack_within_h(settings: SettingsDep) -> float:
    return settings.ack_within_working_hours


AckWithin = Annotated[float, Depends(_ack_within_h)]
"""签收时限: the working hours a dispatched task has to be acknowledged."""
