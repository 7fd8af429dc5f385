"""Dispatch's configured rules, handed to routes as dependencies (set on the app by ``create_app``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request


async def _ack_within_h(request: Request) -> float:
    hours: float = request.app.state.ack_within_h
    return hours


AckWithin = Annotated[float, Depends(_ack_within_h)]
"""签收时限: the working hours a dispatched task has to be acknowledged."""
