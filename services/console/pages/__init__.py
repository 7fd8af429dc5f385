"""The console's pages, one module per area; each module has a ``router``."""

from __future__ import annotations

from fastapi import APIRouter

from services.console.pages import (
    admission,
    board,
    cases,
    catalogue,
    enforcement,
    inbox,
    operations,
    scorecards,
    signin,
    traces,
)


def routers() -> list[APIRouter]:
    modules = (signin, board, cases, inbox, catalogue, admission, scorecards, enforcement, operations, traces)
    return [module.router for module in modules]
