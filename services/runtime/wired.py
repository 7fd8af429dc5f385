"""What the composition root wired into an app, as a route's typed dependencies.

``ServiceKit.create_app`` puts the kit on the app; :func:`kit_of` is the one place that reads it back, so routes
ask for ``KitDep``, their service's settings (:func:`settings_of`) or a part the service provided
(:func:`provided`) by type, never through ``app.state``. This module imports nothing of the runtime at run time,
so ``auth`` and ``deps`` can both build on it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

from fastapi import Depends, Request
from pydantic_settings import BaseSettings

if TYPE_CHECKING:
    from services.runtime.kit import ServiceKit

S = TypeVar("S", bound=BaseSettings)
T = TypeVar("T")


def kit_of(request: Request) -> ServiceKit:
    kit: ServiceKit = request.app.state.kit
    return kit


# The dependencies are ``async`` so that FastAPI runs them inline rather than in its thread pool.
async def _kit(request: Request) -> ServiceKit:
    return kit_of(request)


KitDep = Annotated["ServiceKit", Depends(_kit)]
"""The service's kit: engine, sessions, broker, registry."""


async def jwt_secret(request: Request) -> str:
    """The key that signs bearer tokens, from the service's settings."""
    return kit_of(request).settings.jwt_secret.get_secret_value()


def settings_of(kind: type[S]) -> Callable[[Request], Awaitable[S]]:
    """A dependency giving the service's own settings as ``kind`` (refused if the kit holds another kind)."""

    async def settings(request: Request) -> S:
        found = kit_of(request).settings
        if not isinstance(found, kind):
            raise TypeError(f"the service runs with {type(found).__name__}, not {kind.__name__}")
        return found

    return settings


def provided(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency giving the part of ``kind`` the composition root provided (``ServiceKit.provide``)."""

    async def part(request: Request) -> T:
        return kit_of(request).part(kind)

    return part
