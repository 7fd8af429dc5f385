"""Handwritten fakes for use-case tests: a unit of work that hands out in-memory repositories.

It keeps what a use case emitted and audited and whether it committed, so a test can check the one
transaction a use case is meant to be, without a database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

from contracts import IntegrationEvent
from services.runtime.uow import UnitOfWork

R = TypeVar("R")


class FakeUnitOfWork(UnitOfWork):
    def __init__(self, repositories: dict[type[Any], Any], *, actor: str = "tester") -> None:
        self._repositories = repositories
        self.actor = actor
        self.emitted: list[tuple[IntegrationEvent, str | None, str | None]] = []
        self.audited: list[dict[str, Any]] = []
        self.commits = 0
        self._claimed = None
        self._traces = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def repository(self, kind: Callable[..., R]) -> R:
        repository: R = self._repositories[kind]  # type: ignore[index]
        return repository

    async def commit(self) -> None:
        self.commits += 1

    async def emit(
        self,
        event: IntegrationEvent,
        *,
        about: str | None = None,
        token: str | None = None,
        cause: uuid.UUID | None = None,
    ) -> uuid.UUID:
        self.emitted.append((event, about, token))
        return uuid.uuid4()

    async def audit(self, **row: Any) -> None:
        self.audited.append(row)


class Row(dict[str, Any]):
    """What a repository's row looks like to a use case: attributes and ``_mapping``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as missing:
            raise AttributeError(name) from missing

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(self)
